//! Payroll API keys (R-AUTH-4: only the legal representative manages
//! them): created for the unit in the token, listed without secrets,
//! revoked (which also ends the sessions opened with the key), and
//! exchanged by the payroll software for short-lived access tokens
//! (role `payroll`, channel `api`).
//!
//! HTTP only: the key management use cases are in
//! [`qibao_app::units::api_keys`]; the key's form and hash are
//! [`qibao_app::auth::api_keys`]'s.

use actix_web::{HttpResponse, delete, get, post, web};
use qibao_app::ids::ApiKeyId;
use qibao_app::units::api_keys::{self as keys, ApiKeyPage, ApiKeyView, CreatedApiKey, FreshKey};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::tokens::{self, TokenResponse};
use crate::auth::{AsActor, LegalRepUser, Role};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::paging::{self, Page, PageQuery};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// The longest key name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateApiKeyRequest {
    /// What the key is for, 1–64 characters.
    #[schema(example = "薪资系统")]
    pub name: String,
}

/// 接口密钥申请 — create an API key
///
/// Creates an API key for the unit's payroll software.
#[utoipa::path(
    tag = "access",
    operation_id = "create_api_key",
    security(("bearer" = [])),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, description = "Created; `key` is shown this once.", body = CreatedApiKey),
        (status = 400, description = "Missing or empty name, or longer than 64 characters (`VALIDATION_FAILED`); a body that is not JSON (`MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    who: LegalRepUser,
    body: Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let name = body.into_inner().name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid_field(
            "name",
            format!("请填写凭证名称，1至{MAX_NAME_CHARS}个字符"),
        ));
    }
    let fresh = qibao_app::auth::api_keys::generate();
    let fresh = FreshKey {
        key: fresh.key,
        prefix: fresh.prefix,
        hash: fresh.hash,
    };
    let now = state.clock.now_utc();
    let actor = who.principal.as_actor();
    let unit_id = who.unit_id;
    let created = run_db(&state, move |conn| {
        Ok(keys::create(conn, &actor, unit_id, name, fresh, now)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeysQuery {
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 50).
    pub page_size: Option<i64>,
}

/// 接口密钥查询 — the unit's API keys
///
/// The unit's API keys, newest first, revoked ones included; never a secret.
#[utoipa::path(
    tag = "access",
    operation_id = "list_api_keys",
    security(("bearer" = [])),
    params(KeysQuery),
    responses(
        (status = 200, body = ApiKeyPage),
        (status = 400, description = "Bad page or page size (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    who: LegalRepUser,
    query: Query<KeysQuery>,
) -> Result<web::Json<ApiKeyPage>, ApiError> {
    let Page { page, page_size } = PageQuery {
        page: query.page,
        page_size: query.page_size,
    }
    .check(&paging::API_KEYS)?;
    let unit_id = who.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(keys::list(conn, unit_id, page, page_size)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 接口密钥注销 — revoke an API key
///
/// Revokes one of the unit's API keys; the sessions opened with it end at
/// once.
#[utoipa::path(
    tag = "access",
    operation_id = "revoke_api_key",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The key's id.")),
    responses(
        (status = 200, description = "Revoked.", body = ApiKeyView),
        (status = 400, description = "The id is not a number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such key for this unit (`API_KEY_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Revoked already (`API_KEY_ALREADY_REVOKED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    who: LegalRepUser,
    path: web::Path<i64>,
) -> Result<web::Json<ApiKeyView>, ApiError> {
    let id = ApiKeyId(path.into_inner());
    let now = state.clock.now_utc();
    let actor = who.principal.as_actor();
    let unit_id = who.unit_id;
    let view = run_db(&state, move |conn| {
        Ok(keys::revoke(
            conn,
            &actor,
            unit_id,
            id,
            Role::Payroll.as_str(),
            now,
        )?)
    })
    .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApiKeyTokenRequest {
    /// The whole key, `qbk_<prefix>_<secret>`.
    pub api_key: String,
}

/// 接口密钥换取令牌 — exchange an API key for a token
///
/// Payroll software exchanges its API key for an access token acting for
/// the key's unit (role `payroll`, channel `api`). No refresh token:
/// exchange the key again when the token expires.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_api_key_token",
    request_body = ApiKeyTokenRequest,
    responses(
        (status = 200, description = "An access token.", body = TokenResponse),
        (status = 400, description = "Missing field or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Unknown, malformed or revoked key (`API_KEY_INVALID`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/api-key-tokens")]
pub async fn create_api_key_token(
    state: web::Data<AppState>,
    body: Json<ApiKeyTokenRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let now = state.clock.now_utc();
    let presented = body.into_inner().api_key;
    let grant = run_db(&state, move |conn| {
        Ok(qibao_app::auth::api_key_token::run(conn, &presented, now)?)
    })
    .await?;
    let tokens = tokens::render(state.config.jwt_secret.as_bytes(), grant, now)?;
    Ok(web::Json(tokens))
}

/// The key-management routes inside `/api/v1/portal`.
pub fn configure_portal(cfg: &mut ServiceConfig) {
    cfg.service(create_api_key)
        .service(list_api_keys)
        .service(revoke_api_key);
}

/// The key exchange inside `/api/v1/auth`.
pub fn configure_auth(cfg: &mut ServiceConfig) {
    cfg.service(create_api_key_token);
}
