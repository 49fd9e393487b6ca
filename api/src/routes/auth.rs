//! Sign-in (R-AUTH-1…3): the legal representative's USCC + password login
//! with lock-out, staff login, refresh-token rotation, logout, the
//! e-social-card QR login (the card platform is an external party that
//! signs its confirmations), tax-bureau client credentials, and the legal
//! representative's password change.
//!
//! Password checks (argon2id) run on the blocking pool outside any
//! transaction; the bookkeeping of a failure or a success is one short
//! transaction afterwards.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use qibao_core::ids::UnitNo;
use qibao_db::DbConn;
use qibao_db::accounts::{self, HolderUnit, QR_CONFIRMED, QR_CONSUMED, QR_PENDING, QrSession};
use qibao_db::conn::transaction;
use serde::{Deserialize, Serialize};
use time::{Duration, PrimitiveDateTime};
use utoipa::ToSchema;

use crate::auth::esscard::{self, ConfirmationError};
use crate::auth::lockout;
use crate::auth::password::{
    check_password_rules, dummy_hash, hash_password, sha256_hex, verify_password,
};
use crate::auth::tokens::{self, Issue, TokenResponse, TokenStaff, TokenUnit};
use crate::auth::{Channel, Principal, Role, SessionSpec, StaffRole, api_keys, new_secret};
use crate::blocking::{run_blocking, run_db};
use crate::items::{self, ItemRecord};
use crate::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// How long a QR ticket waits for the holder to confirm it.
pub const QR_TTL: Duration = Duration::minutes(2);
/// After confirmation, how long the portal has to take the session.
pub const QR_PICK_TTL: Duration = Duration::minutes(2);
/// Expired tickets are deleted this long after expiry.
const QR_KEEP: Duration = Duration::days(1);

fn login_failed() -> ApiError {
    ApiError::unauthorized("LOGIN_FAILED", "统一社会信用代码或密码错误。")
}

fn staff_login_failed() -> ApiError {
    ApiError::unauthorized("LOGIN_FAILED", "用户名或密码错误。")
}

