//! Sign-in (R-AUTH-1…3): the legal representative's USCC + password login
//! with throttling, staff login, refresh-token rotation, logout, the
//! e-social-card QR login (the card platform is an external party that
//! signs its confirmations), tax-bureau client credentials, and the legal
//! representative's password change.
//!
//! HTTP only: the use cases are in [`qibao_app::auth`]. A password check
//! (argon2id) runs on the blocking pool between the use case's lookup and
//! its bookkeeping, holding no database connection.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use qibao_app::auth::qr_confirm::{self, ConfirmationAccepted};
use qibao_app::auth::qr_status::{self, QrSessionView};
use qibao_app::auth::{
    Grant, Role, logout, password_change, qr_start, qr_tokens, refresh, staff_login, tax_token,
    unit_login,
};
use qibao_app::error::ErrorCode;
use qibao_core::ids::UnitNo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::auth::esscard::{self, ConfirmationError};
use crate::auth::tokens::{self, TokenResponse};
use crate::http::blocking::{run_blocking, run_db};
use crate::http::extract::Json;
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

pub use qibao_app::auth::china_timestamp;
pub use qibao_app::auth::qr_start::{QR_PICK_TTL, QR_TTL};
pub use qibao_app::auth::qr_status::{QrStatus, QrUnit};

/// The client's address as the connection shows it (the peer, not a
/// forwarded header), for sign-in throttling.
fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// An answer carrying a credential: never stored by a cache.
fn no_store(mut res: HttpResponse) -> HttpResponse {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

/// Signs the access token of a use case's grant; the answer is `no-store`.
fn render(state: &AppState, grant: Grant) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let body = tokens::render(state.config.jwt_secret.as_bytes(), grant, now)?;
    Ok(no_store(HttpResponse::Ok().json(body)))
}

// ---------------------------------------------------------------- password login

/// The legal representative's sign-in (法人账号登录).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordLoginRequest {
    /// The unit's unified social credit code (统一社会信用代码).
    #[schema(example = "91420500MA4C8QD2XH")]
    pub uscc: String,
    #[schema(example = "Demo2023pass")]
    pub password: String,
}

/// 法定代表人密码登录 — sign in with USCC and password
///
/// Signs the legal representative in with the unit's USCC and password
/// (R-AUTH-1). An unknown USCC, a malformed one and a wrong password get
/// the same answer, timing and throttling: after four free failures of a
/// USCC (twenty of a client address) each failure doubles a wait from one
/// minute up to 15 minutes, answered 429 with `Retry-After`; the
/// e-social-card QR login is never throttled. With a one-time password (`must_change_password`), only
/// `PUT /api/v1/portal/password` accepts the token until it is changed.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_password_login",
    request_body = PasswordLoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenResponse),
        (status = 400, description = "Missing fields or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Unknown USCC or wrong password (`LOGIN_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts for this account or from this client address (`SIGNIN_THROTTLED`): no password is checked until the wait ends, not even the right one; `Retry-After` gives the seconds. The e-social-card QR login is never throttled.", body = ProblemDoc, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before the next attempt."))),
    ),
)]
#[post("/password-login")]
pub async fn create_password_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<PasswordLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let PasswordLoginRequest { uscc, password } = body.into_inner();
    let address = client_address(&req);
    let candidate = run_db(&state, move |conn| {
        Ok(unit_login::find(conn, &uscc, &address, now)?)
    })
    .await?;
    let (candidate, matched) = run_blocking(move || {
        let matched = candidate.check(&password);
        Ok((candidate, matched))
    })
    .await?;
    let grant = run_db(&state, move |conn| {
        Ok(unit_login::finish(conn, candidate, matched, now)?)
    })
    .await?;
    render(&state, grant)
}

// ---------------------------------------------------------------- staff login

/// A staff member's sign-in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffLoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    pub password: String,
}

