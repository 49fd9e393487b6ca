//! Contribution computation: the wage base (R-WAGE-1, R-WAGE-2) and the
//! assessment lines (R-MON-2).

use rust_decimal::Decimal;
use serde::Serialize;
use thiserror::Error;

use crate::insurance::{InjuryRating, Insurance};
use crate::money::{Money, Rate, round_half_up};
use crate::period::Period;
use crate::policy::{BaseBounds, PeriodParams, PolicyError};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContributionError {
    #[error("缴费工资不能为负数")]
    NegativeWage,
    #[error("实发工资月数应为1至12，当前为{0}")]
    MonthsPaid(i64),
    #[error("参保工伤保险需要单位的行业风险类别和浮动费率")]
    MissingInjuryRating,
    #[error("险种不能重复：{0}")]
    DuplicateInsurance(&'static str),
    #[error("至少选择一个险种")]
    NoInsurance,
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// What a unit declares for one employee (R-WAGE-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WageBasis {
    /// The previous calendar year's total wages and the months actually paid.
    PreviousYear {
        total_wages: Money,
        months_paid: i64,
    },
    /// A new hire's first month's wage.
    FirstMonth { wage: Money },
    /// An average monthly wage already computed by the unit.
    Monthly { wage: Money },
}

/// Rounds a wage to 10 yuan (保留到10元), half-up on the units digit.
pub fn round_to_ten_yuan(value: Decimal) -> Money {
    let tens = round_half_up(value / Decimal::TEN, 0);
    Money::from_yuan(tens * Decimal::TEN)
}

/// The declared monthly wage, rounded to 10 yuan (R-WAGE-2).
pub fn declared_monthly_wage(basis: WageBasis) -> Result<Money, ContributionError> {
    let exact = match basis {
        WageBasis::PreviousYear {
            total_wages,
            months_paid,
        } => {
            if !(1..=12).contains(&months_paid) {
                return Err(ContributionError::MonthsPaid(months_paid));
            }
            if total_wages.is_negative() {
                return Err(ContributionError::NegativeWage);
            }
            total_wages.as_decimal() / Decimal::from(months_paid)
        }
        WageBasis::FirstMonth { wage } | WageBasis::Monthly { wage } => {
            if wage.is_negative() {
                return Err(ContributionError::NegativeWage);
            }
            wage.as_decimal()
        }
    };
    Ok(round_to_ten_yuan(exact))
}

/// How the declared wage was brought within the bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BaseAdjustment {
    /// Within [floor, ceiling]: the base is the declared wage.
    None,
    /// Below the floor: raised to the floor (按下限).
    RaisedToFloor,
    /// Above the ceiling: lowered to the ceiling (按上限).
    LoweredToCeiling,
}

/// The declared wage and the base that follows from it; both are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BaseDecision {
    pub declared: Money,
    pub base: Money,
    pub adjustment: BaseAdjustment,
}

/// base = clamp(declared, floor, ceiling) (R-WAGE-2).
pub fn contribution_base(declared: Money, bounds: &BaseBounds) -> BaseDecision {
    let (base, adjustment) = if declared < bounds.floor {
        (bounds.floor, BaseAdjustment::RaisedToFloor)
    } else if declared > bounds.ceiling {
        (bounds.ceiling, BaseAdjustment::LoweredToCeiling)
    } else {
        (declared, BaseAdjustment::None)
    };
    BaseDecision {
        declared,
        base,
        adjustment,
    }
}

/// One person's contribution for one insurance and period, both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentLine {
    pub insurance: Insurance,
    pub period: Period,
    pub base: Money,
    pub unit_rate: Rate,
    pub individual_rate: Rate,
    pub unit_amount: Money,
    pub individual_amount: Money,
    /// unit_amount + individual_amount
    pub total: Money,
    /// The document the rate comes from.
    pub rate_source: String,
}

