//! The legal representative's sign-in with the unit's USCC and password
//! (法人账号登录, R-AUTH-1). An unknown USCC, a malformed one and a wrong
//! password get the same answer, after the same password work, and the
//! same throttling ([`super::throttle`]).
//!
//! Three steps, so that the password check (argon2id, tens of
//! milliseconds) holds no connection and no transaction: [`find`] the
//! account, [`Candidate::check`] the password (CPU only), [`finish`] with
//! the bookkeeping of a failure or the new session.

use qibao_db::DbConn;
use qibao_db::accounts::{self, UnitAccount};
use qibao_db::rows::Unit;
use time::PrimitiveDateTime;

use super::password::{dummy_hash, verify_password};
use super::throttle::{self, Audience, Keys};
use super::{Grant, Issue, Role, SessionSpec, TokenUnit, start_session};
use crate::actor::Channel;
use crate::error::{AppError, ErrorCode};
use crate::tx::transaction;

/// 401 `LOGIN_FAILED`: unknown USCC or wrong password.
pub fn login_failed() -> AppError {
    AppError::new(ErrorCode::LoginFailed).with_detail("统一社会信用代码或密码错误。")
}

/// The account a USCC names (if any), to check a password against.
#[derive(Debug, Clone)]
pub struct Candidate {
    account: Option<(UnitAccount, Unit)>,
    keys: Keys,
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

/// Looks the account up by USCC (trimmed, upper-cased) for an attempt from
/// client address `address`; a throttled attempt is refused (429) before
/// any lookup or password check.
pub fn find(
    conn: &mut DbConn,
    uscc: &str,
    address: &str,
    now: PrimitiveDateTime,
) -> Result<Candidate, AppError> {
    let uscc = uscc.trim().to_ascii_uppercase();
    let keys = Keys::new(Audience::LegalRep, &uscc, address);
    throttle::check(conn, &keys, now)?;
    let account = if uscc.len() == 18 && uscc.bytes().all(|b| b.is_ascii_alphanumeric()) {
        accounts::find_unit_account_by_uscc(conn, &uscc)?
    } else {
        None
    };
    Ok(Candidate { account, keys })
}

/// Records the outcome of [`Candidate::check`]: a failure counts towards
/// the throttling (of a known and an unknown USCC alike); a success clears
/// the account's count and opens the session.
pub fn finish(
    conn: &mut DbConn,
    candidate: Candidate,
    matched: bool,
    now: PrimitiveDateTime,
) -> Result<Grant, AppError> {
    let keys = candidate.keys;
    let (account, unit) = match candidate.account {
        Some(found) if matched => found,
        found => {
            let unit_id = found.map(|(_, u)| u.id);
            return Err(throttle::fail(conn, &keys, unit_id, now, login_failed()));
        }
    };
    transaction(conn, |c| {
        let current = accounts::find_unit_account_by_id(c, account.id)?;
        throttle::succeed(c, &keys)?;
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
