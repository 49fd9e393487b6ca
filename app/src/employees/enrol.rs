//! 单位职工参保登记/续保 (R-EMP-1…4): a known ID (any spelling, any of its
//! person numbers) continues the existing person; a person paying at another
//! unit is refused until that unit suspends (R-EMP-2); the start date's
//! back-pay window creates pending lines (R-EMP-3), each at its own
//! period's parameters; a month whose pension is paid elsewhere gets only
//! the non-refundable work-injury line (R-EMP-4). A registered person is
//! continued only after 身份验证 (ID number and registered name, or the
//! unit's own history with the person); otherwise the answer is
//! `IDENTITY_MISMATCH` and nothing of the record is shown. Nothing is
//! written when the request is refused.

use std::collections::HashMap;

use qibao_core::contribution::{WageBasis, declared_monthly_wage};
use qibao_core::employment::{
    ActiveRelation, EmployeeItemKind, EnrolmentRefusal, IdType, check_identity,
    check_no_active_relation, enrolment_periods, id_spellings, name_matches,
};
use qibao_core::ids::Gender;
use qibao_core::insurance::Insurance;
use qibao_core::rules::{check_first_work_date, clamp_labour_contract, enrolment_plan};
use qibao_core::{Money, Period};
use qibao_db::business_items as items_db;
use qibao_db::employees as emp_db;
use qibao_db::ids::{PersonId, UnitId};
use qibao_db::rows::{NewEmployment, NewPerson};
use qibao_db::{DbConn, repo};
use serde_json::json;
use time::{Date, PrimitiveDateTime};

use super::effects::{Effects, GeneralFields, after_json};
use super::lines::{create_lines, line_summary, plan_error, plan_for, refusal};
use super::{
    DONE, EnrolmentResult, LabourContractNotice, LineDto, LineTotals, PersonDto, RelationDto,
    active_relations, retryable,
};
use crate::actor::Actor;
use crate::context::UnitContext;
use crate::error::{AppError, ErrorCode, ErrorKind};
use crate::items::{self, ItemRecord};
use crate::tx::transaction_with_retry;

/// A checked enrolment request (R-EMP-1).
#[derive(Debug, Clone)]
pub struct EnrolInput {
    pub id_type: IdType,
    /// The normalised ID number (R-ID-1) or document number.
    pub id_number: String,
    pub converted_from: Option<String>,
    pub name: String,
    pub gender: Gender,
    pub birth_date: Date,
    pub nationality: String,
    pub phone: String,
    pub address: Option<String>,
    pub first_work_date: Option<Date>,
    pub start_date: Date,
    /// `None`: every insurance the unit is registered for.
    pub insurances: Option<Vec<Insurance>>,
    pub monthly_wage: Money,
}

