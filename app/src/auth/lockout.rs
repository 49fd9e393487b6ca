//! Lock-out of password accounts (R-AUTH-1): after [`MAX_FAILURES`]
//! consecutive wrong passwords an account is locked for [`LOCK_FOR`]. While
//! it is locked no password is checked, not even the right one. A success
//! starts the count again.
//!
//! All times are UTC as stored; messages show China time.

use qibao_db::DbConn;
use qibao_db::accounts;
use time::{Duration, PrimitiveDateTime};

use crate::clock::CHINA_OFFSET;
use crate::error::AppError;
use crate::tx::transaction;

/// Consecutive failures that lock an account.
pub const MAX_FAILURES: i32 = 5;
/// How long a lock lasts.
pub const LOCK_FOR: Duration = Duration::minutes(15);

/// Whether an account locked until `locked_until` is still locked at `now`.
pub fn is_locked(locked_until: Option<PrimitiveDateTime>, now: PrimitiveDateTime) -> bool {
    locked_until.is_some_and(|until| until > now)
}

/// What a failed attempt leads to, given the failure count after it.
pub fn lock_after_failure(failures: i32, now: PrimitiveDateTime) -> Option<PrimitiveDateTime> {
    (failures >= MAX_FAILURES).then_some(now + LOCK_FOR)
}

/// `HH:MM` in China time of a stored UTC instant.
pub fn china_hh_mm(utc: PrimitiveDateTime) -> String {
    let local = utc.assume_utc().to_offset(CHINA_OFFSET);
    format!("{:02}:{:02}", local.hour(), local.minute())
}

/// 403 `ACCOUNT_LOCKED`, naming the unlock time (rounded up to the minute,
/// so that trying at that minute works).
pub fn locked_error(until: PrimitiveDateTime) -> AppError {
    let shown = if until.second() == 0 && until.nanosecond() == 0 {
        until
    } else {
        until
            .replace_second(0)
            .unwrap_or(until)
            .replace_nanosecond(0)
            .unwrap_or(until)
            + Duration::minutes(1)
    };
    AppError::forbidden(
        "ACCOUNT_LOCKED",
        format!(
            "密码连续输错{MAX_FAILURES}次，账号已被锁定{}分钟，请于北京时间 {} 后再试。",
            LOCK_FOR.whole_minutes(),
            china_hh_mm(shown)
        ),
    )
}

/// A password account whose failures are counted.
#[derive(Debug, Clone, Copy)]
pub enum Account {
    Staff(i64),
    Unit(i64),
}

/// Records a wrong password in one transaction; returns the lock it caused
/// (or an existing one set meanwhile by a concurrent request).
pub fn record_failure(
    conn: &mut DbConn,
    account: Account,
    now: PrimitiveDateTime,
) -> Result<Option<PrimitiveDateTime>, AppError> {
    transaction(conn, |c| {
        let failures = match account {
            Account::Staff(id) => {
                let a = accounts::find_staff_by_id(c, id)?;
                if is_locked(a.locked_until, now) {
                    return Ok(a.locked_until);
                }
                accounts::increment_staff_failures(c, id, now)?
            }
            Account::Unit(id) => {
                let a = accounts::find_unit_account_by_id(c, id)?;
                if is_locked(a.locked_until, now) {
                    return Ok(a.locked_until);
                }
                accounts::increment_unit_failures(c, id, now)?
            }
        };
        let Some(until) = lock_after_failure(failures, now) else {
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
pub fn fail(
    conn: &mut DbConn,
    account: Account,
    now: PrimitiveDateTime,
    plain: AppError,
) -> AppError {
    match record_failure(conn, account, now) {
        Ok(Some(until)) => locked_error(until),
        Ok(None) => plain,
        Err(e) => e,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_fifth_failure_locks_for_fifteen_minutes() {
        let now = datetime!(2023-04-20 01:00);
        assert_eq!(lock_after_failure(4, now), None);
        assert_eq!(
            lock_after_failure(5, now),
            Some(datetime!(2023-04-20 01:15))
        );
        let until = lock_after_failure(5, now);
        assert!(is_locked(until, datetime!(2023-04-20 01:14:59)));
        assert!(!is_locked(until, datetime!(2023-04-20 01:15)));
        assert!(!is_locked(None, now));
    }

    #[test]
    fn the_message_names_the_unlock_time_in_china_time() {
        // 01:15 UTC is 09:15 in China.
        let e = locked_error(datetime!(2023-04-20 01:15));
        assert_eq!(e.code(), "ACCOUNT_LOCKED");
        assert_eq!(e.kind(), crate::error::ErrorKind::Forbidden);
        assert!(e.detail().contains("09:15"), "{}", e.detail());
        // Seconds round up to the next minute; 23:59:30 UTC → 08:00 next day.
        assert!(
            locked_error(datetime!(2023-04-20 23:59:30))
                .detail()
                .contains("08:00")
        );
        assert_eq!(china_hh_mm(datetime!(2023-04-20 16:05)), "00:05");
    }
}
