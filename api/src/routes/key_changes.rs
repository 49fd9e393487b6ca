//! Key-information change requests (R-UNIT-2): a unit asks to change its
//! name, USCC or legal representative with supporting material; a reviewer
//! decides (see [`crate::review`]); the unit follows its request's status
//! and timeline here.

use actix_web::{HttpResponse, get, http::header, post, web};
use qibao_db::review::{self as store, ReviewTask};
use qibao_db::{DbConn, OptionalExt};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::UnitUser;
use crate::blocking::run_db;
use crate::problem::{ApiError, ProblemDoc};
use crate::review::material::MaterialDto;
use crate::review::unit_key_change::{
    self as key_change, KeyChangeInput, Payload, UnitKeyChange, uscc_in_use,
};
use crate::review::{self, PageInfo, PageParams, Submission, iso, json_of};
use crate::routes::ServiceConfig;
use crate::state::AppState;

pub use qibao_app::review::TimelineEntry;

/// A key-information change request (单位关键信息变更申请).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyChangeRequestDto {
    /// The request's business item (办件) id.
    #[schema(example = 31)]
    pub id: i64,
    /// `pending_review`, `approved` or `rejected`.
    #[schema(example = "pending_review")]
    pub status: String,
    /// The review task: `open` (waiting), `claimed` (under review),
    /// `approved` or `rejected`.
    #[schema(example = "open")]
    pub review_status: String,
    /// The current values of the fields asked to change (at approval: the
    /// values replaced).
    #[schema(value_type = Object, example = json!({"name": "宜昌市三峡示范科技有限公司"}))]
    pub before: Option<Value>,
    /// The new values asked for.
    #[schema(value_type = Object, example = json!({"name": "宜昌市三峡新材料科技有限公司"}))]
    pub after: Option<Value>,
    /// The unit's reason for the change.
    pub reason: Option<String>,
    /// Why the reviewer did not approve (审核不通过原因).
    pub rejection_reason: Option<String>,
    pub materials: Vec<MaterialDto>,
    /// Who submitted it (`role:account:name`).
    pub submitted_by: String,
    #[schema(example = "2023-04-20T02:15:00Z")]
    pub submitted_at: String,
    pub decided_at: Option<String>,
    /// Every step, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

/// A page of requests, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyChangeRequestList {
    pub items: Vec<KeyChangeRequestDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

fn dto(conn: &mut DbConn, task: ReviewTask) -> Result<KeyChangeRequestDto, ApiError> {
    let item = store::get_business_item(conn, task.business_item_id)?;
    let materials = store::materials_of_item(conn, item.id)?
        .into_iter()
        .map(MaterialDto::from)
        .collect();
    let timeline = store::events_of_task(conn, task.id)?
        .into_iter()
        .map(|e| TimelineEntry {
            label: review::event_label(&e.event).to_owned(),
            note: if e.event == "rejected" { e.note } else { None },
            event: e.event,
            at: iso(e.at),
        })
        .collect();
    let payload: Option<Payload> = serde_json::from_str(&task.payload_json).ok();
    Ok(KeyChangeRequestDto {
        id: item.id,
        status: item.status,
        review_status: task.status,
        before: json_of(item.before_json.as_deref()),
        after: json_of(item.after_json.as_deref()),
        reason: payload.and_then(|p| p.reason),
        rejection_reason: task.reason,
        materials,
        submitted_by: item.actor,
        submitted_at: iso(item.created_at),
        decided_at: task.decided_at.map(iso),
        timeline,
    })
}

