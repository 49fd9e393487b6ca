//! The queue's dispatch by kind: every registered kind of review task
//! ([`KINDS`]), and the steps a reviewer takes on a task — claim, release,
//! approve (which applies the kind's effect), reject — each in the caller's
//! transaction. A reviewer acts only on tasks whose staff role they hold.

use qibao_db::ids::ReviewTaskId;
use qibao_db::review::{self as store, ReviewTask, status};
use qibao_db::{DbConn, OptionalExt};
use time::PrimitiveDateTime;

use super::{Kind, labour_contract, record_event, refund, unit_key_change};
use crate::actor::AsActor;
use crate::error::{AppError, ErrorCode};

/// Who decides review tasks: an actor who may hold staff roles.
pub trait Reviewer: AsActor {
    /// 403 `FORBIDDEN` unless the reviewer holds the staff role `role`
    /// (its code, e.g. `reviewer`).
    fn require_role(&self, role: &str) -> Result<(), AppError>;
}

/// One kind of review task. See the module docs of [`super`] for how to
/// add one.
pub trait ReviewKind: Sync {
    /// Stable code, stored as `review_tasks.kind` and as the business
    /// item's kind (`unit_key_change`).
    fn code(&self) -> &'static str;
    /// What staff and units read (单位关键信息变更).
    fn label_zh(&self) -> &'static str;
    /// The code of the staff role that claims and decides it (`reviewer`).
    fn required_role(&self) -> &'static str;
    /// Whether a unit may have only one undecided task of this kind
    /// (enforced by the unique index `review_tasks_unit_id_open_key_key`).
    fn one_open_per_unit(&self) -> bool {
        false
    }
    /// Applies the approved request, in the approval's transaction. An error
    /// rolls the whole approval back (the task stays claimed).
    fn apply_approval(
        &self,
        conn: &mut DbConn,
        task: &ReviewTask,
        reviewer: &dyn AsActor,
        now: PrimitiveDateTime,
    ) -> Result<(), AppError>;
    /// Undoes what submitting reserved, in the rejection's transaction.
    fn on_rejection(
        &self,
        _conn: &mut DbConn,
        _task: &ReviewTask,
        _reviewer: &dyn AsActor,
        _now: PrimitiveDateTime,
    ) -> Result<(), AppError> {
        Ok(())
    }
}

/// Every kind of review task.
pub static KINDS: &[&dyn ReviewKind] = &[
    &unit_key_change::UnitKeyChange,
    &labour_contract::LABOUR_CONTRACT,
    &labour_contract::EMPLOYEE_BACK_PAY,
    &refund::REFUND,
    &crate::pension::retirement::NORMAL,
    &crate::pension::retirement::SPECIAL_WORK,
    &crate::pension::retirement::ILLNESS,
    &crate::pension::life::DEATH_BENEFIT,
    &crate::unemployment::UNEMPLOYMENT_CLAIM,
    &crate::unemployment::stabilisation::STABILISATION_REFUND,
];

/// The registered kind with this code.
pub fn kind(code: &str) -> Option<&'static dyn ReviewKind> {
    KINDS.iter().copied().find(|k| k.code() == code)
}

fn kind_of(task: &ReviewTask) -> Result<&'static dyn ReviewKind, AppError> {
    kind(&task.kind).ok_or_else(|| {
        AppError::internal_cause(format_args!(
            "review task {} has unregistered kind {}",
            task.id, task.kind
        ))
    })
}

/// The Chinese label of a kind code (the code itself when unknown).
pub fn kind_label(code: &str) -> &str {
    qibao_core::business_item::label_of(code)
}

/// What the use cases need to know of a registered kind to file a task.
pub fn kind_info(kind: &dyn ReviewKind) -> Kind {
    Kind {
        code: kind.code(),
        label_zh: kind.label_zh(),
        required_role: kind.required_role(),
        one_open_per_unit: kind.one_open_per_unit(),
    }
}

/// 404 `TASK_NOT_FOUND`.
pub fn task_not_found() -> AppError {
    AppError::new(ErrorCode::TaskNotFound)
}

/// Loads a task the reviewer may act on: 404 when it does not exist, 403
/// when the reviewer lacks its role.
pub fn load_for(
    conn: &mut DbConn,
    id: ReviewTaskId,
    reviewer: &(impl Reviewer + ?Sized),
) -> Result<(ReviewTask, &'static dyn ReviewKind), AppError> {
    let task = store::get_task(conn, id)
        .optional()?
        .ok_or_else(task_not_found)?;
    let kind = kind_of(&task)?;
    reviewer.require_role(kind.required_role())?;
    Ok((task, kind))
}

