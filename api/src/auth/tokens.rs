//! Issuing tokens for a new session, and rotating refresh tokens
//! (R-AUTH-3).
//!
//! A refresh token is a random secret; only its SHA-256 is stored, bound to
//! the session and valid until the session expires. Using one marks it used
//! and hands out a new access token and a new refresh token. A used refresh
//! token presented again means it was copied: the whole session is revoked
//! (reuse detection), so the thief and the owner both have to sign in again.

use qibao_db::DbConn;
use qibao_db::accounts::{self, NewRefreshToken};
use qibao_db::auth::AuthSession;
use qibao_db::rows::Unit;
use serde::Serialize;
use time::PrimitiveDateTime;
use utoipa::ToSchema;

use super::password::sha256_hex;
use super::{
    ACCESS_TTL, Channel, Principal, Role, SessionSpec, StaffRole, issue_access_token, new_secret,
    open_session,
};
use crate::problem::ApiError;

/// The unit a token acts for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenUnit {
    /// Unit number (单位编号, AAB001).
    #[schema(example = "100047513")]
    pub unit_no: String,
    /// Unit name.
    #[schema(example = "宜昌市三峡示范科技有限公司")]
    pub name: String,
}

impl From<&Unit> for TokenUnit {
    fn from(u: &Unit) -> Self {
        TokenUnit {
            unit_no: u.unit_no.clone(),
            name: u.name.clone(),
        }
    }
}

/// The staff member a token belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenStaff {
    #[schema(example = "admin")]
    pub username: String,
    #[schema(example = "系统管理员")]
    pub name: String,
    pub roles: Vec<StaffRole>,
}

/// Tokens of a new or refreshed session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The bearer token for `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds the access token is valid.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// One-time refresh token for `POST /api/v1/auth/refresh`; absent for
    /// API-key and tax-bureau tokens (exchange the credential again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub role: Role,
    pub channel: Channel,
    /// The password is a one-time password: change it with
    /// `PUT /api/v1/portal/password` before anything else.
    pub must_change_password: bool,
    /// The unit the token acts for (unit callers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<TokenUnit>,
    /// The staff member (staff tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff: Option<TokenStaff>,
}

/// Stores a new refresh token for a session and returns it.
pub fn issue_refresh_token(
    conn: &mut DbConn,
    session_id: &str,
    session_expires_at: PrimitiveDateTime,
    now: PrimitiveDateTime,
) -> Result<String, ApiError> {
    let token = new_secret();
    accounts::insert_refresh_token(
        conn,
        &NewRefreshToken {
            session_id: session_id.to_owned(),
            token_hash: sha256_hex(&token),
            created_at: now,
            expires_at: session_expires_at,
        },
    )?;
    Ok(token)
}

/// What the new session carries besides its [`SessionSpec`].
#[derive(Debug, Clone, Default)]
pub struct Issue {
    pub must_change_password: bool,
    /// Hand out a refresh token (interactive sign-ins; not API credentials).
    pub refresh: bool,
    pub unit: Option<TokenUnit>,
    pub staff: Option<TokenStaff>,
}

/// Opens a session and issues its tokens, in the caller's transaction.
pub fn start_session(
    conn: &mut DbConn,
    secret: &[u8],
    spec: &SessionSpec<'_>,
    issue: Issue,
    now: PrimitiveDateTime,
) -> Result<(Principal, TokenResponse), ApiError> {
    let mut principal = open_session(conn, spec, now)?;
    principal.must_change_password = issue.must_change_password;
    let refresh_token = if issue.refresh {
        Some(issue_refresh_token(
            conn,
            &principal.session_id,
            now + super::SESSION_TTL,
            now,
        )?)
    } else {
        None
    };
    let response = respond(
        secret,
        &principal,
        refresh_token,
        issue.unit,
        issue.staff,
        now,
    )?;
    Ok((principal, response))
}

