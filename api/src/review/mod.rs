//! The review queue (审核): one mechanism for every business a back-office
//! reviewer must decide — key-information changes now, labour-contract
//! back-pay, refunds and others later (DOMAIN "Counter service model":
//! tasks by role, every step timed and attributed, 受理绩效可考, 全程可视).
//!
//! A unit's request becomes a business item (办件, status `pending_review`)
//! with its supporting materials linked, a review task (`review_tasks`) that
//! needs a staff role, and a `created` event. A reviewer with that role
//! claims the task (`open` → `claimed`; a conditional UPDATE, so of
//! concurrent claims exactly one wins), and then approves or rejects it, or
//! releases it back to the queue. Approval applies the kind's effect in the
//! same transaction and sets the business item `approved`; rejection sets it
//! `rejected` with the reason the unit reads. Each step is one
//! `review_task_events` row (who, when, note).
//!
//! # Adding a kind of task
//!
//! 1. Write `review/<kind>.rs` with a unit struct implementing
//!    [`ReviewKind`]: its code (also the business item's kind), Chinese
//!    label, the staff role that decides it, whether a unit may have only
//!    one undecided task of it, and what approval (and rejection) does.
//! 2. Add it to [`KINDS`] — the one list the staff endpoints dispatch on.
//! 3. In the unit's endpoint, validate the request, then call [`submit`] in
//!    the handler's transaction with the kind, the payload the approval
//!    needs, the material ids and the before/after values.
//!
//! Nothing else changes: listing, claiming, releasing, approving and
//! rejecting work for every registered kind.

pub mod labour_contract;
pub mod material;
pub mod refund;
pub mod unit_key_change;

use qibao_db::review::{self as store, PageReq, ReviewTask, status};
use qibao_db::rows::BusinessItem;
use qibao_db::{DbConn, OptionalExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::PrimitiveDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Principal, StaffRole};
use crate::problem::ApiError;

/// One kind of review task. See the module docs for how to add one.
pub trait ReviewKind: Sync {
    /// Stable code, stored as `review_tasks.kind` and as the business
    /// item's kind (`unit_key_change`).
    fn code(&self) -> &'static str;
    /// What staff and units read (单位关键信息变更).
    fn label_zh(&self) -> &'static str;
    /// The staff role that claims and decides it.
    fn required_role(&self) -> StaffRole;
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
        reviewer: &Principal,
        now: PrimitiveDateTime,
    ) -> Result<(), ApiError>;
    /// Undoes what submitting reserved, in the rejection's transaction.
    fn on_rejection(
        &self,
        _conn: &mut DbConn,
        _task: &ReviewTask,
        _reviewer: &Principal,
        _now: PrimitiveDateTime,
    ) -> Result<(), ApiError> {
        Ok(())
    }
}

/// Every kind of review task.
pub static KINDS: &[&dyn ReviewKind] = &[
    &unit_key_change::UnitKeyChange,
    &labour_contract::LABOUR_CONTRACT,
    &labour_contract::EMPLOYEE_BACK_PAY,
    &refund::REFUND,
];

/// The registered kind with this code.
pub fn kind(code: &str) -> Option<&'static dyn ReviewKind> {
    KINDS.iter().copied().find(|k| k.code() == code)
}

fn kind_of(task: &ReviewTask) -> Result<&'static dyn ReviewKind, ApiError> {
    kind(&task.kind).ok_or_else(|| {
        ApiError::internal_cause(format_args!(
            "review task {} has unregistered kind {}",
            task.id, task.kind
        ))
    })
}

