//! The back office's review queue (审核任务): list the tasks one's roles
//! may decide, look at one (payload, materials, timeline, before/after),
//! claim it, release it, approve or reject it. See [`crate::review`].

use std::collections::HashMap;

use actix_web::{get, post, web};
use qibao_db::DbConn;
use qibao_db::review::{self as store, ReviewTask, TaskFilter, status};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::PrimitiveDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Principal, StaffUser};
use crate::blocking::run_db;
use crate::extract::serde_json_error;
use crate::problem::{ApiError, FieldError, ProblemDoc};
use crate::review::material::MaterialDto;
use crate::review::{self, PageInfo, PageParams, iso, json_of};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// The longest approval note or rejection reason, in characters.
const MAX_NOTE_CHARS: usize = 500;

/// A task in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskSummary {
    #[schema(example = 7)]
    pub id: i64,
    /// Kind code, e.g. `unit_key_change`.
    #[schema(example = "unit_key_change")]
    pub kind: String,
    #[schema(example = "单位关键信息变更")]
    pub kind_label: String,
    /// The staff role that decides it (`reviewer`, …).
    #[schema(example = "reviewer")]
    pub required_role: String,
    /// `open`, `claimed`, `approved` or `rejected`.
    #[schema(example = "open")]
    pub status: String,
    /// The business item (办件) the task decides.
    #[schema(example = 31)]
    pub business_item_id: i64,
    /// Unit number (单位编号, AAB001).
    #[schema(example = "100000001")]
    pub unit_no: String,
    /// Unit name (单位名称, AAB004).
    #[schema(example = "宜昌市三峡示范科技有限公司")]
    pub unit_name: String,
    /// When it was submitted (RFC 3339, UTC).
    #[schema(example = "2023-04-20T02:15:00Z")]
    pub created_at: String,
    /// Seconds since it was submitted (until its decision, when decided).
    #[schema(example = 5400)]
    pub age_seconds: i64,
    /// Who claimed it (`role:account:name`).
    pub claimed_by: Option<String>,
    pub claimed_at: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// The reason of a rejection (shown to the unit).
    pub reason: Option<String>,
}

/// One step of a task.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskEventDto {
    /// `created`, `claimed`, `released`, `approved` or `rejected`.
    #[schema(example = "claimed")]
    pub event: String,
    #[schema(example = "审核人员已受理")]
    pub label: String,
    /// Who did it (`role:account:name`).
    #[schema(example = "staff:rev1:审核员")]
    pub actor: String,
    #[schema(example = "2023-04-20T03:00:00Z")]
    pub at: String,
    /// Approval note or rejection reason.
    pub note: Option<String>,
}

/// The business item (办件) a task decides.
#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessItemDto {
    #[schema(example = 31)]
    pub id: i64,
    #[schema(example = "unit_key_change")]
    pub kind: String,
    /// `pending_review`, `approved`, `rejected`…
    #[schema(example = "pending_review")]
    pub status: String,
    /// Who submitted it (`role:account:name`).
    pub actor: String,
    /// `portal`, `counter`, `api` or `system`.
    pub channel: String,
    /// The values before the change.
    #[schema(value_type = Object)]
    pub before: Option<Value>,
    /// The values asked for.
    #[schema(value_type = Object)]
    pub after: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
}

/// A task with everything a reviewer needs to decide it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub task: TaskSummary,
    /// What approval applies (kind-specific).
    #[schema(value_type = Object)]
    pub payload: Value,
    pub business_item: BusinessItemDto,
    /// The supporting materials; read each at `/api/v1/staff/materials/{id}/content`.
    pub materials: Vec<MaterialDto>,
    /// Every step, oldest first.
    pub events: Vec<TaskEventDto>,
}

/// A page of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskList {
    pub items: Vec<TaskSummary>,
    #[serde(flatten)]
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// `open`, `claimed`, `approved` or `rejected`; all when absent.
    #[param(example = "open")]
    pub status: Option<String>,
    /// A kind code, e.g. `unit_key_change`; all the caller may decide when absent.
    #[param(example = "unit_key_change")]
    pub kind: Option<String>,
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 20).
    pub page_size: Option<i64>,
}

