//! Unemployment benefit and the job-stabilisation refund (issue 16, part:
//! the pure rules).
//!
//! - R-UNEMP-1: who may claim (失业保险条例 art. 14): ≥ 1 year paid, an
//!   involuntary end of the employment, registered as unemployed.
//! - R-UNEMP-2: how long (art. 17: by the years paid since the last claim,
//!   the unused months of that claim added, at most 24) and how much (a
//!   percentage of the local minimum wage, never below the subsistence
//!   allowance; both parameters by region and year).
//! - R-STAB-1: whether a unit qualifies for 稳岗返还 for a year, and how much.

use rust_decimal::Decimal;
use serde::Serialize;
use thiserror::Error;

use crate::money::{Money, Rate, round_half_up};

/// Why an employment ended, as the unit states when it stops the
/// unemployment insurance (R-UNEMP-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// 用人单位解除劳动合同.
    Dismissal,
    /// 劳动合同期满，用人单位不续订.
    NotRenewed,
    /// 用人单位被依法宣告破产、关闭、撤销.
    UnitClosed,
    /// 用人单位过错，劳动者解除劳动合同 (被迫离职).
    ForcedResignation,
    /// 本人辞职.
    Resignation,
    /// 其他本人原因.
    OtherVoluntary,
}

impl EndReason {
    pub const ALL: [EndReason; 6] = [
        EndReason::Dismissal,
        EndReason::NotRenewed,
        EndReason::UnitClosed,
        EndReason::ForcedResignation,
        EndReason::Resignation,
        EndReason::OtherVoluntary,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EndReason::Dismissal => "dismissal",
            EndReason::NotRenewed => "not_renewed",
            EndReason::UnitClosed => "unit_closed",
            EndReason::ForcedResignation => "forced_resignation",
            EndReason::Resignation => "resignation",
            EndReason::OtherVoluntary => "other_voluntary",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            EndReason::Dismissal => "用人单位解除劳动合同",
            EndReason::NotRenewed => "劳动合同期满用人单位不续订",
            EndReason::UnitClosed => "用人单位破产、关闭或撤销",
            EndReason::ForcedResignation => "因用人单位过错本人解除劳动合同",
            EndReason::Resignation => "本人辞职",
            EndReason::OtherVoluntary => "其他本人原因",
        }
    }

    pub fn parse(s: &str) -> Option<EndReason> {
        EndReason::ALL.into_iter().find(|r| r.code() == s.trim())
    }

    /// 非本人意愿中断就业: the ends that allow a claim.
    pub fn involuntary(self) -> bool {
        !matches!(self, EndReason::Resignation | EndReason::OtherVoluntary)
    }
}

/// The facts a claim is judged on (R-UNEMP-1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClaimFacts {
    pub reason: EndReason,
    /// Months of unemployment insurance paid (unit and person) since the
    /// previous claim (缴费时间重新计算), or in all without one.
    pub paid_months: i32,
    /// Months of the previous claim's entitlement not drawn.
    pub unused_months: i32,
    /// Registered as unemployed (失业登记).
    pub registered: bool,
    /// Employed again (paying elsewhere) now.
    pub employed_again: bool,
}

/// The benefit parameters of the person's region and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BenefitParams {
    /// 最低工资标准 (monthly).
    pub minimum_wage: Money,
    /// The percentage of it paid (Hubei: 90%).
    pub percentage: Rate,
    /// 城市居民最低生活保障标准 (monthly): the floor.
    pub subsistence: Money,
}

/// An approved claim's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Entitlement {
    /// Months by the years paid (12, 18 or 24).
    pub by_years: i32,
    /// Unused months of the previous claim added.
    pub carried: i32,
    /// Months granted: the two, at most 24.
    pub months: i32,
    pub monthly: Money,
    pub total: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize)]
