//! Key-information change requests (R-UNIT-2): a unit asks to change its
//! name, USCC or legal representative with supporting material; a reviewer
//! decides (see [`qibao_app::review::unit_key_change`]); the unit follows
//! its request's status and timeline here. The use cases are in
//! [`qibao_app::units::key_changes`]; here the request is parsed and the
//! answer rendered.

use actix_web::{HttpResponse, get, http::header, post, web};
use qibao_app::ids::BusinessItemId;
use qibao_app::review::unit_key_change::{KeyChangeInput, parse_request};
use qibao_app::units::key_changes::{self as use_case, KeyChangeRequestDto, KeyChangeRequestList};

use crate::auth::{AsActor, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::paging::{self, PageQuery};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// 单位关键信息变更申请 — ask to change key information
///
/// Asks to change the unit's key information (name, USCC, legal
/// representative). Creates a review task for a reviewer; nothing changes
/// until it is approved. One undecided request per unit.
#[utoipa::path(
    tag = "unit",
    operation_id = "create_key_change_request",
    security(("bearer" = [])),
    request_body = KeyChangeInput,
    responses(
        (status = 201, description = "Submitted for review; `Location` names it.", body = KeyChangeRequestDto),
        (status = 400, description = "Malformed body or fields: USCC or resident ID checksum, phone, ID type, empty `material_ids` (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
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
    body: Json<KeyChangeInput>,
) -> Result<HttpResponse, ApiError> {
    let parsed = parse_request(&body)?;
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let created = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(use_case::create(
            conn,
            &who,
            user.unit_id,
            &parsed,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/key-change-requests/{}", created.id),
        ))
        .json(created))
}

/// 关键信息变更申请查询 — key-change requests
///
/// The unit's key-information change requests, newest first.
#[utoipa::path(
    tag = "unit",
    operation_id = "list_key_change_requests",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = KeyChangeRequestList),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/key-change-requests")]
pub async fn list_key_change_requests(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<KeyChangeRequestList>, ApiError> {
    let page = query.check(&paging::REVIEW)?.req();
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| Ok(use_case::list(conn, unit_id, page)?)).await?;
    Ok(web::Json(list))
}

/// 关键信息变更申请详情 — one key-change request
///
/// One of the unit's key-information change requests, with its timeline.
#[utoipa::path(
    tag = "unit",
    operation_id = "get_key_change_request",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request's business item id.")),
    responses(
        (status = 200, body = KeyChangeRequestDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such request of this unit (`KEY_CHANGE_REQUEST_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/key-change-requests/{id}")]
pub async fn get_key_change_request(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<KeyChangeRequestDto>, ApiError> {
    let id = BusinessItemId(path.into_inner());
    let unit_id = user.unit_id;
    let found = run_db(&state, move |conn| Ok(use_case::get(conn, unit_id, id)?)).await?;
    Ok(web::Json(found))
}

/// Under `/portal`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_key_change_request)
        .service(list_key_change_requests)
        .service(get_key_change_request);
}
