//! The basic pension (issue 15, part: the pure rules).
//!
//! - R-PEN-3: the individual account year by year, with the bookkeeping
//!   rate (记账利率) of each year.
//! - R-PEN-1: the monthly basic pension's three parts (国发〔2005〕38号),
//!   each with its inputs and its formula as the hall shows it.
//!
//! Interest within a year follows 劳社部发〔1997〕116号: the opening
//! balance earns the year's rate for the months of the year counted, and
//! the credit of month n earns it for the months after n to the end of the
//! counted months (a December credit earns nothing that year); the year's
//! interest is rounded half-up to the fen once and added at year end (or at
//! the month the account is valued in, for the last year).

use rust_decimal::Decimal;
use serde::Serialize;
use thiserror::Error;

use crate::money::{Money, Rate, round_half_up};
use crate::period::Period;
use crate::policy::{InterestTable, PolicyError};
use crate::retirement::{Age, divisor};

/// One month's credit to the individual account: the individual pension
/// contribution paid for that month (8% of the base, R-PEN-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Credit {
    pub period: Period,
    pub amount: Money,
}

/// One year of the account, as its statement shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountYear {
    pub year: i32,
    /// Months of the year counted (12, or up to the valuation month).
    pub months: u8,
    pub opening: Money,
    pub credited: Money,
    /// The year's bookkeeping rate, and the year it was published for
    /// (a year without one uses the latest earlier year's, R-LATE-2).
    pub rate: Rate,
    pub rate_year: i32,
    pub interest: Money,
    pub closing: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("个人账户记账月份{period}晚于计算截止月份{until}")]
    CreditAfterValuation { period: Period, until: Period },
}

/// The account from `opening` (its balance at the start of `from`'s year,
/// staff-entered or zero) through the end of month `until`, year by year.
pub fn account(
    opening: Money,
    from: Period,
    credits: &[Credit],
    until: Period,
    rates: &InterestTable,
) -> Result<Vec<AccountYear>, AccountError> {
    if let Some(c) = credits.iter().find(|c| c.period > until) {
        return Err(AccountError::CreditAfterValuation {
            period: c.period,
            until,
        });
    }
    let mut years = Vec::new();
    let mut balance = opening;
    for year in from.year()..=until.year() {
        let months = if year == until.year() {
            until.month()
        } else {
            12
        };
        let (rate_year, rate) = rates.rate_for(year)?;
        let r = rate.as_decimal();
        let counted = Decimal::from(months);
        let mut credited = Money::ZERO;
        let mut weighted = Decimal::ZERO;
        for c in credits.iter().filter(|c| c.period.year() == year) {
            credited += c.amount;
            weighted += c.amount.as_decimal() * Decimal::from(months - c.period.month());
        }
        let interest =
            Money::from_yuan((balance.as_decimal() * counted + weighted) * r / Decimal::from(12));
        let closing = balance + credited + interest;
        years.push(AccountYear {
            year,
            months,
            opening: balance,
            credited,
            rate,
            rate_year,
            interest,
            closing,
        });
        balance = closing;
    }
    Ok(years)
}

/// One paid year for the average contribution-wage index (本人平均缴费工资指数).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IndexYear {
    pub year: i32,
    /// Months of the year paid (1–12): the year's weight.
    pub months: i32,
    /// The person's average monthly contribution base of those months.
    pub base: Money,
    /// The province's average monthly wage of the year.
    pub average_wage: Money,
}

/// Digits the index is kept to.
pub const INDEX_DP: u32 = 4;

/// The average contribution-wage index: the mean over paid years of base ÷
/// average wage, each year weighted by its months paid (so a year of one
/// month counts one twelfth of a full one, as contribution years count
/// months ÷ 12), kept to 4 decimals half-up. `None` without a month paid
/// or with an average wage of zero.
pub fn average_index(years: &[IndexYear]) -> Option<Decimal> {
    let months: i32 = years.iter().map(|y| y.months.max(0)).sum();
    if months == 0 || years.iter().any(|y| y.average_wage.is_zero()) {
        return None;
    }
    let sum: Decimal = years
        .iter()
        .map(|y| y.base.as_decimal() / y.average_wage.as_decimal() * Decimal::from(y.months.max(0)))
        .sum();
    Some(round_half_up(sum / Decimal::from(months), INDEX_DP))
}