pub enum ClaimRefusal {
    #[error("失业保险金须非因本人意愿中断就业，本人离职原因为“{reason}”，不符合领取条件。")]
    Voluntary { reason: &'static str },
    #[error(
        "失业保险金须失业前用人单位和本人已缴纳失业保险费满1年，目前累计缴费{paid}个月，尚差{short}个月。"
    )]
    PaidShort { paid: i32, short: i32 },
    #[error("申领失业保险金须先办理失业登记。")]
    NotRegistered,
    #[error("本人目前已重新就业并参保缴费，不能申领失业保险金。")]
    EmployedAgain,
}

/// Months by cumulative paid years (R-UNEMP-2): 1 to < 5 years → 12, 5 to
/// < 10 → 18, ≥ 10 → 24; 0 under a year.
pub fn months_by_years(paid_months: i32) -> i32 {
    match paid_months {
        m if m < 12 => 0,
        m if m < 60 => 12,
        m if m < 120 => 18,
        _ => 24,
    }
}

/// The most months one claim may grant.
pub const MAX_MONTHS: i32 = 24;

/// The monthly benefit: the percentage of the minimum wage, rounded half-up
/// to the fen, never below the subsistence allowance.
pub fn monthly_benefit(p: &BenefitParams) -> Money {
    p.minimum_wage.times_rate(p.percentage).max(p.subsistence)
}

/// Judges a claim (R-UNEMP-1) and computes its months and amounts
/// (R-UNEMP-2).
pub fn claim(f: &ClaimFacts, p: &BenefitParams) -> Result<Entitlement, ClaimRefusal> {
    if !f.reason.involuntary() {
        return Err(ClaimRefusal::Voluntary {
            reason: f.reason.label_zh(),
        });
    }
    if f.paid_months < 12 {
        return Err(ClaimRefusal::PaidShort {
            paid: f.paid_months.max(0),
            short: 12 - f.paid_months.max(0),
        });
    }
    if f.employed_again {
        return Err(ClaimRefusal::EmployedAgain);
    }
    if !f.registered {
        return Err(ClaimRefusal::NotRegistered);
    }
    let by_years = months_by_years(f.paid_months);
    let carried = f.unused_months.clamp(0, MAX_MONTHS);
    let months = (by_years + carried).min(MAX_MONTHS);
    let monthly = monthly_benefit(p);
    Ok(Entitlement {
        by_years,
        carried: months - by_years,
        months,
        monthly,
        total: Money::from_yuan(monthly.as_decimal() * Decimal::from(months)),
    })
}

/// The size class of a unit for the refund (R-STAB-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    /// 大型企业.
    Large,
    /// 中小微企业.
    SmallMedium,
}

impl SizeClass {
    pub const ALL: [SizeClass; 2] = [SizeClass::Large, SizeClass::SmallMedium];

    pub fn code(self) -> &'static str {
        match self {
            SizeClass::Large => "large",
            SizeClass::SmallMedium => "small_medium",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SizeClass::Large => "大型企业",
            SizeClass::SmallMedium => "中小微企业",
        }
    }

    pub fn parse(s: &str) -> Option<SizeClass> {
        SizeClass::ALL.into_iter().find(|c| c.code() == s.trim())
    }
}

/// The year's parameters of the refund (R-STAB-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StabilisationParams {
    /// The national surveyed-unemployment target (5.5%).
    pub layoff_threshold: Rate,
    /// For units of ≤ `small_unit_headcount` insured: 20%.
    pub small_unit_threshold: Rate,
    pub small_unit_headcount: i32,
    /// Of the unit's paid contributions: 30% large, 60% small and medium.
    pub large_share: Rate,
    pub small_medium_share: Rate,
}

/// A unit's figures for year Y (from Y-1 and today).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StabilisationFacts {
    pub size: SizeClass,
    /// Months of Y-1 whose unemployment contributions are fully paid.
    pub months_paid: i32,
    /// What the unit owes today (any insurance).
    pub arrears: Money,
    /// Average insured headcount of Y-1.
    pub average_headcount: Decimal,
    /// Persons whose unemployment insurance stopped for a non-voluntary
    /// reason in Y-1.
    pub non_voluntary_stops: i32,
    /// The unemployment contributions the unit paid for Y-1, its own part
    /// and its employees' (企业及其职工上年度实际缴纳失业保险费).
    pub unit_paid: Money,
}

