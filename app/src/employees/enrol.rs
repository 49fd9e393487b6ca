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
    ActiveRelation, AssessmentKind, EmployeeItemKind, EnrolmentRefusal, ExcludedLine, IdType,
    PlannedLine, check_identity, check_no_active_relation, enrolment_periods, id_spellings,
    name_matches,
};
use qibao_core::ids::Gender;
use qibao_core::insurance::Insurance;
use qibao_core::rules::{
    EnrolmentPlan, check_first_work_date, clamp_labour_contract, enrolment_plan,
};
use qibao_core::{Money, Period};
use qibao_db::assessments::Assessment;
use qibao_db::business_items as items_db;
use qibao_db::employees as emp_db;
use qibao_db::ids::{BusinessItemId, EmploymentId, PersonId, UnitId};
use qibao_db::rows::{Employment, NewEmployment, NewPerson, Person};
use qibao_db::{DbConn, repo};
use serde_json::json;
use time::{Date, PrimitiveDateTime};

use super::effects::{Effects, GeneralFields, after_json};
use super::lines::{
    PersonHistory, create_lines, line_summary, plan_error, plan_for, planned_rows, refusal,
};
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
/// when a concurrent request took the same ID or relation first. One
/// enrolment is a batch of one ([`enrol_batch`]).
pub fn enrol(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    input: &EnrolInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<EnrolmentResult, AppError> {
    transaction_with_retry(conn, |c| {
        let mut out = None;
        enrol_batch(
            c,
            who,
            unit_id,
            std::slice::from_ref(input),
            BatchMode::Write,
            today,
            now,
            &mut |_, r| out = Some(r),
        )?;
        match out {
            Some(Ok(Some(result))) => Ok(result),
            Some(Err(e)) => Err(e),
            _ => Err(AppError::internal_cause("an enrolment without its result")),
        }
    })
}

/// Whether a batch stores what it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchMode {
    /// Decide and store (the endpoint, an import's commit).
    Write,
    /// Decide every rule, store nothing for persons new to the system (an
    /// import's validation; a continued person is still run through its
    /// writes, in the caller's transaction, which the caller rolls back).
    Check,
}

/// 单位职工参保登记/续保 of many persons in the caller's transaction (an
/// import, or one request): every rule of [`enrol`] for each input, one
/// answer per input to `answer` with the input's index, not in order
/// (`Ok(None)`: checked only). Who is known is looked up once for the
/// whole batch, before anything is written. A refused input
/// writes nothing and does not stop the others. A person already known to
/// the system (any spelling of the ID) is continued on its own, in a
/// savepoint; persons new to the system are decided from the unit's
/// parameters alone and written together, a few multi-row statements for
/// the whole batch. An `Err` of the whole batch is a failure of storage
/// (or a concurrent change): the caller rolls back.
#[allow(clippy::too_many_arguments)]
pub fn enrol_batch(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    inputs: &[EnrolInput],
    mode: BatchMode,
    today: Date,
    now: PrimitiveDateTime,
    answer: &mut dyn FnMut(usize, Result<Option<EnrolmentResult>, AppError>),
) -> Result<(), AppError> {
    let mut ctx = UnitContext::load(conn, unit_id)?;
    // Who is known already: one lookup for the batch.
    let spellings: Vec<Vec<String>> = inputs.iter().map(|i| id_spellings(&i.id_number)).collect();
    let all: Vec<String> = spellings.iter().flatten().cloned().collect();
    let known = emp_db::find_by_id_spellings(conn, &all)?;
    let mut new_rows: Vec<(usize, Decided)> = Vec::new();
    let mut first_of: HashMap<String, usize> = HashMap::new();
    for (i, input) in inputs.iter().enumerate() {
        let existing: Vec<Person> = known
            .iter()
            .filter(|p| spellings[i].contains(&p.id_number))
            .cloned()
            .collect();
        if !existing.is_empty() {
            let r = qibao_db::conn::transaction(conn, |c| {
                enrol_known(c, &mut ctx, who, unit_id, input, existing, today, now)
            });
            match r {
                Err(e) if e.code() == ErrorCode::RetryConflict => return Err(e),
                Err(e) if matches!(e.kind(), ErrorKind::Internal | ErrorKind::Unavailable) => {
                    return Err(e);
                }
                r => answer(i, r.map(Some)),
            }
            continue;
        }
        // The same new person twice in one batch: the later one is refused
        // as the second request would be.
        let key = spellings[i].first().cloned().unwrap_or_default();
        if let Some(first) = first_of.get(&key) {
            let msg = format!(
                "与本批第{}条是同一人员（证件号码相同），不能重复参保",
                first + 1
            );
            answer(
                i,
                Err(AppError::new(ErrorCode::AlreadyEnrolled)
                    .with_detail(msg.clone())
                    .with_field_error("id_number", msg)),
            );
            continue;
        }
        first_of.insert(key, i);
        let decided = decide(&mut ctx, unit_id, input, &Known::default(), today).and_then(|d| {
            let planned = PersonHistory::default().plan(&d.periods, &d.insurances, &d.unit_starts);
            d.with_plan(planned)
        });
        match decided {
            Ok(d) if mode == BatchMode::Check => {
                drop(d);
                answer(i, Ok(None));
            }
            Ok(d) => new_rows.push((i, d)),
            Err(e) => answer(i, Err(e)),
        }
    }
    // Written a slice at a time: bounded statements and memory.
    while !new_rows.is_empty() {
        let rest = new_rows.split_off(new_rows.len().min(WRITE_SLICE));
        for (i, result) in write_new(conn, &mut ctx, who, unit_id, inputs, new_rows, now)? {
            answer(i, Ok(Some(result)));
        }
        new_rows = rest;
    }
    Ok(())
}