/// `utc` as ISO 8601 in China time, e.g. `2023-04-20T09:15:00+08:00`.
pub fn china_timestamp(utc: PrimitiveDateTime) -> String {
    let t = utc.assume_utc().to_offset(crate::clock::CHINA_OFFSET);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Runs an argon2id verification on the blocking pool.
async fn verify_async(password: String, hash: String) -> Result<bool, ApiError> {
    run_blocking(move || Ok(verify_password(&password, &hash))).await
}

/// The same work against the dummy hash, for an account that does not
/// exist (the dummy is made on first use, also off the actix workers).
async fn verify_dummy_async(password: String) -> Result<(), ApiError> {
    run_blocking(move || {
        verify_password(&password, dummy_hash());
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------- lock-out bookkeeping

#[derive(Debug, Clone, Copy)]
enum Account {
    Staff(i64),
    Unit(i64),
}

/// Records a wrong password in one transaction; returns the lock it caused
/// (or an existing one set meanwhile by a concurrent request).
fn record_failure(
    conn: &mut DbConn,
    account: Account,
    now: PrimitiveDateTime,
) -> Result<Option<PrimitiveDateTime>, ApiError> {
    transaction(conn, |c| {
        let failures = match account {
            Account::Staff(id) => {
                let a = accounts::find_staff_by_id(c, id)?;
                if lockout::is_locked(a.locked_until, now) {
                    return Ok(a.locked_until);
                }
                accounts::increment_staff_failures(c, id, now)?
            }
            Account::Unit(id) => {
                let a = accounts::find_unit_account_by_id(c, id)?;
                if lockout::is_locked(a.locked_until, now) {
                    return Ok(a.locked_until);
                }
                accounts::increment_unit_failures(c, id, now)?
            }
        };
        let Some(until) = lockout::lock_after_failure(failures, now) else {
            return Ok(None);
        };
        match account {
            Account::Staff(id) => accounts::lock_staff(c, id, until, now)?,
            Account::Unit(id) => accounts::lock_unit_account(c, id, until, now)?,
        }
        Ok(Some(until))
    })
}

/// The answer to a wrong password: locked now, or the plain failure.
async fn fail_login(
    state: &AppState,
    account: Account,
    now: PrimitiveDateTime,
    plain: ApiError,
) -> ApiError {
    match run_db(state, move |conn| record_failure(conn, account, now)).await {
        Ok(Some(until)) => lockout::locked_error(until),
        Ok(None) => plain,
        Err(e) => e,
    }
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

/// Signs the legal representative in with the unit's USCC and password
/// (R-AUTH-1). An unknown USCC, a malformed one and a wrong password get
/// the same answer; five consecutive wrong passwords lock the account for
/// 15 minutes. With a one-time password (`must_change_password`), only
/// `PUT /api/v1/portal/password` accepts the token until it is changed.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_password_login",
    request_body = PasswordLoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenResponse),
        (status = 400, description = "Missing fields or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Unknown USCC or wrong password (`LOGIN_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Locked after five consecutive wrong passwords; the detail gives the unlock time (`ACCOUNT_LOCKED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/password-login")]
pub async fn create_password_login(
    state: web::Data<AppState>,
    body: web::Json<PasswordLoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let now = state.clock.now_utc();
    let body = body.into_inner();
    let uscc = body.uscc.trim().to_ascii_uppercase();
    let found = if uscc.len() == 18 && uscc.bytes().all(|b| b.is_ascii_alphanumeric()) {
        run_db(&state, move |conn| {
            Ok(accounts::find_unit_account_by_uscc(conn, &uscc)?)
        })
        .await?
    } else {
        None
    };
    let Some((account, unit)) = found else {
        // Same work as a wrong password, so the timing tells nothing.
        verify_dummy_async(body.password).await?;
        return Err(login_failed());
    };
    if lockout::is_locked(account.locked_until, now) {
        return Err(lockout::locked_error(account.locked_until.unwrap_or(now)));
    }
    if !verify_async(body.password, account.password_hash.clone()).await? {
        return Err(fail_login(&state, Account::Unit(account.id), now, login_failed()).await);
    }
    let secret = state.config.jwt_secret.as_bytes().to_vec();
    let tokens = run_db(&state, move |conn| {
        transaction(conn, |c| {
            let current = accounts::find_unit_account_by_id(c, account.id)?;
            if lockout::is_locked(current.locked_until, now) {
                return Err(lockout::locked_error(current.locked_until.unwrap_or(now)));
            }
            accounts::reset_unit_failures(c, account.id, now)?;
            let spec = SessionSpec {
                role: Role::LegalRep,
                subject: &unit.uscc,
                name: &unit.legal_rep_name,
                unit_id: Some(unit.id),
                staff_roles: &[],
                channel: Channel::Portal,
            };
            let issue = Issue {
                must_change_password: current.must_change_password,
                refresh: true,
                unit: Some(TokenUnit::from(&unit)),
                staff: None,
            };
            Ok(tokens::start_session(c, &secret, &spec, issue, now)?.1)
        })
    })
    .await?;
    Ok(web::Json(tokens))
}

// ---------------------------------------------------------------- staff login

/// A staff member's sign-in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffLoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    pub password: String,
}

/// Signs a back-office staff member in (channel `counter`), with the same
/// lock-out as the legal representative's login.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_staff_login",
    request_body = StaffLoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenResponse),
        (status = 400, description = "Missing fields or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Unknown or disabled user, or wrong password (`LOGIN_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Locked after five consecutive wrong passwords (`ACCOUNT_LOCKED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/staff-login")]
pub async fn create_staff_login(
    state: web::Data<AppState>,
    body: web::Json<StaffLoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let now = state.clock.now_utc();
    let body = body.into_inner();
    let username = body.username.trim().to_owned();
    let found = if (1..=64).contains(&username.chars().count()) {
        run_db(&state, move |conn| {
            Ok(accounts::find_staff_by_username(conn, &username)?)
        })
        .await?
    } else {
        None
    };
    let Some(account) = found.filter(|a| a.active) else {
        verify_dummy_async(body.password).await?;
        return Err(staff_login_failed());
    };
    if lockout::is_locked(account.locked_until, now) {
        return Err(lockout::locked_error(account.locked_until.unwrap_or(now)));
    }
    if !verify_async(body.password, account.password_hash.clone()).await? {
        return Err(fail_login(
            &state,
            Account::Staff(account.id),
            now,
            staff_login_failed(),
        )
        .await);
    }
    let secret = state.config.jwt_secret.as_bytes().to_vec();
    let tokens = run_db(&state, move |conn| {
        transaction(conn, |c| {
            let current = accounts::find_staff_by_id(c, account.id)?;
            if lockout::is_locked(current.locked_until, now) {
                return Err(lockout::locked_error(current.locked_until.unwrap_or(now)));
            }
            accounts::reset_staff_failures(c, account.id, now)?;
            let roles = StaffRole::parse_list(&current.roles);
            let spec = SessionSpec {
                role: Role::Staff,
                subject: &current.username,
                name: &current.name,
                unit_id: None,
                staff_roles: &roles,
                channel: Channel::Counter,
            };
            let issue = Issue {
                must_change_password: false,
                refresh: true,
                unit: None,
                staff: Some(TokenStaff {
                    username: current.username.clone(),
                    name: current.name.clone(),
                    roles: roles.clone(),
                }),
            };
            Ok(tokens::start_session(c, &secret, &spec, issue, now)?.1)
        })
    })
    .await?;
    Ok(web::Json(tokens))
}

