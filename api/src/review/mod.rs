//! The review queue (审核) as the API sees it. The queue, its dispatch by
//! kind, every kind's effects and the units' requests are use cases in
//! [`qibao_app::review`]; what stays here is HTTP: how the API's
//! authenticated caller acts as a reviewer (lists page through
//! [`crate::http::paging`]).

pub mod material;

use qibao_app::AppError;
use qibao_app::review::Reviewer;

use crate::auth::{Principal, StaffRole};

/// A staff member decides the tasks of the staff roles they hold.
impl Reviewer for Principal {
    fn require_role(&self, role: &str) -> Result<(), AppError> {
        let role = StaffRole::parse(role)
            .ok_or_else(|| AppError::internal_cause(format_args!("unknown staff role {role}")))?;
        self.require_staff_role(role)
            .map_err(|e| AppError::new(e.code()).with_detail(e.detail()))
    }
}