/// 经办人员登录 — staff sign-in
///
/// Signs a back-office staff member in (channel `counter`), with the same
/// throttling as the legal representative's login.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_staff_login",
    request_body = StaffLoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenResponse),
        (status = 400, description = "Missing fields or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Unknown or disabled user, or wrong password (`LOGIN_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts for this account or from this client address (`SIGNIN_THROTTLED`): no password is checked until the wait ends, not even the right one; `Retry-After` gives the seconds.", body = ProblemDoc, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before the next attempt."))),
    ),
)]
#[post("/staff-login")]
pub async fn create_staff_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<StaffLoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let StaffLoginRequest { username, password } = body.into_inner();
    let address = client_address(&req);
    let candidate = run_db(&state, move |conn| {
        Ok(staff_login::find(conn, &username, &address, now)?)
    })
    .await?;
    let (candidate, matched) = run_blocking(move || {
        let matched = candidate.check(&password);
        Ok((candidate, matched))
    })
    .await?;
    let grant = run_db(&state, move |conn| {
        Ok(staff_login::finish(conn, candidate, matched, now)?)
    })
    .await?;
    render(&state, grant)
}

// ---------------------------------------------------------------- refresh, logout

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    /// The refresh token of the last sign-in or refresh (one use only).
    pub refresh_token: String,
}

/// 令牌续期 — refresh the tokens
///
/// Exchanges a refresh token for a new access token and a new refresh
/// token (rotation). A refresh token used before revokes the whole session.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_token_refresh",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens; the presented refresh token is used up.", body = TokenResponse),
        (status = 400, description = "Missing field or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Unknown refresh token (`REFRESH_TOKEN_INVALID`); a used one presented again, which revokes the session (`REFRESH_TOKEN_REUSED`); the session was logged out, revoked or expired (`SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/refresh")]
pub async fn create_token_refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let token = body.into_inner().refresh_token;
    let grant = run_db(&state, move |conn| Ok(refresh::run(conn, &token, now)?)).await?;
    render(&state, grant)
}

/// 退出登录 — sign out
///
/// Signs out: the session ends, its access token is refused at once and
/// its refresh token no longer works.
#[utoipa::path(
    tag = "auth",
    operation_id = "revoke_session",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out."),
        (status = 401, description = "No, an invalid or an expired token, or the session has ended already (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/logout")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    run_db(&state, move |conn| {
        Ok(logout::run(conn, &who.session_id, now)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------- password change

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    /// 8–64 characters with letters and digits; not the current password.
    pub new_password: String,
}

/// 修改密码 — change the password
///
/// The legal representative changes the account's password (also the way
/// out of a one-time password). Every other legal-representative session
/// of the unit ends; the answer carries the tokens of a fresh session.
#[utoipa::path(
    tag = "access",
    operation_id = "update_password",
    security(("bearer" = [])),
    request_body = PasswordChangeRequest,
    responses(
        (status = 200, description = "Changed; new tokens (the old ones no longer work).", body = TokenResponse),
        (status = 400, description = "Missing field, or the new password breaks the rules (`VALIDATION_FAILED`, field `new_password`); a body that is not JSON (`MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The unit has no legal representative's password account, e.g. signed in by e-social card only (`ACCOUNT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The password was changed by another request meanwhile (`PASSWORD_CHANGED_MEANWHILE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password (`CURRENT_PASSWORD_INCORRECT`, counts towards the sign-in throttling of the unit's USCC); the new password equals the current one (`PASSWORD_UNCHANGED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts for this account or from this client address (`SIGNIN_THROTTLED`): no password is checked until the wait ends, not even the right one; `Retry-After` gives the seconds.", body = ProblemDoc, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before the next attempt."))),
    ),
)]
#[put("/password")]
pub async fn update_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Principal,
    body: Json<PasswordChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let PasswordChangeRequest {
        current_password,
        new_password,
    } = body.into_inner();
    let caller = who.session();
    let address = client_address(&req);
    let pending = {
        let (caller, new_password) = (caller.clone(), new_password.clone());
        run_db(&state, move |conn| {
            Ok(password_change::begin(
                conn,
                &caller,
                &new_password,
                &address,
                now,
            )?)
        })
        .await?
    };
    let (pending, checked) = run_blocking(move || {
        let checked = pending.check(&current_password, &new_password)?;
        Ok((pending, checked))
    })
    .await?;
    let grant = run_db(&state, move |conn| {
        Ok(password_change::finish(
            conn, &caller, pending, checked, now,
        )?)
    })
    .await?;
    render(&state, grant)
}

// ---------------------------------------------------------------- QR login

/// A new QR sign-in ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct QrTicket {
    /// The one-time ticket; poll `GET /api/v1/auth/qr-sessions/{ticket}`.
    pub ticket: String,
    /// What the QR code shows (the card app scans it).
    #[schema(example = "qibao-esscard:v1:3f2a…")]
    pub qr_payload: String,
    /// When the ticket expires unless confirmed (ISO 8601, China time).
    #[schema(example = "2023-04-20T09:02:00+08:00")]
    pub expires_at: String,
}

