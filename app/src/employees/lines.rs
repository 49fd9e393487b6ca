//! The lines of an employee action: which months × insurances a person
//! owes at the unit ([`plan_for`]: the rules of R-EMP-3, R-EMP-4, R-EMP-7
//! and [`exclude_at_unit`] decide, this loads what they read) and writing
//! them as pending at each period's parameters ([`create_lines`], R-POL-3).
//! Used by enrolment, adding an insurance and the labour-contract back-pay
//! (R-BACK-3).

use std::collections::HashMap;

use qibao_core::contribution::assess_one;
use qibao_core::employment::{
    AssessmentKind, CoverSpan, EnrolmentRefusal, ExcludedLine, PlannedLine, exclude_at_unit,
    pension_elsewhere, plan_lines,
};
use qibao_core::insurance::Insurance;
use qibao_core::rules::EnrolmentError;
use qibao_core::{Money, Period};
use qibao_db::DbConn;
use qibao_db::assessments::{self as lines_db, Assessment, NewAssessment};
use qibao_db::employees as emp_db;
use qibao_db::ids::{BusinessItemId, EmploymentId, PersonId, UnitId};
use serde_json::{Value, json};
use time::PrimitiveDateTime;

use super::{LineDto, retryable, statuses_of};
use crate::context::UnitContext;
use crate::error::{AppError, ErrorCode, ErrorKind};

/// A refused enrolment (R-EMP-2), as the unit reads it.
pub(crate) fn refusal(e: EnrolmentRefusal) -> AppError {
    let msg = e.to_string();
    match e {
        EnrolmentRefusal::ActiveElsewhere { .. }
        | EnrolmentRefusal::ActiveElsewhereUndisclosed { .. } => {
            AppError::new(ErrorCode::ActiveElsewhere).with_detail(msg)
        }
        EnrolmentRefusal::IdentityMismatch => AppError::new(ErrorCode::IdentityMismatch)
            .with_detail(msg.clone())
            .with_field_error("name", msg),
        EnrolmentRefusal::AlreadyActiveHere { .. } => AppError::new(ErrorCode::AlreadyEnrolled)
            .with_detail(msg.clone())
            .with_field_error("insurances", msg),
        EnrolmentRefusal::InsuranceNotRegistered { .. } => {
            AppError::new(ErrorCode::InsuranceNotRegistered)
                .with_detail(msg.clone())
                .as_kind(ErrorKind::Unprocessable)
                .with_field_error("insurances", msg)
        }
    }
}

/// A refused enrolment plan (R-EMP-3), on the start date.
pub(crate) fn plan_error(e: EnrolmentError) -> AppError {
    let msg = e.to_string();
    let (code, field) = match e {
        EnrolmentError::StartInFuture { .. } => (ErrorCode::StartDateInFuture, "start_date"),
        EnrolmentError::UnderAge { .. } => (ErrorCode::UnderWorkingAge, "start_date"),
        EnrolmentError::BeforeFirstWork { .. } => (ErrorCode::StartBeforeFirstWork, "start_date"),
    };
    AppError::new(code)
        .with_detail(msg.clone())
        .with_field_error(field, msg)
}

// ---------------------------------------------------------------- lines

/// Creates the planned lines as pending, at each period's parameters (one
/// multi-row statement).
#[allow(clippy::too_many_arguments)]
pub fn create_lines(
    conn: &mut DbConn,
    ctx: &mut UnitContext,
    person_id: PersonId,
    relation_of: &HashMap<Insurance, EmploymentId>,
    declared: Money,
    planned: &[PlannedLine],
    item_id: BusinessItemId,
    now: PrimitiveDateTime,
) -> Result<Vec<Assessment>, AppError> {
    let rows = planned_rows(ctx, person_id, relation_of, declared, planned, item_id, now)?;
    let mut stored =
        qibao_db::bulk::insert_assessments_returning(conn, &rows).map_err(retryable)?;
    stored.sort_by_key(|l| l.id);
    Ok(stored)
}

