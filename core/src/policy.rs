//! Policy parameters as effective-dated data per region (R-POL-1…4). Nothing
//! here is a constant of the law: every figure comes from storage, tagged with
//! the document it comes from.

use serde::Serialize;
use thiserror::Error;
use time::Date;

use crate::ids::RegionCode;
use crate::insurance::{Insurance, RiskClass};
use crate::money::{Money, Rate};
use crate::period::{Period, PeriodRange, SiYear};

/// Where a figure comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Source {
    /// The published document, or "illustrative: …" for demo values.
    pub document: String,
    /// True when the value is not from a published source.
    pub illustrative: bool,
}

/// Contribution base bounds for one social-insurance year (R-POL-1), yuan per month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BaseBounds {
    #[cfg_attr(feature = "openapi", schema(value_type = i32, example = 2022))]
    pub si_year: SiYear,
    /// 社平口径
    pub standard: Money,
    /// 下限
    pub floor: Money,
    /// 上限
    pub ceiling: Money,
    pub source: Source,
}

/// Unit and individual rates of one insurance over a range of months (R-POL-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateRule {
    pub insurance: Insurance,
    pub range: PeriodRange,
    pub unit_rate: Rate,
    pub individual_rate: Rate,
    pub source: Source,
}

/// Work-injury base rate of one industry risk class over a range of months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InjuryClassRate {
    #[cfg_attr(feature = "openapi", schema(value_type = u8, example = 1))]
    pub risk_class: RiskClass,
    pub range: PeriodRange,
    pub rate: Rate,
    pub source: Source,
}

/// Whether a late fee may exceed the principal (R-LATE-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LateFeeCap {
    None,
    /// The late fee never exceeds the overdue principal (行政强制法 第四十五条).
    Principal,
}

impl LateFeeCap {
    pub fn code(self) -> &'static str {
        match self {
            LateFeeCap::None => "none",
            LateFeeCap::Principal => "principal",
        }
    }
    pub fn parse(s: &str) -> Option<LateFeeCap> {
        match s {
            "none" => Some(LateFeeCap::None),
            "principal" => Some(LateFeeCap::Principal),
            _ => None,
        }
    }
}

/// The late-fee rule (R-LATE-1, R-LATE-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LateFeeRule {
    pub range: PeriodRange,
    /// Per day of the overdue principal, e.g. "0.0005" (0.05%).
    pub daily_rate: Rate,
    /// The legal due date as a day of the month after the contribution month;
    /// `None`: the last day of the contribution month itself. Fees count from
    /// the day after the due date.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub due_day_of_next_month: Option<u8>,
    pub cap: LateFeeCap,
    pub source: Source,
}

/// A deferral (缓缴) scheme: the months in `range` that a unit may confirm
/// it defers; the months it confirmed may be repaid until `repay_by` without
/// late fees (R-BACK-5, [`crate::deferral`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deferral {
    pub range: PeriodRange,
    pub repay_by: Date,
    pub source: Source,
}

/// A month-and-day, for yearly windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MonthDay {
    pub month: u8,
    pub day: u8,
}

impl MonthDay {
    /// Parses "MM-DD".
    pub fn parse(s: &str) -> Option<MonthDay> {
        let (m, d) = s.split_once('-')?;
        let month: u8 = m.parse().ok()?;
        let day: u8 = d.parse().ok()?;
        // 2000 is a leap year: accepts 02-29.
        time::Date::from_calendar_date(2000, time::Month::try_from(month).ok()?, day).ok()?;
        Some(MonthDay { month, day })
    }
    pub fn on_year(self, year: i32) -> Date {
        let month = time::Month::try_from(self.month).unwrap_or(time::Month::January);
        let day = self.day.min(time::util::days_in_month(month, year));
        Date::from_calendar_date(year, month, day).unwrap_or(Date::MIN)
    }
}

impl Serialize for MonthDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:02}-{:02}", self.month, self.day))
    }
}