/// 电子社保卡扫码登录 — start a QR sign-in
///
/// Starts an e-social-card QR sign-in (电子社保卡扫码登录, R-AUTH-2): a
/// one-time ticket valid for two minutes, to show as a QR code.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_qr_session",
    responses((status = 201, description = "A new ticket.", body = QrTicket)),
)]
#[post("/qr-sessions")]
pub async fn create_qr_session(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let started = run_db(&state, move |conn| Ok(qr_start::run(conn, now)?)).await?;
    Ok(no_store(HttpResponse::Created().json(QrTicket {
        qr_payload: esscard::qr_payload(&started.ticket),
        ticket: started.ticket,
        expires_at: china_timestamp(started.expires_at),
    })))
}

/// 扫码登录状态查询 — where a QR sign-in stands
///
/// Where a QR sign-in stands; once confirmed, the units the holder may
/// sign in for. The portal polls this.
#[utoipa::path(
    tag = "auth",
    operation_id = "get_qr_session",
    params(("ticket" = String, Path, description = "The ticket from `create_qr_session`.")),
    responses(
        (status = 200, body = QrSessionView),
        (status = 410, description = "Unknown ticket (`QR_TICKET_UNKNOWN`) or expired (`QR_TICKET_EXPIRED`): show a new QR code.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/qr-sessions/{ticket}")]
pub async fn get_qr_session(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<QrSessionView>, ApiError> {
    let now = state.clock.now_utc();
    let ticket = path.into_inner();
    let view = run_db(&state, move |conn| Ok(qr_status::get(conn, &ticket, now)?)).await?;
    Ok(web::Json(view))
}

/// The card platform's confirmation of a ticket.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmationRequest {
    /// A compact JWS (`alg` `EdDSA`) signed with the card platform's key,
    /// with the claims `ticket`, `id_number` (AAC002), `name`, `jti` (the
    /// platform's confirmation id), `iat` and `exp`.
    pub confirmation: String,
}

