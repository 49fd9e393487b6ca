//! 参保人员查询 (R-EMP-1…9 as the unit sees them): the unit's insured
//! persons, filtered and paged in SQL, or every matching row for an export
//! (the API renders CSV / XLSX). Each row is computed by the rules
//! (`payment_status`, `is_retired`, `paid_up_period` R-PAY-3) from its
//! person's relations, lines and status records at the unit.

use std::collections::HashMap;

use qibao_core::employment::{
    IdType, InsuredStatus, LineStatus, PaymentStatus, PersonStatus, PersonStatusKind, id_spellings,
    is_retired, payment_status,
};
use qibao_core::insurance::Insurance;
use qibao_core::{Money, Period};
use qibao_db::ids::{PersonId, UnitId};
use qibao_db::rows::{Employment, Person};
use qibao_db::{DbConn, employees as emp_db, repo};
use serde::Serialize;
use time::Date;

use super::{RelationDto, person_id_type, person_status};
use crate::error::AppError;

/// One insured person of the unit (参保人员).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmployeeRow {
    pub person_no: String,
    pub name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub gender: String,
    pub birth_date: Date,
    /// paying or suspended at this unit.
    pub insured_status: InsuredStatus,
    /// Insured status code (AAC031): 1 paying, 2 suspended.
    pub insured_status_code: String,
    pub payment_status: PaymentStatus,
    pub retired: bool,
    /// The latest relation per insurance at this unit.
    pub insurances: Vec<RelationDto>,
    /// The declared monthly wage of the latest relation.
    pub declared_wage: Money,
    /// The latest month paid (到账) at this unit.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub latest_paid_period: Option<Period>,
    /// The person's paid-up period here (R-PAY-3): the latest month up to
    /// which every assessed month is paid.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub paid_up_period: Option<Period>,
    /// Months assessed and not yet paid.
    pub unpaid_periods: Vec<Period>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmployeePage {
    pub items: Vec<EmployeeRow>,
    pub total: usize,
    pub page: usize,
    pub page_size: usize,
}

/// The rows of these persons (already filtered and ordered), read for just
/// them: their relations and lines at the unit and their status records,
/// one query per kind of data ([`IN_CHUNK`](emp_db::IN_CHUNK) persons per
/// statement), each row computed by the rules from its person's share.
fn rows_of(
    conn: &mut DbConn,
    unit_id: UnitId,
    persons: &[Person],
    current: Period,
) -> Result<Vec<EmployeeRow>, AppError> {
    let ids: Vec<PersonId> = persons.iter().map(|p| p.id).collect();
    let mut relations: HashMap<PersonId, Vec<Employment>> = HashMap::new();
    for e in emp_db::employments_at_unit(conn, unit_id, &ids)? {
        relations.entry(e.person_id).or_default().push(e);
    }
    let mut lines: HashMap<PersonId, Vec<emp_db::LineFact>> = HashMap::new();
    for l in emp_db::line_facts_at_unit(conn, unit_id, &ids)? {
        lines.entry(l.person_id).or_default().push(l);
    }
    let mut statuses: HashMap<PersonId, Vec<PersonStatus>> = HashMap::new();
    for row in emp_db::list_statuses(conn, &ids)? {
        statuses
            .entry(row.person_id)
            .or_default()
            .push(person_status(&row)?);
    }
    persons
        .iter()
        .map(|p| {
            let rel: Vec<&Employment> = relations.get(&p.id).into_iter().flatten().collect();
            let lin = lines.get(&p.id).map(Vec::as_slice).unwrap_or_default();
            let st = statuses.get(&p.id).map(Vec::as_slice).unwrap_or_default();
            build_row(p, &rel, lin, st, current)
        })
        .collect()
}

/// The latest relation per insurance (an active one first).
fn latest_relations<'a>(relations: &[&'a Employment]) -> Vec<&'a Employment> {
    let mut by: Vec<&'a Employment> = Vec::new();
    for ins in Insurance::COLLECTED {
        let of: Vec<&&Employment> = relations.iter().filter(|e| e.insurance == ins).collect();
        if let Some(e) = of
            .iter()
            .find(|e| e.status == repo::ACTIVE)
            .or_else(|| of.iter().max_by_key(|e| e.id))
        {
            by.push(**e);
        }
    }
    by
}