/// Windows and periods of grace (R-BACK-1, R-REF-1, R-DECL-4, R-WAGE-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Windows {
    pub range: PeriodRange,
    /// Months before the current one that a unit may back-pay online.
    pub back_pay_months: u8,
    /// Months before the current one that a unit may claim refunds for.
    pub refund_months: u8,
    /// Working days a payment order stays valid.
    pub order_validity_working_days: u8,
    /// Wage-declaration window, "MM-DD", in the calendar year the SI year starts.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "04-01"))]
    pub wage_window_start: MonthDay,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "06-30"))]
    pub wage_window_end: MonthDay,
    pub source: Source,
}

/// The national bookkeeping rate of individual accounts for one year (R-LATE-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InterestRate {
    pub year: i32,
    pub rate: Rate,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyError {
    #[error("参保地{region}没有{si_year}社保年度的缴费基数上下限参数")]
    NoBaseBounds { region: String, si_year: SiYear },
    #[error("参保地{region}没有{period}期{insurance}的费率参数")]
    NoRate {
        region: String,
        period: Period,
        insurance: &'static str,
    },
    #[error("参保地{region}没有{period}期行业风险类别{class}的工伤费率参数")]
    NoInjuryRate {
        region: String,
        period: Period,
        class: u8,
    },
    #[error("参保地{region}没有{period}期的滞纳金参数")]
    NoLateFeeRule { region: String, period: Period },
    #[error("参保地{region}没有{period}期的经办时限参数")]
    NoWindows { region: String, period: Period },
    #[error("参数的生效期间不正确：起始期号{from}晚于终止期号{to}")]
    InvalidRange { from: Period, to: Period },
    #[error("{what}的生效期间重叠：{a}与{b}")]
    Overlap { what: String, a: String, b: String },
    #[error("{what}的生效期间不连续：{after}之后缺少参数，下一段从{next}开始")]
    Gap {
        what: String,
        after: String,
        next: Period,
    },
    #[error("{si_year}社保年度的缴费基数应满足 下限 ≤ 社平口径 ≤ 上限")]
    BoundsOrder { si_year: SiYear },
    #[error("{si_year}社保年度的缴费基数参数重复")]
    DuplicateYear { si_year: SiYear },
    #[error("没有{year}年或更早年度的记账利率")]
    NoInterestRate { year: i32 },
}

/// Every effective-dated parameter of one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionPolicy {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "420500"))]
    pub region: RegionCode,
    pub name: String,
    pub bounds: Vec<BaseBounds>,
    pub rates: Vec<RateRule>,
    pub injury_rates: Vec<InjuryClassRate>,
    pub late_fees: Vec<LateFeeRule>,
    pub deferrals: Vec<Deferral>,
    pub windows: Vec<Windows>,
}

/// The parameters in force for one region and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodParams {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "420500"))]
    pub region: RegionCode,
    pub period: Period,
    pub bounds: BaseBounds,
    pub rates: Vec<RateRule>,
    pub injury_rates: Vec<InjuryClassRate>,
    pub late_fee: LateFeeRule,
    pub windows: Windows,
    /// The region's deferral scheme that allows this period, if any. It
    /// waives nothing by itself: a unit is deferred only for the months it
    /// confirmed ([`crate::deferral::UnitDeferrals`], R-BACK-5).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub deferral: Option<Deferral>,
}

impl PeriodParams {
    pub fn rate(&self, insurance: Insurance) -> Result<&RateRule, PolicyError> {
        self.rates
            .iter()
            .find(|r| r.insurance == insurance)
            .ok_or_else(|| PolicyError::NoRate {
                region: self.region.to_string(),
                period: self.period,
                insurance: insurance.name_zh(),
            })
    }

    pub fn injury_rate(&self, class: RiskClass) -> Result<&InjuryClassRate, PolicyError> {
        self.injury_rates
            .iter()
            .find(|r| r.risk_class == class)
            .ok_or(PolicyError::NoInjuryRate {
                region: self.region.to_string(),
                period: self.period,
                class: class.get(),
            })
    }
}

fn range_text(r: &PeriodRange) -> String {
    match r.to {
        Some(t) => format!("{}-{}", r.from, t),
        None => format!("{}起", r.from),
    }
}