fn summaries(
    conn: &mut DbConn,
    tasks: Vec<ReviewTask>,
    now: PrimitiveDateTime,
) -> Result<Vec<TaskSummary>, ApiError> {
    let mut ids: Vec<i64> = tasks.iter().map(|t| t.unit_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let units: HashMap<i64, (String, String)> = store::get_units_key_info(conn, &ids)?
        .into_iter()
        .map(|u| (u.id, (u.unit_no, u.name)))
        .collect();
    Ok(tasks
        .into_iter()
        .map(|t| {
            let (unit_no, unit_name) = units.get(&t.unit_id).cloned().unwrap_or_default();
            let until = t.decided_at.unwrap_or(now);
            TaskSummary {
                id: t.id,
                kind_label: review::kind_label(&t.kind).to_owned(),
                kind: t.kind,
                required_role: t.required_role,
                status: t.status,
                business_item_id: t.business_item_id,
                unit_no,
                unit_name,
                created_at: iso(t.created_at),
                age_seconds: (until - t.created_at).whole_seconds().max(0),
                claimed_by: t.claimed_by,
                claimed_at: t.claimed_at.map(iso),
                decided_by: t.decided_by,
                decided_at: t.decided_at.map(iso),
                reason: t.reason,
            }
        })
        .collect())
}

fn detail(
    conn: &mut DbConn,
    task: ReviewTask,
    now: PrimitiveDateTime,
) -> Result<TaskDetail, ApiError> {
    let item = store::get_business_item(conn, task.business_item_id)?;
    let materials = store::materials_of_item(conn, item.id)?
        .into_iter()
        .map(MaterialDto::from)
        .collect();
    let events = store::events_of_task(conn, task.id)?
        .into_iter()
        .map(|e| TaskEventDto {
            label: review::event_label(&e.event).to_owned(),
            event: e.event,
            actor: e.actor,
            at: iso(e.at),
            note: e.note,
        })
        .collect();
    let payload = json_of(Some(&task.payload_json)).unwrap_or(Value::Null);
    let summary = summaries(conn, vec![task], now)?
        .pop()
        .ok_or_else(ApiError::internal)?;
    Ok(TaskDetail {
        task: summary,
        payload,
        business_item: BusinessItemDto {
            id: item.id,
            kind: item.kind,
            status: item.status,
            actor: item.actor,
            channel: item.channel,
            before: json_of(item.before_json.as_deref()),
            after: json_of(item.after_json.as_deref()),
            created_at: iso(item.created_at),
            updated_at: iso(item.updated_at),
        },
        materials,
        events,
    })
}

/// The review queue: tasks whose required role the caller has, oldest first.
#[utoipa::path(
    tag = "staff",
    operation_id = "list_tasks",
    security(("bearer" = [])),
    params(TaskQuery),
    responses(
        (status = 200, body = TaskList),
        (status = 400, description = "Unknown `status` or `kind`, bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/tasks")]
pub async fn list_tasks(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    query: web::Query<TaskQuery>,
) -> Result<web::Json<TaskList>, ApiError> {
    let q = query.into_inner();
    let page = PageParams {
        page: q.page,
        page_size: q.page_size,
    };
    let mut errors = Vec::new();
    let page = page
        .parse()
        .map_err(|e| errors.extend(e.errors().to_vec()))
        .ok();
    if let Some(s) = &q.status
        && !status::ALL.contains(&s.as_str())
    {
        errors.push(FieldError::new(
            "status",
            "状态应为open、claimed、approved或rejected。",
        ));
    }
    if let Some(k) = &q.kind
        && review::kind(k).is_none()
    {
        errors.push(FieldError::new("kind", format!("没有“{k}”这类审核任务。")));
    }
    let Some(page) = page.filter(|_| errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let filter = TaskFilter {
        roles: staff
            .staff_roles
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        status: q.status,
        kind: q.kind,
        unit_id: None,
    };
    let now = state.clock.now_utc();
    let list = run_db(&state, move |conn| {
        let (rows, total) = store::list_tasks(conn, &filter, page)?;
        Ok(TaskList {
            items: summaries(conn, rows, now)?,
            page: PageInfo::new(page, total),
        })
    })
    .await?;
    Ok(web::Json(list))
}

/// One task: payload, materials, events and the business item's before/after.
#[utoipa::path(
    tag = "staff",
    operation_id = "get_task",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Task id.")),
    responses(
        (status = 200, body = TaskDetail),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or without the task's role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such task (`TASK_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/tasks/{id}")]
pub async fn get_task(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
) -> Result<web::Json<TaskDetail>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now_utc();
    let d = run_db(&state, move |conn| {
        let (task, _) = review::load_for(conn, id, &staff)?;
        detail(conn, task, now)
    })
    .await?;
    Ok(web::Json(d))
}

/// Runs one step of a task in one transaction and answers the task as it is after.
async fn step<F>(state: &AppState, staff: Principal, id: i64, f: F) -> Result<TaskDetail, ApiError>
where
    F: FnOnce(&mut DbConn, i64, &Principal, PrimitiveDateTime) -> Result<ReviewTask, ApiError>
        + Send
        + 'static,
{
    let now = state.clock.now_utc();
    run_db(state, move |conn| {
        let task = qibao_db::conn::transaction(conn, |c| f(c, id, &staff, now))?;
        detail(conn, task, now)
    })
    .await
}

/// Claims an open task (认领): from now on only the caller may decide it.
/// Of concurrent claims exactly one succeeds.
#[utoipa::path(
    tag = "staff",
    operation_id = "create_task_claim",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Task id.")),
    responses(
        (status = 200, description = "Claimed by the caller (also when the caller had claimed it already).", body = TaskDetail),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or without the task's role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such task (`TASK_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Claimed by someone else (`TASK_CLAIMED`) or already decided (`TASK_DECIDED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/tasks/{id}/claim")]
pub async fn claim_task(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
) -> Result<web::Json<TaskDetail>, ApiError> {
    Ok(web::Json(
        step(&state, staff, path.into_inner(), review::claim).await?,
    ))
}

/// Releases the caller's claimed task back to the queue.
#[utoipa::path(
    tag = "staff",
    operation_id = "create_task_release",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Task id.")),
    responses(
        (status = 200, description = "Open again.", body = TaskDetail),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or without the task's role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such task (`TASK_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not claimed (`TASK_NOT_CLAIMED`), claimed by someone else (`TASK_CLAIMED`) or decided (`TASK_DECIDED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/tasks/{id}/release")]
pub async fn release_task(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
) -> Result<web::Json<TaskDetail>, ApiError> {
    Ok(web::Json(
        step(&state, staff, path.into_inner(), review::release).await?,
    ))
}

/// An approval (the body may be empty).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// A note kept on the task's timeline, up to 500 characters.
    #[schema(example = "材料齐全，予以通过。")]
    pub note: Option<String>,
}

/// A rejection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// Why, in Chinese: the unit reads it. 1–500 characters.
    #[schema(example = "营业执照副本不清晰，请重新上传。")]
    pub reason: String,
}

fn note_text(value: Option<&str>, field: &str, required: bool) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") if required => Err(ApiError::invalid_field(
            field,
            "请填写不予通过的原因（单位将看到此说明）。",
        )),
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > MAX_NOTE_CHARS => Err(ApiError::invalid_field(
            field,
            format!("不能超过{MAX_NOTE_CHARS}个字符。"),
        )),
        Some(t) => Ok(Some(t.to_owned())),
    }
}