/// The verdict with every figure and threshold it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StabilisationVerdict {
    pub qualifies: bool,
    /// The layoff rate, 4 decimals (0.0250 = 2.5%).
    pub layoff_rate: Decimal,
    /// The threshold that applies (5.5%, or 20% for a small unit).
    pub threshold: Rate,
    pub share: Rate,
    /// The refund if it qualifies, else zero.
    pub refund: Money,
    /// Each unmet condition, in Chinese.
    pub reasons: Vec<String>,
}

/// The average insured headcount of a year (R-STAB-1): the persons insured
/// in each of its 12 months, summed, ÷ 12, to 2 decimals (a month with no
/// one counts zero).
pub fn average_headcount(person_months: i64) -> Decimal {
    let mut d = round_half_up(Decimal::from(person_months) / Decimal::from(12), 2);
    d.rescale(2);
    d
}

/// Whether the unit qualifies and how much it gets back (R-STAB-1).
pub fn stabilisation(f: &StabilisationFacts, p: &StabilisationParams) -> StabilisationVerdict {
    let small = f.average_headcount <= Decimal::from(p.small_unit_headcount);
    let threshold = if small {
        p.small_unit_threshold
    } else {
        p.layoff_threshold
    };
    let mut layoff_rate = if f.average_headcount > Decimal::ZERO {
        round_half_up(
            Decimal::from(f.non_voluntary_stops) / f.average_headcount,
            4,
        )
    } else {
        Decimal::ZERO
    };
    layoff_rate.rescale(4);
    let mut reasons = Vec::new();
    if f.months_paid < 12 {
        reasons.push(format!(
            "上年度失业保险费须足额缴纳12个月，实际{}个月。",
            f.months_paid.max(0)
        ));
    }
    if f.arrears > Money::ZERO {
        reasons.push(format!("单位目前仍有欠费{}元，须先补缴。", f.arrears));
    }
    if f.average_headcount <= Decimal::ZERO {
        reasons.push("上年度没有参保职工。".to_owned());
    } else if layoff_rate > threshold.as_decimal() {
        reasons.push(format!(
            "上年度裁员率{}%高于{}（{}）。",
            (layoff_rate * Decimal::from(100)).normalize(),
            threshold.percent_text(),
            if small {
                "参保职工30人及以下的单位"
            } else {
                "全国城镇调查失业率控制目标"
            }
        ));
    }
    let share = match f.size {
        SizeClass::Large => p.large_share,
        SizeClass::SmallMedium => p.small_medium_share,
    };
    let qualifies = reasons.is_empty();
    StabilisationVerdict {
        qualifies,
        layoff_rate,
        threshold,
        share,
        refund: if qualifies {
            f.unit_paid.times_rate(share)
        } else {
            Money::ZERO
        },
        reasons,
    }
}

/// The first month of benefit: the month after the employment ended, or
/// the month of the unemployment registration if later (失业登记之日起计发;
/// a decision where DOMAIN.md is silent).
pub fn first_benefit_month(end: crate::Period, registered: crate::Period) -> crate::Period {
    end.add_months(1).max(registered)
}