/// Checks that ranges are valid, do not overlap and leave no gap between them.
pub fn check_contiguous(what: &str, ranges: &[PeriodRange]) -> Result<(), PolicyError> {
    let mut sorted: Vec<PeriodRange> = ranges.to_vec();
    for r in &sorted {
        if let Some(to) = r.to
            && to < r.from
        {
            return Err(PolicyError::InvalidRange { from: r.from, to });
        }
    }
    sorted.sort_by_key(|r| r.from);
    for pair in sorted.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.overlaps(b) {
            return Err(PolicyError::Overlap {
                what: what.to_string(),
                a: range_text(a),
                b: range_text(b),
            });
        }
        if let Some(to) = a.to
            && to.next() != b.from
        {
            return Err(PolicyError::Gap {
                what: what.to_string(),
                after: range_text(a),
                next: b.from,
            });
        }
    }
    Ok(())
}

/// Checks that ranges are valid and do not overlap (gaps allowed).
pub fn check_disjoint(what: &str, ranges: &[PeriodRange]) -> Result<(), PolicyError> {
    let mut sorted: Vec<PeriodRange> = ranges.to_vec();
    for r in &sorted {
        if !r.is_valid() {
            return Err(PolicyError::InvalidRange {
                from: r.from,
                to: r.to.unwrap_or(r.from),
            });
        }
    }
    sorted.sort_by_key(|r| r.from);
    for pair in sorted.windows(2) {
        if pair[0].overlaps(&pair[1]) {
            return Err(PolicyError::Overlap {
                what: what.to_string(),
                a: range_text(&pair[0]),
                b: range_text(&pair[1]),
            });
        }
    }
    Ok(())
}

impl RegionPolicy {
    /// Refuses overlapping or gapped effective ranges and inconsistent bounds
    /// (R-POL-4): run before a change of parameters is stored.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let mut years: Vec<SiYear> = Vec::new();
        for b in &self.bounds {
            if !(b.floor <= b.standard && b.standard <= b.ceiling) || b.floor.is_negative() {
                return Err(PolicyError::BoundsOrder { si_year: b.si_year });
            }
            if years.contains(&b.si_year) {
                return Err(PolicyError::DuplicateYear { si_year: b.si_year });
            }
            years.push(b.si_year);
        }
        years.sort();
        for pair in years.windows(2) {
            if pair[1].0 != pair[0].0 + 1 {
                return Err(PolicyError::Gap {
                    what: "缴费基数上下限".to_string(),
                    after: format!("{}社保年度", pair[0]),
                    next: SiYear(pair[0].0 + 1).first_period(),
                });
            }
        }
        for ins in Insurance::COLLECTED {
            if ins == Insurance::WorkInjury {
                continue;
            }
            let ranges: Vec<PeriodRange> = self
                .rates
                .iter()
                .filter(|r| r.insurance == ins)
                .map(|r| r.range)
                .collect();
            check_contiguous(&format!("{}费率", ins.name_zh()), &ranges)?;
        }
        for class in 1..=8 {
            let ranges: Vec<PeriodRange> = self
                .injury_rates
                .iter()
                .filter(|r| r.risk_class.get() == class)
                .map(|r| r.range)
                .collect();
            check_contiguous(&format!("工伤{class}类行业基准费率"), &ranges)?;
        }
        let lf: Vec<PeriodRange> = self.late_fees.iter().map(|r| r.range).collect();
        check_contiguous("滞纳金参数", &lf)?;
        let w: Vec<PeriodRange> = self.windows.iter().map(|r| r.range).collect();
        check_contiguous("经办时限参数", &w)?;
        let d: Vec<PeriodRange> = self.deferrals.iter().map(|r| r.range).collect();
        check_disjoint("缓缴政策", &d)?;
        Ok(())
    }

    pub fn bounds_for(&self, si_year: SiYear) -> Result<&BaseBounds, PolicyError> {
        self.bounds
            .iter()
            .find(|b| b.si_year == si_year)
            .ok_or_else(|| PolicyError::NoBaseBounds {
                region: self.region.to_string(),
                si_year,
            })
    }

    /// The parameters in force for `period` (R-POL-3: always those of the
    /// period itself, whenever it is computed). Base bounds, the late-fee rule
    /// and the windows must exist; rates are looked up per insurance later.
    pub fn in_force(&self, period: Period) -> Result<PeriodParams, PolicyError> {
        let region = self.region.to_string();
        let bounds = self.bounds_for(period.si_year())?.clone();
        let late_fee = self
            .late_fees
            .iter()
            .find(|r| r.range.contains(period))
            .cloned()
            .ok_or_else(|| PolicyError::NoLateFeeRule {
                region: region.clone(),
                period,
            })?;
        let windows = self
            .windows
            .iter()
            .find(|r| r.range.contains(period))
            .cloned()
            .ok_or_else(|| PolicyError::NoWindows {
                region: region.clone(),
                period,
            })?;
        let rates = self
            .rates
            .iter()
            .filter(|r| r.range.contains(period))
            .cloned()
            .collect();
        let mut injury_rates: Vec<InjuryClassRate> = self
            .injury_rates
            .iter()
            .filter(|r| r.range.contains(period))
            .cloned()
            .collect();
        injury_rates.sort_by_key(|r| r.risk_class);
        let deferral = self
            .deferrals
            .iter()
            .find(|d| d.range.contains(period))
            .cloned();
        Ok(PeriodParams {
            region: self.region.clone(),
            period,
            bounds,
            rates,
            injury_rates,
            late_fee,
            windows,
            deferral,
        })
    }
}

