//! The back office's review queue (审核任务) as use cases: list the tasks
//! one's roles may decide, look at one (payload, materials, timeline,
//! before/after), and claim, release, approve or reject it — each step in
//! one transaction, answering the task as it is after.

use std::collections::HashMap;

use qibao_db::DbConn;
use qibao_db::ids::{ReviewTaskId, UnitId};
use qibao_db::review::{self as store, PageReq, ReviewTask, TaskFilter, status};
use serde::Serialize;
use serde_json::Value;
use time::PrimitiveDateTime;

use super::dispatch::{self, Reviewer};
use super::{MaterialDto, PageInfo, event_label, json_of, kind_label};
use crate::clock::china_timestamp;
use crate::error::{AppError, FieldError};
use crate::tx::{read_transaction, transaction_with_retry};

/// A task in the queue.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskSummary {
    #[cfg_attr(feature = "openapi", schema(example = 7))]
    pub id: i64,
    /// Kind code, e.g. `unit_key_change`.
    #[cfg_attr(feature = "openapi", schema(example = "unit_key_change"))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(example = "单位关键信息变更"))]
    pub kind_label: String,
    /// The staff role that decides it (`reviewer`, …).
    #[cfg_attr(feature = "openapi", schema(example = "reviewer"))]
    pub required_role: String,
    /// `open`, `claimed`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "open"))]
    pub status: String,
    /// The business item (办件) the task decides.
    #[cfg_attr(feature = "openapi", schema(example = 31))]
    pub business_item_id: i64,
    /// Unit number (单位编号, AAB001).
    #[cfg_attr(feature = "openapi", schema(example = "100000001"))]
    pub unit_no: String,
    /// Unit name (单位名称, AAB004).
    #[cfg_attr(feature = "openapi", schema(example = "宜昌市三峡示范科技有限公司"))]
    pub unit_name: String,
    /// When it was submitted (RFC 3339, China time).
    #[cfg_attr(feature = "openapi", schema(example = "2023-04-20T10:15:00+08:00"))]
    pub created_at: String,
    /// Seconds since it was submitted (until its decision, when decided).
    #[cfg_attr(feature = "openapi", schema(example = 5400))]
    pub age_seconds: i64,
    /// Who claimed it (`role:account:name`).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub claimed_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub claimed_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub decided_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub decided_at: Option<String>,
    /// The reason of a rejection (shown to the unit).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reason: Option<String>,
}

/// One step of a task.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskEventDto {
    /// `created`, `claimed`, `released`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "claimed"))]
    pub event: String,
    #[cfg_attr(feature = "openapi", schema(example = "审核人员已受理"))]
    pub label: String,
    /// Who did it (`role:account:name`).
    #[cfg_attr(feature = "openapi", schema(example = "staff:rev1:审核员"))]
    pub actor: String,
    #[cfg_attr(feature = "openapi", schema(example = "2023-04-20T11:00:00+08:00"))]
    pub at: String,
    /// Approval note or rejection reason.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
}

/// The business item (办件) a task decides. Named `TaskBusinessItem` in
/// the spec: the unit's own `BusinessItemDto` ([`crate::business_items`])
/// has other fields, and two schemas of one name would overwrite each other.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TaskBusinessItem))]
pub struct BusinessItemDto {
    #[cfg_attr(feature = "openapi", schema(example = 31))]
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "unit_key_change"))]
    pub kind: String,
    /// `pending_review`, `approved`, `rejected`…
    #[cfg_attr(feature = "openapi", schema(example = "pending_review"))]
    pub status: String,
    /// Who submitted it (`role:account:name`).
    pub actor: String,
    /// `portal`, `counter`, `api` or `system`.
    pub channel: String,
    /// The values before the change (null when something is created).
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub before: Option<Value>,
    /// The values asked for.
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub after: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
}

