//! The refund document (退费单, R-REF-5) and the refund lists: the unit's
//! refund query (单位退费查询) and the back office's list of every unit's
//! refunds, newest first. Reads; nothing is written.

use std::collections::HashMap;

use qibao_core::order::agency_name;
use qibao_core::{Money, Period};
use qibao_db::assessments as lines_db;
use qibao_db::ids::{AssessmentId, PersonId, RefundApplicationId, UnitId};
use qibao_db::refunds::{self as refunds_db, RefundApplication, RefundFilter};
use qibao_db::{DbConn, OptionalExt, employees as emp_db, repo};

use super::{
    ITEM_PAID_OUT, RefundBankAccountDto, RefundDocument, RefundLineDto, RefundPage,
    RefundPersonDto, RefundSummary, RefundTotals, document_label, load_app, status_label,
};
use crate::clock::china_timestamp;
use crate::error::{AppError, corrupt};
use crate::review::{MaterialDto, TimelineEntry, event_label};

/// The refund document (退费单, R-REF-5) of an application: its lines
/// with the principal each line paid, totals in figures and capitals, the
/// bank account, materials, the review outcome, the payout and the
/// timeline. `staff_view` adds who reviewed and who paid out.
pub(crate) fn document(
    conn: &mut DbConn,
    app: &RefundApplication,
    staff_view: bool,
) -> Result<RefundDocument, AppError> {
    let unit = emp_db::get_unit(conn, app.unit_id)?;
    let region = repo::get_region(conn, &unit.region_code)?;
    let person = emp_db::get_persons(conn, &[app.person_id])?
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("refund person", app.person_id))?;
    let rows = refunds_db::lines_of(conn, app.id)?;
    let paid: HashMap<AssessmentId, i64> = lines_db::get_many(
        conn,
        &rows.iter().map(|l| l.assessment_id).collect::<Vec<_>>(),
    )?
    .into_iter()
    .map(|a| (a.id, a.unit_fen + a.individual_fen))
    .collect();
    let mut lines = Vec::with_capacity(rows.len());
    let mut totals = RefundTotals::default();
    for l in &rows {
        let insurance = l.insurance;
        let line = RefundLineDto {
            period: l.period,
            insurance,
            insurance_name: insurance.name_zh().to_owned(),
            unit_amount: Money::from_fen(l.unit_fen),
            individual_amount: Money::from_fen(l.individual_fen),
            amount: Money::from_fen(l.amount_fen),
            principal_paid: Money::from_fen(paid.get(&l.assessment_id).copied().unwrap_or(0)),
        };
        totals.unit += line.unit_amount;
        totals.individual += line.individual_amount;
        totals.total += line.amount;
        lines.push(line);
    }
    let materials = qibao_db::review::materials_of_item(conn, app.business_item_id)?
        .into_iter()
        .map(MaterialDto::from)
        .collect();
    let task = qibao_db::review::get_task_by_item(conn, app.business_item_id).optional()?;
    let mut timeline: Vec<TimelineEntry> = Vec::new();
    let mut approval_note = None;
    if let Some(t) = &task {
        for e in qibao_db::review::events_of_task(conn, t.id)? {
            if e.event == "approved" {
                approval_note.clone_from(&e.note);
            }
            timeline.push(TimelineEntry {
                label: event_label(&e.event).to_owned(),
                note: if e.event == "rejected" { e.note } else { None },
                event: e.event,
                at: china_timestamp(e.at),
            });
        }
    }
    if let Some(at) = app.paid_out_at {
        timeline.push(TimelineEntry {
            event: ITEM_PAID_OUT.to_owned(),
            label: "已退费到单位账户".to_owned(),
            at: china_timestamp(at),
            note: None,
        });
    }
    let rejected = app.status == refunds_db::REJECTED;
    Ok(RefundDocument {
        refund_no: app.refund_no.clone(),
        status: app.status.clone(),
        status_label: status_label(&app.status).to_owned(),
        business_item_id: app.business_item_id.0,
        unit_no: unit.unit_no,
        unit_name: unit.name,
        agency: agency_name(&region.name),
        person: RefundPersonDto {
            person_no: person.person_no,
            name: person.name,
        },
        document_type: app.document_type.clone(),
        document_type_label: document_label(&app.document_type).to_owned(),
        reason: app.reason.clone(),
        total_in_capitals: totals.total.to_capitals(),
        lines,
        totals,
        bank_account: RefundBankAccountDto {
            bank_name: app.bank_name.clone(),
            account_name: app.account_name.clone(),
            account_no: app.account_no.clone(),
        },
        materials,
        applied_by: app.applied_by.clone(),
        applied_at: china_timestamp(app.applied_at),
        review_status: task.map_or_else(|| "open".to_owned(), |t| t.status),
        reviewed_at: app.reviewed_at.map(china_timestamp),
        rejection_reason: if rejected {
            app.review_note.clone()
        } else {
            None
        },
        approval_note: if rejected { None } else { approval_note },
        paid_out_at: app.paid_out_at.map(china_timestamp),
        payout_reference: app.payout_reference.clone(),
        timeline,
        reviewed_by: if staff_view {
            app.reviewed_by.clone()
        } else {
            None
        },
        paid_out_by: if staff_view {
            app.paid_out_by.clone()
        } else {
            None
        },
    })
}

