//! Back-pay applications reviewed by staff (劳动合同补缴 R-BACK-3, 职工补缴
//! R-BACK-2) as the unit makes and follows them, as use cases: applying
//! ([`apply`]) and the unit's applications ([`list`], [`get`]). The
//! deferred months (缓缴, R-BACK-5) are [`super::deferrals`].
//!
//! `qibao_core::back_pay` decides whether the months may be applied for;
//! what approval creates is [`crate::review::labour_contract`]'s.

use std::collections::HashSet;

use qibao_core::back_pay::{
    BackPayFacts, BackPayKind, BackPayRefusal, BackPayRequest, check_request,
};
use qibao_core::contribution::{WageBasis, declared_monthly_wage};
use qibao_core::employment::LineStatus;
use qibao_core::insurance::Insurance;
use qibao_core::{Money, Period};
use qibao_db::assessments as lines_db;
use qibao_db::ids::{BusinessItemId, MaterialId, UnitId};
use qibao_db::review::{self as store, PageReq, ReviewTask};
use qibao_db::{DbConn, OptionalExt};
use serde::{Deserialize, Serialize};
use time::{Date, PrimitiveDateTime};

use crate::actor::Actor;
use crate::clock::china_timestamp;
use crate::context::UnitContext;
use crate::employees::{LineDto, LineTotals, same_person_ids, unit_person};
use crate::error::{AppError, ErrorCode};
use crate::review::labour_contract::{self as bp, Payload, review_kind};
use crate::review::{self, MaterialDto, PageInfo, Submission, TimelineEntry, json_of, kind_info};
use crate::tx::{read_transaction, transaction};

/// A back-pay application as the API parsed it.
#[derive(Debug, Clone)]
pub struct Application {
    pub kind: BackPayKind,
    /// Person number (个人编号, AAC001) of an employee of the unit.
    pub person_no: String,
    /// None: every insurance the person has at the unit.
    pub insurances: Option<Vec<Insurance>>,
    pub from: Period,
    pub to: Period,
    /// The monthly wage of those months.
    pub wage: Money,
    /// Ids of the unit's uploaded materials (checked: 1–20, distinct).
    pub material_ids: Vec<MaterialId>,
    pub reason: String,
}

/// A month × insurance an approval left out, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkippedMonth {
    #[cfg_attr(feature = "openapi", schema(example = "202210"))]
    pub period: String,
    #[cfg_attr(feature = "openapi", schema(example = "110"))]
    pub insurance: String,
    /// `already_assessed`, `before_unit_insurance`, `retired`, `prison`,
    /// `bilateral_exemption` or `paid_elsewhere`.
    #[cfg_attr(feature = "openapi", schema(example = "already_assessed"))]
    pub reason: String,
    pub message: String,
}

/// A back-pay application as the unit sees it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackPayApplicationDto {
    /// The application's business item (办件) id.
    #[cfg_attr(feature = "openapi", schema(example = 41))]
    pub id: i64,
    /// `labour_contract` or `employee_back_pay`.
    #[cfg_attr(feature = "openapi", schema(example = "labour_contract"))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(example = "劳动合同补缴"))]
    pub kind_label: String,
    /// `pending_review`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "pending_review"))]
    pub status: String,
    /// The review task: `open`, `claimed`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "open"))]
    pub review_status: String,
    /// Person number (个人编号, AAC001).
    #[cfg_attr(feature = "openapi", schema(example = "10003726000"))]
    pub person_no: String,
    /// Name (姓名, AAC003).
    pub person_name: String,
    /// Insurance codes (险种, AAE140).
    pub insurances: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(example = "202208"))]
    pub from_period: String,
    #[cfg_attr(feature = "openapi", schema(example = "202303"))]
    pub to_period: String,
    /// Every month applied for, oldest first.
    pub months: Vec<String>,
    /// The declared monthly wage (rounded; each month's base is clamped to
    /// its year's bounds).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "5230.00"))]
    pub monthly_wage: Money,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reason: Option<String>,
    /// Why the reviewer did not approve (审核不通过原因).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rejection_reason: Option<String>,
    pub materials: Vec<MaterialDto>,
    /// The pending lines the approval created.
    pub lines_created: Vec<LineDto>,
    pub totals: LineTotals,
    /// Months the approval left out (e.g. assessed meanwhile).
    pub skipped: Vec<SkippedMonth>,
    pub submitted_by: String,
    #[cfg_attr(feature = "openapi", schema(example = "2023-04-20T10:15:00+08:00"))]
    pub submitted_at: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub decided_at: Option<String>,
    /// Every step, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