pub(crate) fn build_row(
    person: &Person,
    relations: &[&Employment],
    lines: &[emp_db::LineFact],
    statuses: &[PersonStatus],
    current: Period,
) -> Result<EmployeeRow, AppError> {
    let latest = latest_relations(relations);
    let paying = latest.iter().any(|e| e.status == repo::ACTIVE);
    let status = if paying {
        InsuredStatus::Paying
    } else {
        InsuredStatus::Suspended
    };
    let mut unpaid: Vec<Period> = lines
        .iter()
        .filter(|l| l.unpaid)
        .map(|l| l.period)
        .collect();
    unpaid.sort();
    unpaid.dedup();
    let latest_paid = lines.iter().filter(|l| l.paid()).map(|l| l.period).max();
    let months: Vec<(Period, bool)> = lines
        .iter()
        .filter(|l| l.live)
        .map(|l| (l.period, l.paid()))
        .collect();
    let paid_up = qibao_core::payment::paid_up_period(None, &months);
    let declared = relations
        .iter()
        .max_by_key(|e| (e.status == repo::ACTIVE, e.id))
        .map(|e| Money::from_fen(e.monthly_wage_fen))
        .unwrap_or(Money::ZERO);
    Ok(EmployeeRow {
        person_no: person.person_no.clone(),
        name: person.name.clone(),
        id_type: person_id_type(person),
        id_number: person.id_number.clone(),
        gender: person.gender.clone(),
        birth_date: person.birth_date,
        insured_status: status,
        insured_status_code: status.code().to_string(),
        payment_status: payment_status(unpaid.iter().copied(), current),
        retired: is_retired(statuses, current),
        insurances: latest
            .iter()
            .map(|e| RelationDto::of(e))
            .collect::<Result<_, _>>()?,
        declared_wage: declared,
        latest_paid_period: latest_paid,
        paid_up_period: paid_up,
        unpaid_periods: unpaid,
    })
}

/// What the unit searches its insured persons by (parsed by the API).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub person_no: Option<String>,
    pub id_key: Option<String>,
    pub name: Option<String>,
    pub insurance: Option<Insurance>,
    pub insured: Option<InsuredStatus>,
    pub payment: Option<PaymentStatus>,
    pub retired: Option<bool>,
}

impl ListFilter {
    /// The filter as conditions on stored rows, for the list query. Each
    /// condition selects exactly the persons whose row field (computed by
    /// the rules in `build_row`) has the asked value:
    /// - the insurances shown are the latest relation per collected
    ///   insurance, an active one first, so "paying in X" is "an active
    ///   relation in X" and "suspended in X" is "a relation in X and no
    ///   active one"; the insured status is paying iff any is active;
    /// - the payment status is decided by two facts about the unpaid lines
    ///   ([`PaymentStatus::unpaid_facts`]);
    /// - retired is a retirement record from the current month or before
    ///   (`is_retired`);
    /// - the ID matches any stored spelling of its key (`id_spellings`).
    pub fn to_roster(&self, current: Period) -> emp_db::RosterFilter {
        let collected = || {
            Insurance::COLLECTED
                .iter()
                .map(|i| i.code().to_string())
                .collect::<Vec<_>>()
        };
        let (related_in, active_in) = match (self.insurance, self.insured) {
            (Some(ins), None) => (Some(vec![ins.code().to_string()]), None),
            (Some(ins), Some(InsuredStatus::Paying)) => {
                (None, Some((true, vec![ins.code().to_string()])))
            }
            (Some(ins), Some(InsuredStatus::Suspended)) => (
                Some(vec![ins.code().to_string()]),
                Some((false, vec![ins.code().to_string()])),
            ),
            (None, Some(st)) => (None, Some((st == InsuredStatus::Paying, collected()))),
            (None, None) => (None, None),
        };
        emp_db::RosterFilter {
            person_no: self.person_no.clone(),
            id_spellings: self.id_key.as_deref().map(id_spellings),
            name_part: self.name.clone(),
            related_in,
            active_in,
            unpaid: self.payment.map(|status| {
                let (any, before_current) = status.unpaid_facts();
                emp_db::UnpaidCondition {
                    statuses: LineStatus::ALL
                        .into_iter()
                        .filter(|s| s.is_unpaid())
                        .map(|s| s.code().to_string())
                        .collect(),
                    any,
                    before_current,
                    current: current.yyyymm(),
                }
            }),
            status_since: self.retired.map(|retired| {
                (
                    retired,
                    PersonStatusKind::Retirement.code().to_string(),
                    current.yyyymm(),
                )
            }),
        }
    }
}

/// One page of the unit's insured persons matching `filter`
/// (`page` from 1, `page_size` rows).
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    filter: &ListFilter,
    page: usize,
    page_size: usize,
    current: Period,
) -> Result<EmployeePage, AppError> {
    let offset = i64::try_from((page - 1) * page_size).map_err(AppError::internal_cause)?;
    let limit = i64::try_from(page_size).map_err(AppError::internal_cause)?;
    let roster = filter.to_roster(current);
    let (persons, total) = emp_db::roster_page(conn, unit_id, &roster, Some((offset, limit)))?;
    let items = rows_of(conn, unit_id, &persons, current)?;
    let total = usize::try_from(total.unwrap_or_default()).map_err(AppError::internal_cause)?;
    Ok(EmployeePage {
        items,
        total,
        page,
        page_size,
    })
}

/// Every insured person of the unit matching `filter`, for an export.
pub fn export(
    conn: &mut DbConn,
    unit_id: UnitId,
    filter: &ListFilter,
    current: Period,
) -> Result<Vec<EmployeeRow>, AppError> {
    let roster = filter.to_roster(current);
    let (persons, _) = emp_db::roster_page(conn, unit_id, &roster, None)?;
    rows_of(conn, unit_id, &persons, current)
}
