//! 个人参保信息: one employee of the unit with history — details, status,
//! relations, the base per social-insurance year, every line at the unit,
//! special statuses (R-EMP-6, R-EMP-7) and the other person numbers under
//! the same ID (一人多号, R-EMP-8). Another unit's person is 404.

use std::collections::BTreeMap;

use qibao_core::employment::{
    InsuredStatus, LineStatus, PaymentStatus, PersonStatusKind, id_spellings,
};
use qibao_core::{Money, Period};
use qibao_db::ids::UnitId;
use qibao_db::rows::Employment;
use qibao_db::{DbConn, assessments as lines_db, employees as emp_db};
use serde::Serialize;

use super::list::build_row;
use super::{LineDto, LineTotals, PersonDto, RelationDto, person_key, statuses_of, unit_person};
use crate::error::AppError;

/// A dated status shown to the unit (retirement, prison, bilateral exemption).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpecialStatusDto {
    pub kind: PersonStatusKind,
    #[cfg_attr(feature = "openapi", schema(example = "退休"))]
    pub label: String,
    pub from_period: Period,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub to_period: Option<Period>,
}

/// One employee with history (个人参保信息).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmployeeDetail {
    pub person: PersonDto,
    pub insured_status: InsuredStatus,
    /// AAC031: 1 paying, 2 suspended.
    pub insured_status_code: String,
    pub payment_status: PaymentStatus,
    pub retired: bool,
    /// Every relation with this unit, oldest first (参保历史).
    pub relations: Vec<RelationDto>,
    /// Contribution base per social-insurance year.
    pub bases_by_year: Vec<YearBase>,
    /// Every line at this unit, by period and insurance.
    pub lines: Vec<LineDto>,
    /// Sum of the pending and billed lines.
    pub unpaid_totals: LineTotals,
    pub special_statuses: Vec<SpecialStatusDto>,
    /// Other person numbers under the same ID (一人多号, R-EMP-8).
    pub other_person_numbers: Vec<String>,
}

/// Base per social-insurance year from a person's live lines (缴费基数).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearBase {
    /// Social-insurance year (社保年度), named by its first year.
    #[cfg_attr(feature = "openapi", schema(example = 2022))]
    pub si_year: i32,
    /// The base of the year's latest assessed month.
    pub base: Money,
    /// Months assessed in the year.
    pub months: usize,
}

/// The contribution base per social-insurance year of a person's lines: the
/// base of the year's latest assessed month, cancelled lines left out.
pub fn bases_by_year(lines: &[LineDto]) -> Vec<YearBase> {
    let mut by: BTreeMap<i32, (Period, Money, Vec<Period>)> = BTreeMap::new();
    for l in lines.iter().filter(|l| l.status != LineStatus::Cancelled) {
        let y = l.period.si_year().0;
        let entry = by.entry(y).or_insert((l.period, l.base, Vec::new()));
        if l.period >= entry.0 {
            entry.0 = l.period;
            entry.1 = l.base;
        }
        if !entry.2.contains(&l.period) {
            entry.2.push(l.period);
        }
    }
    by.into_iter()
        .map(|(si_year, (_, base, months))| YearBase {
            si_year,
            base,
            months: months.len(),
        })
        .collect()
}

/// One employee of the unit (`current`: the month the status is read at).
pub fn get(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_no: &str,
    current: Period,
) -> Result<EmployeeDetail, AppError> {
    let (p, relations) = unit_person(conn, unit_id, person_no)?;
    let lines = lines_db::list_for_unit_person(conn, unit_id, p.id)?;
    let statuses = statuses_of(conn, &[p.id])?;
    let rel_refs: Vec<&Employment> = relations.iter().collect();
    let facts: Vec<emp_db::LineFact> = lines.iter().map(emp_db::LineFact::from).collect();
    let row = build_row(&p, &rel_refs, &facts, &statuses, current)?;
    let line_dtos = LineDto::many(&lines)?;
    let unpaid: Vec<LineDto> = line_dtos
        .iter()
        .filter(|l| l.status.is_unpaid())
        .cloned()
        .collect();
    let others = emp_db::find_by_id_spellings(conn, &id_spellings(&person_key(&p)))?
        .into_iter()
        .filter(|o| o.id != p.id)
        .map(|o| o.person_no)
        .collect();
    Ok(EmployeeDetail {
        person: PersonDto::of(&p),
        insured_status: row.insured_status,
        insured_status_code: row.insured_status_code,
        payment_status: row.payment_status,
        retired: row.retired,
        relations: relations
            .iter()
            .map(RelationDto::of)
            .collect::<Result<_, _>>()?,
        bases_by_year: bases_by_year(&line_dtos),
        unpaid_totals: LineTotals::of(&unpaid),
        lines: line_dtos,
        special_statuses: statuses
            .iter()
            .map(|s| SpecialStatusDto {
                kind: s.kind,
                label: s.kind.label_zh().to_string(),
                from_period: s.from,
                to_period: s.to,
            })
            .collect(),
        other_person_numbers: others,
    })
}