/// A page of applications, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackPayApplicationList {
    pub items: Vec<BackPayApplicationDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

/// A refusal of `qibao_core::back_pay::check_request`: 422 naming the
/// period field concerned, or 409 for a month already assessed.
fn refusal(e: BackPayRefusal) -> AppError {
    let msg = e.to_string();
    let (code, field) = match &e {
        BackPayRefusal::FromAfterTo { .. } => (ErrorCode::PeriodsReversed, "from_period"),
        BackPayRefusal::InFuture { .. } => (ErrorCode::PeriodInFuture, "to_period"),
        BackPayRefusal::CurrentMonth { .. } => (ErrorCode::CurrentMonth, "to_period"),
        BackPayRefusal::UnderAge { .. } => (ErrorCode::UnderWorkingAge, "from_period"),
        BackPayRefusal::WithinWindow { .. } => (ErrorCode::WithinOnlineWindow, "from_period"),
        BackPayRefusal::AlreadyAssessed { .. } => {
            return AppError::new(ErrorCode::AlreadyAssessed)
                .with_detail(msg.clone())
                .with_field_error("from_period", msg);
        }
    };
    AppError::new(code)
        .with_detail(msg.clone())
        .with_field_error(field, msg)
}

/// 404 `BACK_PAY_APPLICATION_NOT_FOUND`.
fn not_found() -> AppError {
    AppError::new(ErrorCode::BackPayApplicationNotFound)
}

/// The application of a review task, as the unit sees it.
fn dto(conn: &mut DbConn, task: ReviewTask) -> Result<BackPayApplicationDto, AppError> {
    let item = store::get_business_item(conn, task.business_item_id)?;
    let payload = Payload::of_task(&task)?;
    let kind = payload.kind()?;
    let materials = store::materials_of_item(conn, item.id)?
        .into_iter()
        .map(MaterialDto::from)
        .collect();
    let timeline = review::timeline(conn, task.id)?;
    let lines = LineDto::many(&qibao_db::back_pay::lines_of_item(conn, item.id)?)?;
    let skipped = json_of(item.after_json.as_deref())
        .and_then(|v| v.get("skipped").cloned())
        .and_then(|v| serde_json::from_value::<Vec<SkippedMonth>>(v).ok())
        .unwrap_or_default();
    Ok(BackPayApplicationDto {
        id: item.id.0,
        kind: kind.code().to_owned(),
        kind_label: kind.label_zh().to_owned(),
        status: item.status,
        review_status: task.status,
        person_no: payload.person_no.clone(),
        person_name: payload.person_name.clone(),
        insurances: payload.insurances.clone(),
        from_period: payload.from_period.to_string(),
        to_period: payload.to_period.to_string(),
        months: payload.months()?.iter().map(Period::to_string).collect(),
        monthly_wage: Money::from_fen(payload.monthly_wage_fen),
        reason: payload.reason.clone(),
        rejection_reason: task.reason,
        materials,
        totals: LineTotals::of(&lines),
        lines_created: lines,
        skipped,
        submitted_by: item.actor,
        submitted_at: china_timestamp(item.created_at),
        decided_at: task.decided_at.map(china_timestamp),
        timeline,
    })
}

