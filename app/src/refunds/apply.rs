//! 多缴退费申请 (R-REF-1…4): a unit applies for the refund of a suspended
//! employee's over-paid months with the termination notice or
//! staff-reduction form (R-REF-3), to the bank account it registered for
//! refunds; `qibao_core::refund::plan` decides which lines and how much
//! (principal only, R-LATE-3). The application goes to the review queue
//! (kind `refund`) and its lines are live from the start: the database
//! keeps one live refund per line, also under concurrent requests. Under an
//! `Idempotency-Key` a retry answers the first refund document.

use qibao_core::refund::{PlanError, RefundRequest, RequestPart, plan, refund_number};
use qibao_db::assessments as lines_db;
use qibao_db::ids::{AssessmentId, MaterialId, UnitId};
use qibao_db::refunds::{self as refunds_db, NewRefundApplication, NewRefundLine};
use qibao_db::units::{self as unit_db, PURPOSE_REFUND};
use qibao_db::{DbConn, DbError, repo};
use serde_json::{Value, json};
use time::{Date, PrimitiveDateTime};

use super::{RefundDocument, account_dto, load_person};
use crate::actor::Actor;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::review::Submission;

/// A refund application as the API parsed it: whose months, which lines
/// (whole months, insurances or single lines with amounts), the document
/// and its materials, and the reason.
#[derive(Debug, Clone)]
pub struct Application {
    /// Person number (个人编号, AAC001) of a suspended employee of the unit.
    pub person_no: String,
    pub request: RefundRequest,
    /// `termination_notice` or `staff_reduction_form` ([`super::parse_document_type`]);
    /// none: refused with `MATERIAL_REQUIRED`.
    pub document_type: Option<&'static str>,
    /// Ids of the unit's uploaded materials; none: refused with `MATERIAL_REQUIRED`.
    pub material_ids: Vec<MaterialId>,
    pub reason: Option<String>,
}

/// A refusal of the plan: 422 (a rule), 409 (lines under a live refund),
/// as its code says; `errors` names each month or line refused.
fn plan_error(e: &PlanError) -> AppError {
    let mut err = AppError::new(e.code()).with_detail(e.to_string());
    if let PlanError::Refused(list) = e {
        for r in list {
            let field = match r.part {
                RequestPart::Period(i) => format!("periods[{i}]"),
                RequestPart::Line(i) => format!("lines[{i}]"),
                RequestPart::Selected => "person_no".to_owned(),
            };
            err = err.with_errors(vec![FieldError::new(field, r.refusal.to_string())]);
        }
    }
    err
}

fn retryable(e: DbError) -> AppError {
    crate::tx::conflict_as_retry(e, "该人员的缴费记录正在被其他退费申请办理，请刷新后核对。")
}

/// Applies, in the caller's transaction; returns the document.
fn apply(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    p: &Application,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<RefundDocument, AppError> {
    let loaded = load_person(conn, unit_id, &p.person_no, today)?;
    if !loaded.suspended() {
        return Err(plan_error(&PlanError::NotSuspended));
    }
    if p.document_type.is_none() || p.material_ids.is_empty() {
        let msg = "申请退费须上传解除劳动合同通知书或减员表：请先上传材料，再填写材料类型（document_type）和材料编号（material_ids）。";
        let mut err = AppError::new(ErrorCode::MaterialRequired).with_detail(msg);
        if p.document_type.is_none() {
            err = err.with_errors(vec![FieldError::new("document_type", "请选择材料类型。")]);
        }
        if p.material_ids.is_empty() {
            err = err.with_errors(vec![FieldError::new(
                "material_ids",
                "请至少提供一份材料。",
            )]);
        }
        return Err(err);
    }
    let account = unit_db::active_bank_account(conn, unit_id, PURPOSE_REFUND)?
        .ok_or_else(|| AppError::new(ErrorCode::NoRefundAccount))?;
    let planned = plan(&loaded.facts(today), &p.request).map_err(|e| plan_error(&e))?;
    let document_type = p
        .document_type
        .ok_or_else(|| AppError::internal_cause("document type checked above"))?;
    let seq = repo::next_sequence(conn, refunds_db::REFUND_NO_SEQUENCE)?;
    let refund_no = refund_number(today, seq);
    let person = &loaded.person;
    let lines_json: Vec<Value> = planned
        .lines
        .iter()
        .map(|l| {
            json!({
                "period": l.period, "insurance": l.insurance.code(),
                "unit_amount": l.unit, "individual_amount": l.individual, "amount": l.amount,
            })
        })
        .collect();
    let summary = json!({
        "refund_no": refund_no,
        "person_no": person.person_no,
        "name": person.name,
        "document_type": document_type,
        "lines": lines_json,
        "total": planned.total,
        "bank_account": account_dto(&account),
        "reason": p.reason,
    });
    let (item, _) = crate::review::submit(
        conn,
        who,
        Submission {
            unit_id,
            kind: super::review::KIND,
            payload: summary.clone(),
            material_ids: &p.material_ids,
            before: None,
            after: Some(summary),
        },
        now,
    )?;
    let app = refunds_db::insert_application(
        conn,
        &NewRefundApplication {
            refund_no,
            unit_id,
            person_id: person.id,
            business_item_id: item.id,
            status: refunds_db::PENDING_REVIEW.to_owned(),
            total_fen: planned.total.fen(),
            bank_name: account.bank_name.clone(),
            account_name: account.account_name.clone(),
            account_no: account.account_number.clone(),
            document_type: document_type.to_owned(),
            reason: p.reason.clone(),
            applied_by: who.name.clone(),
            applied_at: now,
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(retryable)?;
    // Lock the lines and make sure they are still paid: a reversal of their
    // payment by the tax bureau locks the same rows first or waits for us.
    let ids: Vec<AssessmentId> = planned
        .lines
        .iter()
        .map(|l| AssessmentId(l.line_id))
        .collect();
    if lines_db::set_status(conn, &ids, lines_db::PAID, lines_db::PAID, now)? != ids.len() {
        return Err(crate::tx::retry(
            "缴费记录刚被税务机关冲正，请刷新后重新申请。",
        ));
    }
    for l in &planned.lines {
        refunds_db::insert_line(
            conn,
            &NewRefundLine {
                application_id: app.id,
                assessment_id: AssessmentId(l.line_id),
                insurance: l.insurance.code().to_owned(),
                period: l.period.yyyymm(),
                unit_fen: l.unit.fen(),
                individual_fen: l.individual.fen(),
                amount_fen: l.amount.fen(),
                live: true,
            },
        )
        .map_err(retryable)?;
    }
    super::query::document(conn, &app, false)
}

/// Applies for the refund (create_refund_application) in one transaction
/// with its retry; nothing is written when refused. A second identical
/// application is 409 `LINE_UNDER_REFUND` (a retry under an
/// `Idempotency-Key` is answered by [`crate::idempotency`] instead).
pub fn create(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    application: &Application,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<RefundDocument, AppError> {
    crate::tx::transaction_with_retry(conn, |c| apply(c, who, unit_id, application, today, now))
}