/// Months of a previous claim drawn: from its first month until the month
/// before the person paid again (re-employed), or until `current`, at most
/// the months granted. The rest is carried to a new claim (R-UNEMP-2).
pub fn drawn_months(
    granted: i32,
    first: crate::Period,
    reemployed_from: Option<crate::Period>,
    current: crate::Period,
) -> i32 {
    let until = reemployed_from.map_or(current.add_months(1), |r| r);
    if until <= first {
        return 0;
    }
    first.months_until(until).clamp(0, granted.max(0))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn params() -> BenefitParams {
        BenefitParams {
            minimum_wage: Money::yuan(2010),
            percentage: Rate::parse("0.9").unwrap(),
            subsistence: Money::yuan(800),
        }
    }

    fn facts(reason: EndReason, paid_months: i32) -> ClaimFacts {
        ClaimFacts {
            reason,
            paid_months,
            unused_months: 0,
            registered: true,
            employed_again: false,
        }
    }

    #[test]
    fn dismissed_after_seven_years_gets_18_months() {
        let e = claim(&facts(EndReason::Dismissal, 84), &params()).unwrap();
        assert_eq!((e.by_years, e.months), (18, 18));
        // 2,010 × 90% = 1,809.00 a month, 32,562.00 in all.
        assert_eq!(e.monthly, Money::yuan(1809));
        assert_eq!(e.total, Money::yuan(32_562));
    }

    #[test]
    fn the_refusals_say_why() {
        let e = claim(&facts(EndReason::Resignation, 84), &params()).unwrap_err();
        assert!(e.to_string().contains("本人辞职"), "{e}");
        let e = claim(&facts(EndReason::Dismissal, 11), &params()).unwrap_err();
        assert_eq!(e, ClaimRefusal::PaidShort { paid: 11, short: 1 });
        let e = claim(
            &ClaimFacts {
                registered: false,
                ..facts(EndReason::NotRenewed, 24)
            },
            &params(),
        )
        .unwrap_err();
        assert_eq!(e, ClaimRefusal::NotRegistered);
        let e = claim(
            &ClaimFacts {
                employed_again: true,
                ..facts(EndReason::UnitClosed, 24)
            },
            &params(),
        )
        .unwrap_err();
        assert_eq!(e, ClaimRefusal::EmployedAgain);
    }

    #[test]
    fn unused_months_carry_over_up_to_24() {
        let e = claim(
            &ClaimFacts {
                unused_months: 5,
                ..facts(EndReason::Dismissal, 36)
            },
            &params(),
        )
        .unwrap();
        assert_eq!((e.by_years, e.carried, e.months), (12, 5, 17));
        let e = claim(
            &ClaimFacts {
                unused_months: 10,
                ..facts(EndReason::Dismissal, 120)
            },
            &params(),
        )
        .unwrap();
        assert_eq!((e.by_years, e.carried, e.months), (24, 0, 24));
        assert_eq!(months_by_years(59), 12);
        assert_eq!(months_by_years(60), 18);
        assert_eq!(months_by_years(119), 18);
        assert_eq!(months_by_years(120), 24);
    }

    #[test]
    fn the_benefit_never_falls_below_the_subsistence_allowance() {
        let low = BenefitParams {
            subsistence: Money::yuan(1900),
            ..params()
        };
        assert_eq!(monthly_benefit(&low), Money::yuan(1900));
    }

    fn stab_params() -> StabilisationParams {
        StabilisationParams {
            layoff_threshold: Rate::parse("0.055").unwrap(),
            small_unit_threshold: Rate::parse("0.2").unwrap(),
            small_unit_headcount: 30,
            large_share: Rate::parse("0.3").unwrap(),
            small_medium_share: Rate::parse("0.6").unwrap(),
        }
    }

    fn small_unit() -> StabilisationFacts {
        StabilisationFacts {
            size: SizeClass::SmallMedium,
            months_paid: 12,
            arrears: Money::ZERO,
            average_headcount: dec!(12.5),
            non_voluntary_stops: 2,
            unit_paid: Money::from_fen(105_000),
        }
    }

    #[test]
    fn a_small_unit_qualifies_under_20_percent() {
        // 2 ÷ 12.5 = 16% ≤ 20% (≤ 30 insured); 60% of 1,050.00 = 630.00.
        let v = stabilisation(&small_unit(), &stab_params());
        assert!(v.qualifies, "{:?}", v.reasons);
        assert_eq!(v.layoff_rate, dec!(0.16));
        assert_eq!(v.threshold, Rate::parse("0.2").unwrap());
        assert_eq!(v.refund, Money::yuan(630));
        // 3 stops: 24% > 20%, refused with the figure.
        let v = stabilisation(
            &StabilisationFacts {
                non_voluntary_stops: 3,
                ..small_unit()
            },
            &stab_params(),
        );
        assert!(!v.qualifies);
        assert_eq!(v.refund, Money::ZERO);
        assert!(v.reasons[0].contains("24%"), "{:?}", v.reasons);
        // A large unit with 100 insured: 5.5%.
        let v = stabilisation(
            &StabilisationFacts {
                size: SizeClass::Large,
                average_headcount: dec!(100),
                non_voluntary_stops: 6,
                ..small_unit()
            },
            &stab_params(),
        );
        assert!(!v.qualifies);
        assert!(v.reasons[0].contains("5.5%"), "{:?}", v.reasons);
        // Arrears and missing months are each a reason.
        let v = stabilisation(
            &StabilisationFacts {
                months_paid: 11,
                arrears: Money::yuan(10),
                ..small_unit()
            },
            &stab_params(),
        );
        assert_eq!(v.reasons.len(), 2, "{:?}", v.reasons);
    }

    #[test]
    fn the_average_headcount_divides_by_twelve_months() {
        assert_eq!(average_headcount(12 * 12), dec!(12));
        // 10 persons for 6 months and none after: 5.
        assert_eq!(average_headcount(60), dec!(5));
        assert_eq!(average_headcount(7), dec!(0.58));
        assert_eq!(average_headcount(0), Decimal::ZERO);
    }

    #[test]
    fn size_classes_round_trip() {
        for c in SizeClass::ALL {
            assert_eq!(SizeClass::parse(c.code()), Some(c));
        }
        assert_eq!(SizeClass::parse("medium"), None);
    }

    proptest! {
        #[test]
        fn the_duration_is_monotone_in_years(a in 0i32..400, b in 0i32..400) {
            let (a, b) = (a.min(b), a.max(b));
            prop_assert!(months_by_years(a) <= months_by_years(b));
            prop_assert!(months_by_years(b) <= MAX_MONTHS);
        }

        #[test]
        fn the_refund_never_exceeds_what_the_unit_paid(
            paid in 0i64..100_000_000, stops in 0i32..50, headcount in 1i64..500,
            large in any::<bool>(),
        ) {
            let f = StabilisationFacts {
                size: if large { SizeClass::Large } else { SizeClass::SmallMedium },
                average_headcount: Decimal::from(headcount),
                non_voluntary_stops: stops,
                unit_paid: Money::from_fen(paid),
                ..small_unit()
            };
            let v = stabilisation(&f, &stab_params());
            prop_assert!(v.refund <= f.unit_paid);
            prop_assert!(v.refund >= Money::ZERO);
            prop_assert_eq!(v.qualifies, v.reasons.is_empty());
        }
    }
    #[test]
    fn the_first_month_and_the_months_drawn_before() {
        let p = |y: i32, m: u8| crate::Period::new(y, m).unwrap();
        assert_eq!(first_benefit_month(p(2026, 8), p(2026, 8)), p(2026, 9));
        assert_eq!(first_benefit_month(p(2026, 8), p(2026, 11)), p(2026, 11));
        // 12 granted from 2020-03, paid again from 2020-10: 7 drawn, 5 carried.
        assert_eq!(
            drawn_months(12, p(2020, 3), Some(p(2020, 10)), p(2026, 9)),
            7
        );
        // Never re-employed: all drawn by now.
        assert_eq!(drawn_months(12, p(2020, 3), None, p(2026, 9)), 12);
        assert_eq!(drawn_months(12, p(2026, 9), None, p(2026, 9)), 1);
        assert_eq!(
            drawn_months(12, p(2026, 9), Some(p(2026, 9)), p(2026, 9)),
            0
        );
    }
}
