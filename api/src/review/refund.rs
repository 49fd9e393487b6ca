//! The refund kind of review task (多缴退费申请, R-REF-1…5) as the queue
//! dispatches it: its code, label and role, and its effects, which are
//! use cases in [`qibao_app::refunds::review`].

use qibao_app::refunds::review::{self as effects, KIND};
use qibao_db::DbConn;
use qibao_db::review::ReviewTask;
use time::PrimitiveDateTime;

use crate::auth::{Principal, StaffRole};
use crate::problem::ApiError;
use crate::review::ReviewKind;

/// The registered kind.
pub struct RefundReview;

pub static REFUND: RefundReview = RefundReview;

impl ReviewKind for RefundReview {
    fn code(&self) -> &'static str {
        KIND.code
    }

    fn label_zh(&self) -> &'static str {
        KIND.label_zh
    }

    /// `KIND.required_role` (a test checks they agree).
    fn required_role(&self) -> StaffRole {
        StaffRole::Reviewer
    }

    fn one_open_per_unit(&self) -> bool {
        KIND.one_open_per_unit
    }

    fn apply_approval(
        &self,
        conn: &mut DbConn,
        task: &ReviewTask,
        reviewer: &Principal,
        now: PrimitiveDateTime,
    ) -> Result<(), ApiError> {
        Ok(effects::approve(conn, task, reviewer, now)?)
    }

    fn on_rejection(
        &self,
        conn: &mut DbConn,
        task: &ReviewTask,
        reviewer: &Principal,
        now: PrimitiveDateTime,
    ) -> Result<(), ApiError> {
        Ok(effects::reject(conn, task, reviewer, now)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::kind_info;

    #[test]
    fn the_registered_kind_is_the_one_the_use_cases_file() {
        assert_eq!(kind_info(&REFUND), KIND);
    }
}