/// Checks the application against the person's relations and lines and
/// submits it for review, in the caller's transaction.
fn submit(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    p: &Application,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<ReviewTask, AppError> {
    let (person, relations) = unit_person(conn, unit_id, &p.person_no)?;
    let mut held: Vec<Insurance> = Vec::new();
    for e in &relations {
        if !held.contains(&e.insurance) {
            held.push(e.insurance);
        }
    }
    held.sort_by_key(|i| i.code());
    let insurances = match &p.insurances {
        None => held.clone(),
        Some(list) => {
            for (i, ins) in list.iter().enumerate() {
                if !held.contains(ins) {
                    let msg = format!("该人员未在本单位参加{}，不能申请补缴该险种", ins.name_zh());
                    return Err(AppError::new(ErrorCode::NotInsuredHere)
                        .with_detail(msg.clone())
                        .with_field_error(format!("insurances[{i}]"), msg));
                }
            }
            list.clone()
        }
    };
    let mut ctx = UnitContext::load(conn, unit_id)?;
    let window = ctx.params(Period::of(today))?.windows.back_pay_months;
    let ids = same_person_ids(conn, &person)?;
    let mut live = Vec::new();
    for id in &ids {
        for l in lines_db::list_for_unit_person(conn, unit_id, *id)? {
            if l.status == LineStatus::Cancelled {
                continue;
            }
            live.push((l.period, l.insurance));
        }
    }
    let recorded_start = relations.iter().map(|e| Period::of(e.start_date)).min();
    check_request(
        &BackPayRequest {
            kind: p.kind,
            from: p.from,
            to: p.to,
            insurances: insurances.clone(),
        },
        &BackPayFacts {
            today,
            birth_date: person.birth_date,
            window_months: window,
            recorded_start,
            live_lines: live,
        },
    )
    .map_err(refusal)?;
    let declared = declared_monthly_wage(WageBasis::Monthly { wage: p.wage })?;
    let payload = Payload {
        kind: p.kind.code().to_owned(),
        person_id: person.id,
        person_no: person.person_no.clone(),
        person_name: person.name.clone(),
        insurances: insurances.iter().map(|i| i.code().to_owned()).collect(),
        from_period: p.from.yyyymm(),
        to_period: p.to.yyyymm(),
        monthly_wage_fen: declared.fen(),
        reason: Some(p.reason.clone()),
    };
    let planned = bp::plan(conn, &mut ctx, &payload)?;
    if planned.lines.is_empty() {
        let detail = planned
            .excluded
            .iter()
            .map(|e| e.message.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join("；");
        return Err(AppError::new(ErrorCode::NothingToAssess)
            .with_detail(format!("申请的月份均不能核定：{detail}")));
    }
    let payload_json = serde_json::to_value(&payload).map_err(AppError::internal_cause)?;
    let (_, task) = review::submit(
        conn,
        who,
        Submission {
            unit_id,
            kind: kind_info(review_kind(p.kind)),
            payload: payload_json.clone(),
            material_ids: &p.material_ids,
            before: None,
            after: Some(serde_json::json!({ "application": payload_json })),
        },
        now,
    )?;
    Ok(task)
}

/// Applies for back-pay of an employee's months beyond the online window,
/// in one transaction: the rules of `qibao_core::back_pay` (422, or 409
/// `ALREADY_ASSESSED`), an insurance the person does not have at the unit
/// (422 `NOT_INSURED_HERE`), no month assessable (422 `NOTHING_TO_ASSESS`);
/// then a review task. Returns the application as the unit sees it.
pub fn apply(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    application: &Application,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<BackPayApplicationDto, AppError> {
    transaction(conn, |c| {
        let task = submit(c, who, unit_id, application, today, now)?;
        dto(c, task)
    })
}

/// The unit's back-pay applications, newest first, in one read snapshot.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: PageReq,
) -> Result<BackPayApplicationList, AppError> {
    read_transaction(conn, |c| {
        let (tasks, total) =
            qibao_db::back_pay::list_unit_tasks_of_kinds(c, unit_id, &bp::KINDS, page)?;
        let items = tasks
            .into_iter()
            .map(|t| dto(c, t))
            .collect::<Result<_, _>>()?;
        Ok(BackPayApplicationList {
            items,
            page: PageInfo::new(page, total),
        })
    })
}

/// One of the unit's back-pay applications by its business item id, in
/// one read snapshot; another unit's (or none) is 404
/// `BACK_PAY_APPLICATION_NOT_FOUND`.
pub fn get(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: BusinessItemId,
) -> Result<BackPayApplicationDto, AppError> {
    read_transaction(conn, |c| {
        match store::get_task_by_item(c, id).optional()? {
            Some(t) if t.unit_id == unit_id && bp::KINDS.contains(&t.kind.as_str()) => dto(c, t),
            _ => Err(not_found()),
        }
    })
}
