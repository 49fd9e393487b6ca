//! A back-office staff member's sign-in (channel `counter`), with the same
//! throttling as the legal representative's; the same three steps as
//! [`super::unit_login`].

use qibao_db::DbConn;
use qibao_db::accounts::{self, StaffAccount};
use time::PrimitiveDateTime;

use super::password::{dummy_hash, verify_password};
use super::throttle::{self, Audience, Keys};
use super::{Grant, Issue, Role, SessionSpec, StaffRole, TokenStaff, start_session};
use crate::actor::Channel;
use crate::error::{AppError, ErrorCode};
use crate::tx::transaction;

/// 401 `LOGIN_FAILED`: unknown or disabled user, or wrong password.
pub fn login_failed() -> AppError {
    AppError::new(ErrorCode::LoginFailed).with_detail("用户名或密码错误。")
}

/// The active account a username names (if any).
#[derive(Debug, Clone)]
pub struct Candidate {
    account: Option<StaffAccount>,
    keys: Keys,
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

/// Looks the active account up by username (trimmed, 1–64 characters) for
/// an attempt from `address`; a throttled attempt is refused (429) first.
pub fn find(
    conn: &mut DbConn,
    username: &str,
    address: &str,
    now: PrimitiveDateTime,
) -> Result<Candidate, AppError> {
    let username = username.trim();
    let keys = Keys::new(Audience::Staff, &username.to_lowercase(), address);
    throttle::check(conn, &keys, now)?;
    let account = if (1..=64).contains(&username.chars().count()) {
        accounts::find_staff_by_username(conn, username)?.filter(|a| a.active)
    } else {
        None
    };
    Ok(Candidate { account, keys })
}

/// Records the outcome of [`Candidate::check`] and opens the session.
pub fn finish(
    conn: &mut DbConn,
    candidate: Candidate,
    matched: bool,
    now: PrimitiveDateTime,
) -> Result<Grant, AppError> {
    let keys = candidate.keys;
    let account = match candidate.account {
        Some(a) if matched => a,
        _ => return Err(throttle::fail(conn, &keys, None, now, login_failed())),
    };
    transaction(conn, |c| {
        let current = accounts::find_staff_by_id(c, account.id)?;
        throttle::succeed(c, &keys)?;
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
