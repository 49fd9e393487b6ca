//! Retirement and the pension (issue 15): the pension parameters by year
//! ([`years`]), what staff recognise of a person's record ([`record`]), the
//! unit's pension estimate for an employee ([`estimate`], 基本养老金计算),
//! retirement applications through review ([`retirement`]), the pension's
//! life — payment account, suspension, qualification, death benefits
//! ([`life`]) — and the monthly payroll ([`payroll`]).
//!
//! Every figure comes from `qibao_core::pension_record::estimate`; this
//! module loads what it reads, in the caller's transaction.

pub mod estimate;
pub mod life;
pub mod payroll;
pub mod record;
pub mod retirement;
pub mod years;

use qibao_core::insurance::Insurance;
use qibao_core::pension::Credit;
use qibao_core::pension_record::{
    HistorySpan, Opening, PensionYear, PensionYears, RecordError, RecordedMonth,
};
use qibao_core::policy::{InterestTable, Source};
use qibao_core::{Money, Period, Rate};
use qibao_db::assessments::PAID as LINE_PAID;
use qibao_db::ids::PersonId;
use qibao_db::pension::{self as store, HistoryMonthRow, PensionRecordRow};
use qibao_db::{DbConn, policy as policy_db};

use crate::error::{AppError, ErrorCode, corrupt};

/// 422 `PENSION_DATA_MISSING` (a parameter, rate or record staff must
/// enter), or the pension rule's own refusal.
pub fn record_error(e: &RecordError) -> AppError {
    AppError::new(ErrorCode::PensionDataMissing).with_detail(e.to_string())
}

/// The pension parameters by year.
pub fn load_years(conn: &mut DbConn) -> Result<PensionYears, AppError> {
    Ok(PensionYears::new(
        store::pension_years(conn)?
            .into_iter()
            .map(|r| PensionYear {
                year: r.year,
                average_wage: Money::from_fen(r.average_wage_fen),
                transitional_coefficient: Rate::from_ppm(r.transitional_ppm),
                source: Source {
                    document: r.source,
                    illustrative: r.illustrative,
                },
            })
            .collect(),
    ))
}

/// Everything the estimate reads of one person (all numbers of the same
/// human), in the caller's transaction.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub recorded: Vec<RecordedMonth>,
    pub history: Vec<HistorySpan>,
    pub history_rows: Vec<HistoryMonthRow>,
    pub record: Option<PensionRecordRow>,
    /// Account balances that arrived with transfers in (R-TRANS-2).
    pub arrivals: Vec<Credit>,
    /// The account left with a transfer out, valued at the end of this
    /// month (R-TRANS-2).
    pub moved_out_until: Option<Period>,
    pub years: PensionYears,
    pub rates: InterestTable,
}

impl Loaded {
    pub fn opening(&self) -> Option<Opening> {
        let r = self.record.as_ref()?;
        Some(Opening {
            year: r.opening_year?,
            balance: Money::from_fen(r.opening_balance_fen?),
        })
    }

    pub fn deemed_months(&self) -> i32 {
        self.record.as_ref().map_or(0, |r| r.deemed_months)
    }

    pub fn core(&self) -> qibao_core::pension_record::Record<'_> {
        qibao_core::pension_record::Record {
            recorded: &self.recorded,
            history: &self.history,
            opening: self.opening(),
            deemed_months: self.deemed_months(),
            arrivals: &self.arrivals,
            moved_out_until: self.moved_out_until,
        }
    }

    /// The latest month paid in this system, if any.
    pub fn last_recorded(&self) -> Option<Period> {
        self.recorded.last().map(|m| m.period)
    }
}

/// History months as spans: contiguous months with one base, place and
/// document.
pub fn spans_of(
    rows: &[HistoryMonthRow],
) -> Result<Vec<(Period, Period, &HistoryMonthRow)>, AppError> {
    let mut out: Vec<(Period, Period, &HistoryMonthRow)> = Vec::new();
    for r in rows {
        let p = Period::from_yyyymm(r.period).map_err(|e| corrupt("history period", e))?;
        match out.last_mut() {
            Some((_, to, first))
                if to.add_months(1) == p
                    && first.base_fen == r.base_fen
                    && first.place == r.place
                    && first.document == r.document
                    && first.transfer_id == r.transfer_id =>
            {
                *to = p;
            }
            _ => out.push((p, p, r)),
        }
    }
    Ok(out)
}

/// Loads the record of `persons` (the same human's numbers).
pub fn load(conn: &mut DbConn, persons: &[PersonId]) -> Result<Loaded, AppError> {
    let mut recorded: Vec<RecordedMonth> = Vec::new();
    for (period, base, individual) in
        store::paid_pension_lines(conn, persons, Insurance::Pension.code(), LINE_PAID)?
    {
        recorded.push(RecordedMonth {
            period: Period::from_yyyymm(period).map_err(|e| corrupt("line period", e))?,
            base: Money::from_fen(base),
            individual: Money::from_fen(individual),
        });
    }
    let first = persons
        .first()
        .copied()
        .ok_or_else(|| AppError::internal_cause("pension record of no person"))?;
    let history_rows = store::history(conn, first)?;
    let history = spans_of(&history_rows)?
        .into_iter()
        .map(|(from, to, r)| HistorySpan {
            from,
            to,
            base: Money::from_fen(r.base_fen),
            account_moved: r.transfer_id.is_some(),
        })
        .collect();
    Ok(Loaded {
        recorded,
        history,
        record: store::pension_record(conn, first)?,
        arrivals: crate::transfer::arrivals(conn, persons)?,
        moved_out_until: crate::transfer::moved_out_until(conn, persons)?,
        history_rows,
        years: load_years(conn)?,
        rates: policy_db::load_interest_table(conn)?,
    })
}
