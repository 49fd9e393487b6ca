//! The review queue (审核) as the API sees it. The queue, its dispatch by
//! kind, every kind's effects and the units' requests are use cases in
//! [`qibao_app::review`]; what stays here is HTTP: the paging parameters of
//! lists and how the API's authenticated caller acts as a reviewer.

pub mod material;

pub use qibao_app::review::PageInfo;

use qibao_app::AppError;
use qibao_app::review::Reviewer;
use qibao_db::review::PageReq;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Principal, StaffRole};
use crate::http::problem::ApiError;

/// A staff member decides the tasks of the staff roles they hold.
impl Reviewer for Principal {
    fn require_role(&self, role: &str) -> Result<(), AppError> {
        let role = StaffRole::parse(role)
            .ok_or_else(|| AppError::internal_cause(format_args!("unknown staff role {role}")))?;
        self.require_staff_role(role)
            .map_err(|e| AppError::forbidden(e.code().to_owned(), e.detail()))
    }
}

/// `page` and `page_size` of a list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number from 1 (default 1).
    #[param(example = 1)]
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 20).
    #[param(example = 20)]
    pub page_size: Option<i64>,
}

impl PageParams {
    /// The page asked for, or 400 naming the bad parameter.
    pub fn parse(&self) -> Result<PageReq, ApiError> {
        let page = self.page.unwrap_or(1);
        let page_size = self.page_size.unwrap_or(20);
        let mut errors = Vec::new();
        if !(1..=1_000_000).contains(&page) {
            errors.push(crate::http::problem::FieldError::new(
                "page",
                "页码应为不小于1的整数。",
            ));
        }
        if !(1..=200).contains(&page_size) {
            errors.push(crate::http::problem::FieldError::new(
                "page_size",
                "每页条数应在1至200之间。",
            ));
        }
        if errors.is_empty() {
            Ok(PageReq { page, page_size })
        } else {
            Err(ApiError::validation(errors))
        }
    }
}