/// Approves the caller's claimed task: its effect is applied and the
/// business item becomes `approved`, in one transaction.
#[utoipa::path(
    tag = "staff",
    operation_id = "create_task_approval",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Task id.")),
    request_body(content = Option<ApproveRequest>, description = "Optional; an empty body approves without a note."),
    responses(
        (status = 200, description = "Approved and applied.", body = TaskDetail),
        (status = 400, description = "Malformed id or body (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or without the task's role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such task (`TASK_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not claimed (`TASK_NOT_CLAIMED`), claimed by someone else (`TASK_CLAIMED`), decided (`TASK_DECIDED`), or the effect conflicts with current data, e.g. the new USCC is now another unit's (`USCC_IN_USE`), a refund's line is no longer paid (`REFUND_LINE_NOT_PAID`) or the refund is no longer pending (`REFUND_STATE`); nothing is applied.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 256 KiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/tasks/{id}/approve")]
pub async fn approve_task(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<web::Json<TaskDetail>, ApiError> {
    let req: ApproveRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ApproveRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| serde_json_error(&e))?
    };
    let note = note_text(req.note.as_deref(), "note", false)?;
    Ok(web::Json(
        step(&state, staff, path.into_inner(), move |c, id, p, now| {
            review::approve(c, id, p, note.as_deref(), now)
        })
        .await?,
    ))
}

/// Rejects the caller's claimed task with a reason the unit reads; the
/// business item becomes `rejected`.
#[utoipa::path(
    tag = "staff",
    operation_id = "create_task_rejection",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Task id.")),
    request_body = RejectRequest,
    responses(
        (status = 200, description = "Rejected.", body = TaskDetail),
        (status = 400, description = "Malformed id or body, missing or too long `reason` (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or without the task's role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such task (`TASK_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not claimed (`TASK_NOT_CLAIMED`), claimed by someone else (`TASK_CLAIMED`) or decided (`TASK_DECIDED`); a refund no longer pending (`REFUND_STATE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/tasks/{id}/reject")]
pub async fn reject_task(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
    body: web::Json<RejectRequest>,
) -> Result<web::Json<TaskDetail>, ApiError> {
    let reason = note_text(Some(&body.reason), "reason", true)?.unwrap_or_default();
    Ok(web::Json(
        step(&state, staff, path.into_inner(), move |c, id, p, now| {
            review::reject(c, id, p, &reason, now)
        })
        .await?,
    ))
}

/// Under `/staff`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tasks)
        .service(get_task)
        .service(claim_task)
        .service(release_task)
        .service(approve_task)
        .service(reject_task);
}
