//! A person's pension record read as the estimate (基本养老金计算) and the
//! retirement approval read it (issue 15; R-RET-2, R-PEN-1, R-PEN-3): which
//! months count, the yearly contribution-wage index, the individual account
//! and the monthly basic pension at a retirement month, every figure with
//! where it came from.
//!
//! The record has four sources:
//! - months paid in this system (实缴到账): their base, and the individual
//!   pension contribution actually paid, which is what the account credits;
//! - months of history before the system's own data, entered by staff from
//!   a document (spans with a monthly base);
//! - the opening balance of the account at the start of a year, entered by
//!   staff from a document: it covers every month before that year, so no
//!   month before it is credited again;
//! - deemed months (视同缴费), recognised by staff from documents;
//! - account sums that arrived in a month (R-TRANS-2: a pension relation
//!   transferred in brings its account balance as one sum, which earns
//!   interest from its month like a contribution). History months that
//!   came with such a sum credit nothing of their own: the sum holds them.
//!
//! An estimate for a month still to come may assume the person keeps
//! paying at a base until then ([`Projection`]); the projected months are
//! counted and credited at the individual rate and shown apart. A month is
//! counted once, whichever sources name it: this system's data first, then
//! the history, then the projection.
//!
//! Decisions where DOMAIN.md is silent:
//! - A month paid at two places at once (which R-BACK forbids) counts once,
//!   with the bases and the credits of both (the account keeps every yuan
//!   paid).
//! - The provincial average wage of a year not yet published is the latest
//!   published one; the answer marks it `assumed`. A missing year before
//!   the latest published one is an error the staff must fix.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use thiserror::Error;

use crate::money::{Money, Rate};
use crate::pension::{
    AccountError, AccountYear, Credit, IndexYear, Pension, PensionError, PensionInputs,
    average_index, pension,
};
use crate::period::Period;
use crate::policy::{InterestTable, PolicyError, Source};
use crate::retirement::{Age, ContributionMonths, check_minimum, minimum_contribution_months};

/// A month paid in this system: the base and the individual pension
/// contribution paid for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RecordedMonth {
    pub period: Period,
    pub base: Money,
    pub individual: Money,
}

/// Months of history before the system's data, at one monthly base
/// (staff-entered from a document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HistorySpan {
    pub from: Period,
    pub to: Period,
    pub base: Money,
    /// The account of these months arrived as a sum (a transfer in,
    /// R-TRANS-2): the months count, but credit nothing of their own.
    pub account_moved: bool,
}

/// The account's balance at the start of `year` (staff-entered).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Opening {
    pub year: i32,
    pub balance: Money,
}

/// The assumption of an estimate: the person keeps paying at `base` from
/// `from` to the retirement month.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Projection {
    pub from: Period,
    pub base: Money,
}

/// The pension parameters of one year (staff-maintained policy data):
/// the province's average monthly wage of on-post employees
/// (全省在岗职工月平均工资) and the transitional coefficient (过渡系数).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PensionYear {
    #[cfg_attr(feature = "openapi", schema(example = 2024))]
    pub year: i32,
    /// 全省在岗职工月平均工资, yuan per month.
    pub average_wage: Money,
    /// 过渡系数 of 过渡性养老金 (R-PEN-1), a decimal fraction ("0.013" = 1.3%).
    pub transitional_coefficient: Rate,
    pub source: Source,
}

/// The pension parameters by year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PensionYears(Vec<PensionYear>);

impl PensionYears {
    pub fn new(mut years: Vec<PensionYear>) -> PensionYears {
        years.sort_by_key(|y| y.year);
        years.dedup_by_key(|y| y.year);
        PensionYears(years)
    }

    pub fn all(&self) -> &[PensionYear] {
        &self.0
    }

    /// The parameters of `year`; a year after the latest published one
    /// takes the latest (`assumed` = true); a missing earlier year is
    /// [`RecordError::NoPensionYear`].
    pub fn for_year(&self, year: i32) -> Result<(&PensionYear, bool), RecordError> {
        if let Some(y) = self.0.iter().find(|y| y.year == year) {
            return Ok((y, false));
        }
        match self.0.last() {
            Some(latest) if latest.year < year => Ok((latest, true)),
            _ => Err(RecordError::NoPensionYear { year }),
        }
    }
}

