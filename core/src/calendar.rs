//! The working-day calendar (R-DECL-4): Monday–Friday, minus the State
//! Council's public holidays, plus its adjusted working days (调休). The
//! calendar is data; a later year is added by loading its notice.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Date, Weekday};

use crate::dates::{MAX_DATE, in_range};

/// One day that differs from the ordinary week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialDay {
    pub date: Date,
    /// True: a holiday; false: an adjusted working day on a weekend.
    pub is_off_day: bool,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    #[error("节假日数据格式不正确：{0}")]
    Format(String),
    /// Working-day arithmetic would leave the supported date range.
    #[error("日期超出可计算范围：起始日期及推算结果应在1900-01-01至2099-12-31之间")]
    OutOfRange,
}

/// The shipped copy of the State Council calendar (data/holiday-cn, MIT).
const BUNDLED: [&str; 11] = [
    include_str!("../../data/holiday-cn/2016.json"),
    include_str!("../../data/holiday-cn/2017.json"),
    include_str!("../../data/holiday-cn/2018.json"),
    include_str!("../../data/holiday-cn/2019.json"),
    include_str!("../../data/holiday-cn/2020.json"),
    include_str!("../../data/holiday-cn/2021.json"),
    include_str!("../../data/holiday-cn/2022.json"),
    include_str!("../../data/holiday-cn/2023.json"),
    include_str!("../../data/holiday-cn/2024.json"),
    include_str!("../../data/holiday-cn/2025.json"),
    include_str!("../../data/holiday-cn/2026.json"),
];

#[derive(Deserialize)]
struct HolidayFile {
    year: i32,
    days: Vec<HolidayEntry>,
}

#[derive(Deserialize)]
struct HolidayEntry {
    name: String,
    date: String,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

/// Result of working-day arithmetic, with the years for which no official
/// calendar was loaded (those count Monday–Friday only, and say so).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkingDayResult {
    pub date: Date,
    pub years_without_calendar: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkCalendar {
    special: BTreeMap<Date, bool>,
    years: BTreeSet<i32>,
}

impl WorkCalendar {
    /// Builds a calendar from special days and the years whose notice they
    /// cover completely.
    pub fn new(
        days: impl IntoIterator<Item = SpecialDay>,
        years: impl IntoIterator<Item = i32>,
    ) -> Self {
        WorkCalendar {
            special: days.into_iter().map(|d| (d.date, d.is_off_day)).collect(),
            years: years.into_iter().collect(),
        }
    }

    /// Builds a calendar from special days alone; a year counts as covered
    /// when it has an entry after 15 January (entries of early January and late
    /// December can belong to a neighbouring year's notice).
    pub fn from_days(days: Vec<SpecialDay>) -> Self {
        let years: BTreeSet<i32> = days
            .iter()
            .filter(|d| d.date.ordinal() > 15)
            .map(|d| d.date.year())
            .collect();
        WorkCalendar::new(days, years)
    }

    /// Parses holiday-cn JSON files (one per year).
    pub fn parse_holiday_cn(files: &[&str]) -> Result<(Vec<SpecialDay>, Vec<i32>), CalendarError> {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let mut days = Vec::new();
        let mut years = Vec::new();
        for text in files {
            let file: HolidayFile =
                serde_json::from_str(text).map_err(|e| CalendarError::Format(e.to_string()))?;
            years.push(file.year);
            for e in file.days {
                let date = Date::parse(&e.date, fmt)
                    .map_err(|_| CalendarError::Format(format!("日期“{}”无效", e.date)))?;
                days.push(SpecialDay {
                    date,
                    is_off_day: e.is_off_day,
                    name: e.name,
                });
            }
        }
        days.sort_by_key(|d| d.date);
        days.dedup_by_key(|d| d.date);
        Ok((days, years))
    }

    /// The calendar shipped with qibao (2016–2026).
    pub fn bundled_days() -> Vec<SpecialDay> {
        Self::parse_holiday_cn(&BUNDLED)
            .map(|(d, _)| d)
            .unwrap_or_default()
    }