/// Persons new to the system written per slice of the batch.
const WRITE_SLICE: usize = 2_000;

/// What is known of a person before the enrolment.
#[derive(Debug, Clone, Default)]
struct Known {
    /// The persons registered under any spelling of the ID.
    existing: Vec<Person>,
    /// Whether this unit employs or employed one of them.
    employed_here: bool,
    /// Their active relations.
    active: Vec<(Employment, ActiveRelation)>,
}

/// An enrolment decided by the rules: everything it will write.
struct Decided {
    insurances: Vec<Insurance>,
    primary: Option<Person>,
    name_differs: bool,
    plan: EnrolmentPlan,
    window: u8,
    labour_contract_periods: Option<(Period, Period)>,
    periods: Vec<(Period, AssessmentKind)>,
    unit_starts: HashMap<Insurance, Period>,
    planned: Vec<PlannedLine>,
    excluded: Vec<ExcludedLine>,
    declared: Money,
}

impl Decided {
    fn with_plan(
        mut self,
        (planned, excluded): (Vec<PlannedLine>, Vec<ExcludedLine>),
    ) -> Result<Decided, AppError> {
        self.planned = planned;
        self.excluded = excluded;
        Ok(self)
    }
}

/// Every rule of an enrolment on what is known (R-EMP-1…3, R-ID, R-WAGE-2);
/// the lines are planned by the caller from the person's history.
fn decide(
    ctx: &mut UnitContext,
    unit_id: UnitId,
    input: &EnrolInput,
    known: &Known,
    today: Date,
) -> Result<Decided, AppError> {
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
    let existing = &known.existing;
    let name_matched = if existing.is_empty() {
        true
    } else {
        let names: Vec<&str> = existing.iter().map(|p| p.name.as_str()).collect();
        check_identity(&names, &input.name, known.employed_here).map_err(refusal)?
    };
    let active = &known.active;
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
    let declared = declared_monthly_wage(WageBasis::Monthly {
        wage: input.monthly_wage,
    })?;
    Ok(Decided {
        insurances,
        primary,
        name_differs,
        plan,
        window,
        labour_contract_periods,
        periods,
        unit_starts,
        planned: Vec::new(),
        excluded: Vec::new(),
        declared,
    })
}

/// The enrolment of a person the system knows (续保), on its own.
#[allow(clippy::too_many_arguments)]
fn enrol_known(
    conn: &mut DbConn,
    ctx: &mut UnitContext,
    who: &Actor,
    unit_id: UnitId,
    input: &EnrolInput,
    existing: Vec<Person>,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<EnrolmentResult, AppError> {
    let ids: Vec<PersonId> = existing.iter().map(|p| p.id).collect();
    let employed_here = emp_db::employments_of_persons(conn, &ids)?
        .iter()
        .any(|e| e.unit_id == unit_id);
    let known = Known {
        active: active_relations(conn, &ids)?,
        existing,
        employed_here,
    };
    let d = decide(ctx, unit_id, input, &known, today)?;
    let planned = plan_for(
        conn,
        unit_id,
        &ids,
        &d.periods,
        &d.insurances,
        &d.unit_starts,
    )?;
    let d = d.with_plan(planned)?;
    let p = d
        .primary
        .clone()
        .ok_or_else(|| AppError::internal_cause("a known person without a record"))?;

    // The person continued; general fields as given.
    let before = GeneralFields::of(&p);
    let after = GeneralFields {
        phone: Some(input.phone.clone()),
        address: input.address.clone().or(p.address.clone()),
        first_work_date: p.first_work_date.or(input.first_work_date),
    };
    let (person, person_before, person_after) = if after == before {
        (p, None, None)
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
        (updated, Some(before), Some(after))
    };
    let relations: Vec<Employment> = d
        .insurances
        .iter()
        .map(|ins| {
            repo::insert_employment(
                conn,
                &new_relation(unit_id, person.id, *ins, input, &d, now),
            )
        })
        .collect::<Result<_, _>>()
        .map_err(retryable)?;
    let relation_of: HashMap<Insurance, EmploymentId> =
        relations.iter().map(|e| (e.insurance, e.id)).collect();
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
        ctx,
        person.id,
        &relation_of,
        d.declared,
        &d.planned,
        item.id,
        now,
    )?;
    let enrolled = Enrolled {
        person,
        created: false,
        person_before,
        person_after,
        relations,
        rows,
        item_id: item.id,
    };
    let (result, after) = outcome(input, &d, enrolled)?;
    items_db::set_after(conn, item.id, &after, now)?;
    Ok(result)
}

