//! 单位职工增加险种: a new relation in one more insurance for an employee
//! paying at the unit, with the same back-pay window as an enrolment
//! (R-EMP-2, R-EMP-3, R-EMP-4).

use std::collections::HashMap;

use qibao_core::contribution::{WageBasis, declared_monthly_wage};
use qibao_core::employment::{
    ActiveRelation, EmployeeItemKind, EnrolmentRefusal, check_no_active_relation, enrolment_periods,
};
use qibao_core::insurance::Insurance;
use qibao_core::rules::{clamp_labour_contract, enrolment_plan};
use qibao_core::{Money, Period};
use qibao_db::business_items as items_db;
use qibao_db::ids::UnitId;
use qibao_db::rows::{Employment, NewEmployment};
use qibao_db::{DbConn, repo};
use serde_json::json;
use time::{Date, PrimitiveDateTime};

use super::effects::{Effects, after_json};
use super::lines::{create_lines, line_summary, plan_error, plan_for, refusal};
use super::{
    DONE, EnrolmentResult, LabourContractNotice, LineDto, LineTotals, PersonDto, RelationDto,
    active_relations, retryable, same_person_ids, unit_person,
};
use crate::actor::Actor;
use crate::context::UnitContext;
use crate::error::{AppError, ErrorCode};
use crate::items::{self, ItemRecord};
use crate::tx::transaction_with_retry;

/// A checked request to add an insurance for an employee.
#[derive(Debug, Clone)]
pub struct AddInsuranceInput {
    pub insurance: Insurance,
    pub start_date: Date,
    pub monthly_wage: Option<Money>,
}

/// 单位职工增加险种: a new relation in one more insurance for a paying
/// employee, with the same back-pay window as an enrolment.
/// In one transaction, run once more on a concurrent change.
pub fn add_insurance(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    person_no: &str,
    input: &AddInsuranceInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<EnrolmentResult, AppError> {
    transaction_with_retry(conn, |c| {
        add_insurance_in(c, who, unit_id, person_no, input, today, now)
    })
}

fn add_insurance_in(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    person_no: &str,
    input: &AddInsuranceInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<EnrolmentResult, AppError> {
    let (person, relations_here) = unit_person(conn, unit_id, person_no)?;
    let mut ctx = UnitContext::load(conn, unit_id)?;
    let Some(reg) = ctx.registration(input.insurance) else {
        return Err(refusal(EnrolmentRefusal::InsuranceNotRegistered {
            insurance: input.insurance,
        }));
    };
    let unit_start = reg.start_period;
    let active_here: Vec<&Employment> = relations_here
        .iter()
        .filter(|e| e.status == repo::ACTIVE)
        .collect();
    let Some(latest) = active_here.iter().max_by_key(|e| e.id) else {
        return Err(AppError::new(ErrorCode::NotActive)
            .with_detail("该人员在本单位已暂停缴费，请办理参保登记（续保）后再增加险种"));
    };
    let ids = same_person_ids(conn, &person)?;
    let active: Vec<ActiveRelation> = active_relations(conn, &ids)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    check_no_active_relation(unit_id.0, &[input.insurance], &active).map_err(refusal)?;

    let current = Period::of(today);
    let window = ctx.params(current)?.windows.back_pay_months;
    let plan = enrolment_plan(
        input.start_date,
        today,
        person.birth_date,
        person.first_work_date,
        window,
    )
    .map_err(plan_error)?;
    let unit_starts = HashMap::from([(input.insurance, unit_start)]);
    let labour_contract_periods = clamp_labour_contract(&plan, unit_starts.values().min().copied());
    let declared = match input.monthly_wage {
        Some(w) => declared_monthly_wage(WageBasis::Monthly { wage: w })?,
        None => Money::from_fen(latest.monthly_wage_fen),
    };
    let periods = enrolment_periods(&plan);
    let (planned, excluded) = plan_for(
        conn,
        unit_id,
        &ids,
        &periods,
        &[input.insurance],
        &unit_starts,
    )?;

    let e = repo::insert_employment(
        conn,
        &NewEmployment {
            unit_id,
            person_id: person.id,
            insurance: input.insurance.code().to_string(),
            start_date: input.start_date,
            stop_date: None,
            stop_reason: None,
            status: repo::ACTIVE.to_string(),
            monthly_wage_fen: declared.fen(),
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(retryable)?;
    let item = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: EmployeeItemKind::InsuranceAdded.item_kind(),
            status: DONE,
            before: Some(json!({
                "insurances": active_here.iter().map(|e| e.insurance).collect::<Vec<_>>()
            })),
            after: None,
        },
        now,
    )?;
    let relation_of = HashMap::from([(input.insurance, e.id)]);
    let rows = create_lines(
        conn,
        &mut ctx,
        person.id,
        &relation_of,
        declared,
        &planned,
        item.id,
        now,
    )?;
    let lines = LineDto::many(&rows)?;
    let mut messages = Vec::new();
    let labour_contract = labour_contract_periods.map(|(from, to)| {
        let message = format!(
            "增加险种的参保时间早于可自动补缴的期间，已从{}起核定；{from}至{to}的缴费须另行申请劳动合同补缴",
            plan.current_period
        );
        messages.push(message.clone());
        LabourContractNotice { from, to, message }
    });
    let effects = Effects {
        employments_created: vec![e.id],
        lines_created: rows.iter().map(|r| r.id).collect(),
        ..Effects::of_person(&person)
    };
    let summary = json!({
        "person_no": person.person_no, "name": person.name, "insurance": input.insurance,
        "start_date": input.start_date, "declared_wage": declared, "lines": line_summary(&lines),
    });
    items_db::set_after(conn, item.id, &after_json(summary, &effects)?, now)?;
    Ok(EnrolmentResult {
        business_item_id: item.id.0,
        person: PersonDto::of(&person),
        person_created: false,
        id_number_converted_from: None,
        declared_wage: declared,
        relations: vec![RelationDto::of(&e)?],
        start_period: plan.start_period,
        current_period: plan.current_period,
        back_pay_periods: plan.back_pay_periods.clone(),
        totals: LineTotals::of(&lines),
        lines,
        excluded,
        labour_contract_back_pay: labour_contract,
        messages,
    })
}
