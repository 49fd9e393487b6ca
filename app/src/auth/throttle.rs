//! Sign-in throttling (R-AUTH-1, issue 11): the storage around
//! [`qibao_core::signin`]. Each password attempt is keyed twice: by the
//! SHA-256 of its normalised account identifier (a USCC, a staff username,
//! a tax client id, known or not, so an unknown account has the same rows
//! and the same answers as a known one) and by the client's address. A
//! throttled attempt is refused with 429 `SIGNIN_THROTTLED` and
//! `Retry-After` before any password is checked. An account entering the
//! longest wait is recorded in its unit's history.

use qibao_core::business_item::BusinessItemKind;
use qibao_core::signin::{self, Decision, Record};
use qibao_db::DbConn;
use qibao_db::ids::UnitId;
use qibao_db::signin::{self as store, ThrottleRow};
use serde_json::json;
use time::PrimitiveDateTime;

use super::china_timestamp;
use super::password::sha256_hex;
use crate::actor::{Actor, Channel};
use crate::error::{AppError, ErrorCode};
use crate::items::{self, ItemRecord};
use crate::tx::transaction;

/// Who signs in with the key: decides the wording of the refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// A unit's legal representative (USCC + password).
    LegalRep,
    /// Back-office staff.
    Staff,
    /// The tax bureau's client.
    TaxClient,
}

/// The two keys of an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    audience: Audience,
    account: String,
    address: String,
}

impl Keys {
    /// The keys of an attempt on `identifier` (already normalised by the
    /// caller: trimmed, upper-cased USCC…) from client address `address`.
    pub fn new(audience: Audience, identifier: &str, address: &str) -> Keys {
        let kind = match audience {
            Audience::LegalRep => "uscc",
            Audience::Staff => "staff",
            Audience::TaxClient => "tax",
        };
        Keys {
            audience,
            account: sha256_hex(&format!("{kind}:{identifier}")),
            address: sha256_hex(&format!("address:{address}")),
        }
    }
}

fn load(conn: &mut DbConn, key: &str) -> Result<Record, AppError> {
    Ok(store::find(conn, key)?
        .map(|r| Record {
            failures: u32::try_from(r.failures).unwrap_or(0),
            last_failure_at: Some(r.last_failure_at),
        })
        .unwrap_or_default())
}

/// The key's record, its row locked until the transaction ends
/// ([`store::lock`]).
fn lock(conn: &mut DbConn, key: &str, now: PrimitiveDateTime) -> Result<Record, AppError> {
    let r = store::lock(conn, key, now)?;
    Ok(Record {
        failures: u32::try_from(r.failures).unwrap_or(0),
        last_failure_at: Some(r.last_failure_at),
    })
}

fn save(conn: &mut DbConn, key: &str, r: Record, now: PrimitiveDateTime) -> Result<(), AppError> {
    store::store(
        conn,
        &ThrottleRow {
            key: key.to_owned(),
            failures: i32::try_from(r.failures).unwrap_or(i32::MAX),
            last_failure_at: r.last_failure_at.unwrap_or(now),
        },
    )?;
    Ok(())
}

/// 429 `SIGNIN_THROTTLED`: wait `seconds`.
pub fn throttled(audience: Audience, seconds: u32, now: PrimitiveDateTime) -> AppError {
    let until = china_timestamp(now + time::Duration::seconds(i64::from(seconds)));
    let detail = match audience {
        Audience::LegalRep => format!(
            "密码错误次数过多，请于{seconds}秒后（{until}）再试；在此之前即使密码正确也不能登录。可使用电子社保卡扫码登录，不受此限制。"
        ),
        Audience::Staff => format!(
            "密码错误次数过多，请于{seconds}秒后（{until}）再试；在此之前即使密码正确也不能登录。"
        ),
        Audience::TaxClient => {
            format!("客户端认证失败次数过多，请于{seconds}秒后（{until}）再试。")
        }
    };
    AppError::new(ErrorCode::SigninThrottled)
        .with_detail(detail)
        .with_retry_after(seconds)
}

