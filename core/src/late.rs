//! Late fees (滞纳金, R-LATE-1, R-LATE-4, R-BACK-5) and interest (利息, R-LATE-2),
//! each returned with the days counted and the rates used, so that a unit can
//! check the figure.

use rust_decimal::Decimal;
use serde::Serialize;
use time::{Date, Duration, Month};

use crate::deferral::Waiver;
use crate::money::{Money, Rate};
use crate::period::Period;
use crate::policy::{InterestTable, LateFeeCap, LateFeeRule, PolicyError};

/// The first day a late fee accrues for a contribution month, before any
/// deferral: the day after the legal due date.
pub fn late_fee_start(period: Period, rule: &LateFeeRule) -> Date {
    match rule.due_day_of_next_month {
        None => period.next().first_day(),
        Some(day) => {
            let next = period.next();
            let month = Month::try_from(next.month()).unwrap_or(Month::January);
            let day = day.clamp(1, time::util::days_in_month(month, next.year()));
            let due = Date::from_calendar_date(next.year(), month, day).unwrap_or(next.first_day());
            due + Duration::days(1)
        }
    }
}

/// Inclusive day count from `from` to `to`; zero when `to` is before `from`.
pub fn days_inclusive(from: Date, to: Date) -> i64 {
    ((to - from).whole_days() + 1).max(0)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LateFee {
    pub principal: Money,
    /// First day counted (None when nothing is counted).
    pub from: Option<Date>,
    /// Last day counted: the order's issue date.
    pub to: Date,
    pub days: i64,
    pub daily_rate: Rate,
    pub amount: Money,
    /// True when the cap (R-LATE-4) reduced the amount.
    pub capped: bool,
    /// Why days were not counted, in Chinese (deferral, R-BACK-5).
    pub waiver: Option<String>,
}

/// The late fee on `principal` for contribution month `period`, billed on an
/// order issued on `issue_date` (R-LATE-1): daily rate × days from the day
/// after the legal due date to the issue date inclusive, rounded half-up once.
/// A line the unit deferred (`waiver`: only
/// [`crate::deferral::UnitDeferrals::waiver`] makes one, for a month the
/// region allows and the unit confirmed) accrues nothing until the repay-by
/// date; after that date fees count from the day after it (R-BACK-5).
/// Without a waiver the fee is the normal one.
pub fn late_fee(
    principal: Money,
    period: Period,
    issue_date: Date,
    rule: &LateFeeRule,
    waiver: Option<Waiver<'_>>,
) -> LateFee {
    let mut start = late_fee_start(period, rule);
    let mut note = None;
    if let Some(repay_by) = waiver.map(Waiver::repay_by) {
        if issue_date <= repay_by {
            note = Some(format!("缓缴期内（{repay_by}前补缴）免收滞纳金"));
            start = issue_date + Duration::days(1);
        } else {
            let after = repay_by + Duration::days(1);
            if after > start {
                note = Some(format!("缓缴期至{repay_by}，此前免收滞纳金"));
                start = after;
            }
        }
    }
    let days = days_inclusive(start, issue_date);
    let exact = principal.as_decimal() * rule.daily_rate.as_decimal() * Decimal::from(days);
    let mut amount = Money::from_yuan(exact);
    let mut capped = false;
    if rule.cap == LateFeeCap::Principal && amount > principal {
        amount = principal;
        capped = true;
    }
    LateFee {
        principal,
        from: (days > 0).then_some(start),
        to: issue_date,
        days,
        daily_rate: rule.daily_rate,
        amount,
        capped,
        waiver: note,
    }
}

/// One calendar year's share of an interest computation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InterestSegment {
    pub year: i32,
    pub from: Date,
    pub to: Date,
    pub days: i64,
    pub rate: Rate,
    /// The year whose published rate was used (a later year without a
    /// published rate uses the latest earlier one).
    pub rate_year: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Interest {
    pub principal: Money,
    pub segments: Vec<InterestSegment>,
    pub days: i64,
    pub amount: Money,
}

/// Interest on a pension principal (unit + individual) billed after its
/// contribution month (R-LATE-2): per day from the 1st of the next month to
/// the issue date inclusive, at each calendar year's bookkeeping rate ×
/// days / 365, simple within a year and compounded at each year end, rounded
/// half-up to the fen once at the end.
pub fn pension_interest(
    principal: Money,
    period: Period,
    issue_date: Date,
    table: &InterestTable,
) -> Result<Interest, PolicyError> {
    let start = period.next().first_day();
    let mut segments = Vec::new();
    let mut factor = Decimal::ONE;
    let days_in_year = Decimal::from(365);
    if issue_date >= start {
        for year in start.year()..=issue_date.year() {
            let jan1 = Date::from_calendar_date(year, Month::January, 1).unwrap_or(start);
            let dec31 = Date::from_calendar_date(year, Month::December, 31).unwrap_or(issue_date);
            let from = start.max(jan1);
            let to = issue_date.min(dec31);
            let days = days_inclusive(from, to);
            let (rate_year, rate) = table.rate_for(year)?;
            factor *= Decimal::ONE + rate.as_decimal() * Decimal::from(days) / days_in_year;
            segments.push(InterestSegment {
                year,
                from,
                to,
                days,
                rate,
                rate_year,
            });
        }
    }
    let amount = Money::from_yuan(principal.as_decimal() * (factor - Decimal::ONE));
    Ok(Interest {
        principal,
        days: segments.iter().map(|s| s.days).sum(),
        segments,
        amount,
    })
}

/// What every line of one contribution month shares beside its principal
/// on an order issued on `issue_date`, when no day is counted: no late fee
/// (not yet due, or waived, R-LATE-1, R-BACK-5) and, for a pension line, no
/// interest (R-LATE-2). Both charges are principal × rate × days, so with no
/// day counted they are zero for any principal and the stored terms (rate,
/// first day, waiver note, interest segments) are the same for every line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeFreeTerms {
    /// The late fee as computed for a zero principal (amount 0, days 0).
    pub late_fee: LateFee,
    /// Pension lines only: the interest for a zero principal (days 0).
    pub interest: Option<Interest>,
}