fn new_relation(
    unit_id: UnitId,
    person_id: PersonId,
    insurance: Insurance,
    input: &EnrolInput,
    d: &Decided,
    now: PrimitiveDateTime,
) -> NewEmployment {
    NewEmployment {
        unit_id,
        person_id,
        insurance: insurance.code().to_string(),
        start_date: input.start_date,
        stop_date: None,
        stop_reason: None,
        status: repo::ACTIVE.to_string(),
        monthly_wage_fen: d.declared.fen(),
        created_at: now,
        updated_at: now,
    }
}

/// What one enrolment wrote.
struct Enrolled {
    person: Person,
    created: bool,
    person_before: Option<GeneralFields>,
    person_after: Option<GeneralFields>,
    relations: Vec<Employment>,
    rows: Vec<Assessment>,
    item_id: BusinessItemId,
}

/// Persons new to the system, written together: person numbers reserved
/// at once, then persons, ID claims, relations, business items, lines and
/// the items' after-values, each as multi-row statements for the batch.
fn write_new(
    conn: &mut DbConn,
    ctx: &mut UnitContext,
    who: &Actor,
    unit_id: UnitId,
    inputs: &[EnrolInput],
    rows: Vec<(usize, Decided)>,
    now: PrimitiveDateTime,
) -> Result<Vec<(usize, EnrolmentResult)>, AppError> {
    let count = i64::try_from(rows.len()).map_err(AppError::internal_cause)?;
    let first_no = repo::reserve_sequence(conn, "person_no", count)?;
    let new_persons: Vec<NewPerson> = rows
        .iter()
        .zip(first_no..)
        .map(|((i, _), no)| {
            let input = &inputs[*i];
            NewPerson {
                person_no: no.to_string(),
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
            }
        })
        .collect();
    let persons: HashMap<String, Person> = qibao_db::bulk::insert_persons(conn, &new_persons)
        .map_err(retryable)?
        .into_iter()
        .map(|p| (p.person_no.clone(), p))
        .collect();
    let persons: Vec<Person> = new_persons
        .iter()
        .map(|n| {
            persons
                .get(&n.person_no)
                .cloned()
                .ok_or_else(|| AppError::internal_cause("a batch person not returned"))
        })
        .collect::<Result<_, _>>()?;
    let claims: Vec<(String, PersonId)> = persons
        .iter()
        .map(|p| (p.id_number.clone(), p.id))
        .collect();
    qibao_db::bulk::claim_id_keys(conn, &claims).map_err(retryable)?;

    let mut new_relations = Vec::new();
    for ((i, d), person) in rows.iter().zip(&persons) {
        for ins in &d.insurances {
            new_relations.push(new_relation(unit_id, person.id, *ins, &inputs[*i], d, now));
        }
    }
    let mut relations_of: HashMap<PersonId, Vec<Employment>> = HashMap::new();
    for e in qibao_db::bulk::insert_employments(conn, &new_relations).map_err(retryable)? {
        relations_of.entry(e.person_id).or_default().push(e);
    }

    // One business item each; the marker in `after` pairs each stored item
    // with its row until the after-values replace it below.
    let records: Vec<ItemRecord<'_>> = (0..rows.len())
        .map(|k| ItemRecord {
            unit_id: Some(unit_id),
            kind: EmployeeItemKind::Enrolment.item_kind(),
            status: DONE,
            before: None,
            after: Some(json!({ "batch_row": k })),
        })
        .collect();
    let mut item_of: Vec<Option<BusinessItemId>> = vec![None; rows.len()];
    for item in items::record_many(conn, who, records, now)? {
        let k = item
            .after_json
            .as_deref()
            .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            .and_then(|v| v["batch_row"].as_u64())
            .and_then(|k| usize::try_from(k).ok())
            .ok_or_else(|| AppError::internal_cause("a batch item without its row"))?;
        if let Some(slot) = item_of.get_mut(k) {
            *slot = Some(item.id);
        }
    }

    let mut new_lines = Vec::new();
    for (k, ((_, d), person)) in rows.iter().zip(&persons).enumerate() {
        let item_id =
            item_of[k].ok_or_else(|| AppError::internal_cause("a batch row without its item"))?;
        let relation_of: HashMap<Insurance, EmploymentId> = relations_of
            .get(&person.id)
            .map(|v| v.iter().map(|e| (e.insurance, e.id)).collect())
            .unwrap_or_default();
        new_lines.extend(planned_rows(
            ctx,
            person.id,
            &relation_of,
            d.declared,
            &d.planned,
            item_id,
            now,
        )?);
    }
    let mut lines_of: HashMap<PersonId, Vec<Assessment>> = HashMap::new();
    for l in qibao_db::bulk::insert_assessments_returning(conn, &new_lines).map_err(retryable)? {
        lines_of.entry(l.person_id).or_default().push(l);
    }

    let mut out = Vec::with_capacity(rows.len());
    let mut afters = Vec::with_capacity(rows.len());
    for (k, ((i, d), person)) in rows.into_iter().zip(persons).enumerate() {
        let item_id =
            item_of[k].ok_or_else(|| AppError::internal_cause("a batch row without its item"))?;
        let mut lines = lines_of.remove(&person.id).unwrap_or_default();
        lines.sort_by_key(|l| l.id);
        let mut relations = relations_of.remove(&person.id).unwrap_or_default();
        relations.sort_by_key(|e| e.id);
        let enrolled = Enrolled {
            person,
            created: true,
            person_before: None,
            person_after: None,
            relations,
            rows: lines,
            item_id,
        };
        let (result, after) = outcome(&inputs[i], &d, enrolled)?;
        afters.push((item_id, after));
        out.push((i, result));
    }
    items_db::set_after_many(conn, &afters, now)?;
    Ok(out)
}

