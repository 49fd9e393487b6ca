//! Refund applications decided by a reviewer (多缴退费, R-REF-1…5, kind
//! `refund`): the effects of approval and rejection, which the review
//! queue's dispatcher ([`crate::review::dispatch`]) runs in the decision's
//! transaction.
//!
//! The unit's application is planned by `qibao_core::refund` and stored as a
//! `refund_applications` row (status `pending_review`) with its lines, which
//! are live from the start: no second application can take them meanwhile.
//! Approval moves the application to `approved` (finance then pays it out,
//! [`super::payout`]); rejection moves it to `rejected` with the reviewer's
//! reason and frees its lines, so the unit may apply again.

use qibao_core::business_item::BusinessItemKind;
use qibao_core::employment::LineStatus;
use qibao_db::DbConn;
use qibao_db::assessments as lines_db;
use qibao_db::ids::AssessmentId;
use qibao_db::refunds::{self as refunds_db, RefundApplication};
use qibao_db::review::{self as store, ReviewTask};
use time::PrimitiveDateTime;

use crate::actor::AsActor;
use crate::error::{AppError, ErrorCode};
use crate::review::Kind;

/// The kind code (also the business item's kind).
pub const KIND_REFUND: BusinessItemKind = BusinessItemKind::Refund;

/// The kind as the review queue files it: decided by a reviewer; a unit
/// may have several undecided refund applications (one per line is kept by
/// the database).
pub const KIND: Kind = Kind {
    code: KIND_REFUND.code(),
    label_zh: "多缴退费申请",
    required_role: "reviewer",
    one_open_per_unit: false,
};

/// The application a task decides.
fn application_of(conn: &mut DbConn, task: &ReviewTask) -> Result<RefundApplication, AppError> {
    refunds_db::find_by_item(conn, task.business_item_id)?.ok_or_else(|| {
        AppError::internal_cause(format_args!(
            "refund task {} has no application (item {})",
            task.id, task.business_item_id
        ))
    })
}

/// 409 `REFUND_STATE`: the application is no longer pending.
fn not_pending(a: &RefundApplication) -> AppError {
    AppError::new(ErrorCode::RefundState)
        .with_detail(format!("退费申请{}当前状态不能审核。", a.refund_no))
}

/// The application becomes `approved`, once every line is still paid
/// (the tax side refuses to reverse a payment under a live refund, so
/// this holds unless data was changed by hand). In the approval's
/// transaction.
pub fn approve(
    conn: &mut DbConn,
    task: &ReviewTask,
    reviewer: &(impl AsActor + ?Sized),
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    let app = application_of(conn, task)?;
    let lines = refunds_db::lines_of(conn, app.id)?;
    let ids: Vec<AssessmentId> = lines.iter().map(|l| l.assessment_id).collect();
    for a in lines_db::get_many(conn, &ids)? {
        if a.status != LineStatus::Paid {
            return Err(
                AppError::new(ErrorCode::RefundLineNotPaid).with_detail(format!(
                    "{}期险种{}的缴费已不是到账状态，不能批准退费，请核实后驳回。",
                    a.period, a.insurance
                )),
            );
        }
    }
    let note = store::events_of_task(conn, task.id)?
        .into_iter()
        .rev()
        .find(|e| e.event == "approved")
        .and_then(|e| e.note);
    if !refunds_db::set_reviewed(
        conn,
        app.id,
        refunds_db::APPROVED,
        &reviewer.as_actor().name,
        note.as_deref(),
        now,
    )? {
        return Err(not_pending(&app));
    }
    Ok(())
}

/// The application becomes `rejected` with the reason, and its lines are
/// freed. In the rejection's transaction.
pub fn reject(
    conn: &mut DbConn,
    task: &ReviewTask,
    reviewer: &(impl AsActor + ?Sized),
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    let app = application_of(conn, task)?;
    if !refunds_db::set_reviewed(
        conn,
        app.id,
        refunds_db::REJECTED,
        &reviewer.as_actor().name,
        task.reason.as_deref(),
        now,
    )? {
        return Err(not_pending(&app));
    }
    refunds_db::free_lines(conn, app.id)?;
    Ok(())
}