/// The shared terms of the lines of `period` (pension lines when `pension`)
/// on an order issued on `issue_date`, or `None` when days are counted and
/// each line's charges depend on its own principal.
pub fn charge_free_terms(
    period: Period,
    issue_date: Date,
    rule: &LateFeeRule,
    waiver: Option<Waiver<'_>>,
    pension: bool,
    table: &InterestTable,
) -> Result<Option<ChargeFreeTerms>, PolicyError> {
    let late_fee = late_fee(Money::ZERO, period, issue_date, rule, waiver);
    if late_fee.days != 0 {
        return Ok(None);
    }
    let interest = if pension {
        let i = pension_interest(Money::ZERO, period, issue_date, table)?;
        if i.days != 0 {
            return Ok(None);
        }
        Some(i)
    } else {
        None
    };
    Ok(Some(ChargeFreeTerms { late_fee, interest }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::deferral::UnitDeferrals;
    use crate::insurance::Insurance;
    use crate::policy::fixtures::{interest, p, yichang};
    use proptest::prelude::*;
    use time::macros::date;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn worked_example_late_fee() {
        // 869.40 for 202303 on an order issued 2023-04-10 → 10 days → 4.35.
        let pol = yichang();
        let rule = &pol.late_fees[0];
        let f = late_fee(m("869.40"), p("202303"), date!(2023 - 04 - 10), rule, None);
        assert_eq!(f.days, 10);
        assert_eq!(f.from, Some(date!(2023 - 04 - 01)));
        assert_eq!(f.amount, m("4.35"));
        // Issued within the contribution month: nothing.
        let f = late_fee(m("869.40"), p("202303"), date!(2023 - 03 - 31), rule, None);
        assert_eq!((f.days, f.amount, f.from), (0, Money::ZERO, None));
    }

    /// R-LATE-1's worked example as clarified: each insurance is a separate
    /// fund, so the fee is computed and rounded per insurance line and the
    /// order's fee is the sum of its lines — 4.14 + 0.17 + 0.03 = 4.34, not
    /// 869.40 × 0.05 % × 10 = 4.35 rounded once.
    #[test]
    fn worked_example_late_fee_per_insurance_line() {
        let pol = yichang();
        let rule = &pol.late_fees[0];
        let issued = date!(2023 - 04 - 10);
        let per_line: Vec<Money> = ["828.00", "34.50", "6.90"]
            .into_iter()
            .map(|principal| late_fee(m(principal), p("202303"), issued, rule, None))
            .inspect(|f| assert_eq!(f.days, 10))
            .map(|f| f.amount)
            .collect();
        assert_eq!(per_line, vec![m("4.14"), m("0.17"), m("0.03")]);
        let order_fee = per_line.into_iter().fold(Money::ZERO, |a, b| a + b);
        assert_eq!(order_fee, m("4.34"));
        assert_ne!(
            order_fee,
            late_fee(m("869.40"), p("202303"), issued, rule, None).amount
        );
    }

    #[test]
    fn worked_example_interest() {
        // Pension 828.00 for 202303 on 2023-04-20 → 20 days at 3.97% → 1.80.
        let i =
            pension_interest(m("828.00"), p("202303"), date!(2023 - 04 - 20), &interest()).unwrap();
        assert_eq!(i.days, 20);
        assert_eq!(i.amount, m("1.80"));
        assert_eq!(i.segments.len(), 1);
        assert_eq!(i.segments[0].rate, Rate::from_ppm(39_700));
    }

    #[test]
    fn interest_compounds_at_year_end() {
        // 10000 for 202211 on 2024-01-10: Dec 2022 (31 d at 6.12%), 2023 (365 d at
        // 3.97%), 1–10 Jan 2024 (10 d at 2.62%).
        let i =
            pension_interest(m("10000"), p("202211"), date!(2024 - 01 - 10), &interest()).unwrap();
        assert_eq!(
            i.segments.iter().map(|s| s.days).collect::<Vec<_>>(),
            vec![31, 365, 10]
        );
        let f1 = Decimal::ONE + Decimal::new(612, 4) * Decimal::from(31) / Decimal::from(365);
        let f2 = Decimal::ONE + Decimal::new(397, 4);
        let f3 = Decimal::ONE + Decimal::new(262, 4) * Decimal::from(10) / Decimal::from(365);
        let expected = Money::from_yuan(Decimal::from(10000) * (f1 * f2 * f3 - Decimal::ONE));
        assert_eq!(i.amount, expected);
        assert_eq!(i.amount, m("458.54"));
        // A year with no published rate uses the latest earlier one.
        let i =
            pension_interest(m("1000"), p("202512"), date!(2026 - 01 - 31), &interest()).unwrap();
        assert_eq!(i.segments[0].rate_year, 2024);
    }

    #[test]
    fn deferral_waives_until_repay_by() {
        let pol = yichang();
        let rule = &pol.late_fees[0];
        let unit = UnitDeferrals::new(pol.deferrals.clone(), [p("202206"), p("202301")]);
        let w = unit.waiver(p("202206"), Insurance::Pension);
        let f = late_fee(m("1000"), p("202206"), date!(2023 - 12 - 31), rule, w);
        assert_eq!((f.days, f.amount), (0, Money::ZERO));
        assert!(f.waiver.is_some());
        // Repaid on 2024-01-10: fees from 2024-01-01, 10 days.
        let f = late_fee(m("1000"), p("202206"), date!(2024 - 01 - 10), rule, w);
        assert_eq!((f.days, f.amount), (10, m("5.00")));
        // A period outside the scheme is not waived, confirmed or not.
        let w = unit.waiver(p("202301"), Insurance::Pension);
        assert!(w.is_none());
        let f = late_fee(m("1000"), p("202301"), date!(2023 - 02 - 10), rule, w);
        assert_eq!(f.days, 10);
    }

    #[test]
    fn due_day_and_cap_are_parameters() {
        let mut rule = yichang().late_fees[0].clone();
        rule.due_day_of_next_month = Some(15);
        let f = late_fee(m("1000"), p("202303"), date!(2023 - 04 - 20), &rule, None);
        assert_eq!((f.from, f.days), (Some(date!(2023 - 04 - 16)), 5));
        rule.cap = LateFeeCap::Principal;
        rule.daily_rate = Rate::from_ppm(500);
        let f = late_fee(m("100"), p("201701"), date!(2023 - 04 - 20), &rule, None);
        assert!(f.capped);
        assert_eq!(f.amount, m("100"));
    }

    proptest! {
        #[test]
        fn late_fee_is_rate_times_days(fen in 0i64..100_000_000, offset in 0i64..2000) {
            let pol = yichang();
            let rule = &pol.late_fees[0];
            let issue = date!(2023 - 04 - 01) + Duration::days(offset);
            let f = late_fee(Money::from_fen(fen), p("202303"), issue, rule, None);
            prop_assert_eq!(f.days, offset + 1);
            let exact = Money::from_fen(fen).as_decimal() * Decimal::new(5, 4) * Decimal::from(offset + 1);
            prop_assert!((f.amount.as_decimal() - exact).abs() <= Decimal::new(5, 3));
        }

        #[test]
        fn interest_grows_with_time(fen in 1i64..100_000_000, offset in 0i64..1500) {
            let t = interest();
            let a = pension_interest(Money::from_fen(fen), p("202101"), date!(2021 - 02 - 01) + Duration::days(offset), &t).unwrap();
            let b = pension_interest(Money::from_fen(fen), p("202101"), date!(2021 - 02 - 02) + Duration::days(offset), &t).unwrap();
            prop_assert!(b.amount >= a.amount);
            prop_assert_eq!(a.days, offset + 1);
        }
    }

    proptest! {
        /// Lines with charge-free terms owe exactly those terms whatever
        /// their principal; lines without them are computed one by one.
        #[test]
        fn charge_free_terms_hold_for_every_principal(
            fen in 0i64..10_000_000,
            months_back in 0i32..30,
            day in 1u8..28,
            pension in any::<bool>(),
        ) {
            let pol = yichang();
            let rule = &pol.late_fees[0];
            let table = interest();
            let issue = time::Date::from_calendar_date(2023, time::Month::April, day).unwrap();
            let mut period = p("202304");
            for _ in 0..months_back {
                period = period.prev();
            }
            let principal = Money::from_fen(fen);
            let terms = charge_free_terms(period, issue, rule, None, pension, &table).unwrap();
            let fee = late_fee(principal, period, issue, rule, None);
            let int = pension_interest(principal, period, issue, &table).unwrap();
            match terms {
                Some(t) => {
                    prop_assert_eq!(fee.amount, Money::ZERO);
                    prop_assert_eq!((fee.days, fee.from, fee.daily_rate, fee.waiver.clone()),
                        (t.late_fee.days, t.late_fee.from, t.late_fee.daily_rate, t.late_fee.waiver.clone()));
                    if pension {
                        let ti = t.interest.unwrap();
                        prop_assert_eq!(int.amount, Money::ZERO);
                        prop_assert_eq!(int.segments, ti.segments);
                    }
                }
                None => prop_assert!(fee.days > 0 || (pension && int.days > 0)),
            }
        }
    }
}
