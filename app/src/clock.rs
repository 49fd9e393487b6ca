//! The server's one source of "today" and "now", in China time (UTC+08:00).
//!
//! Handlers never call `OffsetDateTime::now_utc()` themselves: they ask the
//! [`Clock`] in the app state, so tests and demos can run in any month.

use std::sync::{Arc, RwLock};

use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// China Standard Time; China has no daylight saving time.
pub const CHINA_OFFSET: UtcOffset = time::macros::offset!(+8);

/// A clock that is either the system clock or pinned to a fixed date.
///
/// Clones share the same state: `set_today` on one clone is seen by all
/// (the test server hands a clone to the test).
#[derive(Clone, Debug)]
pub struct Clock {
    fixed: Arc<RwLock<Option<Date>>>,
    /// Added to the real time (tests: what a delay would do, without waiting).
    ahead: Arc<RwLock<Duration>>,
}

impl Clock {
    /// The real clock.
    pub fn system() -> Self {
        Self {
            fixed: Arc::new(RwLock::new(None)),
            ahead: Arc::new(RwLock::new(Duration::ZERO)),
        }
    }

    /// A clock whose date is always `today` (the time of day stays real).
    pub fn fixed(today: Date) -> Self {
        Self {
            fixed: Arc::new(RwLock::new(Some(today))),
            ahead: Arc::new(RwLock::new(Duration::ZERO)),
        }
    }

    /// Pins the date of this clock and of all its clones (for tests).
    pub fn set_today(&self, today: Date) {
        *self.fixed.write().unwrap_or_else(|e| e.into_inner()) = Some(today);
    }

    /// Returns this clock and its clones to the real date.
    pub fn clear_today(&self) {
        *self.fixed.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Moves this clock and its clones `by` ahead of real time, for
    /// tests of what waits (a webhook retry's back-off).
    pub fn advance(&self, by: Duration) {
        let mut ahead = self.ahead.write().unwrap_or_else(|e| e.into_inner());
        *ahead += by;
    }

    /// The pinned date, if any.
    pub fn fixed_today(&self) -> Option<Date> {
        *self.fixed.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Today's date in China.
    pub fn today(&self) -> Date {
        self.now().date()
    }

    /// Now in China time (offset +08:00). With a pinned date, the pinned
    /// date combined with the real time of day; then moved ahead by
    /// [`Clock::advance`].
    pub fn now(&self) -> OffsetDateTime {
        let ahead = *self.ahead.read().unwrap_or_else(|e| e.into_inner());
        let real = OffsetDateTime::now_utc().to_offset(CHINA_OFFSET);
        let now = match self.fixed_today() {
            None => real,
            Some(date) => PrimitiveDateTime::new(date, real.time()).assume_offset(CHINA_OFFSET),
        };
        now + ahead
    }
}

impl Clock {
    /// `now()` in UTC without offset: the form stored in TIMESTAMP columns.
    pub fn now_utc(&self) -> PrimitiveDateTime {
        let n = self.now().to_offset(time::UtcOffset::UTC);
        PrimitiveDateTime::new(n.date(), n.time())
    }
}

/// The date in China of a UTC timestamp (`now_utc()` back to today).
pub fn china_date(utc: PrimitiveDateTime) -> time::Date {
    utc.assume_utc().to_offset(CHINA_OFFSET).date()
}

/// A stored UTC timestamp as ISO 8601 in China time
/// (`2023-04-20T10:30:00+08:00`).
pub fn china_timestamp(utc: PrimitiveDateTime) -> String {
    let t = utc.assume_utc().to_offset(CHINA_OFFSET);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Serde for `OffsetDateTime` fields in the API's one timestamp form:
/// written as [`china_timestamp`] (China time, whole seconds), read as any
/// RFC 3339 timestamp. `#[serde(with = "crate::clock::rfc3339")]`.
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    /// The timestamp in China time, whole seconds.
    pub fn format(t: &OffsetDateTime) -> String {
        let utc = t.to_offset(time::UtcOffset::UTC);
        super::china_timestamp(time::PrimitiveDateTime::new(utc.date(), utc.time()))
    }

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
    }

    /// The same for `Option<OffsetDateTime>` (`null` when none).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;
        use time::format_description::well_known::Rfc3339;

        pub fn serialize<S: Serializer>(
            t: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::format(t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|text| {
                    OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
                })
                .transpose()
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn system_clock_is_in_china_time() {
        let now = Clock::system().now();
        assert_eq!(now.offset(), CHINA_OFFSET);
        let utc = OffsetDateTime::now_utc();
        assert!((utc - now).abs() < time::Duration::seconds(5));
    }

    #[test]
    fn fixed_date_keeps_time_of_day_and_is_shared_by_clones() {
        let clock = Clock::fixed(date!(2024 - 02 - 29));
        assert_eq!(clock.today(), date!(2024 - 02 - 29));
        assert_eq!(clock.now().offset(), CHINA_OFFSET);

        let clone = clock.clone();
        clone.set_today(date!(2023 - 12 - 31));
        assert_eq!(clock.today(), date!(2023 - 12 - 31));

        clone.clear_today();
        assert_eq!(clock.fixed_today(), None);
        assert_eq!(clock.today(), Clock::system().today());
    }
}