/// The planned lines as rows to store: pending, each at its period's
/// base, rates and work-injury rating (R-MON-2, R-POL-3).
#[allow(clippy::too_many_arguments)]
pub fn planned_rows(
    ctx: &mut UnitContext,
    person_id: PersonId,
    relation_of: &HashMap<Insurance, EmploymentId>,
    declared: Money,
    planned: &[PlannedLine],
    item_id: BusinessItemId,
    now: PrimitiveDateTime,
) -> Result<Vec<NewAssessment>, AppError> {
    let mut out = Vec::with_capacity(planned.len());
    for pl in planned {
        let employment_id = *relation_of
            .get(&pl.insurance)
            .ok_or_else(|| AppError::internal_cause("line without relation"))?;
        let base = ctx.base(pl.period, declared)?.base;
        let injury = if pl.insurance == Insurance::WorkInjury {
            Some(ctx.rating(pl.period)?)
        } else {
            None
        };
        let line = assess_one(ctx.params(pl.period)?, base, pl.insurance, injury)?;
        out.push(NewAssessment {
            unit_id: ctx.unit.id,
            person_id,
            employment_id,
            insurance: pl.insurance.code().to_string(),
            period: pl.period.yyyymm(),
            kind: pl.kind.code().to_string(),
            base_fen: line.base.fen(),
            unit_rate_ppm: line.unit_rate.ppm(),
            individual_rate_ppm: line.individual_rate.ppm(),
            unit_fen: line.unit_amount.fen(),
            individual_fen: line.individual_amount.fen(),
            status: lines_db::PENDING.to_string(),
            source_item_id: Some(item_id),
            created_at: now,
            updated_at: now,
        });
    }
    Ok(out)
}

/// The lines to create for `periods` × `insurances` of a person at the unit,
/// and what is left out: non-accountable months (R-EMP-7), months whose
/// pension is paid at another unit (R-EMP-4), months already assessed here.
pub fn plan_for(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_ids: &[PersonId],
    periods: &[(Period, AssessmentKind)],
    insurances: &[Insurance],
    unit_starts: &HashMap<Insurance, Period>,
) -> Result<(Vec<PlannedLine>, Vec<ExcludedLine>), AppError> {
    let statuses = statuses_of(conn, person_ids)?;
    let spans: Vec<CoverSpan> = emp_db::employments_of_persons(conn, person_ids)?
        .iter()
        .filter(|e| e.unit_id != unit_id && e.insurance == Insurance::Pension)
        .map(|e| CoverSpan::of(e.start_date, e.stop_date))
        .collect();
    let assessed: Vec<Period> =
        lines_db::live_periods_elsewhere(conn, person_ids, unit_id, Insurance::Pension.code())?
            .into_iter()
            .filter_map(|p| Period::from_yyyymm(p).ok())
            .collect();
    let first = periods.iter().map(|(p, _)| p.yyyymm()).min().unwrap_or(0);
    let mut here: Vec<(Period, Insurance)> = Vec::new();
    for ins in insurances {
        for l in lines_db::live_from_period(conn, unit_id, person_ids, ins.code(), first)? {
            here.push((l.period, *ins));
        }
    }
    let history = PersonHistory {
        statuses,
        spans,
        assessed,
        here,
    };
    Ok(history.plan(periods, insurances, unit_starts))
}

/// What the planning of a person's lines reads: statuses (R-EMP-7), the
/// pension relations and lines at other units (R-EMP-4) and the live lines
/// here. A person new to the system has none of them
/// ([`PersonHistory::default`]).
#[derive(Debug, Clone, Default)]
pub struct PersonHistory {
    pub statuses: Vec<qibao_core::employment::PersonStatus>,
    pub spans: Vec<CoverSpan>,
    pub assessed: Vec<Period>,
    pub here: Vec<(Period, Insurance)>,
}

impl PersonHistory {
    /// The lines to create and those left out, decided by the rules of
    /// `qibao_core::employment`.
    pub fn plan(
        &self,
        periods: &[(Period, AssessmentKind)],
        insurances: &[Insurance],
        unit_starts: &HashMap<Insurance, Period>,
    ) -> (Vec<PlannedLine>, Vec<ExcludedLine>) {
        let plan = plan_lines(periods, insurances, &self.statuses, &|p| {
            pension_elsewhere(p, &self.spans, &self.assessed)
        });
        let (lines, mut excluded) = exclude_at_unit(plan.lines, unit_starts, &self.here);
        let mut all = plan.excluded;
        all.append(&mut excluded);
        (lines, all)
    }
}

pub(crate) fn line_summary(lines: &[LineDto]) -> Value {
    Value::Array(
        lines
            .iter()
            .map(|l| {
                json!({
                    "period": l.period, "insurance": l.insurance, "kind": l.kind,
                    "base": l.base, "unit_amount": l.unit_amount,
                    "individual_amount": l.individual_amount
                })
            })
            .collect(),
    )
}