/// 电子社保卡扫码确认 — the card platform confirms a QR scan
///
/// Called by the e-social-card platform after the holder scanned the QR
/// code and authenticated in the app: confirms the ticket for the holder.
/// Only an active agent of a unit or a unit's legal representative is
/// accepted; each ticket and each confirmation id is accepted once.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_esscard_confirmation",
    request_body = ConfirmationRequest,
    responses(
        (status = 201, description = "Confirmed; the portal can now take the session.", body = ConfirmationAccepted),
        (status = 400, description = "Missing field or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed by the card platform's key, malformed or with empty claims (`CONFIRMATION_INVALID`); past its `exp` (`CONFIRMATION_EXPIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The holder is neither an active agent nor the legal representative of any unit (`NOT_AN_AGENT`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The confirmation id was used before, or the ticket is already confirmed or used (`REPLAYED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 410, description = "Unknown ticket (`QR_TICKET_UNKNOWN`) or expired (`QR_TICKET_EXPIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/esscard/confirmations")]
pub async fn create_esscard_confirmation(
    state: web::Data<AppState>,
    body: Json<ConfirmationRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let claims =
        esscard::verify_confirmation(&state.config.card_platform_key, &body.confirmation, now)
            .map_err(|e| match e {
                ConfirmationError::Expired => ApiError::new(ErrorCode::ConfirmationExpired),
                ConfirmationError::Invalid(reason) => {
                    log::info!("card confirmation refused: {reason}");
                    ApiError::new(ErrorCode::ConfirmationInvalid)
                }
            })?;
    let accepted = run_db(&state, move |conn| {
        let confirmation = qr_confirm::Confirmation {
            ticket: &claims.ticket,
            id_number: &claims.id_number,
            name: &claims.name,
            jti: &claims.jti,
        };
        Ok(qr_confirm::run(conn, confirmation, now)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(accepted))
}

/// Which unit to sign in for.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QrTokensRequest {
    /// Unit number (单位编号, AAB001), one of the units in the confirmed
    /// QR session.
    #[schema(example = "100047513")]
    pub unit_no: String,
}

/// 扫码登录选择单位 — take a confirmed QR sign-in for a unit
///
/// Takes the session of a confirmed QR sign-in for one of the holder's
/// units: as `legal_rep` when the holder is that unit's legal
/// representative, else as `agent`. Once per ticket.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_qr_session_tokens",
    params(("ticket" = String, Path, description = "The confirmed ticket.")),
    request_body = QrTokensRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenResponse),
        (status = 400, description = "Malformed unit number (`VALIDATION_FAILED`); a body that is not JSON (`MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The holder may not act for that unit (`UNIT_NOT_ALLOWED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not confirmed yet (`QR_NOT_CONFIRMED`); the tokens were taken already (`QR_TICKET_CONSUMED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 410, description = "Unknown ticket (`QR_TICKET_UNKNOWN`) or expired (`QR_TICKET_EXPIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/qr-sessions/{ticket}/tokens")]
pub async fn create_qr_session_tokens(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<QrTokensRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let unit_no = UnitNo::parse(&body.unit_no)
        .map_err(|e| ApiError::invalid_field("unit_no", e.to_string()))?;
    let ticket = path.into_inner();
    let grant = run_db(&state, move |conn| {
        Ok(qr_tokens::run(conn, &ticket, &unit_no, now)?)
    })
    .await?;
    render(&state, grant)
}

// ---------------------------------------------------------------- tax bureau

#[derive(Debug, Deserialize, ToSchema)]
pub struct TaxTokenRequest {
    #[schema(example = "tax-sim")]
    pub client_id: String,
    pub client_secret: String,
}

/// A client's credentials (the tax bureau's, the transfer platform's) →
/// its session as `role`.
async fn client_token(
    state: web::Data<AppState>,
    req: &HttpRequest,
    body: TaxTokenRequest,
    role: Role,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let TaxTokenRequest {
        client_id,
        client_secret,
    } = body;
    let address = client_address(req);
    let grant = run_db(&state, move |conn| {
        Ok(tax_token::run(
            conn,
            role,
            &client_id,
            &client_secret,
            &address,
            now,
        )?)
    })
    .await?;
    render(&state, grant)
}

/// 税务接口令牌 — the tax bureau's token
///
/// The tax bureau's client credentials → an access token (role `tax`,
/// channel `api`). No refresh token: exchange the credentials again.
/// Failed credentials are throttled like a password sign-in.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_tax_token",
    request_body = TaxTokenRequest,
    responses(
        (status = 200, description = "An access token.", body = TokenResponse),
        (status = 400, description = "Missing fields or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Unknown or disabled client, or wrong secret (`CLIENT_AUTH_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts for this account or from this client address (`SIGNIN_THROTTLED`): no password is checked until the wait ends, not even the right one; `Retry-After` gives the seconds.", body = ProblemDoc, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before the next attempt."))),
    ),
)]
#[post("/tax-tokens")]
pub async fn create_tax_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<TaxTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    client_token(state, &req, body.into_inner(), Role::Tax).await
}

/// 跨省转移接续平台令牌 — the transfer platform's token
///
/// The inter-province transfer platform's client credentials (a client
/// of role `platform`) → an access token (role `platform`, channel `api`)
/// for `/api/v1/platform`. No refresh token: exchange the credentials
/// again. Failed credentials are throttled like a password sign-in.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_platform_token",
    request_body = TaxTokenRequest,
    responses(
        (status = 200, description = "An access token.", body = TokenResponse),
        (status = 400, description = "Missing fields or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Unknown or disabled client, a client of another role, or wrong secret (`CLIENT_AUTH_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts for this account or from this client address (`SIGNIN_THROTTLED`); `Retry-After` gives the seconds.", body = ProblemDoc, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before the next attempt."))),
    ),
)]
#[post("/platform-tokens")]
pub async fn create_platform_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<TaxTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    client_token(state, &req, body.into_inner(), Role::Platform).await
}

/// The `/api/v1/auth` routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_password_login)
        .service(create_staff_login)
        .service(create_token_refresh)
        .service(revoke_session)
        .service(create_qr_session)
        .service(get_qr_session)
        .service(create_esscard_confirmation)
        .service(create_qr_session_tokens)
        .service(create_tax_token)
        .service(create_platform_token);
}

/// The legal representative's routes inside `/api/v1/portal`.
pub fn configure_portal(cfg: &mut ServiceConfig) {
    cfg.service(update_password);
}
