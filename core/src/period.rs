//! Months (费款所属期 / 做账期号, `YYYYMM`) and social-insurance years (社保年度,
//! 1 July – 30 June, named by the first year).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;
use time::{Date, Month};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodError {
    #[error("期号“{0}”格式不正确，应为YYYYMM六位数字，如202303")]
    Format(String),
    #[error("期号“{0}”的月份应在01至12之间")]
    Month(String),
    #[error("期号“{0}”的年份超出范围（1950-2999）")]
    Year(String),
}

/// A calendar month, the unit of assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    year: i32,
    month: u8,
}

impl Period {
    pub fn new(year: i32, month: u8) -> Result<Period, PeriodError> {
        let text = format!("{year:04}{month:02}");
        if !(1..=12).contains(&month) {
            return Err(PeriodError::Month(text));
        }
        if !(1950..=2999).contains(&year) {
            return Err(PeriodError::Year(text));
        }
        Ok(Period { year, month })
    }

    /// Parses `YYYYMM`.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let t = s.trim();
        if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PeriodError::Format(t.to_string()));
        }
        let year: i32 = t[0..4]
            .parse()
            .map_err(|_| PeriodError::Format(t.to_string()))?;
        let month: u8 = t[4..6]
            .parse()
            .map_err(|_| PeriodError::Format(t.to_string()))?;
        Period::new(year, month)
    }

    /// From the integer form used in storage (202303).
    pub fn from_yyyymm(v: i32) -> Result<Period, PeriodError> {
        Period::new(v / 100, (v % 100) as u8)
    }

    pub fn yyyymm(self) -> i32 {
        self.year * 100 + i32::from(self.month)
    }

    pub fn of(date: Date) -> Period {
        Period {
            year: date.year(),
            month: date.month() as u8,
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    fn month_enum(self) -> Month {
        Month::try_from(self.month).unwrap_or(Month::January)
    }

    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.year, self.month_enum(), 1).unwrap_or(Date::MIN)
    }

    pub fn last_day(self) -> Date {
        let days = time::util::days_in_month(self.month_enum(), self.year);
        Date::from_calendar_date(self.year, self.month_enum(), days).unwrap_or(Date::MIN)
    }

    /// The period `n` months later (earlier when negative).
    pub fn add_months(self, n: i32) -> Period {
        let idx = self.index() + n;
        Period {
            year: idx.div_euclid(12),
            month: (idx.rem_euclid(12) + 1) as u8,
        }
    }

    pub fn next(self) -> Period {
        self.add_months(1)
    }

    pub fn prev(self) -> Period {
        self.add_months(-1)
    }

    fn index(self) -> i32 {
        self.year * 12 + i32::from(self.month) - 1
    }

    /// Months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: Period) -> i32 {
        later.index() - self.index()
    }

    /// The periods `from..=to` in order (empty when `to < from`).
    pub fn range_inclusive(from: Period, to: Period) -> Vec<Period> {
        let n = from.months_until(to);
        (0..=n).map(|i| from.add_months(i)).collect()
    }

    pub fn si_year(self) -> SiYear {
        if self.month >= 7 {
            SiYear(self.year)
        } else {
            SiYear(self.year - 1)
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A social-insurance year: 1 July of `first_year` to 30 June of the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SiYear(pub i32);

impl SiYear {
    pub fn first_year(self) -> i32 {
        self.0
    }
    pub fn first_period(self) -> Period {
        Period {
            year: self.0,
            month: 7,
        }
    }
    pub fn last_period(self) -> Period {
        Period {
            year: self.0 + 1,
            month: 6,
        }
    }
    pub fn contains(self, p: Period) -> bool {
        p.si_year() == self
    }
    pub fn of_date(d: Date) -> SiYear {
        Period::of(d).si_year()
    }
}

impl fmt::Display for SiYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An inclusive range of periods; `to: None` is open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodRange {
    pub from: Period,
    pub to: Option<Period>,
}

impl PeriodRange {
    pub fn new(from: Period, to: Option<Period>) -> PeriodRange {
        PeriodRange { from, to }
    }
    pub fn contains(&self, p: Period) -> bool {
        p >= self.from && self.to.is_none_or(|t| p <= t)
    }
    pub fn overlaps(&self, other: &PeriodRange) -> bool {
        let a_before_b = self.to.is_some_and(|t| t < other.from);
        let b_before_a = other.to.is_some_and(|t| t < self.from);
        !(a_before_b || b_before_a)
    }
    pub fn is_valid(&self) -> bool {
        self.to.is_none_or(|t| t >= self.from)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn parse_and_display() {
        let p = Period::parse("202303").unwrap();
        assert_eq!(p.to_string(), "202303");
        assert_eq!(p.yyyymm(), 202303);
        assert!(Period::parse("202313").is_err());
        assert!(Period::parse("2023-03").is_err());
        assert!(Period::parse("20233").is_err());
        assert_eq!(Period::from_yyyymm(202111).unwrap().to_string(), "202111");
    }

    #[test]
    fn arithmetic_and_si_year() {
        let p = Period::parse("202301").unwrap();
        assert_eq!(p.prev().to_string(), "202212");
        assert_eq!(p.add_months(-13).to_string(), "202112");
        assert_eq!(p.add_months(12).to_string(), "202401");
        assert_eq!(p.last_day(), date!(2023 - 01 - 31));
        assert_eq!(
            Period::parse("202402").unwrap().last_day(),
            date!(2024 - 02 - 29)
        );
        assert_eq!(p.si_year(), SiYear(2022));
        assert_eq!(Period::parse("202307").unwrap().si_year(), SiYear(2023));
        assert_eq!(SiYear(2023).first_period().to_string(), "202307");
        assert_eq!(SiYear(2023).last_period().to_string(), "202406");
        assert_eq!(Period::range_inclusive(p, p.add_months(2)).len(), 3);
    }

    #[test]
    fn ranges() {
        let a = PeriodRange::new(
            Period::parse("202201").unwrap(),
            Some(Period::parse("202206").unwrap()),
        );
        let b = PeriodRange::new(Period::parse("202207").unwrap(), None);
        assert!(!a.overlaps(&b));
        assert!(b.contains(Period::parse("209912").unwrap()));
        let c = PeriodRange::new(Period::parse("202206").unwrap(), None);
        assert!(a.overlaps(&c));
    }

    proptest! {
        #[test]
        fn add_months_inverts(y in 1960i32..2900, m in 1u8..=12, n in -500i32..500) {
            let p = Period::new(y, m).unwrap();
            prop_assert_eq!(p.add_months(n).add_months(-n), p);
            prop_assert_eq!(p.months_until(p.add_months(n)), n);
            prop_assert!(p.si_year().contains(p));
        }
    }
}