/// Why a step is not possible in the task's current state (409).
fn state_conflict(task: &ReviewTask, me: &str) -> AppError {
    match task.status.as_str() {
        status::OPEN => AppError::new(ErrorCode::TaskNotClaimed),
        status::CLAIMED if task.claimed_by.as_deref() != Some(me) => {
            AppError::new(ErrorCode::TaskClaimed)
                .with_detail("该审核任务已由其他审核人员认领，不能重复认领或代为办理。")
        }
        status::APPROVED | status::REJECTED => AppError::new(ErrorCode::TaskDecided),
        _ => AppError::new(ErrorCode::TaskState),
    }
}

/// Claims an open task for the reviewer. Claiming one's own claimed task
/// again changes nothing; a task claimed by someone else is 409
/// `TASK_CLAIMED`, a decided one 409 `TASK_DECIDED`.
pub fn claim(
    conn: &mut DbConn,
    id: ReviewTaskId,
    reviewer: &(impl Reviewer + ?Sized),
    now: PrimitiveDateTime,
) -> Result<ReviewTask, AppError> {
    let (task, _) = load_for(conn, id, reviewer)?;
    let me = reviewer.as_actor().name;
    if store::claim_task(conn, task.id, &me, now)? {
        record_event(conn, task.id, "claimed", reviewer, now, None)?;
        return Ok(store::get_task(conn, task.id)?);
    }
    let task = store::get_task(conn, task.id)?;
    if task.status == status::CLAIMED && task.claimed_by.as_deref() == Some(me.as_str()) {
        return Ok(task);
    }
    Err(match task.status.as_str() {
        status::CLAIMED => AppError::new(ErrorCode::TaskClaimed),
        _ => state_conflict(&task, &me),
    })
}

/// Puts the reviewer's claimed task back in the queue.
pub fn release(
    conn: &mut DbConn,
    id: ReviewTaskId,
    reviewer: &(impl Reviewer + ?Sized),
    now: PrimitiveDateTime,
) -> Result<ReviewTask, AppError> {
    let (task, _) = load_for(conn, id, reviewer)?;
    let me = reviewer.as_actor().name;
    if !store::release_task(conn, task.id, &me, now)? {
        return Err(state_conflict(&store::get_task(conn, task.id)?, &me));
    }
    record_event(conn, task.id, "released", reviewer, now, None)?;
    Ok(store::get_task(conn, task.id)?)
}

/// Approves the reviewer's claimed task and applies its effect.
pub fn approve(
    conn: &mut DbConn,
    id: ReviewTaskId,
    reviewer: &impl Reviewer,
    note: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<ReviewTask, AppError> {
    let (task, kind) = load_for(conn, id, reviewer)?;
    let me = reviewer.as_actor().name;
    if !store::decide_task(conn, task.id, &me, status::APPROVED, None, now)? {
        return Err(state_conflict(&store::get_task(conn, task.id)?, &me));
    }
    let task = store::get_task(conn, task.id)?;
    record_event(conn, task.id, "approved", reviewer, now, note)?;
    kind.apply_approval(conn, &task, reviewer, now)?;
    store::set_business_item_status(conn, task.business_item_id, "approved", None, now)?;
    Ok(task)
}

/// Rejects the reviewer's claimed task with the reason the unit reads.
pub fn reject(
    conn: &mut DbConn,
    id: ReviewTaskId,
    reviewer: &impl Reviewer,
    reason: &str,
    now: PrimitiveDateTime,
) -> Result<ReviewTask, AppError> {
    let (task, kind) = load_for(conn, id, reviewer)?;
    let me = reviewer.as_actor().name;
    if !store::decide_task(conn, task.id, &me, status::REJECTED, Some(reason), now)? {
        return Err(state_conflict(&store::get_task(conn, task.id)?, &me));
    }
    let task = store::get_task(conn, task.id)?;
    record_event(conn, task.id, "rejected", reviewer, now, Some(reason))?;
    kind.on_rejection(conn, &task, reviewer, now)?;
    store::set_business_item_status(conn, task.business_item_id, "rejected", None, now)?;
    Ok(task)
}
