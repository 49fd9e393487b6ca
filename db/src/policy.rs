//! Loading policy parameters and the calendar into `qibao-core` types. Rows
//! were validated when they were written; a row that no longer parses is
//! reported as a storage error (for the log), never silently skipped.

use qibao_core::calendar::{SpecialDay, WorkCalendar};
use qibao_core::ids::RegionCode;
use qibao_core::insurance::{Insurance, RiskClass};
use qibao_core::policy::{
    BaseBounds, Deferral, InjuryClassRate, InterestRate, InterestTable, LateFeeCap, LateFeeRule,
    MonthDay, RateRule, RegionPolicy, Source, Windows,
};
use qibao_core::{Money, Period, PeriodRange, Rate, SiYear};

use crate::{DbConn, DbError, OptionalExt, repo};

fn corrupt(what: &str, detail: impl std::fmt::Display) -> DbError {
    DbError::Other(format!("stored {what} is invalid: {detail}"))
}

fn period(v: i32) -> Result<Period, DbError> {
    Period::from_yyyymm(v).map_err(|e| corrupt("period", e))
}

fn range(from: i32, to: Option<i32>) -> Result<PeriodRange, DbError> {
    Ok(PeriodRange::new(period(from)?, to.map(period).transpose()?))
}

fn source(document: String, illustrative: bool) -> Source {
    Source {
        document,
        illustrative,
    }
}

/// Every parameter of a region, or `None` when the region is unknown.
pub fn load_region_policy(conn: &mut DbConn, code: &str) -> Result<Option<RegionPolicy>, DbError> {
    let Some(region) = repo::get_region(conn, code).optional()? else {
        return Ok(None);
    };
    let region_code = RegionCode::parse(&region.code).map_err(|e| corrupt("region", e))?;

    let bounds = repo::list_base_bounds_for_region(conn, code)?
        .into_iter()
        .map(|b| BaseBounds {
            si_year: SiYear(b.si_year),
            standard: Money::from_fen(b.standard_fen),
            floor: Money::from_fen(b.floor_fen),
            ceiling: Money::from_fen(b.ceiling_fen),
            source: source(b.source, b.illustrative),
        })
        .collect();

    let rates = repo::list_rates_for_region(conn, code)?
        .into_iter()
        .map(|r| {
            Ok(RateRule {
                insurance: Insurance::from_code(&r.insurance)
                    .map_err(|e| corrupt("insurance", e))?,
                range: range(r.from_period, r.to_period)?,
                unit_rate: Rate::from_ppm(r.unit_rate_ppm),
                individual_rate: Rate::from_ppm(r.individual_rate_ppm),
                source: source(r.source, r.illustrative),
            })
        })
        .collect::<Result<_, DbError>>()?;

    let injury_rates = repo::list_injury_class_rates_for_region(conn, code)?
        .into_iter()
        .map(|r| {
            Ok(InjuryClassRate {
                risk_class: RiskClass::new(i64::from(r.risk_class))
                    .map_err(|e| corrupt("risk class", e))?,
                range: range(r.from_period, r.to_period)?,
                rate: Rate::from_ppm(r.rate_ppm),
                source: source(r.source, r.illustrative),
            })
        })
        .collect::<Result<_, DbError>>()?;

    let late_fees = repo::list_late_fee_rules_for_region(conn, code)?
        .into_iter()
        .map(|r| {
            Ok(LateFeeRule {
                range: range(r.from_period, r.to_period)?,
                daily_rate: Rate::from_ppm(r.daily_rate_ppm),
                due_day_of_next_month: r
                    .due_day_of_next_month
                    .map(|d| u8::try_from(d).map_err(|e| corrupt("due day", e)))
                    .transpose()?,
                cap: LateFeeCap::parse(&r.cap).ok_or_else(|| corrupt("late-fee cap", &r.cap))?,
                source: source(r.source, r.illustrative),
            })
        })
        .collect::<Result<_, DbError>>()?;

    let deferrals = repo::list_deferrals_for_region(conn, code)?
        .into_iter()
        .map(|d| {
            Ok(Deferral {
                range: range(d.from_period, Some(d.to_period))?,
                repay_by: d.repay_by,
                source: source(d.source, d.illustrative),
            })
        })
        .collect::<Result<_, DbError>>()?;

    let small = |v: i16, what: &str| u8::try_from(v).map_err(|e| corrupt(what, e));
    let windows = repo::list_windows_for_region(conn, code)?
        .into_iter()
        .map(|w| {
            Ok(Windows {
                range: range(w.from_period, w.to_period)?,
                back_pay_months: small(w.back_pay_months, "back-pay months")?,
                refund_months: small(w.refund_months, "refund months")?,
                order_validity_working_days: small(
                    w.order_validity_working_days,
                    "order validity",
                )?,
                wage_window_start: MonthDay::parse(&w.wage_window_start)
                    .ok_or_else(|| corrupt("wage window", &w.wage_window_start))?,
                wage_window_end: MonthDay::parse(&w.wage_window_end)
                    .ok_or_else(|| corrupt("wage window", &w.wage_window_end))?,
                source: source(w.source, w.illustrative),
            })
        })
        .collect::<Result<_, DbError>>()?;

    Ok(Some(RegionPolicy {
        region: region_code,
        name: region.name,
        bounds,
        rates,
        injury_rates,
        late_fees,
        deferrals,
        windows,
    }))
}

/// The national bookkeeping rates (R-LATE-2).
pub fn load_interest_table(conn: &mut DbConn) -> Result<InterestTable, DbError> {
    Ok(InterestTable::new(
        repo::list_interest_rates(conn)?
            .into_iter()
            .map(|r| InterestRate {
                year: r.year,
                rate: Rate::from_ppm(r.rate_ppm),
                source: source(r.source, r.illustrative),
            })
            .collect(),
    ))
}

/// The working-day calendar as stored (R-DECL-4).
pub fn load_calendar(conn: &mut DbConn) -> Result<WorkCalendar, DbError> {
    Ok(WorkCalendar::from_days(
        repo::list_calendar_days(conn)?
            .into_iter()
            .map(|d| SpecialDay {
                date: d.day,
                is_off_day: d.is_off_day,
                name: d.name,
            })
            .collect(),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::TestDb;
    use qibao_core::insurance::Insurance;

    #[test]
    fn seeded_policy_loads_and_validates() {
        let db = TestDb::new();
        let pool = db.pool();
        let mut conn = pool.get().unwrap();
        for code in ["420500", "421300"] {
            let pol = load_region_policy(&mut conn, code).unwrap().unwrap();
            pol.validate().unwrap();
            let params = pol.in_force(Period::parse("202208").unwrap()).unwrap();
            assert_eq!(params.bounds.floor, Money::yuan(3450));
            assert_eq!(
                params.rate(Insurance::Pension).unwrap().unit_rate,
                Rate::from_ppm(160_000)
            );
        }
        assert!(load_region_policy(&mut conn, "999999").unwrap().is_none());
        let table = load_interest_table(&mut conn).unwrap();
        assert_eq!(table.rate_for(2023).unwrap().1, Rate::from_ppm(39_700));
        let cal = load_calendar(&mut conn).unwrap();
        assert_eq!(cal, WorkCalendar::from_days(WorkCalendar::bundled_days()));
        assert!(cal.covers(2026));
    }
}
