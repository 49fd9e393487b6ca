//! Rotating refresh tokens (R-AUTH-3).
//!
//! A refresh token is a random secret; only its SHA-256 is stored, bound to
//! the session and valid until the session expires. Using one marks it used
//! and hands out a new access token and a new refresh token. A used refresh
//! token presented again means it was copied: the whole session is revoked
//! (reuse detection), so the thief and the owner both have to sign in again.

use qibao_db::DbConn;
use qibao_db::accounts;
use time::PrimitiveDateTime;

use super::password::sha256_hex;
use super::{Grant, Role, Session, TokenStaff, TokenUnit, issue_refresh_token};
use crate::error::{AppError, ErrorCode};
use crate::tx::transaction;

/// The result of presenting a refresh token. Refusals are values, not
/// errors, so that the transaction commits what they changed (a session
/// revoked for reuse) before the caller answers 401.
#[derive(Debug)]
pub enum Refreshed {
    Issued(Box<Grant>),
    /// Unknown token.
    Unknown,
    /// A used token presented again: the session has been revoked.
    Reused,
    /// The session was logged out, revoked or has expired.
    Ended,
}

impl Refreshed {
    /// The grant, or a 401.
    pub fn into_result(self) -> Result<Grant, AppError> {
        match self {
            Refreshed::Issued(g) => Ok(*g),
            Refreshed::Unknown => Err(AppError::new(ErrorCode::RefreshTokenInvalid)),
            Refreshed::Reused => Err(AppError::new(ErrorCode::RefreshTokenReused)),
            Refreshed::Ended => Err(AppError::new(ErrorCode::SessionEnded)
                .with_detail("该登录已注销、被撤销或已过期，请重新登录。")),
        }
    }
}

/// Exchanges a refresh token in one transaction: the new grant, or a 401.
pub fn run(
    conn: &mut DbConn,
    refresh_token: &str,
    now: PrimitiveDateTime,
) -> Result<Grant, AppError> {
    transaction(conn, |c| rotate(c, refresh_token, now))?.into_result()
}

/// Rotates a refresh token, in the caller's transaction.
pub fn rotate(
    conn: &mut DbConn,
    refresh_token: &str,
    now: PrimitiveDateTime,
) -> Result<Refreshed, AppError> {
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
    let Some(row) = live.filter(|_| stored.expires_at > now) else {
        return Ok(Refreshed::Ended);
    };
    let unit = match row.unit_id {
        Some(id) => Some(accounts::get_unit(conn, id)?),
        None => None,
    };
    // The one-time-password state of a password sign-in (subject: the
    // unit's USCC) is read afresh; QR sign-ins do not depend on it.
    let must_change = match (&unit, row.kind.as_str()) {
        (Some(u), "legal_rep") if row.subject == u.uscc => {
            accounts::find_unit_account(conn, u.id)?.is_some_and(|a| a.must_change_password)
        }
        _ => false,
    };
    let Some(session) = Session::of_row(&row, must_change) else {
        return Ok(Refreshed::Ended);
    };
    let next = issue_refresh_token(conn, &row.id, row.expires_at, now)?;
    let staff = (session.role == Role::Staff).then(|| TokenStaff {
        username: session.subject.clone(),
        name: session.name.clone(),
        roles: session.staff_roles.clone(),
    });
    Ok(Refreshed::Issued(Box::new(Grant {
        session,
        refresh_token: Some(next),
        unit: unit.as_ref().map(TokenUnit::from),
        staff,
    })))
}
