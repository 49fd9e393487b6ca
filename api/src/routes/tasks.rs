//! The back office's review queue (审核任务): list the tasks one's roles
//! may decide, look at one (payload, materials, timeline, before/after),
//! claim it, release it, approve or reject it. HTTP only: the use cases
//! are in [`qibao_app::review::queue`].

use actix_web::{get, post, web};
use qibao_app::ids::ReviewTaskId;
use qibao_app::review::queue::{self, TaskDetail, TaskList};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Principal, StaffUser};
use crate::http::blocking::run_db;
use crate::http::extract::serde_json_error;
use crate::http::extract::{LateJson, Query, check_json_text};
use crate::http::paging::{self, PageQuery};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// The longest approval note or rejection reason, in characters.
const MAX_NOTE_CHARS: usize = 500;

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

/// 待审核业务 — the review queue
///
/// The review queue: tasks whose required role the caller has, oldest first.
#[utoipa::path(
    tag = "staff-review",
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
    query: Query<TaskQuery>,
) -> Result<web::Json<TaskList>, ApiError> {
    let q = query.into_inner();
    let mut errors = Vec::new();
    let page = PageQuery {
        page: q.page,
        page_size: q.page_size,
    }
    .check_into(&paging::REVIEW, &mut errors)
    .req();
    errors.extend(queue::check_filters(q.status.as_deref(), q.kind.as_deref()));
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let query = queue::TaskQuery {
        roles: staff
            .staff_roles
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        status: q.status,
        kind: q.kind,
        page,
    };
    let now = state.clock.now_utc();
    let list = run_db(&state, move |conn| Ok(queue::list(conn, query, now)?)).await?;
    Ok(web::Json(list))
}

/// 审核任务详情 — one task
///
/// One task: payload, materials, events and the business item's before/after.
#[utoipa::path(
    tag = "staff-review",
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
    let id = ReviewTaskId(path.into_inner());
    let now = state.clock.now_utc();
    let d = run_db(&state, move |conn| Ok(queue::get(conn, &staff, id, now)?)).await?;
    Ok(web::Json(d))
}

/// 认领 — claim a task
///
/// Claims an open task (认领): from now on only the caller may decide it.
/// Of concurrent claims exactly one succeeds.
#[utoipa::path(
    tag = "staff-review",
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
    let (id, now) = (ReviewTaskId(path.into_inner()), state.clock.now_utc());
    let d = run_db(&state, move |conn| Ok(queue::claim(conn, &staff, id, now)?)).await?;
    Ok(web::Json(d))
}

/// 退回待办 — release a task
///
/// Releases the caller's claimed task back to the queue.
#[utoipa::path(
    tag = "staff-review",
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
    let (id, now) = (ReviewTaskId(path.into_inner()), state.clock.now_utc());
    let d = run_db(&state, move |conn| {
        Ok(queue::release(conn, &staff, id, now)?)
    })
    .await?;
    Ok(web::Json(d))
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

/// 审核通过 — approve a task
///
/// Approves the caller's claimed task: its effect is applied and the
/// business item becomes `approved`, in one transaction.
#[utoipa::path(
    tag = "staff-review",
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
        (status = 409, description = "Not claimed (`TASK_NOT_CLAIMED`), claimed by someone else (`TASK_CLAIMED`), decided (`TASK_DECIDED`), or the effect conflicts with current data, e.g. the new USCC is now another unit's (`USCC_IN_USE`), a refund's line is no longer paid (`REFUND_LINE_NOT_PAID`), the refund is no longer pending (`REFUND_STATE`), or a back pay's lines were written by another request meanwhile, twice (`CONCURRENT_CHANGE`: the approval is retried once); nothing is applied.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 256 KiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/tasks/{id}/approval")]
pub async fn approve_task(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
    body: web::Bytes,
) -> Result<web::Json<TaskDetail>, ApiError> {
    let id = ReviewTaskId(path.into_inner());
    authorize(&state, &staff, id).await?;
    let req: ApproveRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ApproveRequest::default()
    } else {
        check_json_text(&body)?;
        serde_json::from_slice(&body).map_err(|e| serde_json_error(&e))?
    };
    let note = note_text(req.note.as_deref(), "note", false)?;
    let now = state.clock.now_utc();
    let d = run_db(&state, move |conn| {
        Ok(queue::approve(conn, &staff, id, note.as_deref(), now)?)
    })
    .await?;
    Ok(web::Json(d))
}

/// 审核不通过 — reject a task
///
/// Rejects the caller's claimed task with a reason the unit reads; the
/// business item becomes `rejected`.
#[utoipa::path(
    tag = "staff-review",
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
#[post("/tasks/{id}/rejection")]
pub async fn reject_task(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
    body: LateJson<RejectRequest>,
) -> Result<web::Json<TaskDetail>, ApiError> {
    let id = ReviewTaskId(path.into_inner());
    authorize(&state, &staff, id).await?;
    let body = body.into_inner()?;
    let reason = note_text(Some(&body.reason), "reason", true)?.unwrap_or_default();
    let now = state.clock.now_utc();
    let d = run_db(&state, move |conn| {
        Ok(queue::reject(conn, &staff, id, &reason, now)?)
    })
    .await?;
    Ok(web::Json(d))
}

/// The caller may act on the task (404, 403) before its body is read.
async fn authorize(
    state: &web::Data<AppState>,
    staff: &Principal,
    id: ReviewTaskId,
) -> Result<(), ApiError> {
    let staff = staff.clone();
    run_db(state, move |conn| Ok(queue::authorize(conn, &staff, id)?)).await
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