/// A task with everything a reviewer needs to decide it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskDetail {
    #[serde(flatten)]
    pub task: TaskSummary,
    /// What approval applies (kind-specific).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: Value,
    pub business_item: BusinessItemDto,
    /// The supporting materials; read each at `/api/v1/staff/materials/{id}/content`.
    pub materials: Vec<MaterialDto>,
    /// Every step, oldest first.
    pub events: Vec<TaskEventDto>,
}

/// A page of the queue.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskList {
    pub items: Vec<TaskSummary>,
    #[serde(flatten)]
    pub page: PageInfo,
}

/// Which tasks to list.
#[derive(Debug, Clone)]
pub struct TaskQuery {
    /// The caller's staff role codes: only tasks needing one of them.
    pub roles: Vec<String>,
    /// `open`, `claimed`, `approved` or `rejected`; all when absent.
    pub status: Option<String>,
    /// A registered kind code; all when absent.
    pub kind: Option<String>,
    pub page: PageReq,
}

/// Checks a list's `status` and `kind` filters: one field error for each
/// that names no task status or no registered kind.
pub fn check_filters(status: Option<&str>, kind: Option<&str>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(s) = status
        && !status::ALL.contains(&s)
    {
        errors.push(FieldError::new(
            "status",
            "状态应为open、claimed、approved或rejected。",
        ));
    }
    if let Some(k) = kind
        && dispatch::kind(k).is_none()
    {
        errors.push(FieldError::new("kind", format!("没有“{k}”这类审核任务。")));
    }
    errors
}

