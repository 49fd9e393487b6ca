//! The refund kind of review task (多缴退费申请, R-REF-1…5) as the queue
//! dispatches it: its code, label and role, and its effects, which are
//! use cases in [`crate::refunds::review`].

use qibao_db::DbConn;
use qibao_db::review::ReviewTask;
use time::PrimitiveDateTime;

use super::ReviewKind;
use crate::actor::AsActor;
use crate::error::AppError;
use crate::refunds::review::{self as effects, KIND};

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

    fn required_role(&self) -> &'static str {
        KIND.required_role
    }

    fn one_open_per_unit(&self) -> bool {
        KIND.one_open_per_unit
    }

    fn apply_approval(
        &self,
        conn: &mut DbConn,
        task: &ReviewTask,
        reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        effects::approve(conn, task, reviewer, now)
    }

    fn on_rejection(
        &self,
        conn: &mut DbConn,
        task: &ReviewTask,
        reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        effects::reject(conn, task, reviewer, now)
    }
}