// ---------------------------------------------------------------- refresh, logout

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    /// The refresh token of the last sign-in or refresh (one use only).
    pub refresh_token: String,
}

/// Exchanges a refresh token for a new access token and a new refresh
/// token (rotation). A refresh token used before revokes the whole session.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_token_refresh",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens; the presented refresh token is used up.", body = TokenResponse),
        (status = 400, description = "Missing field or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Unknown refresh token (`REFRESH_TOKEN_INVALID`); a used one presented again, which revokes the session (`REFRESH_TOKEN_REUSED`); the session was logged out, revoked or expired (`SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/refresh")]
pub async fn create_token_refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let now = state.clock.now_utc();
    let secret = state.config.jwt_secret.as_bytes().to_vec();
    let token = body.into_inner().refresh_token;
    let outcome = run_db(&state, move |conn| {
        transaction(conn, |c| tokens::rotate(c, &secret, &token, now))
    })
    .await?;
    Ok(web::Json(outcome.into_result()?))
}

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
        qibao_db::auth::revoke_session(conn, &who.session_id, now)?;
        Ok(())
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

/// The legal representative changes the account's password (also the way
/// out of a one-time password). Every other legal-representative session
/// of the unit ends; the answer carries the tokens of a fresh session.
#[utoipa::path(
    tag = "portal",
    operation_id = "update_password",
    security(("bearer" = [])),
    request_body = PasswordChangeRequest,
    responses(
        (status = 200, description = "Changed; new tokens (the old ones no longer work).", body = TokenResponse),
        (status = 400, description = "Missing field, or the new password breaks the rules (`VALIDATION_FAILED`, field `new_password`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`); locked by wrong current passwords (`ACCOUNT_LOCKED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password (`CURRENT_PASSWORD_INCORRECT`, counts towards the lock-out); the new password equals the current one (`PASSWORD_UNCHANGED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[put("/password")]
pub async fn update_password(
    state: web::Data<AppState>,
    who: Principal,
    body: web::Json<PasswordChangeRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let (Role::LegalRep, Some(unit_id)) = (who.role, who.unit_id) else {
        return Err(ApiError::forbidden(
            "LEGAL_REP_ONLY",
            "只有单位法人账号可以修改法人账号密码。",
        ));
    };
    let now = state.clock.now_utc();
    let body = body.into_inner();
    if let Err(reason) = check_password_rules(&body.new_password) {
        return Err(ApiError::invalid_field("new_password", reason));
    }
    let account = run_db(&state, move |conn| {
        accounts::find_unit_account(conn, unit_id)?
            .ok_or_else(|| ApiError::not_found("ACCOUNT_NOT_FOUND", "该单位尚未开通法人账号。"))
    })
    .await?;
    if lockout::is_locked(account.locked_until, now) {
        return Err(lockout::locked_error(account.locked_until.unwrap_or(now)));
    }
    if !verify_async(body.current_password, account.password_hash.clone()).await? {
        let wrong = ApiError::unprocessable("CURRENT_PASSWORD_INCORRECT", "当前密码不正确。")
            .with_field_error("current_password", "当前密码不正确");
        return Err(fail_login(&state, Account::Unit(account.id), now, wrong).await);
    }
    let new_password = body.new_password;
    if verify_async(new_password.clone(), account.password_hash.clone()).await? {
        return Err(
            ApiError::unprocessable("PASSWORD_UNCHANGED", "新密码不能与当前密码相同。")
                .with_field_error("new_password", "新密码不能与当前密码相同"),
        );
    }
    let new_hash = run_blocking(move || hash_password(&new_password)).await?;
    let secret = state.config.jwt_secret.as_bytes().to_vec();
    let tokens = run_db(&state, move |conn| {
        transaction(conn, |c| {
            let before = accounts::find_unit_account_by_id(c, account.id)?;
            if before.password_hash != account.password_hash {
                return Err(ApiError::conflict(
                    "PASSWORD_CHANGED_MEANWHILE",
                    "密码刚刚已被修改，请重新登录后再试。",
                ));
            }
            accounts::set_unit_password(c, account.id, &new_hash, false, now)?;
            accounts::revoke_unit_sessions(c, unit_id, Role::LegalRep.as_str(), now)?;
            let unit = accounts::get_unit(c, unit_id)?;
            items::record(
                c,
                &who,
                ItemRecord {
                    unit_id: Some(unit_id),
                    kind: qibao_core::business_item::BusinessItemKind::PasswordChange,
                    status: "done",
                    before: Some(serde_json::json!({
                        "must_change_password": before.must_change_password,
                        "password_changed_at": before.password_changed_at.map(china_timestamp),
                    })),
                    after: Some(serde_json::json!({
                        "must_change_password": false,
                        "password_changed_at": china_timestamp(now),
                    })),
                },
                now,
            )?;
            let spec = SessionSpec {
                role: Role::LegalRep,
                subject: &who.subject,
                name: &who.name,
                unit_id: Some(unit_id),
                staff_roles: &[],
                channel: who.channel,
            };
            let issue = Issue {
                must_change_password: false,
                refresh: true,
                unit: Some(TokenUnit::from(&unit)),
                staff: None,
            };
            Ok(tokens::start_session(c, &secret, &spec, issue, now)?.1)
        })
    })
    .await?;
    Ok(web::Json(tokens))
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

/// Where a QR sign-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QrStatus {
    /// Waiting for the holder to confirm in the card app.
    Pending,
    /// Confirmed: pick a unit and take the tokens.
    Confirmed,
    /// The tokens have been taken.
    Consumed,
}

/// A unit the confirmed holder may sign in for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QrUnit {
    /// Unit number (单位编号, AAB001).
    #[schema(example = "100047513")]
    pub unit_no: String,
    pub name: String,
    /// `legal_rep` when the holder is the unit's legal representative,
    /// else `agent`.
    pub role: Role,
}

/// The state of a QR sign-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct QrSessionView {
    pub status: QrStatus,
    /// ISO 8601, China time.
    pub expires_at: String,
    /// The units the holder may act for, once confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<Vec<QrUnit>>,
}