    pub fn bundled() -> Self {
        match Self::parse_holiday_cn(&BUNDLED) {
            Ok((days, years)) => WorkCalendar::new(days, years),
            Err(_) => WorkCalendar::default(),
        }
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.special.get(&d) {
            Some(off) => !off,
            None => !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// Working days after `from` up to and including `to` (0 when `to` is
    /// not after `from`); the inverse of [`Self::add_working_days`].
    pub fn working_days_after(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            match d.next_day() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// The date `n` working days after `from` (`from` itself not counted),
    /// or [`CalendarError::OutOfRange`] when `from` or the result is outside
    /// [`crate::dates::MIN_DATE`]..=[`MAX_DATE`] (so no input can overflow, and the loop
    /// ends after at most the range's days).
    pub fn add_working_days(&self, from: Date, n: u32) -> Result<WorkingDayResult, CalendarError> {
        if !in_range(from) {
            return Err(CalendarError::OutOfRange);
        }
        let mut d = from;
        let mut left = n;
        let mut missing = BTreeSet::new();
        while left > 0 {
            d = d
                .next_day()
                .filter(|next| *next <= MAX_DATE)
                .ok_or(CalendarError::OutOfRange)?;
            if !self.covers(d.year()) {
                missing.insert(d.year());
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        Ok(WorkingDayResult {
            date: d,
            years_without_calendar: missing.into_iter().collect(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn bundled_calendar_knows_national_day_and_adjusted_days() {
        let c = WorkCalendar::bundled();
        for y in 2016..=2026 {
            assert!(c.covers(y), "{y}");
        }
        assert!(!c.is_working_day(date!(2023 - 10 - 02)));
        // 2023-10-07 (Saturday) was an adjusted working day.
        assert!(c.is_working_day(date!(2023 - 10 - 07)));
        assert!(!c.is_working_day(date!(2023 - 04 - 22))); // Saturday
        assert!(c.is_working_day(date!(2023 - 04 - 23))); // adjusted Sunday before 劳动节
    }

    #[test]
    fn ten_working_days_skip_national_day() {
        let c = WorkCalendar::bundled();
        // Issued Thu 2022-09-29: 30 Sep (Fri) is a working day, 1–7 Oct off,
        // 8 and 9 Oct (Sat, Sun) adjusted working days.
        let r = c.add_working_days(date!(2022 - 09 - 29), 10).unwrap();
        // 9/30, 10/8, 10/9, 10/10, 10/11, 10/12, 10/13, 10/14, 10/17, 10/18
        assert_eq!(r.date, date!(2022 - 10 - 18));
        assert!(r.years_without_calendar.is_empty());
        // An ordinary fortnight.
        let r = c.add_working_days(date!(2023 - 03 - 01), 10).unwrap();
        assert_eq!(r.date, date!(2023 - 03 - 15));
    }

    #[test]
    fn years_without_data_are_reported() {
        let c = WorkCalendar::bundled();
        let r = c.add_working_days(date!(2026 - 12 - 25), 10).unwrap();
        assert_eq!(r.years_without_calendar, vec![2027]);
        // Mon–Fri assumed: 12/28..12/31 (4, 1 Jan 2027 is Friday and a holiday
        // only if published — assumed working), …
        assert!(r.date > date!(2027 - 01 - 01));
    }

    #[test]
    fn arithmetic_never_leaves_the_date_range() {
        let c = WorkCalendar::bundled();
        // The public GET that used to panic (issue 11): from=9999-12-31.
        assert_eq!(
            c.add_working_days(date!(9999 - 12 - 31), 10),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(
            c.add_working_days(date!(1899 - 12 - 31), 1),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(
            c.add_working_days(date!(2099 - 12 - 24), 10),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(
            c.add_working_days(MAX_DATE, u32::MAX),
            Err(CalendarError::OutOfRange)
        );
        assert_eq!(c.add_working_days(MAX_DATE, 0).unwrap().date, MAX_DATE);
        assert!(c.add_working_days(date!(2099 - 12 - 01), 10).is_ok());
    }

    proptest::proptest! {
        /// Any start and count: an answer within range, a working day, after
        /// the start; or OutOfRange, never a panic.
        #[test]
        fn any_input_has_an_answer_or_a_refusal(
            start in 2_400_000i32..2_500_000, n in 0u32..400
        ) {
            let c = WorkCalendar::bundled();
            let Ok(from) = Date::from_julian_day(start) else { return Ok(()) };
            match c.add_working_days(from, n) {
                Ok(r) => {
                    proptest::prop_assert!(in_range(r.date) && r.date >= from);
                    proptest::prop_assert!(n == 0 || c.is_working_day(r.date));
                }
                Err(e) => proptest::prop_assert_eq!(e, CalendarError::OutOfRange),
            }
        }
    }

    #[test]
    fn from_days_derives_covered_years() {
        let (days, _) = WorkCalendar::parse_holiday_cn(&BUNDLED).unwrap();
        let c = WorkCalendar::from_days(days);
        assert!(c.covers(2016) && c.covers(2026));
        assert!(!c.covers(2027));
    }
}