/// The bookkeeping rates by year (national data).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct InterestTable {
    rates: Vec<InterestRate>,
}

impl InterestTable {
    pub fn new(mut rates: Vec<InterestRate>) -> InterestTable {
        rates.sort_by_key(|r| r.year);
        InterestTable { rates }
    }

    /// The rate of `year`, or of the latest earlier year that has one
    /// (R-LATE-2); returns the year whose rate was used.
    pub fn rate_for(&self, year: i32) -> Result<(i32, Rate), PolicyError> {
        self.rates
            .iter()
            .rev()
            .find(|r| r.year <= year)
            .map(|r| (r.year, r.rate))
            .ok_or(PolicyError::NoInterestRate { year })
    }

    pub fn rates(&self) -> &[InterestRate] {
        &self.rates
    }
}

/// Money helper for bounds checks in tests and callers.
pub fn within_bounds(base: Money, bounds: &BaseBounds) -> bool {
    base >= bounds.floor && base <= bounds.ceiling
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! The Yichang figures of DOMAIN.md, for tests and benchmarks.
    #![allow(clippy::unwrap_used)]
    use super::*;

    pub fn src(doc: &str) -> Source {
        Source {
            document: doc.to_string(),
            illustrative: false,
        }
    }

    pub fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    pub fn yichang() -> RegionPolicy {
        let base = [2000, 4000, 7000, 9000, 11000, 13000, 16000, 19000];
        let mut injury_rates = Vec::new();
        for (i, ppm) in base.iter().enumerate() {
            let class = RiskClass::new(i as i64 + 1).unwrap();
            injury_rates.push(InjuryClassRate {
                risk_class: class,
                range: PeriodRange::new(p("201605"), Some(p("202204"))),
                rate: Rate::from_ppm(ppm / 2),
                source: src("reduced"),
            });
            injury_rates.push(InjuryClassRate {
                risk_class: class,
                range: PeriodRange::new(p("202205"), None),
                rate: Rate::from_ppm(*ppm),
                source: src("人社部发〔2015〕71号"),
            });
        }
        let bounds = (2016..=2026)
            .map(|y| BaseBounds {
                si_year: SiYear(y),
                standard: Money::yuan(6000),
                floor: Money::yuan(3450),
                ceiling: Money::yuan(18000),
                source: src("DOMAIN.md"),
            })
            .collect();
        RegionPolicy {
            region: RegionCode::parse("420500").unwrap(),
            name: "宜昌市本级".to_string(),
            bounds,
            rates: vec![
                RateRule {
                    insurance: Insurance::Pension,
                    range: PeriodRange::new(p("201605"), None),
                    unit_rate: Rate::from_ppm(160_000),
                    individual_rate: Rate::from_ppm(80_000),
                    source: src("pension"),
                },
                RateRule {
                    insurance: Insurance::Unemployment,
                    range: PeriodRange::new(p("201605"), Some(p("202412"))),
                    unit_rate: Rate::from_ppm(7_000),
                    individual_rate: Rate::from_ppm(3_000),
                    source: src("reduction"),
                },
                RateRule {
                    insurance: Insurance::Unemployment,
                    range: PeriodRange::new(p("202501"), None),
                    unit_rate: Rate::from_ppm(20_000),
                    individual_rate: Rate::from_ppm(10_000),
                    source: src("statutory"),
                },
            ],
            injury_rates,
            late_fees: vec![LateFeeRule {
                range: PeriodRange::new(p("201605"), None),
                daily_rate: Rate::from_ppm(500),
                due_day_of_next_month: None,
                cap: LateFeeCap::None,
                source: src("社会保险法 第八十六条"),
            }],
            deferrals: vec![Deferral {
                range: PeriodRange::new(p("202204"), Some(p("202212"))),
                repay_by: time::macros::date!(2023 - 12 - 31),
                source: src("人社部发〔2022〕31号"),
            }],
            windows: vec![Windows {
                range: PeriodRange::new(p("201605"), None),
                back_pay_months: 3,
                refund_months: 3,
                order_validity_working_days: 10,
                wage_window_start: MonthDay::parse("04-01").unwrap(),
                wage_window_end: MonthDay::parse("06-30").unwrap(),
                source: src("DOMAIN.md"),
            }],
        }
    }

    pub fn interest() -> InterestTable {
        let rates = [
            (2016, 83_100),
            (2017, 71_200),
            (2018, 82_900),
            (2019, 76_100),
            (2020, 60_400),
            (2021, 66_900),
            (2022, 61_200),
            (2023, 39_700),
            (2024, 26_200),
        ];
        InterestTable::new(
            rates
                .iter()
                .map(|(y, r)| InterestRate {
                    year: *y,
                    rate: Rate::from_ppm(*r),
                    source: src("记账利率"),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn lookup_uses_the_period_itself() {
        let pol = yichang();
        pol.validate().unwrap();
        let params = pol.in_force(p("202208")).unwrap();
        assert_eq!(params.bounds.floor, Money::yuan(3450));
        assert_eq!(
            params.rate(Insurance::Unemployment).unwrap().unit_rate,
            Rate::from_ppm(7000)
        );
        let class1 = RiskClass::new(1).unwrap();
        assert_eq!(
            params.injury_rate(class1).unwrap().rate,
            Rate::from_ppm(2000)
        );
        // 2021 had the reduced class-1 rate of 0.1% (R-POL-2 / R-POL-3).
        let params = pol.in_force(p("202111")).unwrap();
        assert_eq!(
            params.injury_rate(class1).unwrap().rate,
            Rate::from_ppm(1000)
        );
        // The unemployment reduction expires as data, not code.
        let params = pol.in_force(p("202501")).unwrap();
        assert_eq!(
            params.rate(Insurance::Unemployment).unwrap().unit_rate,
            Rate::from_ppm(20000)
        );
        assert!(pol.in_force(p("202208")).unwrap().deferral.is_some());
        assert!(pol.in_force(p("202301")).unwrap().deferral.is_none());
    }

    #[test]
    fn missing_parameters_are_named() {
        let pol = yichang();
        let err = pol.in_force(p("203001")).unwrap_err();
        assert!(matches!(err, PolicyError::NoBaseBounds { .. }));
        assert!(err.to_string().contains("2029社保年度"));
    }

    #[test]
    fn overlaps_and_gaps_are_refused() {
        let mut pol = yichang();
        pol.rates[2].range.from = p("202412");
        assert!(matches!(pol.validate(), Err(PolicyError::Overlap { .. })));
        let mut pol = yichang();
        pol.rates[2].range.from = p("202503");
        assert!(matches!(pol.validate(), Err(PolicyError::Gap { .. })));
        let mut pol = yichang();
        pol.bounds[0].floor = Money::yuan(7000);
        assert!(matches!(
            pol.validate(),
            Err(PolicyError::BoundsOrder { .. })
        ));
        let mut pol = yichang();
        pol.bounds.remove(3);
        assert!(matches!(pol.validate(), Err(PolicyError::Gap { .. })));
    }

    #[test]
    fn interest_falls_back_to_latest_earlier_year() {
        let t = interest();
        assert_eq!(t.rate_for(2023).unwrap(), (2023, Rate::from_ppm(39_700)));
        assert_eq!(t.rate_for(2026).unwrap(), (2024, Rate::from_ppm(26_200)));
        assert!(t.rate_for(2010).is_err());
    }
}
