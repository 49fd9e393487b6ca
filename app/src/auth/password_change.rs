//! The legal representative changes the account's password (also the way
//! out of a one-time password). Every other legal-representative session
//! of the unit ends; the caller gets a fresh session. The same three steps
//! as a sign-in: [`begin`], [`Pending::check`] (CPU only), [`finish`].

use qibao_core::business_item::BusinessItemKind;
use qibao_db::DbConn;
use qibao_db::accounts::{self, UnitAccount};
use qibao_db::ids::UnitId;
use time::PrimitiveDateTime;

use super::password::{check_password_rules, hash_password, verify_password};
use super::throttle::{self, Audience, Keys};
use super::{Grant, Issue, Role, Session, SessionSpec, TokenUnit, china_timestamp, start_session};
use crate::error::{AppError, ErrorCode};
use crate::items::{self, ItemRecord};
use crate::tx::transaction;

/// The account whose password is being changed, and the unit.
#[derive(Debug, Clone)]
pub struct Pending {
    account: UnitAccount,
    unit_id: UnitId,
    keys: Keys,
}

/// What the password check found.
#[derive(Debug, Clone)]
pub enum Checked {
    /// The current password is wrong (counts towards the throttling).
    WrongCurrent,
    /// The new password is the current one.
    Unchanged,
    /// Ready: the new password's hash.
    Ready { new_hash: String },
}

/// Checks the caller (the legal representative), the new password's rules
/// and the account, whose sign-in must not be throttled (the current
/// password counts like a sign-in with the unit's USCC from `address`).
pub fn begin(
    conn: &mut DbConn,
    caller: &Session,
    new_password: &str,
    address: &str,
    now: PrimitiveDateTime,
) -> Result<Pending, AppError> {
    let (Role::LegalRep, Some(unit_id)) = (caller.role, caller.unit_id) else {
        return Err(AppError::new(ErrorCode::LegalRepOnly)
            .with_detail("只有单位法人账号可以修改法人账号密码。"));
    };
    if let Err(reason) = check_password_rules(new_password) {
        return Err(AppError::invalid_field("new_password", reason));
    }
    let account = accounts::find_unit_account(conn, unit_id)?
        .ok_or_else(|| AppError::new(ErrorCode::AccountNotFound))?;
    let unit = accounts::get_unit(conn, unit_id)?;
    let keys = Keys::new(Audience::LegalRep, &unit.uscc, address);
    throttle::check(conn, &keys, now)?;
    Ok(Pending {
        account,
        unit_id,
        keys,
    })
}

impl Pending {
    /// Verifies the current password and hashes the new one.
    pub fn check(&self, current: &str, new: &str) -> Result<Checked, AppError> {
        if !verify_password(current, &self.account.password_hash) {
            return Ok(Checked::WrongCurrent);
        }
        if verify_password(new, &self.account.password_hash) {
            return Ok(Checked::Unchanged);
        }
        Ok(Checked::Ready {
            new_hash: hash_password(new)?,
        })
    }
}

/// Stores the new password, ends the unit's other legal-representative
/// sessions, records the business item and opens a fresh session.
pub fn finish(
    conn: &mut DbConn,
    caller: &Session,
    pending: Pending,
    checked: Checked,
    now: PrimitiveDateTime,
) -> Result<Grant, AppError> {
    let Pending {
        account,
        unit_id,
        keys,
    } = pending;
    let new_hash = match checked {
        Checked::WrongCurrent => {
            let wrong = AppError::new(ErrorCode::CurrentPasswordIncorrect)
                .with_field_error("current_password", "当前密码不正确");
            return Err(throttle::fail(conn, &keys, Some(unit_id), now, wrong));
        }
        Checked::Unchanged => {
            return Err(AppError::new(ErrorCode::PasswordUnchanged)
                .with_field_error("new_password", "新密码不能与当前密码相同"));
        }
        Checked::Ready { new_hash } => new_hash,
    };
    transaction(conn, |c| {
        let before = accounts::find_unit_account_by_id(c, account.id)?;
        if before.password_hash != account.password_hash {
            return Err(AppError::new(ErrorCode::PasswordChangedMeanwhile));
        }
        accounts::set_unit_password(c, account.id, &new_hash, false, now)?;
        throttle::succeed(c, &keys)?;
        accounts::revoke_unit_sessions(c, unit_id, Role::LegalRep.as_str(), now)?;
        let unit = accounts::get_unit(c, unit_id)?;
        items::record(
            c,
            caller,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::PasswordChange,
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
            subject: &caller.subject,
            name: &caller.name,
            unit_id: Some(unit_id),
            staff_roles: &[],
            channel: caller.channel,
        };
        let issue = Issue {
            must_change_password: false,
            refresh: true,
            unit: Some(TokenUnit::from(&unit)),
            staff: None,
        };
        start_session(c, &spec, issue, now)
    })
}
