//! A back-office staff member's sign-in (channel `counter`), with the same
//! lock-out as the legal representative's; the same three steps as
//! [`super::unit_login`].

use qibao_db::DbConn;
use qibao_db::accounts::{self, StaffAccount};
use time::PrimitiveDateTime;

use super::lockout::{self, Account};
use super::password::{dummy_hash, verify_password};
use super::{Grant, Issue, Role, SessionSpec, StaffRole, TokenStaff, start_session};
use crate::actor::Channel;
use crate::error::AppError;
use crate::tx::transaction;

/// 401 `LOGIN_FAILED`: unknown or disabled user, or wrong password.
pub fn login_failed() -> AppError {
    AppError::unauthorized("LOGIN_FAILED", "用户名或密码错误。")
}

/// The active account a username names (if any).
#[derive(Debug, Clone)]
pub struct Candidate {
    account: Option<StaffAccount>,
}

impl Candidate {
    /// Whether `password` is the account's (dummy work for an unknown one).
    pub fn check(&self, password: &str) -> bool {
        match &self.account {
            Some(a) => verify_password(password, &a.password_hash),
            None => {
                verify_password(password, dummy_hash());
                false
            }
        }
    }
}

/// Looks the active account up by username (trimmed, 1–64 characters); a
/// locked account is refused before any password is checked.
pub fn find(
    conn: &mut DbConn,
    username: &str,
    now: PrimitiveDateTime,
) -> Result<Candidate, AppError> {
    let username = username.trim();
    let account = if (1..=64).contains(&username.chars().count()) {
        accounts::find_staff_by_username(conn, username)?.filter(|a| a.active)
    } else {
        None
    };
    if let Some(a) = &account
        && lockout::is_locked(a.locked_until, now)
    {
        return Err(lockout::locked_error(a.locked_until.unwrap_or(now)));
    }
    Ok(Candidate { account })
}

/// Records the outcome of [`Candidate::check`] and opens the session.
pub fn finish(
    conn: &mut DbConn,
    candidate: Candidate,
    matched: bool,
    now: PrimitiveDateTime,
) -> Result<Grant, AppError> {
    let Some(account) = candidate.account else {
        return Err(login_failed());
    };
    if !matched {
        return Err(lockout::fail(
            conn,
            Account::Staff(account.id),
            now,
            login_failed(),
        ));
    }
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
        start_session(c, &spec, issue, now)
    })
}
