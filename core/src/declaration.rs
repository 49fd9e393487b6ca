//! The windows of the wage-base declaration (R-WAGE-3) and which month a
//! unit may declare or back-pay (R-DECL-1, R-BACK-1).

use thiserror::Error;
use time::Date;

use crate::period::{Period, SiYear};
use crate::policy::MonthDay;
use crate::rules::unit_back_pay_window;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WageWindowError {
    #[error("{si_year}社保年度缴费工资申报期为{start}至{end}，当前不在申报期内")]
    Closed {
        si_year: SiYear,
        start: Date,
        end: Date,
    },
}

/// Whether a wage-base declaration for `si_year` may be made `today`
/// (R-WAGE-3): inside the window (the region's dates in the calendar year
/// the SI year starts) a declaration or a correction; after the window,
/// during the SI year itself, a late first declaration (its later months
/// then carry interest and late fees). Returns whether it is late.
pub fn check_wage_window(
    si_year: SiYear,
    today: Date,
    start: MonthDay,
    end: MonthDay,
    already_declared: bool,
) -> Result<bool, WageWindowError> {
    let from = start.on_year(si_year.first_year());
    let to = end.on_year(si_year.first_year());
    if from <= today && today <= to {
        return Ok(false);
    }
    if today > to && SiYear::of_date(today) == si_year && !already_declared {
        return Ok(true);
    }
    Err(WageWindowError::Closed {
        si_year,
        start: from,
        end: to,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodRefusal {
    #[error("只能申报当前月（{current}）的社会保险费，{period}不是当前月")]
    NotCurrent { period: Period, current: Period },
    #[error(
        "单位补缴只能补报当前月之前{months}个月内（{from}至{to}）未申报的月份，{period}不在其中"
    )]
    OutsideBackPayWindow {
        period: Period,
        from: Period,
        to: Period,
        months: u8,
    },
    #[error("{period}已申报，无需补缴")]
    AlreadyDeclared { period: Period },
    #[error("请先补报最早未申报的月份{oldest}")]
    NotOldestMissing { period: Period, oldest: Period },
}

/// A monthly declaration covers the current month only (R-DECL-1).
pub fn check_current_period(period: Period, today: Date) -> Result<(), PeriodRefusal> {
    let current = Period::of(today);
    if period != current {
        return Err(PeriodRefusal::NotCurrent { period, current });
    }
    Ok(())
}

/// Unit back-pay (R-BACK-1): an undeclared month within `window_months`
/// before the current month, the oldest missing one first.
/// `latest_accounted`: the unit's latest accounted period (None: never
/// declared); `insurance_start`: the first month of its insurance.
pub fn check_back_pay_period(
    period: Period,
    today: Date,
    window_months: u8,
    latest_accounted: Option<Period>,
    insurance_start: Period,
) -> Result<(), PeriodRefusal> {
    let current = Period::of(today);
    let (from, to) = unit_back_pay_window(current, window_months);
    if period < from || period > to {
        return Err(PeriodRefusal::OutsideBackPayWindow {
            period,
            from,
            to,
            months: window_months,
        });
    }
    let oldest = match latest_accounted {
        Some(l) if l >= period => return Err(PeriodRefusal::AlreadyDeclared { period }),
        Some(l) => l.next(),
        None => insurance_start,
    };
    // Months before the window can no longer be back-paid online: the oldest
    // one that can is the window's start.
    let oldest = oldest.max(from);
    if period < insurance_start {
        return Err(PeriodRefusal::OutsideBackPayWindow {
            period,
            from: insurance_start.max(from),
            to,
            months: window_months,
        });
    }
    if period != oldest {
        return Err(PeriodRefusal::NotOldestMissing { period, oldest });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }
    fn md(s: &str) -> MonthDay {
        MonthDay::parse(s).unwrap()
    }

    #[test]
    fn wage_window() {
        let y = SiYear(2022);
        let (s, e) = (md("04-01"), md("06-30"));
        assert_eq!(
            check_wage_window(y, date!(2022 - 04 - 01), s, e, false),
            Ok(false)
        );
        assert_eq!(
            check_wage_window(y, date!(2022 - 06 - 30), s, e, true),
            Ok(false)
        );
        assert!(check_wage_window(y, date!(2022 - 03 - 31), s, e, false).is_err());
        // Late declaration during the SI year, not a late correction.
        assert_eq!(
            check_wage_window(y, date!(2022 - 07 - 01), s, e, false),
            Ok(true)
        );
        assert_eq!(
            check_wage_window(y, date!(2023 - 06 - 30), s, e, false),
            Ok(true)
        );
        assert!(check_wage_window(y, date!(2022 - 08 - 01), s, e, true).is_err());
        // Past years are closed.
        assert!(check_wage_window(y, date!(2023 - 07 - 01), s, e, false).is_err());
        let err = check_wage_window(y, date!(2022 - 03 - 01), s, e, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "2022社保年度缴费工资申报期为2022-04-01至2022-06-30，当前不在申报期内"
        );
    }

    #[test]
    fn current_period_only() {
        assert!(check_current_period(p("202208"), date!(2022 - 08 - 31)).is_ok());
        assert!(check_current_period(p("202207"), date!(2022 - 08 - 01)).is_err());
        assert!(check_current_period(p("202209"), date!(2022 - 08 - 01)).is_err());
    }

    #[test]
    fn back_pay_oldest_first_within_window() {
        let today = date!(2022 - 08 - 10);
        let start = p("201605");
        // Latest accounted 202205: 202206 then 202207.
        let l = Some(p("202205"));
        assert!(check_back_pay_period(p("202206"), today, 3, l, start).is_ok());
        assert_eq!(
            check_back_pay_period(p("202207"), today, 3, l, start),
            Err(PeriodRefusal::NotOldestMissing {
                period: p("202207"),
                oldest: p("202206")
            })
        );
        assert!(matches!(
            check_back_pay_period(p("202204"), today, 3, l, start),
            Err(PeriodRefusal::OutsideBackPayWindow { .. })
        ));
        assert!(matches!(
            check_back_pay_period(p("202208"), today, 3, l, start),
            Err(PeriodRefusal::OutsideBackPayWindow { .. })
        ));
        assert_eq!(
            check_back_pay_period(p("202205"), today, 3, l, start),
            Err(PeriodRefusal::AlreadyDeclared {
                period: p("202205")
            })
        );
        // A long gap: the oldest month still inside the window comes first.
        let old = Some(p("202112"));
        assert!(check_back_pay_period(p("202205"), today, 3, old, start).is_ok());
        // Never declared: from the insurance start.
        assert!(check_back_pay_period(p("202206"), today, 3, None, p("202206")).is_ok());
        assert!(check_back_pay_period(p("202205"), today, 3, None, p("202206")).is_err());
    }
}