/// The staff-entered part of a record and the system's own months.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub recorded: &'a [RecordedMonth],
    pub history: &'a [HistorySpan],
    pub opening: Option<Opening>,
    pub deemed_months: i32,
    /// Sums credited to the account in their month: the balance of a
    /// relation transferred in (R-TRANS-2).
    pub arrivals: &'a [Credit],
    /// The relation was transferred out of the province with the account
    /// valued at the end of this month (R-TRANS-2): every credit, sum and
    /// opening balance up to it left with the account. The months still
    /// count; a later transfer back brings the account as a new sum.
    pub moved_out_until: Option<Period>,
}

impl Record<'_> {
    /// The opening balance, unless a transfer out took it away.
    fn opening(&self) -> Option<Opening> {
        self.opening.filter(|o| {
            self.moved_out_until
                .is_none_or(|cut| Period::new(o.year, 1).map_or(true, |p| p.prev() > cut))
        })
    }

    /// Whether the account of `p`'s credit left with a transfer out.
    fn moved_out(&self, p: Period) -> bool {
        self.moved_out_until.is_some_and(|cut| p <= cut)
    }
}

/// How many months count, by source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthsCounted {
    /// Paid in this system (实缴到账).
    pub recorded: i32,
    /// Staff-entered history before the system's data.
    pub history: i32,
    /// Assumed paid from now to the retirement month (estimates only).
    pub projected: i32,
    /// Deemed (视同缴费).
    pub deemed: i32,
    /// All of them: the contribution months of R-RET-2.
    pub total: i32,
}

/// One year of the index as the answer shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexYearShown {
    pub year: i32,
    /// Months of the year counted.
    pub months: i32,
    /// The average monthly base of those months.
    pub base: Money,
    /// The province's average monthly wage used, and its year.
    pub average_wage: Money,
    pub average_wage_year: i32,
    /// True when the year's wage is not published yet and the latest one
    /// stands in for it.
    pub assumed: bool,
    /// base ÷ average wage, 4 decimals.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1.0512"))]
    pub ratio: Decimal,
}

/// Whether the months reach R-RET-2's minimum for the retirement year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinimumCheck {
    pub needed_months: i32,
    pub have_months: i32,
    pub met: bool,
    /// What the person can do when it is not met (Chinese); null when met.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub message: Option<String>,
}

/// The pension at one retirement month, with every input.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Estimate {
    pub retirement_month: Period,
    /// The month after the retirement month (R-RET-4).
    pub first_pension_month: Period,
    pub age: Age,
    pub months: MonthsCounted,
    pub minimum: MinimumCheck,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub projection: Option<Projection>,
    pub index_years: Vec<IndexYearShown>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub account_opening: Option<Opening>,
    pub account_years: Vec<AccountYear>,
    pub account_balance: Money,
    /// The year whose average wage the basic and transitional parts use
    /// (the year before the retirement year, R-PEN-1), and whether it
    /// stands in for a year not published yet.
    pub average_wage_year: i32,
    pub average_wage_assumed: bool,
    pub pension: Pension,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    #[error(
        "缺少{year}年度的养老金计发参数（全省在岗职工月平均工资、过渡系数），请联系经办机构维护后再计算。"
    )]
    NoPensionYear { year: i32 },
    #[error(
        "{year}年没有记账利率，{year}年以前的个人账户须由经办机构按档案录入期初余额后才能计算。"
    )]
    NoInterestRate { year: i32 },
    #[error("该人员截至{until}没有任何缴费记录，无法计算基本养老金。")]
    NoContributions { until: Period },
    #[error(transparent)]
    Pension(#[from] PensionError),
    #[error(transparent)]
    Account(AccountError),
}