/// What the monthly basic pension is computed from (R-PEN-1).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PensionInputs {
    /// 全省上年度在岗职工月平均工资.
    pub average_wage: Money,
    /// 本人平均缴费工资指数.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1.0512"))]
    pub index: Decimal,
    /// Months actually paid (实缴).
    pub paid_months: i32,
    /// Months deemed paid (视同缴费).
    pub deemed_months: i32,
    /// The individual account balance at retirement.
    pub account_balance: Money,
    /// Age at retirement (for 计发月数).
    pub age: Age,
    /// The province's transitional coefficient (过渡系数), e.g. 0.012 for 1.2%.
    pub transitional_coefficient: Rate,
}

/// One part of the pension with its formula as the hall shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PensionPart {
    /// 基础养老金, 个人账户养老金, 过渡性养老金.
    pub name: &'static str,
    pub amount: Money,
    /// The formula with its inputs, e.g. "7000.00 × (1 + 1.2000) ÷ 2 × 20.5 × 1%".
    pub formula: String,
}

/// The monthly basic pension, its three parts and their inputs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pension {
    pub inputs: PensionInputs,
    /// Contribution years, paid + deemed, ÷ 12.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub contribution_years: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub deemed_years: Decimal,
    /// 计发月数.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub divisor: Decimal,
    pub basic: PensionPart,
    pub account: PensionPart,
    pub transitional: PensionPart,
    pub total: Money,
    /// The total in capitals (大写), as a document shows it.
    pub total_in_capitals: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PensionError {
    #[error("退休年龄{age}不在计发月数表的40至70周岁范围内")]
    NoDivisor { age: Age },
    #[error("缴费月数不能为负数")]
    NegativeMonths,
}

fn years_of(months: i32) -> Decimal {
    // Months ÷ 12 exactly; shown to 4 decimals at most (e.g. 20.5833).
    round_half_up(Decimal::from(months) / Decimal::from(12), 4).normalize()
}