fn ticket_unknown() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "QR_TICKET_UNKNOWN",
        "二维码无效或已过期，请刷新二维码后重新扫码。",
    )
}

fn ticket_expired() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "QR_TICKET_EXPIRED",
        "二维码已过期，请刷新二维码后重新扫码。",
    )
}

fn replayed() -> ApiError {
    ApiError::conflict(
        "REPLAYED",
        "该扫码确认已处理过（二维码已被确认或已使用），不能重复提交。",
    )
}

fn holder_units(conn: &mut DbConn, qr: &QrSession) -> Result<Vec<HolderUnit>, ApiError> {
    match (&qr.holder_id_number, &qr.holder_name) {
        (Some(id), Some(name)) => Ok(accounts::units_for_holder(conn, id, name)?),
        _ => Ok(Vec::new()),
    }
}

fn qr_unit(h: &HolderUnit) -> QrUnit {
    QrUnit {
        unit_no: h.unit.unit_no.clone(),
        name: h.unit.name.clone(),
        role: if h.legal_rep {
            Role::LegalRep
        } else {
            Role::Agent
        },
    }
}

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
    let ticket = new_secret();
    let row = QrSession {
        id: sha256_hex(&ticket),
        status: QR_PENDING.to_owned(),
        created_at: now,
        expires_at: now + QR_TTL,
        holder_id_number: None,
        holder_name: None,
        confirmation_id: None,
        confirmed_at: None,
        consumed_at: None,
    };
    let expires_at = row.expires_at;
    run_db(&state, move |conn| {
        transaction(conn, |c| {
            accounts::delete_expired_qr_sessions(c, now - QR_KEEP)?;
            accounts::insert_qr_session(c, &row)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(QrTicket {
        qr_payload: esscard::qr_payload(&ticket),
        ticket,
        expires_at: china_timestamp(expires_at),
    }))
}

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
    let id = sha256_hex(path.trim());
    let view = run_db(&state, move |conn| {
        let qr = accounts::find_qr_session(conn, &id)?.ok_or_else(ticket_unknown)?;
        let status = match qr.status.as_str() {
            QR_CONSUMED => QrStatus::Consumed,
            _ if qr.expires_at <= now => return Err(ticket_expired()),
            QR_CONFIRMED => QrStatus::Confirmed,
            _ => QrStatus::Pending,
        };
        let units = match status {
            QrStatus::Confirmed => Some(holder_units(conn, &qr)?.iter().map(qr_unit).collect()),
            _ => None,
        };
        Ok(QrSessionView {
            status,
            expires_at: china_timestamp(qr.expires_at),
            units,
        })
    })
    .await?;
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

/// The confirmation was accepted.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmationAccepted {
    pub status: QrStatus,
    /// The platform's confirmation id (`jti`).
    pub confirmation_id: String,
    /// How many units the holder may sign in for.
    pub units: usize,
}

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
        (status = 401, description = "Not signed by the card platform's key, malformed or with empty claims (`CONFIRMATION_INVALID`); past its `exp` (`CONFIRMATION_EXPIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The holder is neither an active agent nor the legal representative of any unit (`NOT_AN_AGENT`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The confirmation id was used before, or the ticket is already confirmed or used (`REPLAYED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 410, description = "Unknown ticket (`QR_TICKET_UNKNOWN`) or expired (`QR_TICKET_EXPIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/esscard/confirmations")]
pub async fn create_esscard_confirmation(
    state: web::Data<AppState>,
    body: web::Json<ConfirmationRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now_utc();
    let claims =
        esscard::verify_confirmation(&state.config.card_platform_key, &body.confirmation, now)
            .map_err(|e| match e {
                ConfirmationError::Expired => ApiError::unauthorized(
                    "CONFIRMATION_EXPIRED",
                    "电子社保卡扫码确认已过期，请重新扫码。",
                ),
                ConfirmationError::Invalid(reason) => {
                    log::info!("card confirmation refused: {reason}");
                    ApiError::unauthorized(
                        "CONFIRMATION_INVALID",
                        "电子社保卡扫码确认无效（签名校验未通过）。",
                    )
                }
            })?;
    let id = sha256_hex(&claims.ticket);
    let accepted = run_db(&state, move |conn| {
        transaction(conn, |c| {
            let qr = accounts::find_qr_session(c, &id)?.ok_or_else(ticket_unknown)?;
            if accounts::confirmation_seen(c, &claims.jti)? || qr.status != QR_PENDING {
                return Err(replayed());
            }
            if qr.expires_at <= now {
                return Err(ticket_expired());
            }
            let units = accounts::units_for_holder(c, &claims.id_number, &claims.name)?;
            if units.is_empty() {
                return Err(ApiError::forbidden(
                    "NOT_AN_AGENT",
                    "您不是任何参保单位登记的经办人或法定代表人，不能登录单位网上办事大厅。请联系单位法人办理经办人授权。",
                ));
            }
            let confirmed = accounts::confirm_qr_session(
                c,
                &id,
                accounts::QrConfirmation {
                    holder_id_number: &claims.id_number,
                    holder_name: &claims.name,
                    confirmation_id: &claims.jti,
                    expires_at: now + QR_PICK_TTL,
                },
                now,
            )
            .map_err(|e| match e {
                qibao_db::DbError::Conflict { .. } => replayed(),
                other => ApiError::from(other),
            })?;
            if !confirmed {
                return Err(replayed());
            }
            Ok(ConfirmationAccepted {
                status: QrStatus::Confirmed,
                confirmation_id: claims.jti.clone(),
                units: units.len(),
            })
        })
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
        (status = 400, description = "Malformed unit number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "The holder may not act for that unit (`UNIT_NOT_ALLOWED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not confirmed yet (`QR_NOT_CONFIRMED`); the tokens were taken already (`QR_TICKET_CONSUMED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 410, description = "Unknown ticket (`QR_TICKET_UNKNOWN`) or expired (`QR_TICKET_EXPIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/qr-sessions/{ticket}/tokens")]
pub async fn create_qr_session_tokens(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<QrTokensRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let now = state.clock.now_utc();
    let unit_no = UnitNo::parse(&body.unit_no)
        .map_err(|e| ApiError::invalid_field("unit_no", e.to_string()))?;
    let id = sha256_hex(path.trim());
    let secret = state.config.jwt_secret.as_bytes().to_vec();
    let consumed = || {
        ApiError::conflict(
            "QR_TICKET_CONSUMED",
            "该二维码已完成登录，不能重复使用，请刷新二维码。",
        )
    };
    let tokens = run_db(&state, move |conn| {
        transaction(conn, |c| {
            let qr = accounts::find_qr_session(c, &id)?.ok_or_else(ticket_unknown)?;
            match qr.status.as_str() {
                QR_CONSUMED => return Err(consumed()),
                QR_PENDING if qr.expires_at > now => {
                    return Err(ApiError::conflict(
                        "QR_NOT_CONFIRMED",
                        "尚未在电子社保卡中确认登录，请扫码确认后再试。",
                    ));
                }
                _ if qr.expires_at <= now => return Err(ticket_expired()),
                _ => {}
            }
            let units = holder_units(c, &qr)?;
            let Some(chosen) = units.iter().find(|h| h.unit.unit_no == unit_no.as_str()) else {
                return Err(ApiError::forbidden(
                    "UNIT_NOT_ALLOWED",
                    "您不是该单位登记的经办人或法定代表人，不能代表该单位登录。",
                ));
            };
            if !accounts::consume_qr_session(c, &id, now)? {
                return Err(consumed());
            }
            let role = if chosen.legal_rep {
                Role::LegalRep
            } else {
                Role::Agent
            };
            let (holder_id, holder_name) = (
                qr.holder_id_number.clone().unwrap_or_default(),
                qr.holder_name.clone().unwrap_or_default(),
            );
            let spec = SessionSpec {
                role,
                subject: &holder_id,
                name: &holder_name,
                unit_id: Some(chosen.unit.id),
                staff_roles: &[],
                channel: Channel::Portal,
            };
            let issue = Issue {
                must_change_password: false,
                refresh: true,
                unit: Some(TokenUnit::from(&chosen.unit)),
                staff: None,
            };
            Ok(tokens::start_session(c, &secret, &spec, issue, now)?.1)
        })
    })
    .await?;
    Ok(web::Json(tokens))
}

// ---------------------------------------------------------------- tax bureau

#[derive(Debug, Deserialize, ToSchema)]
pub struct TaxTokenRequest {
    #[schema(example = "tax-sim")]
    pub client_id: String,
    pub client_secret: String,
}

/// The tax bureau's client credentials → an access token (role `tax`,
/// channel `api`). No refresh token: exchange the credentials again.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_tax_token",
    request_body = TaxTokenRequest,
    responses(
        (status = 200, description = "An access token.", body = TokenResponse),
        (status = 400, description = "Missing fields or malformed JSON (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Unknown or disabled client, or wrong secret (`CLIENT_AUTH_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/tax-tokens")]
pub async fn create_tax_token(
    state: web::Data<AppState>,
    body: web::Json<TaxTokenRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let now = state.clock.now_utc();
    let secret = state.config.jwt_secret.as_bytes().to_vec();
    let body = body.into_inner();
    let tokens = run_db(&state, move |conn| {
        let presented = sha256_hex(&body.client_secret);
        let client = accounts::find_tax_client(conn, body.client_id.trim())?
            .filter(|c| c.active && api_keys::constant_time_eq(&presented, &c.secret_hash))
            .ok_or_else(|| {
                ApiError::unauthorized("CLIENT_AUTH_FAILED", "客户端标识或密钥错误。")
            })?;
        transaction(conn, |c| {
            let spec = SessionSpec {
                role: Role::Tax,
                subject: &client.client_id,
                name: &client.name,
                unit_id: None,
                staff_roles: &[],
                channel: Channel::Api,
            };
            Ok(tokens::start_session(c, &secret, &spec, Issue::default(), now)?.1)
        })
    })
    .await?;
    Ok(web::Json(tokens))
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
        .service(create_tax_token);
}

/// The legal representative's routes inside `/api/v1/portal`.
pub fn configure_portal(cfg: &mut ServiceConfig) {
    cfg.service(update_password);
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_china_time() {
        assert_eq!(
            china_timestamp(datetime!(2023-04-20 16:05:09)),
            "2023-04-21T00:05:09+08:00"
        );
    }
}