impl From<AccountError> for RecordError {
    fn from(e: AccountError) -> RecordError {
        match e {
            AccountError::Policy(PolicyError::NoInterestRate { year }) => {
                RecordError::NoInterestRate { year }
            }
            other => RecordError::Account(other),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Origin {
    Recorded,
    History,
    Projected,
}

#[derive(Debug, Clone, Copy)]
struct Month {
    base: Money,
    credit: Money,
    source: Origin,
}

/// The months counted up to `until`, each once, with its base and credit.
fn months_until(
    record: &Record<'_>,
    until: Period,
    projection: Option<Projection>,
    individual_rate: Rate,
) -> BTreeMap<Period, Month> {
    let mut months: BTreeMap<Period, Month> = BTreeMap::new();
    for m in record.recorded.iter().filter(|m| m.period <= until) {
        let e = months.entry(m.period).or_insert(Month {
            base: Money::ZERO,
            credit: Money::ZERO,
            source: Origin::Recorded,
        });
        e.base += m.base;
        e.credit += m.individual;
    }
    let mut assumed = |from: Period, to: Period, base: Money, credited: bool, source: Origin| {
        for p in Period::range_inclusive(from, to.min(until)) {
            months.entry(p).or_insert(Month {
                base,
                credit: if credited {
                    base.times_rate(individual_rate)
                } else {
                    Money::ZERO
                },
                source,
            });
        }
    };
    for h in record.history {
        assumed(h.from, h.to, h.base, !h.account_moved, Origin::History);
    }
    if let Some(p) = projection {
        assumed(p.from, until, p.base, true, Origin::Projected);
    }
    // The opening balance covers every month before its year; a transfer
    // out took the credits up to its valuation month.
    let opening = record.opening();
    for (p, m) in months.iter_mut() {
        if opening.is_some_and(|o| p.year() < o.year) || record.moved_out(*p) {
            m.credit = Money::ZERO;
        }
    }
    months
}

/// The account year by year and its balance at the end of `until`, from
/// the opening balance and the months' credits (R-PEN-3).
fn account_until(
    record: &Record<'_>,
    months: &BTreeMap<Period, Month>,
    until: Period,
    rates: &InterestTable,
) -> Result<(Vec<AccountYear>, Money), RecordError> {
    // Sums before the opening balance's year are inside it; those up to a
    // transfer out left with it.
    let opening = record.opening();
    let covered = |p: Period| opening.is_some_and(|o| p.year() < o.year) || record.moved_out(p);
    let mut credits: Vec<Credit> = months
        .iter()
        .filter(|(_, m)| !m.credit.is_zero())
        .map(|(p, m)| Credit {
            period: *p,
            amount: m.credit,
        })
        .chain(
            record
                .arrivals
                .iter()
                .filter(|a| a.period <= until && !covered(a.period) && !a.amount.is_zero())
                .copied(),
        )
        .collect();
    credits.sort_by_key(|c| c.period);
    let start = match (opening, credits.first()) {
        (Some(o), _) => Period::new(o.year, 1).ok(),
        (None, Some(c)) => Some(c.period),
        (None, None) => None,
    };
    let opening_balance = opening.map_or(Money::ZERO, |o| o.balance);
    let years = match start {
        Some(from) if from <= until => {
            crate::pension::account(opening_balance, from, &credits, until, rates)?
        }
        _ => Vec::new(),
    };
    let balance = years.last().map_or(opening_balance, |y| y.closing);
    Ok((years, balance))
}

/// One month of a statement: its base and whether this system's data or
/// the recognised history holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatementMonth {
    pub period: Period,
    pub base: Money,
    /// Paid in this system (false: recognised history, with its place).
    pub recorded: bool,
}

/// A person's record up to `until` as a transfer-out lists it (参保缴费凭证,
/// R-TRANS-2): every paid month once with its base, and the account year
/// by year, valued at the end of `until`. Deemed months move no money and
/// are not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordStatement {
    pub months: Vec<StatementMonth>,
    pub account_opening: Option<Opening>,
    pub account_years: Vec<AccountYear>,
    pub account_balance: Money,
}

/// The statement of `record` up to `until` (history months credit
/// `individual_rate` of their base).
pub fn statement(
    record: &Record<'_>,
    until: Period,
    rates: &InterestTable,
    individual_rate: Rate,
) -> Result<RecordStatement, RecordError> {
    let months = months_until(record, until, None, individual_rate);
    let (account_years, account_balance) = account_until(record, &months, until, rates)?;
    Ok(RecordStatement {
        months: months
            .iter()
            .map(|(p, m)| StatementMonth {
                period: *p,
                base: m.base,
                recorded: matches!(m.source, Origin::Recorded),
            })
            .collect(),
        account_opening: record.opening(),
        account_years,
        account_balance,
    })
}

/// The pension if the person retired in `retirement` (born in `birth`):
/// months counted to the end of the retirement month, the index, the
/// account valued at the end of that month, and the three parts.
pub fn estimate(
    record: &Record<'_>,
    birth: Period,
    retirement: Period,
    projection: Option<Projection>,
    years: &PensionYears,
    rates: &InterestTable,
    individual_rate: Rate,
) -> Result<Estimate, RecordError> {
    let months = months_until(record, retirement, projection, individual_rate);
    if months.is_empty() && record.deemed_months <= 0 {
        return Err(RecordError::NoContributions { until: retirement });
    }
    let count = |want: fn(Origin) -> bool| {
        i32::try_from(months.values().filter(|m| want(m.source)).count()).unwrap_or(i32::MAX)
    };
    let recorded = count(|s| matches!(s, Origin::Recorded));
    let history = count(|s| matches!(s, Origin::History));
    let projected = count(|s| matches!(s, Origin::Projected));
    let deemed = record.deemed_months.max(0);
    let paid = recorded + history + projected;
    let counted = MonthsCounted {
        recorded,
        history,
        projected,
        deemed,
        total: paid + deemed,
    };
    let contribution = ContributionMonths { paid, deemed };
    let minimum = MinimumCheck {
        needed_months: minimum_contribution_months(retirement.year()),
        have_months: contribution.total(),
        met: check_minimum(retirement, contribution).is_ok(),
        message: check_minimum(retirement, contribution)
            .err()
            .map(|e| e.to_string()),
    };

    // The index: each year's average base over that year's average wage.
    let mut by_year: BTreeMap<i32, (i32, Money)> = BTreeMap::new();
    for (p, m) in &months {
        let e = by_year.entry(p.year()).or_insert((0, Money::ZERO));
        e.0 += 1;
        e.1 += m.base;
    }
    let mut index_years = Vec::with_capacity(by_year.len());
    let mut for_index = Vec::with_capacity(by_year.len());
    for (year, (n, sum)) in by_year {
        let (py, assumed) = years.for_year(year)?;
        let base = Money::from_yuan(sum.as_decimal() / Decimal::from(n));
        let y = IndexYear {
            year,
            months: n,
            base,
            average_wage: py.average_wage,
        };
        let ratio =
            average_index(std::slice::from_ref(&y)).ok_or(RecordError::NoPensionYear { year })?;
        index_years.push(IndexYearShown {
            year,
            months: n,
            base,
            average_wage: py.average_wage,
            average_wage_year: py.year,
            assumed,
            ratio,
        });
        for_index.push(y);
    }
    let index = if for_index.is_empty() {
        // Deemed months only: the index of an average earner.
        Decimal::ONE
    } else {
        average_index(&for_index).ok_or(RecordError::NoContributions { until: retirement })?
    };

    // The account, valued at the end of the retirement month.
    let (account_years, account_balance) = account_until(record, &months, retirement, rates)?;

    let wage_year = retirement.year() - 1;
    let (py, wage_assumed) = years.for_year(wage_year)?;
    let age = Age::at(birth, retirement);
    let pension = pension(PensionInputs {
        average_wage: py.average_wage,
        index,
        paid_months: paid,
        deemed_months: deemed,
        account_balance,
        age,
        transitional_coefficient: py.transitional_coefficient,
    })?;
    Ok(Estimate {
        retirement_month: retirement,
        first_pension_month: retirement.add_months(1),
        age,
        months: counted,
        minimum,
        projection: projection.filter(|_| projected > 0),
        index_years,
        account_opening: record.opening(),
        account_years,
        account_balance,
        average_wage_year: py.year,
        average_wage_assumed: wage_assumed,
        pension,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::policy::InterestRate;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn p(y: i32, m: u8) -> Period {
        Period::new(y, m).unwrap()
    }

    fn source() -> Source {
        Source {
            document: "test".into(),
            illustrative: true,
        }
    }

    fn rates() -> InterestTable {
        InterestTable::new(
            [(2016, "0.0831"), (2023, "0.0397"), (2024, "0.0262")]
                .iter()
                .map(|(y, r)| InterestRate {
                    year: *y,
                    rate: Rate::parse(r).unwrap(),
                    source: source(),
                })
                .collect(),
        )
    }

    fn years(from: i32, to: i32, wage: Money) -> PensionYears {
        PensionYears::new(
            (from..=to)
                .map(|year| PensionYear {
                    year,
                    average_wage: wage,
                    transitional_coefficient: Rate::parse("0.013").unwrap(),
                    source: source(),
                })
                .collect(),
        )
    }

    fn eight() -> Rate {
        Rate::parse("0.08").unwrap()
    }

    #[test]
    fn the_statement_lists_each_month_once_and_values_the_account_like_the_estimate() {
        let recorded = [RecordedMonth {
            period: p(2024, 1),
            base: Money::from_yuan(dec!(6000)),
            individual: Money::from_yuan(dec!(480)),
        }];
        let history = [HistorySpan {
            from: p(2023, 1),
            to: p(2024, 1),
            base: Money::from_yuan(dec!(5000)),
            account_moved: false,
        }];
        let record = Record {
            recorded: &recorded,
            history: &history,
            opening: None,
            deemed_months: 24,
            arrivals: &[],
            moved_out_until: None,
        };
        let s = statement(&record, p(2024, 1), &rates(), eight()).unwrap();
        assert_eq!(s.months.len(), 13);
        assert!(!s.months[0].recorded);
        assert_eq!(s.months[0].base, Money::from_yuan(dec!(5000)));
        // The recorded month wins over the history of the same month.
        assert!(s.months[12].recorded);
        assert_eq!(s.months[12].base, Money::from_yuan(dec!(6000)));
        let e = estimate(
            &record,
            p(1964, 1),
            p(2024, 1),
            None,
            &years(2016, 2024, Money::from_yuan(dec!(5000))),
            &rates(),
            eight(),
        )
        .unwrap();
        assert_eq!(s.account_balance, e.account_balance);
        assert_eq!(s.account_years, e.account_years);
    }

    #[test]
    fn a_transferred_balance_arrives_mid_year_and_earns_from_its_month() {
        // 2021-01…2023-12 at 6,000.00 elsewhere, moved with its account of
        // 17,280.00 that arrived in 2024-07; paid here from 2024-08.
        let history = [HistorySpan {
            from: p(2021, 1),
            to: p(2023, 12),
            base: Money::from_yuan(dec!(6000)),
            account_moved: true,
        }];
        let recorded: Vec<RecordedMonth> = (8..=12)
            .map(|m| RecordedMonth {
                period: p(2024, m),
                base: Money::from_yuan(dec!(6000)),
                individual: Money::from_yuan(dec!(480)),
            })
            .collect();
        let arrivals = [Credit {
            period: p(2024, 7),
            amount: Money::from_yuan(dec!(17280)),
        }];
        let record = Record {
            recorded: &recorded,
            history: &history,
            opening: None,
            deemed_months: 0,
            arrivals: &arrivals,
            moved_out_until: None,
        };
        let s = statement(&record, p(2024, 12), &rates(), eight()).unwrap();
        // 36 months moved + 5 paid here, each once.
        assert_eq!(s.months.len(), 41);
        // The moved months credit nothing: the account starts in 2024.
        assert_eq!(s.account_years.len(), 1);
        let y = &s.account_years[0];
        assert_eq!(y.opening, Money::ZERO);
        // 17,280.00 + 5 × 480.00.
        assert_eq!(y.credited, Money::from_yuan(dec!(19680)));
        // 2.62% on 17,280.00 for 5 months (Aug–Dec) and on each 480.00
        // for the months after its own: (17,280 × 5 + 480 × (4+3+2+1+0))
        // × 0.0262 ÷ 12 = 199.12.
        assert_eq!(y.interest, Money::from_yuan(dec!(199.12)));
        assert_eq!(s.account_balance, Money::from_yuan(dec!(19879.12)));
    }

    #[test]
    fn a_transfer_out_takes_the_account_and_a_return_brings_it_back() {
        // 2025-01…2026-08 paid here (480.00 a month to the account) on an
        // opening balance of 2025; transferred out in 2026-09 (valued at
        // the end of 2026-08), back in 2026-11 with 12,000.00.
        let recorded: Vec<RecordedMonth> = (0..20)
            .map(|i| RecordedMonth {
                period: p(2025, 1).add_months(i),
                base: Money::from_yuan(dec!(6000)),
                individual: Money::from_yuan(dec!(480)),
            })
            .collect();
        let out = Record {
            recorded: &recorded,
            history: &[],
            opening: Some(Opening {
                year: 2025,
                balance: Money::from_yuan(dec!(5000)),
            }),
            deemed_months: 0,
            arrivals: &[],
            moved_out_until: Some(p(2026, 8)),
        };
        let s = statement(&out, p(2026, 12), &rates(), eight()).unwrap();
        // The months still count; the account left.
        assert_eq!(s.months.len(), 20);
        assert_eq!(s.account_opening, None);
        assert_eq!(s.account_balance, Money::ZERO);
        let back = [Credit {
            period: p(2026, 11),
            amount: Money::from_yuan(dec!(12000)),
        }];
        let home = Record {
            arrivals: &back,
            ..out
        };
        let s = statement(&home, p(2026, 12), &rates(), eight()).unwrap();
        // 12,000.00 + 2.62% for December: 12,000 × 1 × 0.0262 ÷ 12 = 26.20.
        assert_eq!(s.account_balance, Money::from_yuan(dec!(12026.20)));
        // A sum that arrived before the transfer out left with it.
        let early = [Credit {
            period: p(2026, 3),
            amount: Money::from_yuan(dec!(999)),
        }];
        let gone = Record {
            arrivals: &early,
            ..out
        };
        assert_eq!(
            statement(&gone, p(2026, 12), &rates(), eight())
                .unwrap()
                .account_balance,
            Money::ZERO
        );
    }

    #[test]
    fn history_and_recorded_months_count_once_and_the_opening_covers_earlier_years() {
        let recorded = [RecordedMonth {
            period: p(2024, 1),
            base: Money::from_yuan(dec!(6000)),
            individual: Money::from_yuan(dec!(480)),
        }];
        // History overlaps the recorded month: counted once, recorded wins.
        let history = [HistorySpan {
            from: p(2023, 1),
            to: p(2024, 1),
            base: Money::from_yuan(dec!(5000)),
            account_moved: false,
        }];
        let record = Record {
            recorded: &recorded,
            history: &history,
            opening: Some(Opening {
                year: 2024,
                balance: Money::from_yuan(dec!(10000)),
            }),
            deemed_months: 24,
            arrivals: &[],
            moved_out_until: None,
        };
        let e = estimate(
            &record,
            p(1964, 1),
            p(2024, 1),
            None,
            &years(2016, 2024, Money::from_yuan(dec!(5000))),
            &rates(),
            eight(),
        )
        .unwrap();
        assert_eq!(e.months.recorded, 1);
        assert_eq!(e.months.history, 12);
        assert_eq!(e.months.total, 13 + 24);
        // 2023's months are covered by the opening balance; January 2024's
        // 480 is credited and earns nothing in its own month.
        assert_eq!(e.account_years.len(), 1);
        assert_eq!(e.account_years[0].credited, Money::from_yuan(dec!(480)));
        // 10000 × 2.62% × 1/12 = 21.83
        assert_eq!(e.account_years[0].interest, Money::from_yuan(dec!(21.83)));
        assert_eq!(e.account_balance, Money::from_yuan(dec!(10501.83)));
        // Index, each year weighted by its months: 2023's 12 at 5000/5000
        // = 1, 2024's one at 6000/5000 = 1.2 → (12 + 1.2) / 13 = 1.0154.
        assert_eq!(e.pension.inputs.index, dec!(1.0154));
        assert!(!e.minimum.met);
        assert!(e.minimum.message.unwrap().contains("延长缴费"));
        assert_eq!(e.first_pension_month, p(2024, 2));
    }

    #[test]
    fn a_year_not_published_takes_the_latest_and_says_so() {
        let recorded = [RecordedMonth {
            period: p(2026, 3),
            base: Money::from_yuan(dec!(5000)),
            individual: Money::from_yuan(dec!(400)),
        }];
        let record = Record {
            recorded: &recorded,
            history: &[],
            opening: None,
            deemed_months: 0,
            arrivals: &[],
            moved_out_until: None,
        };
        let e = estimate(
            &record,
            p(1966, 3),
            p(2026, 6),
            Some(Projection {
                from: p(2026, 4),
                base: Money::from_yuan(dec!(5000)),
            }),
            &years(2016, 2024, Money::from_yuan(dec!(5000))),
            &rates(),
            eight(),
        )
        .unwrap();
        assert_eq!(e.months.projected, 3);
        assert_eq!(e.average_wage_year, 2024);
        assert!(e.average_wage_assumed);
        assert!(e.index_years[0].assumed);
        assert!(e.account_balance > Money::ZERO);
    }

    #[test]
    fn missing_data_is_named() {
        let history = [HistorySpan {
            from: p(2010, 1),
            to: p(2010, 12),
            base: Money::from_yuan(dec!(3000)),
            account_moved: false,
        }];
        let record = Record {
            recorded: &[],
            history: &history,
            opening: None,
            deemed_months: 0,
            arrivals: &[],
            moved_out_until: None,
        };
        let wages = years(2010, 2024, Money::from_yuan(dec!(4000)));
        // 2010's credits need 2010's rate: staff must enter the opening balance.
        let e = estimate(
            &record,
            p(1964, 1),
            p(2024, 1),
            None,
            &wages,
            &rates(),
            eight(),
        );
        assert_eq!(e.unwrap_err(), RecordError::NoInterestRate { year: 2010 });
        let record = Record {
            opening: Some(Opening {
                year: 2016,
                balance: Money::from_yuan(dec!(3000)),
            }),
            ..record
        };
        let e = estimate(
            &record,
            p(1964, 1),
            p(2024, 1),
            None,
            &wages,
            &rates(),
            eight(),
        );
        assert!(e.is_ok());
        let wages = years(2012, 2024, Money::from_yuan(dec!(4000)));
        let e = estimate(
            &record,
            p(1964, 1),
            p(2024, 1),
            None,
            &wages,
            &rates(),
            eight(),
        );
        assert_eq!(e.unwrap_err(), RecordError::NoPensionYear { year: 2010 });
        let empty = Record {
            recorded: &[],
            history: &[],
            opening: None,
            deemed_months: 0,
            arrivals: &[],
            moved_out_until: None,
        };
        let e = estimate(
            &empty,
            p(1964, 1),
            p(2024, 1),
            None,
            &wages,
            &rates(),
            eight(),
        );
        assert!(matches!(e, Err(RecordError::NoContributions { .. })));
    }

    proptest! {
        /// Retiring later with the projection never lowers the pension.
        #[test]
        fn a_later_month_never_pays_less(extra in 1i32..36, base in 3000i64..20000) {
            let history = [HistorySpan {
                from: p(2006, 1),
                to: p(2024, 12),
                base: Money::from_fen(base * 100),
                account_moved: false,
            }];
            let record = Record {
                recorded: &[],
                history: &history,
                opening: Some(Opening { year: 2016, balance: Money::from_yuan(dec!(20000)) }),
                deemed_months: 0,
                arrivals: &[],
                moved_out_until: None,
            };
            let wages = years(2006, 2025, Money::from_yuan(dec!(6000)));
            let projection = Some(Projection { from: p(2025, 1), base: Money::from_fen(base * 100) });
            let at = |m: Period| estimate(&record, p(1965, 1), m, projection, &wages, &rates(), eight()).unwrap();
            let first = at(p(2025, 2));
            let later = at(p(2025, 2).add_months(extra));
            prop_assert!(later.pension.total >= first.pension.total);
            prop_assert!(later.account_balance >= first.account_balance);
        }
    }
}
