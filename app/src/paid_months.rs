//! 实缴到账: each person's months paid and allocated at a unit, by
//! insurance, with the paid-from / paid-to spans a certificate lists
//! (R-PAY-3, R-CERT-1). A month counts once its line is allocated; a month
//! refunded (退费) no longer counts.

use std::collections::{BTreeMap, HashMap, HashSet};

use qibao_core::Period;
use qibao_core::insurance::Insurance;
use qibao_core::payment::contiguous_spans;
use qibao_db::ids::{AssessmentId, PersonId, UnitId};
use qibao_db::{DbConn, employees as emp_db};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, corrupt};
use crate::tx::read_transaction;

/// Which persons and insurances, and which page (`page` from 1,
/// `page_size` rows).
#[derive(Debug, Clone)]
pub struct PaidMonthsFilter {
    pub insurance: Option<Insurance>,
    /// One person (个人编号, AAC001).
    pub person_no: Option<String>,
    pub page: i64,
    pub page_size: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaidSpan {
    pub from: Period,
    pub to: Period,
    pub months: i64,
}

/// One person's paid months of one insurance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaidMonthsDto {
    pub person_no: String,
    pub name: String,
    pub insurance: String,
    pub insurance_name: String,
    /// Months paid and allocated (实缴到账), ascending.
    pub months: Vec<Period>,
    /// The same as contiguous spans (paid-from / paid-to).
    pub spans: Vec<PaidSpan>,
    pub latest_paid_period: Period,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaidMonthsPage {
    pub items: Vec<PaidMonthsDto>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// One page of the unit's persons and insurances with paid months
/// (实缴到账明细), in one read snapshot.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    filter: &PaidMonthsFilter,
) -> Result<PaidMonthsPage, AppError> {
    read_transaction(conn, |c| page_of(c, unit_id, filter))
}

/// The unit's paid and allocated months (实缴到账) by person and insurance
/// code, ascending, refunded months left out: the read model that the
/// paid-months list and certificates share. In the caller's transaction.
pub(crate) fn paid_by_person(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: Option<Insurance>,
    persons: Option<&[PersonId]>,
    periods: Option<(Period, Period)>,
) -> Result<BTreeMap<(PersonId, String), Vec<Period>>, AppError> {
    let periods = periods.map(|(from, to)| (from.yyyymm(), to.yyyymm()));
    let rows =
        qibao_db::tax::paid_months(conn, unit_id, insurance.map(|i| i.code()), persons, periods)?;
    let mut persons: Vec<PersonId> = rows.iter().map(|r| r.1).collect();
    persons.sort_unstable();
    persons.dedup();
    let refunded: HashSet<AssessmentId> =
        qibao_db::refunds::refunded_assessment_ids(conn, &persons)?
            .into_iter()
            .collect();
    let mut by: BTreeMap<(PersonId, String), Vec<Period>> = BTreeMap::new();
    for (id, person, ins, period) in rows {
        if refunded.contains(&id) {
            continue;
        }
        let p = Period::from_yyyymm(period).map_err(|e| corrupt("period", e))?;
        by.entry((person, ins)).or_default().push(p);
    }
    Ok(by)
}

/// Every matching row (the export), in one read snapshot: the read model
/// is built once, not once per page.
pub fn export(
    conn: &mut DbConn,
    unit_id: UnitId,
    filter: &PaidMonthsFilter,
) -> Result<Vec<PaidMonthsDto>, AppError> {
    let all = PaidMonthsFilter {
        page: 1,
        page_size: i64::MAX,
        ..filter.clone()
    };
    Ok(list(conn, unit_id, &all)?.items)
}

fn page_of(
    conn: &mut DbConn,
    unit_id: UnitId,
    filter: &PaidMonthsFilter,
) -> Result<PaidMonthsPage, AppError> {
    let (page, page_size) = (filter.page, filter.page_size);
    let person_id = match filter.person_no.as_deref() {
        None => None,
        // A person of no line here simply has no paid months.
        Some(no) => match emp_db::find_by_person_no(conn, no.trim())? {
            Some(p) => Some(p.id),
            None => {
                return Ok(PaidMonthsPage {
                    items: Vec::new(),
                    total: 0,
                    page,
                    page_size,
                });
            }
        },
    };
    let by = paid_by_person(
        conn,
        unit_id,
        filter.insurance,
        person_id.as_ref().map(std::slice::from_ref),
        None,
    )?;
    let total = i64::try_from(by.len()).unwrap_or(i64::MAX);
    let chosen: Vec<((PersonId, String), Vec<Period>)> = by
        .into_iter()
        .skip(usize::try_from((page - 1).saturating_mul(page_size)).unwrap_or(usize::MAX))
        .take(usize::try_from(page_size).unwrap_or(0))
        .collect();
    let ids: Vec<PersonId> = chosen.iter().map(|((p, _), _)| *p).collect();
    let names: HashMap<PersonId, (String, String)> = emp_db::get_persons(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, (p.person_no, p.name)))
        .collect();
    let mut items = Vec::with_capacity(chosen.len());
    for ((person, ins), months) in chosen {
        let insurance = Insurance::from_code(&ins).map_err(|e| corrupt("insurance", e))?;
        let (no, name) = names.get(&person).cloned().unwrap_or_default();
        let spans = contiguous_spans(&months)
            .into_iter()
            .map(|(from, to)| PaidSpan {
                from,
                to,
                months: i64::from(from.months_until(to)) + 1,
            })
            .collect();
        let latest = *months
            .last()
            .ok_or_else(|| corrupt("paid months", person))?;
        items.push(PaidMonthsDto {
            person_no: no,
            name,
            insurance: ins,
            insurance_name: insurance.name_zh().to_owned(),
            months,
            spans,
            latest_paid_period: latest,
        });
    }
    Ok(PaidMonthsPage {
        items,
        total,
        page,
        page_size,
    })
}