/// 单位职工参保登记/续保 (R-EMP-1…4), in one transaction, run once more
/// when a concurrent request took the same ID or relation first.
pub fn enrol(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    input: &EnrolInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<EnrolmentResult, AppError> {
    transaction_with_retry(conn, |c| enrol_in(c, who, unit_id, input, today, now))
}

fn enrol_in(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    input: &EnrolInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<EnrolmentResult, AppError> {
    let mut ctx = UnitContext::load(conn, unit_id)?;
    let insurances: Vec<Insurance> = match &input.insurances {
        Some(list) => list.clone(),
        None => ctx
            .insurances()
            .into_iter()
            .filter(|i| ctx.registration(*i).is_some())
            .collect(),
    };
    if insurances.is_empty() {
        return Err(AppError::new(ErrorCode::InsuranceNotRegistered)
            .with_detail("本单位没有处于参保状态的险种，不能办理职工参保")
            .as_kind(ErrorKind::Unprocessable)
            .with_field_error("insurances", "本单位没有处于参保状态的险种"));
    }
    for (i, ins) in insurances.iter().enumerate() {
        if ctx.registration(*ins).is_none() {
            let msg = EnrolmentRefusal::InsuranceNotRegistered { insurance: *ins }.to_string();
            return Err(AppError::new(ErrorCode::InsuranceNotRegistered)
                .with_detail(msg.clone())
                .as_kind(ErrorKind::Unprocessable)
                .with_field_error(format!("insurances[{i}]"), msg));
        }
    }

    // A known ID continues the existing person (any of its numbers), once
    // its identity is proven (身份验证): the registered name, or a unit
    // that employs or employed the person. A mismatch shows nothing of the
    // record, whatever it holds (paying elsewhere or not).
    let existing = emp_db::find_by_id_spellings(conn, &id_spellings(&input.id_number))?;
    let ids: Vec<PersonId> = existing.iter().map(|p| p.id).collect();
    let name_matched = if existing.is_empty() {
        true
    } else {
        let names: Vec<&str> = existing.iter().map(|p| p.name.as_str()).collect();
        let employed_here = emp_db::employments_of_persons(conn, &ids)?
            .iter()
            .any(|e| e.unit_id == unit_id);
        check_identity(&names, &input.name, employed_here).map_err(refusal)?
    };
    let active = active_relations(conn, &ids)?;
    let primary = existing
        .iter()
        .find(|p| active.iter().any(|(e, _)| e.person_id == p.id))
        .or_else(|| existing.first())
        .cloned();
    let rels: Vec<ActiveRelation> = active.iter().map(|(_, r)| r.clone()).collect();
    // Another unit is named only to a unit that proved the identity.
    check_no_active_relation(unit_id.0, &insurances, &rels)
        .map_err(|e| refusal(if name_matched { e } else { e.undisclosed() }))?;
    // A continued person keeps the registered name: key information is
    // changed only at the counter (R-EMP-9); the agent of a unit that
    // employed the person is told.
    let name_differs = primary
        .as_ref()
        .is_some_and(|p| !name_matches(&p.name, &input.name));

    let first_work = primary
        .as_ref()
        .and_then(|p| p.first_work_date)
        .or(input.first_work_date);
    let current = Period::of(today);
    let window = ctx.params(current)?.windows.back_pay_months;
    let plan = enrolment_plan(
        input.start_date,
        today,
        input.birth_date,
        first_work,
        window,
    )
    .map_err(plan_error)?;
    check_first_work_date(primary.is_some(), first_work)
        .map_err(|e| AppError::invalid_field("first_work_date", e.to_string()))?;
    let unit_starts = ctx.starts(&insurances);
    let labour_contract_periods = clamp_labour_contract(&plan, unit_starts.values().min().copied());
    let periods = enrolment_periods(&plan);
    let (planned, excluded) = plan_for(conn, unit_id, &ids, &periods, &insurances, &unit_starts)?;

    // The person: continued, or created with the ID claimed.
    let (person, created, person_before, person_after) = match primary {
        Some(p) => {
            let before = GeneralFields::of(&p);
            let after = GeneralFields {
                phone: Some(input.phone.clone()),
                address: input.address.clone().or(p.address.clone()),
                first_work_date: p.first_work_date.or(input.first_work_date),
            };
            if after == before {
                (p, false, None, None)
            } else {
                let updated = emp_db::update_general(
                    conn,
                    p.id,
                    &emp_db::PersonGeneralChange {
                        phone: after.phone.clone(),
                        address: after.address.clone(),
                        first_work_date: after.first_work_date,
                        updated_at: now,
                    },
                )?;
                (updated, false, Some(before), Some(after))
            }
        }
        None => {
            let person_no = repo::next_sequence(conn, "person_no")?.to_string();
            let p = repo::insert_person(
                conn,
                &NewPerson {
                    person_no,
                    id_type: input.id_type.code().to_string(),
                    id_number: input.id_number.clone(),
                    name: input.name.clone(),
                    gender: input.gender.code().to_string(),
                    birth_date: input.birth_date,
                    nationality: input.nationality.clone(),
                    phone: Some(input.phone.clone()),
                    address: input.address.clone(),
                    first_work_date: input.first_work_date,
                    created_at: now,
                    updated_at: now,
                },
            )
            .map_err(retryable)?;
            emp_db::claim_id_key(conn, &input.id_number, p.id).map_err(retryable)?;
            (p, true, None, None)
        }
    };

    let declared = declared_monthly_wage(WageBasis::Monthly {
        wage: input.monthly_wage,
    })?;
    let mut relations = Vec::new();
    let mut relation_of = HashMap::new();
    for ins in &insurances {
        let e = repo::insert_employment(
            conn,
            &NewEmployment {
                unit_id,
                person_id: person.id,
                insurance: ins.code().to_string(),
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
        relation_of.insert(*ins, e.id);
        relations.push(e);
    }

    let item = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: EmployeeItemKind::Enrolment.item_kind(),
            status: DONE,
            before: person_before.as_ref().map(|b| json!({ "person": b })),
            after: None,
        },
        now,
    )?;
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
    if !created {
        messages.push(format!(
            "该人员已有个人编号{}，本次为续保，未新建人员",
            person.person_no
        ));
    }
    if name_differs {
        messages.push(format!(
            "填写的姓名“{}”与登记的姓名“{}”不一致，已按登记信息办理；如登记有误，请携带证明材料到经办机构柜台变更",
            input.name, person.name
        ));
    }
    if let Some(from) = &input.converted_from {
        messages.push(format!(
            "15位身份证号码{from}已转换为18位号码{}",
            input.id_number
        ));
    }
    let labour_contract = labour_contract_periods.map(|(from, to)| {
        let message = format!(
            "本次参工时间早于可自动补缴的期间（当月及前{window}个月），已从{}起参保；{from}至{to}的缴费须另行申请劳动合同补缴",
            plan.current_period
        );
        messages.push(message.clone());
        LabourContractNotice { from, to, message }
    });
    if excluded.iter().any(|e| e.reason == "paid_elsewhere") {
        messages.push(
            "该人员当月养老保险已在原单位缴纳，本单位当月只核定工伤保险，该工伤保险费不予退费"
                .to_string(),
        );
    }

    let effects = Effects {
        person_id: person.id,
        person_no: person.person_no.clone(),
        person_created: created,
        person_before,
        person_after,
        employments_created: relations.iter().map(|e| e.id).collect(),
        employments_changed: Vec::new(),
        lines_created: rows.iter().map(|r| r.id).collect(),
        lines_cancelled: Vec::new(),
    };
    let summary = json!({
        "person_no": person.person_no, "name": person.name, "id_number": person.id_number,
        "person_created": created, "start_date": input.start_date,
        "insurances": insurances, "declared_wage": declared,
        "lines": line_summary(&lines),
        "labour_contract_back_pay": labour_contract.as_ref().map(|l| json!({"from": l.from, "to": l.to})),
    });
    items_db::set_after(conn, item.id, &after_json(summary, &effects)?, now)?;

    Ok(EnrolmentResult {
        business_item_id: item.id.0,
        person: PersonDto::of(&person),
        person_created: created,
        id_number_converted_from: input.converted_from.clone(),
        declared_wage: declared,
        relations: relations
            .iter()
            .map(RelationDto::of)
            .collect::<Result<_, _>>()?,
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