/// Assesses one person for one period: base × rate per insurance and side,
/// each rounded half-up to the fen (R-MON-2), with the parameters of the
/// period itself (R-POL-3).
pub fn assess(
    params: &PeriodParams,
    base: Money,
    insurances: &[Insurance],
    injury: Option<InjuryRating>,
) -> Result<Vec<AssessmentLine>, ContributionError> {
    if insurances.is_empty() {
        return Err(ContributionError::NoInsurance);
    }
    let mut lines = Vec::with_capacity(insurances.len());
    for (i, &ins) in insurances.iter().enumerate() {
        if insurances[..i].contains(&ins) {
            return Err(ContributionError::DuplicateInsurance(ins.name_zh()));
        }
        lines.push(assess_one(params, base, ins, injury)?);
    }
    Ok(lines)
}

/// One line; see [`assess`].
pub fn assess_one(
    params: &PeriodParams,
    base: Money,
    insurance: Insurance,
    injury: Option<InjuryRating>,
) -> Result<AssessmentLine, ContributionError> {
    let (unit_rate, individual_rate, source) = match insurance {
        Insurance::WorkInjury => {
            let rating = injury.ok_or(ContributionError::MissingInjuryRating)?;
            let class_rate = params.injury_rate(rating.class)?;
            (
                class_rate.rate.times_percent(rating.factor.percent()),
                Rate::ZERO,
                class_rate.source.document.clone(),
            )
        }
        other => {
            let r = params.rate(other)?;
            (r.unit_rate, r.individual_rate, r.source.document.clone())
        }
    };
    let unit_amount = base.times_rate(unit_rate);
    let individual_amount = base.times_rate(individual_rate);
    Ok(AssessmentLine {
        insurance,
        period: params.period,
        base,
        unit_rate,
        individual_rate,
        unit_amount,
        individual_amount,
        total: unit_amount + individual_amount,
        rate_source: source,
    })
}

/// Sums of rounded lines (R-MON-2: totals are sums, never recomputed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    pub unit: Money,
    pub individual: Money,
    pub interest: Money,
    pub late_fee: Money,
    pub total: Money,
}

impl Totals {
    pub fn add_line(&mut self, unit: Money, individual: Money, interest: Money, late_fee: Money) {
        self.unit += unit;
        self.individual += individual;
        self.interest += interest;
        self.late_fee += late_fee;
        self.total += unit + individual + interest + late_fee;
    }