/// The monthly basic pension (R-PEN-1): each part rounded half-up to the
/// fen, the total their sum.
pub fn pension(inputs: PensionInputs) -> Result<Pension, PensionError> {
    if inputs.paid_months < 0 || inputs.deemed_months < 0 {
        return Err(PensionError::NegativeMonths);
    }
    let divisor = divisor(inputs.age).ok_or(PensionError::NoDivisor { age: inputs.age })?;
    let years = years_of(inputs.paid_months + inputs.deemed_months);
    let deemed_years = years_of(inputs.deemed_months);
    let wage = inputs.average_wage.as_decimal();
    let one_percent = Decimal::new(1, 2);
    let basic = Money::from_yuan(
        wage * (Decimal::ONE + inputs.index) / Decimal::from(2) * years * one_percent,
    );
    let account = Money::from_yuan(inputs.account_balance.as_decimal() / divisor);
    let coefficient = inputs.transitional_coefficient.as_decimal();
    let transitional = Money::from_yuan(wage * inputs.index * deemed_years * coefficient);
    let total = basic + account + transitional;
    let index = inputs.index;
    Ok(Pension {
        inputs,
        contribution_years: years,
        deemed_years,
        divisor,
        basic: PensionPart {
            name: "基础养老金",
            amount: basic,
            formula: format!(
                "全省上年度在岗职工月平均工资 {} × (1 + 本人平均缴费工资指数 {index}) ÷ 2 × 缴费年限 {years} × 1% = {basic}",
                inputs.average_wage
            ),
        },
        account: PensionPart {
            name: "个人账户养老金",
            amount: account,
            formula: format!(
                "个人账户储存额 {} ÷ 计发月数 {divisor}（{}退休）= {account}",
                inputs.account_balance, inputs.age
            ),
        },
        transitional: PensionPart {
            name: "过渡性养老金",
            amount: transitional,
            formula: format!(
                "全省上年度在岗职工月平均工资 {} × 本人平均缴费工资指数 {index} × 视同缴费年限 {deemed_years} × 过渡系数 {} = {transitional}",
                inputs.average_wage,
                inputs.transitional_coefficient.percent_text()
            ),
        },
        total,
        total_in_capitals: total.to_capitals(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::policy::{InterestRate, Source};
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn p(y: i32, m: u8) -> Period {
        Period::new(y, m).unwrap()
    }

    fn rates() -> InterestTable {
        let published = [
            (2016, "0.0831"),
            (2017, "0.0712"),
            (2018, "0.0829"),
            (2019, "0.0761"),
            (2020, "0.0604"),
            (2021, "0.0669"),
            (2022, "0.0612"),
            (2023, "0.0397"),
            (2024, "0.0262"),
        ];
        InterestTable::new(
            published
                .iter()
                .map(|(y, r)| InterestRate {
                    year: *y,
                    rate: Rate::parse(r).unwrap(),
                    source: Source {
                        document: "人力资源社会保障部 财政部 记账利率公告".to_owned(),
                        illustrative: false,
                    },
                })
                .collect(),
        )
    }

    fn monthly(year: i32, amount: Money) -> Vec<Credit> {
        (1..=12)
            .map(|m| Credit {
                period: p(year, m),
                amount,
            })
            .collect()
    }

    #[test]
    fn a_year_of_credits_earns_the_116_weights() {
        // 400.00 a month in 2023 at 3.97%: 400 × 3.97% × (11 + 10 + … + 0) / 12
        // = 400 × 0.0397 × 66 / 12 = 87.34; no opening balance.
        let years = account(
            Money::ZERO,
            p(2023, 1),
            &monthly(2023, Money::yuan(400)),
            p(2023, 12),
            &rates(),
        )
        .unwrap();
        assert_eq!(years.len(), 1);
        let y = &years[0];
        assert_eq!(y.credited, Money::yuan(4800));
        assert_eq!(y.interest, Money::from_fen(8734));
        assert_eq!(y.closing, Money::from_fen(488_734));
        // The next year: the opening balance earns the whole year at 2.62%.
        let years = account(
            Money::ZERO,
            p(2023, 1),
            &monthly(2023, Money::yuan(400)),
            p(2024, 12),
            &rates(),
        )
        .unwrap();
        let y = &years[1];
        assert_eq!(y.opening, Money::from_fen(488_734));
        // 4887.34 × 0.0262 = 128.048… → 128.05.
        assert_eq!(y.interest, Money::from_fen(12805));
        assert_eq!(y.closing, Money::from_fen(501_539));
        // 2025 has no published rate here: 2024's is used and said.
        let years = account(Money::yuan(10_000), p(2025, 1), &[], p(2025, 6), &rates()).unwrap();
        assert_eq!((years[0].rate_year, years[0].months), (2024, 6));
        // 10,000 × 2.62% × 6/12 = 131.00.
        assert_eq!(years[0].interest, Money::yuan(131));
    }

    #[test]
    fn the_three_parts_of_the_pension_with_their_formulas() {
        // Average wage 7,000.00, index 1.2, 20 years paid + 5 deemed,
        // account 60,000.00, retiring at 60 years 1 month, coefficient 1.2%.
        let inputs = PensionInputs {
            average_wage: Money::yuan(7000),
            index: dec!(1.2),
            paid_months: 240,
            deemed_months: 60,
            account_balance: Money::yuan(60_000),
            age: Age::from_months(721),
            transitional_coefficient: Rate::parse("0.012").unwrap(),
        };
        let p = pension(inputs).unwrap();
        // 7000 × 2.2 ÷ 2 × 25 × 1% = 1925.00
        assert_eq!(p.basic.amount, Money::yuan(1925));
        // 60000 ÷ 138.4 = 433.526… → 433.53
        assert_eq!(p.divisor, dec!(138.4));
        assert_eq!(p.account.amount, Money::from_fen(43353));
        // 7000 × 1.2 × 5 × 1.2% = 504.00
        assert_eq!(p.transitional.amount, Money::yuan(504));
        assert_eq!(p.total, Money::from_fen(286_253));
        assert!(p.basic.formula.contains("7000.00"), "{}", p.basic.formula);
        assert!(p.account.formula.contains("138.4"), "{}", p.account.formula);
        assert!(
            p.account.formula.contains("60岁1个月"),
            "{}",
            p.account.formula
        );
        assert!(
            p.transitional.formula.contains("1.2%"),
            "{}",
            p.transitional.formula
        );
        assert_eq!(p.total_in_capitals, Money::from_fen(286_253).to_capitals());
        assert!(matches!(
            pension(PensionInputs {
                age: Age::from_months(71 * 12),
                ..inputs
            }),
            Err(PensionError::NoDivisor { .. })
        ));
    }

    #[test]
    fn the_index_is_the_mean_of_the_yearly_ratios_weighted_by_months() {
        let y = |year, months, base: i64, avg: i64| IndexYear {
            year,
            months,
            base: Money::yuan(base),
            average_wage: Money::yuan(avg),
        };
        // Two full years: 6000/5000 = 1.2, 3000/6000 = 0.5 → 0.85.
        assert_eq!(
            average_index(&[y(2022, 12, 6000, 5000), y(2023, 12, 3000, 6000)]),
            Some(dec!(0.85))
        );
        // A year of 3 months weighs a quarter of a full one:
        // (1.2 × 12 + 0.5 × 3) / 15 = 1.06.
        assert_eq!(
            average_index(&[y(2022, 12, 6000, 5000), y(2023, 3, 3000, 6000)]),
            Some(dec!(1.06))
        );
        // 1/3 kept to 4 decimals.
        assert_eq!(
            average_index(&[y(2023, 12, 2000, 6000)]),
            Some(dec!(0.3333))
        );
        assert_eq!(average_index(&[]), None);
    }

    fn base_inputs(paid: i32, index: Decimal) -> PensionInputs {
        PensionInputs {
            average_wage: Money::yuan(7000),
            index,
            paid_months: paid,
            deemed_months: 24,
            account_balance: Money::yuan(50_000),
            age: Age::from_months(720),
            transitional_coefficient: Rate::parse("0.013").unwrap(),
        }
    }

    proptest! {
        #[test]
        fn the_pension_grows_with_years(paid in 0i32..600, more in 1i32..120) {
            let a = pension(base_inputs(paid, dec!(1.0))).unwrap().total;
            let b = pension(base_inputs(paid + more, dec!(1.0))).unwrap().total;
            prop_assert!(b >= a);
        }

        #[test]
        fn the_pension_grows_with_the_index(i in 30u32..300, step in 1u32..100) {
            let index = Decimal::new(i64::from(i), 2);
            let higher = Decimal::new(i64::from(i + step), 2);
            let a = pension(base_inputs(180, index)).unwrap().total;
            let b = pension(base_inputs(180, higher)).unwrap().total;
            prop_assert!(b > a);
        }

        #[test]
        fn the_account_never_loses_money(
            opening in 0i64..10_000_000,
            amounts in proptest::collection::vec(0i64..500_000, 0..60),
            until_year in 2016i32..2030,
        ) {
            let start = p(2016, 1);
            let credits: Vec<Credit> = amounts
                .iter()
                .enumerate()
                .map(|(i, fen)| Credit {
                    period: start.add_months(i32::try_from(i).unwrap()),
                    amount: Money::from_fen(*fen),
                })
                .filter(|c| c.period.year() <= until_year)
                .collect();
            let years = account(Money::from_fen(opening), start, &credits, p(until_year, 12), &rates()).unwrap();
            let mut before = Money::from_fen(opening);
            for y in &years {
                prop_assert_eq!(y.opening, before);
                prop_assert!(y.interest >= Money::ZERO);
                prop_assert_eq!(y.closing, y.opening + y.credited + y.interest);
                before = y.closing;
            }
            let paid_in: Money = credits.iter().map(|c| c.amount).sum();
            prop_assert!(before >= Money::from_fen(opening) + paid_in);
        }
    }
}
