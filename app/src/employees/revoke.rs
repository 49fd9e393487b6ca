//! 业务撤销 (R-UNDO-1): revoking one of the unit's employee business items
//! restores exactly the state before it, from the effects the item recorded
//! ([`super::effects`]); what may be revoked is decided by
//! `qibao_core::employment` (later items of the same person, lines billed
//! or paid since, a live refund application resting on a stop, R-REF-2).

use qibao_core::business_item::label_of;
use qibao_core::employment::{EmployeeItemKind, LineState, NotRevocable, check_lines_revocable};
use qibao_db::assessments::{self as lines_db, Assessment};
use qibao_db::business_items as items_db;
use qibao_db::employees as emp_db;
use qibao_db::ids::{BusinessItemId, EmploymentId, UnitId};
use qibao_db::rows::{BusinessItem, Employment};
use qibao_db::{DbConn, DbError, repo};
use serde::Serialize;
use serde_json::json;
use time::PrimitiveDateTime;

use super::effects::{Effects, GeneralFields, RelationState};
use super::{DONE, KIND_REVOCATION, REVOKED, active_relations, same_person_ids};
use crate::actor::Actor;
use crate::error::{AppError, ErrorCode};
use crate::items::{self, ItemRecord};
use crate::tx::transaction;

/// What revoking an item will do, once it is known to be allowed.
#[derive(Debug, Clone)]
pub struct RevokePlan {
    pub kind: EmployeeItemKind,
    pub effects: Effects,
}

/// Whether `item` can be revoked now (R-UNDO-1), and if so what to undo.
/// The outer error is a storage failure; the inner one the reason why not.
pub fn check_revocable(
    conn: &mut DbConn,
    item: &BusinessItem,
) -> Result<Result<RevokePlan, NotRevocable>, AppError> {
    let Some(kind) = EmployeeItemKind::parse(&item.kind) else {
        return Ok(Err(NotRevocable::KindNotRevocable));
    };
    if item.status == REVOKED {
        return Ok(Err(NotRevocable::AlreadyRevoked));
    }
    if item.status != DONE {
        return Ok(Err(NotRevocable::NotDone));
    }
    let Some(effects) = Effects::of_item(item) else {
        return Ok(Err(NotRevocable::NotDone));
    };
    let unit_id = item.unit_id.unwrap_or(UnitId(0));
    let kinds: Vec<&str> = EmployeeItemKind::ALL.iter().map(|k| k.code()).collect();
    for later in items_db::later_items(conn, unit_id, item.id, &kinds, DONE)? {
        if Effects::of_item(&later).is_some_and(|e| e.person_id == effects.person_id) {
            return Ok(Err(NotRevocable::LaterItem {
                item_id: later.id.0,
                label: label_of(&later.kind).to_string(),
            }));
        }
    }
    let states = |rows: Vec<Assessment>| -> Result<Vec<LineState>, AppError> {
        rows.iter()
            .map(|a| {
                Ok(LineState {
                    period: a.period,
                    insurance: a.insurance,
                    status: a.status,
                })
            })
            .collect()
    };
    let created = states(lines_db::get_many(conn, &effects.lines_created)?)?;
    let cancelled = states(lines_db::get_many(conn, &effects.lines_cancelled)?)?;
    if let Err(e) = check_lines_revocable(&created, &cancelled) {
        return Ok(Err(e));
    }
    match kind {
        EmployeeItemKind::Enrolment | EmployeeItemKind::InsuranceAdded => {
            let now = emp_db::get_employments(conn, &effects.employments_created)?;
            if now.iter().any(|e| e.status != repo::ACTIVE) {
                return Ok(Err(NotRevocable::StateChanged));
            }
        }
        EmployeeItemKind::Suspension | EmployeeItemKind::InsuranceRemoved => {
            let ids: Vec<EmploymentId> = effects
                .employments_changed
                .iter()
                .map(|c| c.employment_id)
                .collect();
            let now = emp_db::get_employments(conn, &ids)?;
            for c in &effects.employments_changed {
                match now.iter().find(|e| e.id == c.employment_id) {
                    Some(e) if RelationState::of(e) == c.after => {}
                    _ => return Ok(Err(NotRevocable::StateChanged)),
                }
            }
            // Restoring a paying relation must not break R-EMP-2.
            let restoring: Vec<&Employment> = now
                .iter()
                .filter(|n| {
                    effects
                        .employments_changed
                        .iter()
                        .any(|c| c.employment_id == n.id && c.before.status == repo::ACTIVE)
                })
                .collect();
            if !restoring.is_empty()
                && let Some(p) = emp_db::get_persons(conn, &[effects.person_id])?.first()
            {
                let same = same_person_ids(conn, p)?;
                for (e, rel) in active_relations(conn, &same)? {
                    if ids.contains(&e.id) {
                        continue;
                    }
                    if e.unit_id != unit_id {
                        return Ok(Err(NotRevocable::ActiveElsewhere {
                            unit_no: rel.unit_no,
                        }));
                    }
                    if restoring.iter().any(|r| r.insurance == e.insurance) {
                        return Ok(Err(NotRevocable::StateChanged));
                    }
                }
            }
            // A refund application rests on the stop (R-REF-2): while one is
            // live (pending, approved or paid out), the stop stays.
            let lines = qibao_db::refunds::assessment_ids_of_employments(conn, &ids)?;
            if let Some((_, refund_no, _)) =
                qibao_db::refunds::live_lines_of_assessments(conn, &lines)?
                    .into_iter()
                    .next()
            {
                return Ok(Err(NotRevocable::RefundApplied { refund_no }));
            }
        }
    }
    Ok(Ok(RevokePlan { kind, effects }))
}

