//! Sign-in throttling (R-AUTH-1 as amended by issue 11): how long a
//! password sign-in must wait after failures, per account and per client
//! address.
//!
//! Every key (an account identifier, known or not, or a client address)
//! has a failure count and the time of its last failure. A few failures
//! are free; after that each failure doubles the wait, from one minute up
//! to [`MAX_BACKOFF`]. While a wait runs, an attempt is refused without
//! checking the password; the right password does not lift it (that is
//! what a back-off means). A success clears the account's count; the
//! address's count only decays. Failures older than [`FORGET_AFTER`] are
//! forgotten. The QR login (电子社保卡扫码登录) is never throttled, so a
//! legal representative can always get in.
//!
//! Pure: the caller passes "now" and stores the records.

use time::{Duration, PrimitiveDateTime};

/// The longest wait; an account that reaches it is "locked" (a business
/// item in the unit's history).
pub const MAX_BACKOFF: Duration = Duration::minutes(15);
/// The first wait.
pub const FIRST_BACKOFF: Duration = Duration::minutes(1);
/// Failures without a wait, per account.
pub const FREE_ACCOUNT_FAILURES: u32 = 4;
/// Failures without a wait, per client address (across accounts).
pub const FREE_ADDRESS_FAILURES: u32 = 20;
/// A key's failures are forgotten this long after its last failure.
pub const FORGET_AFTER: Duration = Duration::hours(24);

/// What is stored for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Record {
    pub failures: u32,
    pub last_failure_at: Option<PrimitiveDateTime>,
}

/// Which kind of key a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Account,
    Address,
}

impl KeyKind {
    fn free(self) -> u32 {
        match self {
            KeyKind::Account => FREE_ACCOUNT_FAILURES,
            KeyKind::Address => FREE_ADDRESS_FAILURES,
        }
    }
}

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Refused: retry after this many whole seconds (at least 1).
    RetryAfter(u32),
}

/// The wait after `failures` consecutive failures of a key of `kind`:
/// zero while free, then 1, 2, 4, 8 … minutes, capped at [`MAX_BACKOFF`].
pub fn backoff(kind: KeyKind, failures: u32) -> Duration {
    let Some(over) = failures.checked_sub(kind.free()).filter(|n| *n > 0) else {
        return Duration::ZERO;
    };
    let doublings = (over - 1).min(10);
    let wait = FIRST_BACKOFF * (1i32 << doublings);
    wait.min(MAX_BACKOFF)
}

impl Record {
    /// The record as it counts at `now`: failures older than
    /// [`FORGET_AFTER`] are forgotten.
    pub fn at(self, now: PrimitiveDateTime) -> Record {
        match self.last_failure_at {
            Some(t) if t + FORGET_AFTER > now => self,
            _ => Record::default(),
        }
    }

    /// Until when attempts on this key must wait (`None`: no wait).
    pub fn blocked_until(self, kind: KeyKind, now: PrimitiveDateTime) -> Option<PrimitiveDateTime> {
        let r = self.at(now);
        let wait = backoff(kind, r.failures);
        let last = r.last_failure_at?;
        (wait > Duration::ZERO && last + wait > now).then_some(last + wait)
    }

    /// The record after one more failure at `now`.
    pub fn after_failure(self, now: PrimitiveDateTime) -> Record {
        let r = self.at(now);
        Record {
            failures: r.failures.saturating_add(1),
            last_failure_at: Some(now),
        }
    }
}

fn seconds_until(until: PrimitiveDateTime, now: PrimitiveDateTime) -> u32 {
    let d = until - now;
    let whole = d.whole_seconds() + i64::from(d.subsec_nanoseconds() > 0);
    u32::try_from(whole.max(1)).unwrap_or(u32::MAX)
}

/// Whether an attempt on `account` from `address` may go ahead at `now`:
/// refused while either key's wait runs, for the longer of the two.
pub fn decide(account: Record, address: Record, now: PrimitiveDateTime) -> Decision {
    let until = [
        account.blocked_until(KeyKind::Account, now),
        address.blocked_until(KeyKind::Address, now),
    ]
    .into_iter()
    .flatten()
    .max();
    match until {
        Some(u) => Decision::RetryAfter(seconds_until(u, now)),
        None => Decision::Allowed,
    }
}