/// The answer to the unit and the item's after-values (summary and
/// effects, what a revocation undoes), from what was written.
fn outcome(
    input: &EnrolInput,
    d: &Decided,
    e: Enrolled,
) -> Result<(EnrolmentResult, String), AppError> {
    let lines = LineDto::many(&e.rows)?;
    let mut messages = Vec::new();
    if !e.created {
        messages.push(format!(
            "该人员已有个人编号{}，本次为续保，未新建人员",
            e.person.person_no
        ));
    }
    if d.name_differs {
        messages.push(format!(
            "填写的姓名“{}”与登记的姓名“{}”不一致，已按登记信息办理；如登记有误，请携带证明材料到经办机构柜台变更",
            input.name, e.person.name
        ));
    }
    if let Some(from) = &input.converted_from {
        messages.push(format!(
            "15位身份证号码{from}已转换为18位号码{}",
            input.id_number
        ));
    }
    let labour_contract = d.labour_contract_periods.map(|(from, to)| {
        let message = format!(
            "本次参工时间早于可自动补缴的期间（当月及前{}个月），已从{}起参保；{from}至{to}的缴费须另行申请劳动合同补缴",
            d.window, d.plan.current_period
        );
        messages.push(message.clone());
        LabourContractNotice { from, to, message }
    });
    if d.excluded.iter().any(|x| x.reason == "paid_elsewhere") {
        messages.push(
            "该人员当月养老保险已在原单位缴纳，本单位当月只核定工伤保险，该工伤保险费不予退费"
                .to_string(),
        );
    }
    let effects = Effects {
        person_id: e.person.id,
        person_no: e.person.person_no.clone(),
        person_created: e.created,
        person_before: e.person_before,
        person_after: e.person_after,
        employments_created: e.relations.iter().map(|r| r.id).collect(),
        employments_changed: Vec::new(),
        lines_created: e.rows.iter().map(|r| r.id).collect(),
        lines_cancelled: Vec::new(),
    };
    let summary = json!({
        "person_no": e.person.person_no, "name": e.person.name, "id_number": e.person.id_number,
        "person_created": e.created, "start_date": input.start_date,
        "insurances": d.insurances, "declared_wage": d.declared,
        "lines": line_summary(&lines),
        "labour_contract_back_pay": labour_contract.as_ref().map(|l| json!({"from": l.from, "to": l.to})),
    });
    let after = after_json(summary, &effects)?;
    Ok((
        EnrolmentResult {
            business_item_id: e.item_id.0,
            person: PersonDto::of(&e.person),
            person_created: e.created,
            id_number_converted_from: input.converted_from.clone(),
            declared_wage: d.declared,
            relations: e
                .relations
                .iter()
                .map(RelationDto::of)
                .collect::<Result<_, _>>()?,
            start_period: d.plan.start_period,
            current_period: d.plan.current_period,
            back_pay_periods: d.plan.back_pay_periods.clone(),
            totals: LineTotals::of(&lines),
            lines,
            excluded: d.excluded.clone(),
            labour_contract_back_pay: labour_contract,
            messages,
        },
        after,
    ))
}