/// The Chinese label of a kind code (the code itself when unknown).
pub fn kind_label(code: &str) -> &str {
    qibao_core::business_item::label_of(code)
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

/// What the use cases need to know of a registered kind to file a task.
pub fn kind_info(kind: &dyn ReviewKind) -> qibao_app::review::Kind {
    qibao_app::review::Kind {
        code: kind.code(),
        label_zh: kind.label_zh(),
        required_role: kind.required_role().as_str(),
        one_open_per_unit: kind.one_open_per_unit(),
    }
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

fn event(
    conn: &mut DbConn,
    task_id: i64,
    event: &str,
    actor: &Principal,
    now: PrimitiveDateTime,
    note: Option<&str>,
) -> Result<(), ApiError> {
    Ok(qibao_app::review::record_event(
        conn, task_id, event, actor, now, note,
    )?)
}

pub fn task_not_found() -> ApiError {
    ApiError::not_found("TASK_NOT_FOUND", "审核任务不存在。")
}

/// Loads a task the reviewer may act on: 404 when it does not exist, 403
/// when the reviewer lacks its role.
pub fn load_for(
    conn: &mut DbConn,
    id: i64,
    reviewer: &Principal,
) -> Result<(ReviewTask, &'static dyn ReviewKind), ApiError> {
    let task = store::get_task(conn, id)
        .optional()?
        .ok_or_else(task_not_found)?;
    let kind = kind_of(&task)?;
    reviewer.require_staff_role(kind.required_role())?;
    Ok((task, kind))
}

/// Why a step is not possible in the task's current state (409).
fn state_conflict(task: &ReviewTask, reviewer: &Principal) -> ApiError {
    match task.status.as_str() {
        status::OPEN => {
            ApiError::conflict("TASK_NOT_CLAIMED", "该审核任务尚未认领，请先认领后再办理。")
        }
        status::CLAIMED if task.claimed_by.as_deref() != Some(reviewer.actor().as_str()) => {
            ApiError::conflict(
                "TASK_CLAIMED",
                "该审核任务已由其他审核人员认领，不能重复认领或代为办理。",
            )
        }
        status::APPROVED | status::REJECTED => {
            ApiError::conflict("TASK_DECIDED", "该审核任务已办结，不能再变更。")
        }
        _ => ApiError::conflict("TASK_STATE", "该审核任务当前状态不允许此操作。"),
    }
}

/// Claims an open task for the reviewer. Claiming one's own claimed task
/// again changes nothing; a task claimed by someone else is 409
/// `TASK_CLAIMED`, a decided one 409 `TASK_DECIDED`.
pub fn claim(
    conn: &mut DbConn,
    id: i64,
    reviewer: &Principal,
    now: PrimitiveDateTime,
) -> Result<ReviewTask, ApiError> {
    let (task, _) = load_for(conn, id, reviewer)?;
    let me = reviewer.actor();
    if store::claim_task(conn, task.id, &me, now)? {
        event(conn, task.id, "claimed", reviewer, now, None)?;
        return Ok(store::get_task(conn, task.id)?);
    }
    let task = store::get_task(conn, task.id)?;
    if task.status == status::CLAIMED && task.claimed_by.as_deref() == Some(me.as_str()) {
        return Ok(task);
    }
    Err(match task.status.as_str() {
        status::CLAIMED => ApiError::conflict(
            "TASK_CLAIMED",
            "该审核任务已由其他审核人员认领，不能重复认领。",
        ),
        _ => state_conflict(&task, reviewer),
    })
}

/// Puts the reviewer's claimed task back in the queue.
pub fn release(
    conn: &mut DbConn,
    id: i64,
    reviewer: &Principal,
    now: PrimitiveDateTime,
) -> Result<ReviewTask, ApiError> {
    let (task, _) = load_for(conn, id, reviewer)?;
    if !store::release_task(conn, task.id, &reviewer.actor(), now)? {
        return Err(state_conflict(&store::get_task(conn, task.id)?, reviewer));
    }
    event(conn, task.id, "released", reviewer, now, None)?;
    Ok(store::get_task(conn, task.id)?)
}

/// Approves the reviewer's claimed task and applies its effect.
pub fn approve(
    conn: &mut DbConn,
    id: i64,
    reviewer: &Principal,
    note: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<ReviewTask, ApiError> {
    let (task, kind) = load_for(conn, id, reviewer)?;
    if !store::decide_task(
        conn,
        task.id,
        &reviewer.actor(),
        status::APPROVED,
        None,
        now,
    )? {
        return Err(state_conflict(&store::get_task(conn, task.id)?, reviewer));
    }
    let task = store::get_task(conn, task.id)?;
    event(conn, task.id, "approved", reviewer, now, note)?;
    kind.apply_approval(conn, &task, reviewer, now)?;
    store::set_business_item_status(conn, task.business_item_id, "approved", None, now)?;
    Ok(task)
}

/// Rejects the reviewer's claimed task with the reason the unit reads.
pub fn reject(
    conn: &mut DbConn,
    id: i64,
    reviewer: &Principal,
    reason: &str,
    now: PrimitiveDateTime,
) -> Result<ReviewTask, ApiError> {
    let (task, kind) = load_for(conn, id, reviewer)?;
    if !store::decide_task(
        conn,
        task.id,
        &reviewer.actor(),
        status::REJECTED,
        Some(reason),
        now,
    )? {
        return Err(state_conflict(&store::get_task(conn, task.id)?, reviewer));
    }
    let task = store::get_task(conn, task.id)?;
    event(conn, task.id, "rejected", reviewer, now, Some(reason))?;
    kind.on_rejection(conn, &task, reviewer, now)?;
    store::set_business_item_status(conn, task.business_item_id, "rejected", None, now)?;
    Ok(task)
}

pub use qibao_app::review::{event_label, iso};

/// Parses stored JSON text (written by this program) into a value.
pub fn json_of(text: Option<&str>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(t).ok())
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

/// A page of a list: where it is and how many there are in all.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageInfo {
    #[schema(example = 1)]
    pub page: i64,
    #[schema(example = 20)]
    pub page_size: i64,
    /// Items matching the filters, over all pages.
    #[schema(example = 1)]
    pub total: i64,
}

impl PageInfo {
    pub fn new(page: PageReq, total: i64) -> PageInfo {
        PageInfo {
            page: page.page,
            page_size: page.page_size,
            total,
        }
    }
}