/// Whether a failure took the account from below the longest wait to it:
/// the moment to record a lock in the unit's history.
pub fn enters_lock(before: Record, after: Record, now: PrimitiveDateTime) -> bool {
    backoff(KeyKind::Account, before.at(now).failures) < MAX_BACKOFF
        && backoff(KeyKind::Account, after.failures) >= MAX_BACKOFF
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn four_failures_are_free_then_the_wait_doubles_up_to_fifteen_minutes() {
        let waits: Vec<i64> = (0..=10)
            .map(|n| backoff(KeyKind::Account, n).whole_seconds())
            .collect();
        assert_eq!(waits, [0, 0, 0, 0, 0, 60, 120, 240, 480, 900, 900]);
        assert_eq!(backoff(KeyKind::Address, 20), Duration::ZERO);
        assert_eq!(backoff(KeyKind::Address, 21), Duration::minutes(1));
        assert_eq!(backoff(KeyKind::Account, u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn five_failures_then_the_right_password_waits_a_minute() {
        let t0 = datetime!(2023-04-20 01:00);
        let mut r = Record::default();
        for i in 0..5 {
            assert_eq!(decide(r, Record::default(), t0), Decision::Allowed, "{i}");
            r = r.after_failure(t0);
        }
        assert_eq!(decide(r, Record::default(), t0), Decision::RetryAfter(60));
        let later = t0 + Duration::seconds(59) + Duration::milliseconds(500);
        assert_eq!(decide(r, Record::default(), later), Decision::RetryAfter(1));
        assert_eq!(
            decide(r, Record::default(), t0 + Duration::minutes(1)),
            Decision::Allowed
        );
        // A day later the failures are forgotten.
        let next_day = t0 + FORGET_AFTER;
        assert_eq!(r.after_failure(next_day).failures, 1);
    }

    #[test]
    fn the_address_throttles_across_accounts_and_the_longer_wait_wins() {
        let t0 = datetime!(2023-04-20 01:00);
        let address = Record {
            failures: 21,
            last_failure_at: Some(t0),
        };
        assert_eq!(
            decide(Record::default(), address, t0),
            Decision::RetryAfter(60)
        );
        let account = Record {
            failures: 7,
            last_failure_at: Some(t0),
        };
        assert_eq!(decide(account, address, t0), Decision::RetryAfter(240));
    }

    #[test]
    fn the_lock_is_entered_once() {
        let t0 = datetime!(2023-04-20 01:00);
        let r8 = Record {
            failures: 8,
            last_failure_at: Some(t0),
        };
        let r9 = r8.after_failure(t0);
        assert!(enters_lock(r8, r9, t0));
        assert!(!enters_lock(r9, r9.after_failure(t0), t0));
        assert!(!enters_lock(
            Record::default(),
            Record::default().after_failure(t0),
            t0
        ));
    }

    fn record() -> impl Strategy<Value = (Record, i64)> {
        (0u32..40, 0i64..100_000).prop_map(|(failures, ago)| {
            let now = datetime!(2023-04-20 01:00);
            (
                Record {
                    failures,
                    last_failure_at: Some(now - Duration::seconds(ago)),
                },
                ago,
            )
        })
    }

    proptest! {
        /// Never allowed while a Retry-After runs; allowed once it is over.
        #[test]
        fn never_allows_while_a_retry_after_runs(
            (account, _) in record(),
            (address, _) in record(),
            step in 0u32..2000,
        ) {
            let now = datetime!(2023-04-20 01:00);
            if let Decision::RetryAfter(n) = decide(account, address, now) {
                prop_assert!(n >= 1);
                let within = now + Duration::seconds(i64::from(step % n));
                prop_assert!(matches!(decide(account, address, within), Decision::RetryAfter(_)));
                let over = now + Duration::seconds(i64::from(n));
                prop_assert_eq!(decide(account, address, over), Decision::Allowed);
            }
        }

        /// More failures never wait less; a failure never shortens a wait.
        #[test]
        fn backoff_is_monotone(n in 0u32..1000, (r, _) in record()) {
            for kind in [KeyKind::Account, KeyKind::Address] {
                prop_assert!(backoff(kind, n) <= backoff(kind, n + 1));
                prop_assert!(backoff(kind, n) <= MAX_BACKOFF);
            }
            let now = datetime!(2023-04-20 01:00);
            let before = r.blocked_until(KeyKind::Account, now);
            let after = r.after_failure(now).blocked_until(KeyKind::Account, now);
            if let Some(b) = before {
                prop_assert!(after.is_some_and(|a| a >= b));
            }
        }
    }
}