fn respond(
    secret: &[u8],
    p: &Principal,
    refresh_token: Option<String>,
    unit: Option<TokenUnit>,
    staff: Option<TokenStaff>,
    now: PrimitiveDateTime,
) -> Result<TokenResponse, ApiError> {
    Ok(TokenResponse {
        access_token: issue_access_token(secret, p, now)?,
        token_type: "Bearer".to_owned(),
        expires_in: ACCESS_TTL.whole_seconds(),
        refresh_token,
        role: p.role,
        channel: p.channel,
        must_change_password: p.must_change_password,
        unit,
        staff,
    })
}

/// The caller a stored session stands for (`None` for a row this build
/// cannot read, e.g. an unknown kind).
pub fn principal_of(session: &AuthSession, must_change_password: bool) -> Option<Principal> {
    Some(Principal {
        session_id: session.id.clone(),
        role: Role::parse(&session.kind)?,
        subject: session.subject.clone(),
        name: session.name.clone(),
        unit_id: session.unit_id,
        staff_roles: StaffRole::parse_list(&session.roles),
        channel: Channel::parse(&session.channel)?,
        must_change_password,
    })
}

/// The result of presenting a refresh token. Refusals are values, not
/// errors, so that the transaction commits what they changed (a session
/// revoked for reuse) before the caller answers 401.
#[derive(Debug)]
pub enum Refreshed {
    Issued(Box<TokenResponse>),
    /// Unknown token.
    Unknown,
    /// A used token presented again: the session has been revoked.
    Reused,
    /// The session was logged out, revoked or has expired.
    Ended,
}

impl Refreshed {
    /// The answer: the tokens, or a 401.
    pub fn into_result(self) -> Result<TokenResponse, ApiError> {
        match self {
            Refreshed::Issued(t) => Ok(*t),
            Refreshed::Unknown => Err(ApiError::unauthorized(
                "REFRESH_TOKEN_INVALID",
                "刷新凭证无效，请重新登录。",
            )),
            Refreshed::Reused => Err(ApiError::unauthorized(
                "REFRESH_TOKEN_REUSED",
                "刷新凭证已被使用过，可能已泄露：该登录已被注销，请重新登录。",
            )),
            Refreshed::Ended => Err(ApiError::unauthorized(
                "SESSION_ENDED",
                "该登录已注销、被撤销或已过期，请重新登录。",
            )),
        }
    }
}

/// Rotates a refresh token. Run it in one transaction.
pub fn rotate(
    conn: &mut DbConn,
    secret: &[u8],
    refresh_token: &str,
    now: PrimitiveDateTime,
) -> Result<Refreshed, ApiError> {
    let Some(stored) = accounts::find_refresh_token(conn, &sha256_hex(refresh_token.trim()))?
    else {
        return Ok(Refreshed::Unknown);
    };
    // A used one again, or a concurrent use that lost the race: reuse.
    if stored.used_at.is_some() || !accounts::use_refresh_token(conn, stored.id, now)? {
        qibao_db::auth::revoke_session(conn, &stored.session_id, now)?;
        return Ok(Refreshed::Reused);
    }
    let live = qibao_db::auth::live_session(conn, &stored.session_id, now)?;
    let Some(session) = live.filter(|_| stored.expires_at > now) else {
        return Ok(Refreshed::Ended);
    };
    let unit = match session.unit_id {
        Some(id) => Some(accounts::get_unit(conn, id)?),
        None => None,
    };
    // The one-time-password state of a password sign-in (subject: the
    // unit's USCC) is read afresh; QR sign-ins do not depend on it.
    let must_change = match (&unit, session.kind.as_str()) {
        (Some(u), "legal_rep") if session.subject == u.uscc => {
            accounts::find_unit_account(conn, u.id)?.is_some_and(|a| a.must_change_password)
        }
        _ => false,
    };
    let Some(principal) = principal_of(&session, must_change) else {
        return Ok(Refreshed::Ended);
    };
    let next = issue_refresh_token(conn, &session.id, session.expires_at, now)?;
    let staff = (principal.role == Role::Staff).then(|| TokenStaff {
        username: principal.subject.clone(),
        name: principal.name.clone(),
        roles: principal.staff_roles.clone(),
    });
    let response = respond(
        secret,
        &principal,
        Some(next),
        unit.as_ref().map(TokenUnit::from),
        staff,
        now,
    )?;
    Ok(Refreshed::Issued(Box::new(response)))
}
