//! The review queue (审核) as the API sees it. The queue, its dispatch by
//! kind and every kind's effects are use cases in [`qibao_app::review`];
//! what stays here is HTTP: the paging parameters of lists, how the API's
//! authenticated caller acts as a reviewer, and submitting for a unit's
//! endpoint with the caller's principal.

pub mod material;
pub mod unit_key_change;

pub use qibao_app::review::{
    PageInfo, ReviewKind, Reviewer, event_label, iso, json_of, kind_info, labour_contract,
};

use qibao_app::AppError;
use qibao_db::DbConn;
use qibao_db::review::{PageReq, ReviewTask};
use qibao_db::rows::BusinessItem;
use serde::Deserialize;
use serde_json::Value;
use time::PrimitiveDateTime;
use utoipa::IntoParams;

use crate::auth::{Principal, StaffRole};
use crate::problem::ApiError;

/// A staff member decides the tasks of the staff roles they hold.
impl Reviewer for Principal {
    fn require_role(&self, role: &str) -> Result<(), AppError> {
        let role = StaffRole::parse(role)
            .ok_or_else(|| AppError::internal_cause(format_args!("unknown staff role {role}")))?;
        self.require_staff_role(role)
            .map_err(|e| AppError::forbidden(e.code().to_owned(), e.detail()))
    }
}

/// What a unit submits for review.
#[derive(Clone)]
pub struct Submission<'a> {
    pub unit_id: i64,
    pub kind: &'static dyn ReviewKind,
    /// What the approval needs to apply the request (kind-specific JSON).
    pub payload: Value,
    /// Supporting materials; each must belong to `unit_id`.
    pub material_ids: &'a [i64],
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Submits a request for review, in the caller's transaction (see
/// [`qibao_app::review::submit`]): a material of another unit (or none) is
/// 422 `MATERIAL_NOT_FOUND`; a second undecided task of a one-per-unit kind
/// is 409 `REVIEW_PENDING`.
pub fn submit(
    conn: &mut DbConn,
    principal: &Principal,
    s: Submission<'_>,
    now: PrimitiveDateTime,
) -> Result<(BusinessItem, ReviewTask), ApiError> {
    Ok(qibao_app::review::submit(
        conn,
        principal,
        qibao_app::review::Submission {
            unit_id: s.unit_id,
            kind: kind_info(s.kind),
            payload: s.payload,
            material_ids: s.material_ids,
            before: s.before,
            after: s.after,
        },
        now,
    )?)
}

/// 409 `REVIEW_PENDING`: the unit already has an undecided request of this kind.
pub fn review_pending(kind: &dyn ReviewKind) -> ApiError {
    qibao_app::review::review_pending(kind.label_zh()).into()
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
            errors.push(crate::FieldError::new("page", "页码应为不小于1的整数。"));
        }
        if !(1..=200).contains(&page_size) {
            errors.push(crate::FieldError::new(
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
