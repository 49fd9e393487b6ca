//! The legal representative's sign-in with the unit's USCC and password
//! (法人账号登录, R-AUTH-1). An unknown USCC, a malformed one and a wrong
//! password get the same answer, after the same password work.
//!
//! Three steps, so that the password check (argon2id, tens of
//! milliseconds) holds no connection and no transaction: [`find`] the
//! account, [`Candidate::check`] the password (CPU only), [`finish`] with
//! the bookkeeping of a failure or the new session.

use qibao_db::DbConn;
use qibao_db::accounts::{self, UnitAccount};
use qibao_db::rows::Unit;
use time::PrimitiveDateTime;

use super::lockout::{self, Account};
use super::password::{dummy_hash, verify_password};
use super::{Grant, Issue, Role, SessionSpec, TokenUnit, start_session};
use crate::actor::Channel;
use crate::error::AppError;
use crate::tx::transaction;

/// 401 `LOGIN_FAILED`: unknown USCC or wrong password.
pub fn login_failed() -> AppError {
    AppError::unauthorized("LOGIN_FAILED", "统一社会信用代码或密码错误。")
}

/// The account a USCC names (if any), to check a password against.
#[derive(Debug, Clone)]
pub struct Candidate {
    account: Option<(UnitAccount, Unit)>,
}

impl Candidate {
    /// Whether `password` is the account's; for an unknown account the same
    /// work is done against a dummy hash, so the timing tells nothing.
    pub fn check(&self, password: &str) -> bool {
        match &self.account {
            Some((a, _)) => verify_password(password, &a.password_hash),
            None => {
                verify_password(password, dummy_hash());
                false
            }
        }
    }
}

/// Looks the account up by USCC (trimmed, upper-cased); a locked account
/// is refused before any password is checked.
pub fn find(conn: &mut DbConn, uscc: &str, now: PrimitiveDateTime) -> Result<Candidate, AppError> {
    let uscc = uscc.trim().to_ascii_uppercase();
    let account = if uscc.len() == 18 && uscc.bytes().all(|b| b.is_ascii_alphanumeric()) {
        accounts::find_unit_account_by_uscc(conn, &uscc)?
    } else {
        None
    };
    if let Some((a, _)) = &account
        && lockout::is_locked(a.locked_until, now)
    {
        return Err(lockout::locked_error(a.locked_until.unwrap_or(now)));
    }
    Ok(Candidate { account })
}

/// Records the outcome of [`Candidate::check`]: a failure counts towards
/// the lock-out; a success starts the count again and opens the session.
pub fn finish(
    conn: &mut DbConn,
    candidate: Candidate,
    matched: bool,
    now: PrimitiveDateTime,
) -> Result<Grant, AppError> {
    let Some((account, unit)) = candidate.account else {
        return Err(login_failed());
    };
    if !matched {
        return Err(lockout::fail(
            conn,
            Account::Unit(account.id),
            now,
            login_failed(),
        ));
    }
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
        start_session(c, &spec, issue, now)
    })
}