fn summaries(
    conn: &mut DbConn,
    apps: &[RefundApplication],
) -> Result<Vec<RefundSummary>, AppError> {
    let ids: Vec<RefundApplicationId> = apps.iter().map(|a| a.id).collect();
    let mut periods: HashMap<RefundApplicationId, Vec<String>> = HashMap::new();
    for l in refunds_db::lines_of_many(conn, &ids)? {
        let list = periods.entry(l.application_id).or_default();
        let p = l.period.to_string();
        if !list.contains(&p) {
            list.push(p);
        }
    }
    let mut person_ids: Vec<PersonId> = apps.iter().map(|a| a.person_id).collect();
    person_ids.sort_unstable();
    person_ids.dedup();
    let persons: HashMap<PersonId, (String, String)> = emp_db::get_persons(conn, &person_ids)?
        .into_iter()
        .map(|p| (p.id, (p.person_no, p.name)))
        .collect();
    let mut units: HashMap<UnitId, (String, String)> = HashMap::new();
    let mut out = Vec::with_capacity(apps.len());
    for a in apps {
        if let std::collections::hash_map::Entry::Vacant(slot) = units.entry(a.unit_id) {
            let u = emp_db::get_unit(conn, a.unit_id)?;
            slot.insert((u.unit_no, u.name));
        }
        let (unit_no, unit_name) = units.get(&a.unit_id).cloned().unwrap_or_default();
        let (person_no, person_name) = persons.get(&a.person_id).cloned().unwrap_or_default();
        out.push(RefundSummary {
            refund_no: a.refund_no.clone(),
            status: a.status.clone(),
            status_label: status_label(&a.status).to_owned(),
            unit_no,
            unit_name,
            person_no,
            person_name,
            periods: periods.remove(&a.id).unwrap_or_default(),
            total: Money::from_fen(a.total_fen),
            applied_at: china_timestamp(a.applied_at),
            reviewed_at: a.reviewed_at.map(china_timestamp),
            rejection_reason: (a.status == refunds_db::REJECTED)
                .then(|| a.review_note.clone())
                .flatten(),
            paid_out_at: a.paid_out_at.map(china_timestamp),
        });
    }
    Ok(out)
}

fn page_of(
    conn: &mut DbConn,
    filter: &RefundFilter,
    page: i64,
    page_size: i64,
) -> Result<RefundPage, AppError> {
    let (rows, total) = refunds_db::list(
        conn,
        filter,
        (page - 1).saturating_mul(page_size),
        page_size,
    )?;
    Ok(RefundPage {
        items: summaries(conn, &rows)?,
        total,
        page,
        page_size,
    })
}

/// One refund document by number: `unit_id` limits it to one unit (the
/// portal; another unit's refund is 404 `REFUND_NOT_FOUND`, like a missing
/// one); `None` is the back office's view, with who reviewed and paid out.
pub fn get(
    conn: &mut DbConn,
    refund_no: &str,
    unit_id: Option<UnitId>,
) -> Result<RefundDocument, AppError> {
    let app = load_app(conn, refund_no.trim(), unit_id)?;
    document(conn, &app, unit_id.is_none())
}

/// The unit's refunds (单位退费查询), newest first, filtered by status,
/// person and month. An unknown person has no refunds: an empty page, not
/// a 404.
pub fn list_for_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    status: Option<String>,
    person_no: Option<&str>,
    period: Option<Period>,
    page: i64,
    page_size: i64,
) -> Result<RefundPage, AppError> {
    let person_id = match person_no {
        None => None,
        Some(no) => Some(emp_db::find_by_person_no(conn, no)?.map_or(PersonId(0), |p| p.id)),
    };
    page_of(
        conn,
        &RefundFilter {
            unit_id: Some(unit_id),
            status,
            person_id,
            period: period.map(Period::yyyymm),
        },
        page,
        page_size,
    )
}

/// Every unit's refunds, newest first, optionally of one status (reviewers
/// and finance).
pub fn list_all(
    conn: &mut DbConn,
    status: Option<String>,
    page: i64,
    page_size: i64,
) -> Result<RefundPage, AppError> {
    page_of(
        conn,
        &RefundFilter {
            status,
            ..RefundFilter::default()
        },
        page,
        page_size,
    )
}
