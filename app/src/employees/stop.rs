//! 单位职工社会保险暂停 (停保) and 单位职工减少险种 (R-EMP-5): the month of
//! the stop date stays payable; pending lines of later months are
//! cancelled; billed or paid later months are left for the refund
//! application (多缴退费, R-REF).

use qibao_core::Period;
use qibao_core::employment::LineStatus;
use qibao_core::employment::{EmployeeItemKind, check_stop};
use qibao_core::insurance::Insurance;
use qibao_core::unemployment::EndReason;
use qibao_db::assessments::{self as lines_db, Assessment};
use qibao_db::business_items as items_db;
use qibao_db::employees as emp_db;
use qibao_db::ids::{AssessmentId, UnitId};
use qibao_db::rows::Employment;
use qibao_db::{DbConn, repo};
use serde_json::json;
use time::{Date, PrimitiveDateTime};

use super::effects::{Effects, RelationChange, RelationState, after_json};
use super::lines::line_summary;
use super::{DONE, LineDto, RelationDto, StopResult, unit_person};
use crate::actor::Actor;
use crate::error::{AppError, ErrorCode};
use crate::items::{self, ItemRecord};
use crate::tx::transaction_with_retry;

/// A checked suspension or insurance removal.
#[derive(Debug, Clone)]
pub struct StopInput {
    /// Suspension or InsuranceRemoved.
    pub kind: EmployeeItemKind,
    /// `None`: every insurance the person pays at the unit.
    pub insurances: Option<Vec<Insurance>>,
    /// `None`: the last day of the previous month (contributions stop from
    /// the current month), or the start date when that is later.
    pub stop_date: Option<Date>,
    pub reason: String,
    /// Why the employment ended (R-UNEMP-1): kept on the relations stopped,
    /// the unemployment benefit claim's reason and the termination
    /// certificate's.
    pub end_reason: Option<EndReason>,
}