/// The answer to a revocation.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevocationResult {
    /// The item revoked (now `revoked`).
    pub revoked_item_id: i64,
    /// The revocation's own business item.
    pub revocation_item_id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "employee_enrolment"))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(example = "单位职工参保登记"))]
    pub kind_label: String,
    pub person_no: String,
    /// Whether the person created by the enrolment was removed again.
    pub person_removed: bool,
    /// Lines the item had created, now removed.
    pub removed_line_ids: Vec<i64>,
    /// Lines the item had cancelled, pending again.
    pub restored_line_ids: Vec<i64>,
    pub message: String,
}

pub fn not_revocable(e: NotRevocable) -> AppError {
    AppError::new(e.code()).with_detail(e.to_string())
}

fn referenced(e: DbError) -> AppError {
    match e {
        DbError::Conflict { .. } => not_revocable(NotRevocable::Referenced),
        other => other.into(),
    }
}

/// Revokes one of the unit's items (R-UNDO-1), restoring exactly the state
/// before it, in one transaction; another unit's item is 404.
pub fn revoke(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    item_id: BusinessItemId,
    now: PrimitiveDateTime,
) -> Result<RevocationResult, AppError> {
    transaction(conn, |c| revoke_in(c, who, unit_id, item_id, now))
}

fn revoke_in(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    item_id: BusinessItemId,
    now: PrimitiveDateTime,
) -> Result<RevocationResult, AppError> {
    let item = items_db::get(conn, item_id)?
        .filter(|i| i.unit_id == Some(unit_id))
        .ok_or_else(|| AppError::new(ErrorCode::BusinessItemNotFound))?;
    let plan = check_revocable(conn, &item)?.map_err(not_revocable)?;
    if !items_db::set_status(conn, item.id, DONE, REVOKED, now)? {
        return Err(not_revocable(NotRevocable::AlreadyRevoked));
    }
    let effects = &plan.effects;
    let mut person_removed = false;
    let mut removed = Vec::new();
    let mut restored = Vec::new();
    match plan.kind {
        EmployeeItemKind::Enrolment | EmployeeItemKind::InsuranceAdded => {
            lines_db::delete_many(conn, &effects.lines_created).map_err(referenced)?;
            removed = effects.lines_created.clone();
            emp_db::delete_employments(conn, &effects.employments_created).map_err(referenced)?;
            if let (Some(before), Some(after)) = (&effects.person_before, &effects.person_after)
                && let Some(p) = emp_db::get_persons(conn, &[effects.person_id])?.first()
                && GeneralFields::of(p) == *after
            {
                emp_db::update_general(
                    conn,
                    p.id,
                    &emp_db::PersonGeneralChange {
                        phone: before.phone.clone(),
                        address: before.address.clone(),
                        first_work_date: before.first_work_date,
                        updated_at: now,
                    },
                )?;
            }
            if effects.person_created
                && !emp_db::person_is_referenced(conn, effects.person_id)?
                && !lines_db::person_has_lines(conn, effects.person_id)?
            {
                emp_db::delete_person(conn, effects.person_id).map_err(referenced)?;
                person_removed = true;
            }
        }
        EmployeeItemKind::Suspension | EmployeeItemKind::InsuranceRemoved => {
            for c in &effects.employments_changed {
                let ok = emp_db::set_employment_state(
                    conn,
                    c.employment_id,
                    &c.after.status,
                    &c.before.status,
                    c.before.stop_fields(),
                    now,
                )
                .map_err(|e| match e {
                    DbError::Conflict { .. } => AppError::new(ErrorCode::ActiveElsewhere)
                        .with_detail("该人员目前在其他单位处于参保缴费状态，不能撤销本单位的停保"),
                    other => other.into(),
                })?;
                if !ok {
                    return Err(not_revocable(NotRevocable::StateChanged));
                }
            }
            lines_db::set_status(
                conn,
                &effects.lines_cancelled,
                lines_db::CANCELLED,
                lines_db::PENDING,
                now,
            )
            .map_err(|e| match e {
                DbError::Conflict { .. } => not_revocable(NotRevocable::StateChanged),
                other => other.into(),
            })?;
            restored = effects.lines_cancelled.clone();
        }
    }
    let label = plan.kind.label_zh();
    let rev = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: KIND_REVOCATION,
            status: DONE,
            before: Some(json!({ "item_id": item.id, "kind": item.kind, "status": DONE })),
            after: Some(json!({
                "item_id": item.id, "kind": item.kind, "status": REVOKED,
                "person_no": effects.person_no, "person_removed": person_removed,
                "removed_line_ids": removed, "restored_line_ids": restored,
            })),
        },
        now,
    )?;
    Ok(RevocationResult {
        revoked_item_id: item.id.0,
        revocation_item_id: rev.id.0,
        kind: item.kind.clone(),
        kind_label: label.to_string(),
        person_no: effects.person_no.clone(),
        person_removed,
        removed_line_ids: removed.iter().map(|id| id.0).collect(),
        restored_line_ids: restored.iter().map(|id| id.0).collect(),
        message: format!(
            "{label}（办件编号{}）已撤销，相关数据已恢复到办理前的状态",
            item.id
        ),
    })
}