    pub fn of_lines<'a>(lines: impl IntoIterator<Item = &'a AssessmentLine>) -> Totals {
        let mut t = Totals::default();
        for l in lines {
            t.add_line(l.unit_amount, l.individual_amount, Money::ZERO, Money::ZERO);
        }
        t
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::insurance::{FloatFactor, RiskClass};
    use crate::policy::fixtures::{p, yichang};
    use proptest::prelude::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn class1() -> InjuryRating {
        let class = RiskClass::new(1).unwrap();
        InjuryRating {
            class,
            factor: FloatFactor::new(class, 100).unwrap(),
        }
    }

    #[test]
    fn worked_example_r_mon_2() {
        let params = yichang().in_force(p("202208")).unwrap();
        let lines = assess(&params, m("3450"), &Insurance::COLLECTED, Some(class1())).unwrap();
        let amounts: Vec<(String, String)> = lines
            .iter()
            .map(|l| (l.unit_amount.to_string(), l.individual_amount.to_string()))
            .collect();
        assert_eq!(
            amounts,
            vec![
                ("552.00".into(), "276.00".into()),
                ("24.15".into(), "10.35".into()),
                ("6.90".into(), "0.00".into())
            ]
        );
        let t = Totals::of_lines(&lines);
        assert_eq!(t.unit, m("583.05"));
        assert_eq!(t.individual, m("286.35"));
        assert_eq!(t.total, m("869.40"));
        assert_eq!(t.total.to_capitals(), "捌佰陆拾玖元肆角整");
    }

    #[test]
    fn floating_factor_and_earlier_rates() {
        let class = RiskClass::new(1).unwrap();
        let rating = InjuryRating {
            class,
            factor: FloatFactor::new(class, 150).unwrap(),
        };
        let params = yichang().in_force(p("202208")).unwrap();
        let l = assess_one(&params, m("3450"), Insurance::WorkInjury, Some(rating)).unwrap();
        assert_eq!(l.unit_rate.to_string(), "0.003");
        assert_eq!(l.unit_amount, m("10.35"));
        // 2021 used the reduced class-1 rate of 0.1% (R-POL-3).
        let params = yichang().in_force(p("202111")).unwrap();
        let l = assess_one(&params, m("3450"), Insurance::WorkInjury, Some(class1())).unwrap();
        assert_eq!(l.unit_amount, m("3.45"));
        assert!(matches!(
            assess_one(&params, m("3450"), Insurance::WorkInjury, None),
            Err(ContributionError::MissingInjuryRating)
        ));
    }

    #[test]
    fn wage_base_rounding_and_clamping() {
        let bounds = yichang().in_force(p("202208")).unwrap().bounds;
        let w = declared_monthly_wage(WageBasis::Monthly { wage: m("5234.56") }).unwrap();
        assert_eq!(w, m("5230"));
        assert_eq!(
            contribution_base(w, &bounds).adjustment,
            BaseAdjustment::None
        );
        assert_eq!(
            declared_monthly_wage(WageBasis::Monthly { wage: m("5235") }).unwrap(),
            m("5240")
        );
        let w = declared_monthly_wage(WageBasis::PreviousYear {
            total_wages: m("30000"),
            months_paid: 12,
        })
        .unwrap();
        assert_eq!(w, m("2500"));
        let d = contribution_base(w, &bounds);
        assert_eq!(
            (d.base, d.adjustment),
            (m("3450"), BaseAdjustment::RaisedToFloor)
        );
        let d = contribution_base(m("25000"), &bounds);
        assert_eq!(
            (d.base, d.adjustment),
            (m("18000"), BaseAdjustment::LoweredToCeiling)
        );
        // Fewer than 12 months: divide by the months actually paid.
        let w = declared_monthly_wage(WageBasis::PreviousYear {
            total_wages: m("40000"),
            months_paid: 7,
        })
        .unwrap();
        assert_eq!(w, m("5710")); // 5714.2857 → 5710
        assert!(
            declared_monthly_wage(WageBasis::PreviousYear {
                total_wages: m("1"),
                months_paid: 0
            })
            .is_err()
        );
        assert!(declared_monthly_wage(WageBasis::Monthly { wage: m("-1") }).is_err());
    }

    proptest! {
        #[test]
        fn base_always_within_bounds(fen in 0i64..1_000_000_000) {
            let bounds = yichang().in_force(p("202208")).unwrap().bounds;
            let w = declared_monthly_wage(WageBasis::Monthly { wage: Money::from_fen(fen) }).unwrap();
            let d = contribution_base(w, &bounds);
            prop_assert!(d.base >= bounds.floor && d.base <= bounds.ceiling);
            prop_assert_eq!(d.declared.fen() % 1000, 0);
            prop_assert!((d.declared - Money::from_fen(fen)).as_decimal().abs() <= Decimal::from(5));
        }

        #[test]
        fn totals_are_sums_of_rounded_lines(fens in prop::collection::vec(345_000i64..1_800_000, 1..40)) {
            let params = yichang().in_force(p("202208")).unwrap();
            let mut all = Vec::new();
            for f in &fens {
                all.extend(assess(&params, Money::from_fen(*f), &Insurance::COLLECTED, Some(class1())).unwrap());
            }
            let t = Totals::of_lines(&all);
            let unit: Money = all.iter().map(|l| l.unit_amount).sum();
            let ind: Money = all.iter().map(|l| l.individual_amount).sum();
            prop_assert_eq!(t.unit, unit);
            prop_assert_eq!(t.individual, ind);
            prop_assert_eq!(t.total, unit + ind);
            for l in &all {
                // Each line is base × rate rounded half-up to the fen.
                let exact = l.base.as_decimal() * l.unit_rate.as_decimal();
                prop_assert!((l.unit_amount.as_decimal() - exact).abs() <= Decimal::new(5, 3));
            }
        }
    }
}