fn summaries(
    conn: &mut DbConn,
    tasks: Vec<ReviewTask>,
    now: PrimitiveDateTime,
) -> Result<Vec<TaskSummary>, AppError> {
    let mut ids: Vec<UnitId> = tasks.iter().map(|t| t.unit_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let units: HashMap<UnitId, (String, String)> = store::get_units_key_info(conn, &ids)?
        .into_iter()
        .map(|u| (u.id, (u.unit_no, u.name)))
        .collect();
    Ok(tasks
        .into_iter()
        .map(|t| {
            let (unit_no, unit_name) = units.get(&t.unit_id).cloned().unwrap_or_default();
            let until = t.decided_at.unwrap_or(now);
            TaskSummary {
                id: t.id.0,
                kind_label: kind_label(&t.kind).to_owned(),
                kind: t.kind,
                required_role: t.required_role,
                status: t.status,
                business_item_id: t.business_item_id.0,
                unit_no,
                unit_name,
                created_at: china_timestamp(t.created_at),
                age_seconds: (until - t.created_at).whole_seconds().max(0),
                claimed_by: t.claimed_by,
                claimed_at: t.claimed_at.map(china_timestamp),
                decided_by: t.decided_by,
                decided_at: t.decided_at.map(china_timestamp),
                reason: t.reason,
            }
        })
        .collect())
}

fn detail(
    conn: &mut DbConn,
    task: ReviewTask,
    now: PrimitiveDateTime,
) -> Result<TaskDetail, AppError> {
    let item = store::get_business_item(conn, task.business_item_id)?;
    let materials = store::materials_of_item(conn, item.id)?
        .into_iter()
        .map(MaterialDto::from)
        .collect();
    let events = store::events_of_task(conn, task.id)?
        .into_iter()
        .map(|e| TaskEventDto {
            label: event_label(&e.event).to_owned(),
            event: e.event,
            actor: e.actor,
            at: china_timestamp(e.at),
            note: e.note,
        })
        .collect();
    let payload = json_of(Some(&task.payload_json)).unwrap_or(Value::Null);
    let summary = summaries(conn, vec![task], now)?
        .pop()
        .ok_or_else(|| AppError::internal_cause("task summary missing"))?;
    Ok(TaskDetail {
        task: summary,
        payload,
        business_item: BusinessItemDto {
            id: item.id.0,
            kind: item.kind,
            status: item.status,
            actor: item.actor,
            channel: item.channel,
            before: json_of(item.before_json.as_deref()),
            after: json_of(item.after_json.as_deref()),
            created_at: china_timestamp(item.created_at),
            updated_at: china_timestamp(item.updated_at),
        },
        materials,
        events,
    })
}

/// The review queue: tasks needing one of the caller's roles, oldest first.
pub fn list(conn: &mut DbConn, q: TaskQuery, now: PrimitiveDateTime) -> Result<TaskList, AppError> {
    let page = q.page;
    let filter = TaskFilter {
        roles: q.roles,
        status: q.status,
        kind: q.kind,
        unit_id: None,
    };
    read_transaction(conn, |c| {
        let (rows, total) = store::list_tasks(c, &filter, page)?;
        Ok(TaskList {
            items: summaries(c, rows, now)?,
            page: PageInfo::new(page, total),
        })
    })
}

/// One task the reviewer may decide: 404 `TASK_NOT_FOUND`, 403 without its role.
pub fn get(
    conn: &mut DbConn,
    reviewer: &(impl Reviewer + ?Sized),
    id: ReviewTaskId,
    now: PrimitiveDateTime,
) -> Result<TaskDetail, AppError> {
    read_transaction(conn, |c| {
        let (task, _) = dispatch::load_for(c, id, reviewer)?;
        detail(c, task, now)
    })
}

/// Whether the reviewer may act on the task at all (404 `TASK_NOT_FOUND`,
/// 403 without its role), so a decision's body is read only after that.
pub fn authorize(
    conn: &mut DbConn,
    reviewer: &(impl Reviewer + ?Sized),
    id: ReviewTaskId,
) -> Result<(), AppError> {
    read_transaction(conn, |c| dispatch::load_for(c, id, reviewer).map(|_| ()))
}

/// Runs one step in one transaction and answers the task as it is after.
/// One step of a task in its own transaction, run once more when it meets
/// a concurrent write (e.g. an approved back pay whose lines another
/// request wrote meanwhile); a second meeting answers 409
/// `CONCURRENT_CHANGE`.
fn step(
    conn: &mut DbConn,
    now: PrimitiveDateTime,
    f: impl FnMut(&mut DbConn) -> Result<ReviewTask, AppError>,
) -> Result<TaskDetail, AppError> {
    let task = transaction_with_retry(conn, f)?;
    read_transaction(conn, |c| detail(c, task, now))
}

/// Claims an open task (认领): from now on only the caller may decide it.
/// Of concurrent claims exactly one succeeds.
pub fn claim(
    conn: &mut DbConn,
    reviewer: &(impl Reviewer + ?Sized),
    id: ReviewTaskId,
    now: PrimitiveDateTime,
) -> Result<TaskDetail, AppError> {
    step(conn, now, |c| dispatch::claim(c, id, reviewer, now))
}

/// Releases the caller's claimed task back to the queue.
pub fn release(
    conn: &mut DbConn,
    reviewer: &(impl Reviewer + ?Sized),
    id: ReviewTaskId,
    now: PrimitiveDateTime,
) -> Result<TaskDetail, AppError> {
    step(conn, now, |c| dispatch::release(c, id, reviewer, now))
}

/// Approves the caller's claimed task: its effect is applied and the
/// business item becomes `approved`, in one transaction.
pub fn approve(
    conn: &mut DbConn,
    reviewer: &impl Reviewer,
    id: ReviewTaskId,
    note: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<TaskDetail, AppError> {
    step(conn, now, |c| dispatch::approve(c, id, reviewer, note, now))
}

/// Rejects the caller's claimed task with a reason the unit reads; the
/// business item becomes `rejected`.
pub fn reject(
    conn: &mut DbConn,
    reviewer: &impl Reviewer,
    id: ReviewTaskId,
    reason: &str,
    now: PrimitiveDateTime,
) -> Result<TaskDetail, AppError> {
    step(conn, now, |c| {
        dispatch::reject(c, id, reviewer, reason, now)
    })
}