/// Refuses the attempt while a wait of either key runs.
pub fn check(conn: &mut DbConn, keys: &Keys, now: PrimitiveDateTime) -> Result<(), AppError> {
    let account = load(conn, &keys.account)?;
    let address = load(conn, &keys.address)?;
    match signin::decide(account, address, now) {
        Decision::Allowed => Ok(()),
        Decision::RetryAfter(s) => Err(throttled(keys.audience, s, now)),
    }
}

/// Records a failed attempt on both keys in one transaction and returns the
/// answer: `plain` while failures are free, else 429 with the wait just
/// started. `unit_id` (the account's unit, known accounts only) gets a
/// business item when the account enters the longest wait.
pub fn fail(
    conn: &mut DbConn,
    keys: &Keys,
    unit_id: Option<UnitId>,
    now: PrimitiveDateTime,
    plain: AppError,
) -> AppError {
    let outcome = transaction(conn, |c| {
        // Both rows locked (account first, then address, as every attempt
        // does): concurrent failures count one after another.
        let account = lock(c, &keys.account, now)?;
        let address = lock(c, &keys.address, now)?;
        let (account_after, address_after) =
            (account.after_failure(now), address.after_failure(now));
        save(c, &keys.account, account_after, now)?;
        save(c, &keys.address, address_after, now)?;
        if let Some(unit_id) = unit_id
            && signin::enters_lock(account, account_after, now)
        {
            let system = Actor {
                name: "system:signin:登录保护".to_owned(),
                channel: Channel::System,
            };
            let until = now + signin::MAX_BACKOFF;
            items::record(
                c,
                &system,
                ItemRecord {
                    unit_id: Some(unit_id),
                    kind: BusinessItemKind::SigninLocked,
                    status: "done",
                    before: None,
                    after: Some(json!({
                        "failures": account_after.failures,
                        "locked_until": china_timestamp(until),
                    })),
                },
                now,
            )?;
        }
        Ok::<_, AppError>(signin::decide(account_after, address_after, now))
    });
    match outcome {
        Ok(Decision::Allowed) => plain,
        Ok(Decision::RetryAfter(s)) => throttled(keys.audience, s, now),
        Err(e) => e,
    }
}

/// After a success: the account's failures are forgotten (the address's
/// only decay). In the caller's transaction.
pub fn succeed(conn: &mut DbConn, keys: &Keys) -> Result<(), AppError> {
    store::clear(conn, &keys.account)?;
    Ok(())
}

/// The key of a lookup throttled by client address alone (no account):
/// `purpose` keeps the counts of different lookups apart.
pub fn address_key(purpose: &str, address: &str) -> String {
    sha256_hex(&format!("{purpose}:address:{address}"))
}

fn address_throttled(code: ErrorCode, seconds: u32, now: PrimitiveDateTime) -> AppError {
    let until = china_timestamp(now + time::Duration::seconds(i64::from(seconds)));
    AppError::new(code)
        .with_detail(format!("失败次数过多，请于{seconds}秒后（{until}）再试。"))
        .with_retry_after(seconds)
}

/// Refuses a lookup from an address whose wait runs (429 `code`).
pub fn check_address(
    conn: &mut DbConn,
    key: &str,
    now: PrimitiveDateTime,
    code: ErrorCode,
) -> Result<(), AppError> {
    match signin::decide(Record::default(), load(conn, key)?, now) {
        Decision::Allowed => Ok(()),
        Decision::RetryAfter(s) => Err(address_throttled(code, s, now)),
    }
}

/// Counts a failed lookup of the address and returns the answer: `plain`
/// while failures are free, else 429 `code` with the wait just started.
pub fn fail_address(
    conn: &mut DbConn,
    key: &str,
    now: PrimitiveDateTime,
    code: ErrorCode,
    plain: AppError,
) -> AppError {
    let outcome = transaction(conn, |c| {
        let after = lock(c, key, now)?.after_failure(now);
        save(c, key, after, now)?;
        Ok::<_, AppError>(signin::decide(Record::default(), after, now))
    });
    match outcome {
        Ok(Decision::Allowed) => plain,
        Ok(Decision::RetryAfter(s)) => address_throttled(code, s, now),
        Err(e) => e,
    }
}