/// Asks to change the unit's key information (name, USCC, legal
/// representative). Creates a review task for a reviewer; nothing changes
/// until it is approved. One undecided request per unit.
#[utoipa::path(
    tag = "portal",
    operation_id = "create_key_change_request",
    security(("bearer" = [])),
    request_body = KeyChangeInput,
    responses(
        (status = 201, description = "Submitted for review; `Location` names it.", body = KeyChangeRequestDto),
        (status = 400, description = "Malformed body or fields: USCC or resident ID checksum, phone, ID type, empty `material_ids` (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "An undecided request exists (`REVIEW_PENDING`), or the new USCC is another unit's (`USCC_IN_USE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Nothing differs from the current values (`NO_KEY_CHANGE`), or a cited material is not the unit's (`MATERIAL_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/key-change-requests")]
pub async fn create_key_change_request(
    state: web::Data<AppState>,
    user: UnitUser,
    body: web::Json<KeyChangeInput>,
) -> Result<HttpResponse, ApiError> {
    let parsed = key_change::parse_request(&body)?;
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let UnitUser { principal, unit_id } = user;
    let created = run_db(&state, move |conn| {
        let task = qibao_db::conn::transaction(conn, |c| {
            if store::open_task_of_unit(c, unit_id, key_change::KIND)?.is_some() {
                return Err(review::review_pending(&UnitKeyChange));
            }
            let unit = store::get_unit_key_info(c, unit_id)?;
            let (before, after) = key_change::diff(&unit, &parsed.fields, today)?;
            if let Some(uscc) = &after.uscc
                && store::uscc_taken_by_other(c, uscc, unit_id)?
            {
                return Err(uscc_in_use());
            }
            let payload = serde_json::to_value(Payload {
                changes: after.clone(),
                reason: parsed.reason.clone(),
            })
            .map_err(ApiError::internal_cause)?;
            let (_, task) = review::submit(
                c,
                &principal,
                Submission {
                    unit_id,
                    kind: &UnitKeyChange,
                    payload,
                    material_ids: &parsed.material_ids,
                    before: Some(before.to_json()),
                    after: Some(after.to_json()),
                },
                now,
            )?;
            Ok::<_, ApiError>(task)
        })?;
        dto(conn, task)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/key-change-requests/{}", created.id),
        ))
        .json(created))
}

/// The unit's key-information change requests, newest first.
#[utoipa::path(
    tag = "portal",
    operation_id = "list_key_change_requests",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = KeyChangeRequestList),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/key-change-requests")]
pub async fn list_key_change_requests(
    state: web::Data<AppState>,
    user: UnitUser,
    query: web::Query<PageParams>,
) -> Result<web::Json<KeyChangeRequestList>, ApiError> {
    let page = query.parse()?;
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| {
        let (tasks, total) = store::list_unit_tasks(conn, unit_id, key_change::KIND, page)?;
        let items = tasks
            .into_iter()
            .map(|t| dto(conn, t))
            .collect::<Result<_, _>>()?;
        Ok(KeyChangeRequestList {
            items,
            page: PageInfo::new(page, total),
        })
    })
    .await?;
    Ok(web::Json(list))
}

/// One of the unit's key-information change requests, with its timeline.
#[utoipa::path(
    tag = "portal",
    operation_id = "get_key_change_request",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request's business item id.")),
    responses(
        (status = 200, body = KeyChangeRequestDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such request of this unit (`KEY_CHANGE_REQUEST_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/key-change-requests/{id}")]
pub async fn get_key_change_request(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<KeyChangeRequestDto>, ApiError> {
    let id = path.into_inner();
    let unit_id = user.unit_id;
    let found = run_db(&state, move |conn| {
        match store::get_task_by_item(conn, id).optional()? {
            Some(t) if t.unit_id == unit_id && t.kind == key_change::KIND => {
                Ok(Some(dto(conn, t)?))
            }
            _ => Ok(None),
        }
    })
    .await?;
    found.map(web::Json).ok_or_else(|| {
        ApiError::not_found("KEY_CHANGE_REQUEST_NOT_FOUND", "关键信息变更申请不存在。")
    })
}

/// Under `/portal`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_key_change_request)
        .service(list_key_change_requests)
        .service(get_key_change_request);
}