/// 单位职工社会保险暂停 / 单位职工减少险种 (R-EMP-5): the month of the stop
/// date stays payable; pending lines of later months are cancelled; billed
/// or paid later months are left for the refund application.
/// In one transaction, run once more on a concurrent change.
pub fn stop(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    person_no: &str,
    input: &StopInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<StopResult, AppError> {
    transaction_with_retry(conn, |c| {
        stop_in(c, who, unit_id, person_no, input, today, now)
    })
}

fn stop_in(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    person_no: &str,
    input: &StopInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<StopResult, AppError> {
    let (person, relations_here) = unit_person(conn, unit_id, person_no)?;
    let active: Vec<&Employment> = relations_here
        .iter()
        .filter(|e| e.status == repo::ACTIVE)
        .collect();
    if active.is_empty() {
        return Err(AppError::new(ErrorCode::NotActive)
            .with_detail("该人员在本单位已暂停缴费（停保），无需重复办理"));
    }
    let targets: Vec<&Employment> = match &input.insurances {
        None => active.clone(),
        Some(list) => {
            let mut out = Vec::new();
            for (i, ins) in list.iter().enumerate() {
                match active.iter().find(|e| e.insurance == *ins) {
                    Some(e) => out.push(*e),
                    None => {
                        let msg = format!("该人员在本单位未参加{}或已停保", ins.name_zh());
                        return Err(AppError::new(ErrorCode::NotActive)
                            .with_detail(msg.clone())
                            .with_field_error(format!("insurances[{i}]"), msg));
                    }
                }
            }
            out
        }
    };
    if input.kind == EmployeeItemKind::InsuranceRemoved && targets.len() == active.len() {
        return Err(AppError::new(ErrorCode::LastInsurance).with_detail(
            "该人员在本单位只参加这一个险种，减少后将不再参保，请办理单位职工社会保险暂停（停保）",
        ));
    }
    let stop_date = input.stop_date.unwrap_or_else(|| {
        let latest_start = targets.iter().map(|e| e.start_date).max();
        let prev_end = Period::of(today).prev().last_day();
        latest_start.map_or(prev_end, |s| s.max(prev_end))
    });
    let mut plan = None;
    for e in &targets {
        let p = check_stop(e.start_date, stop_date, today).map_err(|err| {
            let msg = err.to_string();
            AppError::new(ErrorCode::StopDateInvalid)
                .with_detail(msg.clone())
                .with_field_error("stop_date", msg)
        })?;
        plan = Some(p);
    }
    let plan = plan.ok_or_else(|| AppError::internal_cause("no stop target"))?;

    let item = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: input.kind.item_kind(),
            status: DONE,
            before: Some(json!({
                "relations": targets.iter().map(|e| json!({
                    "employment_id": e.id, "insurance": e.insurance, "state": RelationState::of(e)
                })).collect::<Vec<_>>()
            })),
            after: None,
        },
        now,
    )?;
    let mut changes = Vec::new();
    let mut to_cancel: Vec<Assessment> = Vec::new();
    let mut for_refund: Vec<Assessment> = Vec::new();
    for e in &targets {
        let after = RelationState {
            status: emp_db::SUSPENDED.to_string(),
            stop_date: Some(stop_date),
            stop_reason: Some(input.reason.clone()),
            end_reason: input.end_reason.map(|r| r.code().to_owned()),
        };
        let changed = emp_db::set_employment_state(
            conn,
            e.id,
            repo::ACTIVE,
            emp_db::SUSPENDED,
            after.stop_fields(),
            now,
        )?;
        if !changed {
            return Err(AppError::new(ErrorCode::ConcurrentChange)
                .with_detail("该人员的参保信息正在被其他业务办理，请稍后刷新后核对。"));
        }
        changes.push(RelationChange {
            employment_id: e.id,
            before: RelationState::of(e),
            after,
        });
        for l in lines_db::live_from_period(
            conn,
            unit_id,
            &[person.id],
            e.insurance.code(),
            plan.first_stopped.yyyymm(),
        )? {
            if l.status == LineStatus::Pending {
                to_cancel.push(l);
            } else {
                for_refund.push(l);
            }
        }
    }
    let cancel_ids: Vec<AssessmentId> = to_cancel.iter().map(|l| l.id).collect();
    lines_db::set_status(
        conn,
        &cancel_ids,
        lines_db::PENDING,
        lines_db::CANCELLED,
        now,
    )?;
    let cancelled = LineDto::many(&lines_db::get_many(conn, &cancel_ids)?)?;
    let refund_lines = LineDto::many(&for_refund)?;
    let mut messages = vec![format!(
        "{}为停保时间所在月份，仍应正常缴费；自{}起停止缴费",
        plan.last_payable, plan.first_stopped
    )];
    if !refund_lines.is_empty() {
        let mut periods: Vec<String> = refund_lines.iter().map(|l| l.period.to_string()).collect();
        periods.dedup();
        messages.push(format!(
            "{}已开具缴费单或已缴费，本次不作废，请在缴费到账后申请多缴退费",
            periods.join("、")
        ));
    }
    let now_relations =
        emp_db::get_employments(conn, &targets.iter().map(|e| e.id).collect::<Vec<_>>())?;
    let effects = Effects {
        employments_changed: changes,
        lines_cancelled: cancel_ids,
        ..Effects::of_person(&person)
    };
    let summary = json!({
        "person_no": person.person_no, "name": person.name,
        "insurances": targets.iter().map(|e| e.insurance).collect::<Vec<_>>(),
        "stop_date": stop_date, "reason": input.reason,
        "end_reason": input.end_reason.map(EndReason::code),
        "last_payable_period": plan.last_payable, "first_stopped_period": plan.first_stopped,
        "cancelled_lines": line_summary(&cancelled),
    });
    items_db::set_after(conn, item.id, &after_json(summary, &effects)?, now)?;
    Ok(StopResult {
        business_item_id: item.id.0,
        person_no: person.person_no,
        stop_date,
        last_payable_period: plan.last_payable,
        first_stopped_period: plan.first_stopped,
        relations: now_relations
            .iter()
            .map(RelationDto::of)
            .collect::<Result<_, _>>()?,
        cancelled_lines: cancelled,
        lines_for_refund: refund_lines,
        messages,
    })
}
