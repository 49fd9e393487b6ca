//! 人员增减变动查询 (R-UNIT-1's staff increases/decreases summary): per
//! month and insurance, relations starting in the month, relations stopped
//! from the month (the month after the stop date's month, R-EMP-5) and the
//! persons insured; the counting is `qibao_core::employment::staff_changes`.

use std::collections::{BTreeSet, HashMap};

use qibao_core::Period;
use qibao_core::employment::{RelationSpan, staff_changes as changes_by_month};
use qibao_core::insurance::Insurance;
use qibao_db::ids::{PersonId, UnitId};
use qibao_db::rows::Person;
use qibao_db::{DbConn, employees as emp_db};
use serde::Serialize;

use crate::error::AppError;

/// A person in the summary.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonRef {
    pub person_no: String,
    pub name: String,
}

/// Increases and decreases of one insurance in one month.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InsuranceChanges {
    pub insurance: Insurance,
    pub insurance_name: String,
    /// Persons whose relation starts this month (增员).
    pub increased: usize,
    /// Persons stopped from this month (减员).
    pub decreased: usize,
    /// Persons insured in the month (参保人数).
    pub insured: usize,
    pub increased_persons: Vec<PersonRef>,
    pub decreased_persons: Vec<PersonRef>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodChanges {
    pub period: Period,
    pub insurances: Vec<InsuranceChanges>,
}

/// 人员增减变动查询.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffChangesReport {
    pub from: Period,
    pub to: Period,
    pub periods: Vec<PeriodChanges>,
}

/// The unit's increases and decreases from `from` to `to` (checked by the
/// API: in order, at most 36 months).
pub fn report(
    conn: &mut DbConn,
    unit_id: UnitId,
    from: Period,
    to: Period,
) -> Result<StaffChangesReport, AppError> {
    let ctx_insurances: Vec<Insurance> = {
        let regs = emp_db::list_unit_insurances(conn, unit_id)?;
        Insurance::COLLECTED
            .into_iter()
            .filter(|i| regs.iter().any(|r| r.insurance == *i))
            .collect()
    };
    let relations = emp_db::employments_of_unit(conn, unit_id)?;
    let spans: Vec<RelationSpan> = relations
        .iter()
        .map(|e| RelationSpan {
            person_id: e.person_id.0,
            insurance: e.insurance,
            start: e.start_date,
            stop: e.stop_date,
        })
        .collect();
    let ids: Vec<PersonId> = relations
        .iter()
        .map(|e| e.person_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let persons: HashMap<PersonId, Person> = emp_db::get_persons(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let refs = |ids: &[i64]| -> Vec<PersonRef> {
        ids.iter()
            .filter_map(|id| persons.get(&PersonId(*id)))
            .map(|p| PersonRef {
                person_no: p.person_no.clone(),
                name: p.name.clone(),
            })
            .collect()
    };
    let mut periods: Vec<PeriodChanges> = Vec::new();
    for c in changes_by_month(&spans, &ctx_insurances, from, to) {
        let entry = InsuranceChanges {
            insurance: c.insurance,
            insurance_name: c.insurance.name_zh().to_string(),
            increased: c.increased.len(),
            decreased: c.decreased.len(),
            insured: c.insured,
            increased_persons: refs(&c.increased),
            decreased_persons: refs(&c.decreased),
        };
        match periods.last_mut() {
            Some(p) if p.period == c.period => p.insurances.push(entry),
            _ => periods.push(PeriodChanges {
                period: c.period,
                insurances: vec![entry],
            }),
        }
    }
    Ok(StaffChangesReport { from, to, periods })
}
