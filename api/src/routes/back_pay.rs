//! Back-pay applications reviewed by staff (劳动合同补缴 R-BACK-3, 职工补缴
//! R-BACK-2) and the unit's deferred months (缓缴, R-BACK-5).

use std::collections::HashSet;

use actix_web::{HttpResponse, get, http::header, post, web};
use qibao_core::back_pay::{
    BackPayFacts, BackPayKind, BackPayRefusal, BackPayRequest, check_request, deferral_standing,
};
use qibao_core::contribution::{WageBasis, declared_monthly_wage};
use qibao_core::insurance::Insurance;
use qibao_core::late::late_fee;
use qibao_core::{Money, Period};
use qibao_db::assessments as lines_db;
use qibao_db::review::{self as store, ReviewTask};
use qibao_db::{DbConn, OptionalExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;
use utoipa::ToSchema;

use crate::auth::UnitUser;
use crate::blocking::run_db;
use crate::problem::corrupt;
use crate::problem::{ApiError, FieldError, ProblemDoc};
use crate::review::labour_contract::{self as bp, Payload, review_kind};
use crate::review::material::{MaterialDto, check_material_ids};
use crate::review::{self, PageInfo, PageParams, Submission, iso, json_of};
use crate::routes::ServiceConfig;
use crate::routes::employees::{insurances_field, parse_person_no, wage_field};
use crate::routes::key_changes::TimelineEntry;
use crate::state::AppState;
use qibao_app::context::UnitContext;
use qibao_app::employees::{LineDto, LineTotals, same_person_ids, unit_person};

/// The longest reason accepted, in characters.
const MAX_REASON_CHARS: usize = 500;

/// A back-pay application (补缴申请).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackPayApplicationInput {
    /// Required. `labour_contract` (劳动合同补缴, R-BACK-3) or
    /// `employee_back_pay` (职工补缴, R-BACK-2).
    #[schema(example = "labour_contract")]
    pub kind: Option<String>,
    /// Required. Person number (个人编号, AAC001) of an employee of the unit.
    #[schema(example = "10003726000")]
    pub person_no: Option<String>,
    /// Insurance codes (险种, AAE140); default every insurance the person
    /// has at the unit.
    #[schema(example = json!(["110", "210", "410"]))]
    pub insurances: Option<Vec<String>>,
    /// Required. First month (YYYYMM, 费款所属期 AAE002).
    #[schema(example = "202208")]
    pub from_period: Option<String>,
    /// Required. Last month (YYYYMM), before the current month.
    #[schema(example = "202303")]
    pub to_period: Option<String>,
    /// Required. The monthly wage of those months in yuan (string or
    /// integer); rounded, then clamped to each period's bounds.
    #[schema(value_type = String, example = "5234.56")]
    pub monthly_wage: Option<Value>,
    /// Required. Ids of the unit's uploaded materials: the labour contract
    /// and evidence of the employment (1–20).
    #[schema(example = json!([12]))]
    pub material_ids: Option<Vec<i64>>,
    /// Required. Why the months were not paid (shown to the reviewer), up
    /// to 500 characters.
    #[schema(example = "入职时未及时办理参保")]
    pub reason: Option<String>,
}

struct Parsed {
    kind: BackPayKind,
    person_no: String,
    insurances: Option<Vec<Insurance>>,
    from: Period,
    to: Period,
    wage: Money,
    material_ids: Vec<i64>,
    reason: String,
}

fn period_field(v: &Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Option<Period> {
    match v.as_deref() {
        None => {
            errors.push(FieldError::new(
                field,
                "缺少必填字段：请填写期号（YYYYMM）。",
            ));
            None
        }
        Some(s) => match Period::parse(s.trim()) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError::new(field, e.to_string()));
                None
            }
        },
    }
}

fn parse(body: &BackPayApplicationInput) -> Result<Parsed, ApiError> {
    let mut errors = Vec::new();
    let kind = match body.kind.as_deref() {
        None => {
            errors.push(FieldError::new("kind", "缺少必填字段：请选择补缴类型。"));
            None
        }
        Some(k) => match BackPayKind::parse(k) {
            Some(k) => Some(k),
            None => {
                errors.push(FieldError::new(
                    "kind",
                    "补缴类型应为 labour_contract（劳动合同补缴）或 employee_back_pay（职工补缴）。",
                ));
                None
            }
        },
    };
    let person_no = match body.person_no.as_deref() {
        None => {
            errors.push(FieldError::new(
                "person_no",
                "缺少必填字段：请填写个人编号。",
            ));
            None
        }
        Some(s) => match parse_person_no(s.trim()) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.extend(e.errors().iter().cloned());
                None
            }
        },
    };
    let insurances = insurances_field(&body.insurances, "insurances", false, &mut errors);
    let from = period_field(&body.from_period, "from_period", &mut errors);
    let to = period_field(&body.to_period, "to_period", &mut errors);
    let wage = wage_field(&body.monthly_wage, "monthly_wage", true, &mut errors);
    let material_ids = match check_material_ids(body.material_ids.as_deref().unwrap_or_default()) {
        Ok(ids) => Some(ids),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let reason = match body.reason.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("reason", "请填写补缴原因。"));
            None
        }
        Some(r) if r.chars().count() > MAX_REASON_CHARS => {
            errors.push(FieldError::new(
                "reason",
                format!("补缴原因最多{MAX_REASON_CHARS}个字。"),
            ));
            None
        }
        Some(r) => Some(r.to_owned()),
    };
    match (kind, person_no, from, to, wage, material_ids, reason) {
        (
            Some(kind),
            Some(person_no),
            Some(from),
            Some(to),
            Some(wage),
            Some(material_ids),
            Some(reason),
        ) if errors.is_empty() => Ok(Parsed {
            kind,
            person_no,
            insurances,
            from,
            to,
            wage,
            material_ids,
            reason,
        }),
        _ => Err(ApiError::validation(errors)),
    }
}

fn refusal(e: BackPayRefusal) -> ApiError {
    let msg = e.to_string();
    let (code, field) = match &e {
        BackPayRefusal::FromAfterTo { .. } => ("PERIODS_REVERSED", "from_period"),
        BackPayRefusal::InFuture { .. } => ("PERIOD_IN_FUTURE", "to_period"),
        BackPayRefusal::CurrentMonth { .. } => ("CURRENT_MONTH", "to_period"),
        BackPayRefusal::UnderAge { .. } => ("UNDER_WORKING_AGE", "from_period"),
        BackPayRefusal::WithinWindow { .. } => ("WITHIN_ONLINE_WINDOW", "from_period"),
        BackPayRefusal::AlreadyAssessed { .. } => {
            return ApiError::conflict("ALREADY_ASSESSED", msg.clone())
                .with_field_error("from_period", msg);
        }
    };
    ApiError::unprocessable(code, msg.clone()).with_field_error(field, msg)
}

/// A month × insurance an approval left out, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SkippedMonth {
    #[schema(example = "202210")]
    pub period: String,
    #[schema(example = "110")]
    pub insurance: String,
    /// `already_assessed`, `before_unit_insurance`, `retired`, `prison`,
    /// `bilateral_exemption` or `paid_elsewhere`.
    #[schema(example = "already_assessed")]
    pub reason: String,
    pub message: String,
}

/// A back-pay application as the unit sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackPayApplicationDto {
    /// The application's business item (办件) id.
    #[schema(example = 41)]
    pub id: i64,
    /// `labour_contract` or `employee_back_pay`.
    #[schema(example = "labour_contract")]
    pub kind: String,
    #[schema(example = "劳动合同补缴")]
    pub kind_label: String,
    /// `pending_review`, `approved` or `rejected`.
    #[schema(example = "pending_review")]
    pub status: String,
    /// The review task: `open`, `claimed`, `approved` or `rejected`.
    #[schema(example = "open")]
    pub review_status: String,
    /// Person number (个人编号, AAC001).
    #[schema(example = "10003726000")]
    pub person_no: String,
    /// Name (姓名, AAC003).
    pub person_name: String,
    /// Insurance codes (险种, AAE140).
    pub insurances: Vec<String>,
    #[schema(example = "202208")]
    pub from_period: String,
    #[schema(example = "202303")]
    pub to_period: String,
    /// Every month applied for, oldest first.
    pub months: Vec<String>,
    /// The declared monthly wage (rounded; each month's base is clamped to
    /// its year's bounds).
    #[schema(value_type = String, example = "5230.00")]
    pub monthly_wage: Money,
    pub reason: Option<String>,
    /// Why the reviewer did not approve (审核不通过原因).
    pub rejection_reason: Option<String>,
    pub materials: Vec<MaterialDto>,
    /// The pending lines the approval created.
    pub lines_created: Vec<LineDto>,
    pub totals: LineTotals,
    /// Months the approval left out (e.g. assessed meanwhile).
    pub skipped: Vec<SkippedMonth>,
    pub submitted_by: String,
    #[schema(example = "2023-04-20T02:15:00Z")]
    pub submitted_at: String,
    pub decided_at: Option<String>,
    /// Every step, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

/// A page of applications, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackPayApplicationList {
    pub items: Vec<BackPayApplicationDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

fn dto(conn: &mut DbConn, task: ReviewTask) -> Result<BackPayApplicationDto, ApiError> {
    let item = store::get_business_item(conn, task.business_item_id)?;
    let payload = Payload::of_task(&task)?;
    let kind = payload.kind()?;
    let materials = store::materials_of_item(conn, item.id)?
        .into_iter()
        .map(MaterialDto::from)
        .collect();
    let timeline = store::events_of_task(conn, task.id)?
        .into_iter()
        .map(|e| TimelineEntry {
            label: review::event_label(&e.event).to_owned(),
            note: if e.event == "rejected" { e.note } else { None },
            event: e.event,
            at: iso(e.at),
        })
        .collect();
    let lines = LineDto::many(&qibao_db::back_pay::lines_of_item(conn, item.id)?)?;
    let skipped = json_of(item.after_json.as_deref())
        .and_then(|v| v.get("skipped").cloned())
        .and_then(|v| serde_json::from_value::<Vec<SkippedMonth>>(v).ok())
        .unwrap_or_default();
    Ok(BackPayApplicationDto {
        id: item.id,
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
        submitted_at: iso(item.created_at),
        decided_at: task.decided_at.map(iso),
        timeline,
    })
}

fn submit_application(
    conn: &mut DbConn,
    user: &UnitUser,
    p: &Parsed,
    today: Date,
    now: time::PrimitiveDateTime,
) -> Result<ReviewTask, ApiError> {
    let unit_id = user.unit_id;
    let (person, relations) = unit_person(conn, unit_id, &p.person_no)?;
    let mut held: Vec<Insurance> = Vec::new();
    for e in &relations {
        if let Ok(i) = Insurance::from_code(&e.insurance)
            && !held.contains(&i)
        {
            held.push(i);
        }
    }
    held.sort_by_key(|i| i.code());
    let insurances = match &p.insurances {
        None => held.clone(),
        Some(list) => {
            for (i, ins) in list.iter().enumerate() {
                if !held.contains(ins) {
                    let msg = format!("该人员未在本单位参加{}，不能申请补缴该险种", ins.name_zh());
                    return Err(ApiError::unprocessable("NOT_INSURED_HERE", msg.clone())
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
            if l.status == lines_db::CANCELLED {
                continue;
            }
            let period = Period::from_yyyymm(l.period).map_err(|e| corrupt("period", e))?;
            let ins = Insurance::from_code(&l.insurance).map_err(|e| corrupt("insurance", e))?;
            live.push((period, ins));
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
        return Err(ApiError::unprocessable(
            "NOTHING_TO_ASSESS",
            format!("申请的月份均不能核定：{detail}"),
        ));
    }
    let payload_json = serde_json::to_value(&payload).map_err(ApiError::internal_cause)?;
    let (_, task) = review::submit(
        conn,
        &user.principal,
        Submission {
            unit_id,
            kind: review_kind(p.kind),
            payload: payload_json.clone(),
            material_ids: &p.material_ids,
            before: None,
            after: Some(serde_json::json!({ "application": payload_json })),
        },
        now,
    )?;
    Ok(task)
}

/// Applies for back-pay of an employee's months beyond the online window:
/// labour-contract back-pay (劳动合同补缴, R-BACK-3) or employee back-pay
/// (职工补缴, R-BACK-2), with the labour contract and evidence. A reviewer
/// decides; on approval the pending lines are created, each month at its
/// own period's parameters (R-POL-3), and the next payment order bills them.
#[utoipa::path(
    tag = "portal",
    operation_id = "create_back_pay_application",
    security(("bearer" = [])),
    request_body = BackPayApplicationInput,
    responses(
        (status = 201, description = "Submitted for review; `Location` names it.", body = BackPayApplicationDto),
        (status = 400, description = "Malformed body or fields: kind, person number, periods, insurances, wage, empty `material_ids`, missing reason (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A month already has a live line of the person and insurance at the unit (`ALREADY_ASSESSED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A rule refuses it: `from_period` after `to_period` (`PERIODS_REVERSED`), a future month (`PERIOD_IN_FUTURE`), the current month (`CURRENT_MONTH`), months before the 16th birthday (`UNDER_WORKING_AGE`), months the unit may back-pay online (`WITHIN_ONLINE_WINDOW`), an insurance the person does not have at the unit (`NOT_INSURED_HERE`), no month assessable (`NOTHING_TO_ASSESS`), no parameters for a month (`POLICY_NOT_IN_FORCE`), a material not the unit's (`MATERIAL_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/back-pay-applications")]
pub async fn create_back_pay_application(
    state: web::Data<AppState>,
    user: UnitUser,
    body: web::Json<BackPayApplicationInput>,
) -> Result<HttpResponse, ApiError> {
    let parsed = parse(&body)?;
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let created = run_db(&state, move |conn| {
        let task = qibao_db::conn::transaction(conn, |c| {
            submit_application(c, &user, &parsed, today, now)
        })?;
        dto(conn, task)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/back-pay-applications/{}", created.id),
        ))
        .json(created))
}

/// The unit's back-pay applications, newest first.
#[utoipa::path(
    tag = "portal",
    operation_id = "list_back_pay_applications",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = BackPayApplicationList),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/back-pay-applications")]
pub async fn list_back_pay_applications(
    state: web::Data<AppState>,
    user: UnitUser,
    query: web::Query<PageParams>,
) -> Result<web::Json<BackPayApplicationList>, ApiError> {
    let page = query.parse()?;
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| {
        let (tasks, total) =
            qibao_db::back_pay::list_unit_tasks_of_kinds(conn, unit_id, &bp::KINDS, page)?;
        let items = tasks
            .into_iter()
            .map(|t| dto(conn, t))
            .collect::<Result<_, _>>()?;
        Ok(BackPayApplicationList {
            items,
            page: PageInfo::new(page, total),
        })
    })
    .await?;
    Ok(web::Json(list))
}

/// One of the unit's back-pay applications: status, reason, months, lines
/// created and timeline.
#[utoipa::path(
    tag = "portal",
    operation_id = "get_back_pay_application",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's business item id.")),
    responses(
        (status = 200, body = BackPayApplicationDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such application of this unit (`BACK_PAY_APPLICATION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/back-pay-applications/{id}")]
pub async fn get_back_pay_application(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<BackPayApplicationDto>, ApiError> {
    let id = path.into_inner();
    let unit_id = user.unit_id;
    let found = run_db(&state, move |conn| {
        match store::get_task_by_item(conn, id).optional()? {
            Some(t) if t.unit_id == unit_id && bp::KINDS.contains(&t.kind.as_str()) => {
                Ok(Some(dto(conn, t)?))
            }
            _ => Ok(None),
        }
    })
    .await?;
    found
        .map(web::Json)
        .ok_or_else(|| ApiError::not_found("BACK_PAY_APPLICATION_NOT_FOUND", "补缴申请不存在。"))
}

// ---------------------------------------------------------------- deferrals

/// A line of a deferred period not yet paid.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeferredLineDto {
    /// Person number (个人编号, AAC001).
    pub person_no: String,
    /// Name (姓名, AAC003).
    pub person_name: String,
    pub line: LineDto,
    /// The late fee if an order were issued today: nothing until the
    /// repay-by date, normal fees after it (R-LATE-1, R-BACK-5).
    #[schema(value_type = String, example = "0.00")]
    pub late_fee_if_billed_today: Money,
}

/// A deferral scheme (缓缴) of the unit's region and the unit's unpaid
/// lines in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeferralDto {
    /// First deferred month (YYYYMM).
    #[schema(example = "202204")]
    pub from_period: String,
    /// Last deferred month (YYYYMM); none when open-ended.
    #[schema(example = "202212")]
    pub to_period: Option<String>,
    /// Repay by this date without late fees.
    #[schema(example = "2023-12-31")]
    pub repay_by: Date,
    /// Whether the repay-by date has passed (late fees apply again).
    pub passed: bool,
    /// Days from today to the repay-by date inclusive; 0 once passed.
    #[schema(example = 256)]
    pub days_left: i64,
    /// The policy document.
    pub source: String,
    /// Pending (`pending`) and billed but unpaid (`billed`) lines of the
    /// unit in the deferred months.
    pub lines: Vec<DeferredLineDto>,
    pub totals: LineTotals,
}

/// The deferral schemes of the unit's region.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeferralList {
    /// Today, as the standing is computed.
    pub today: Date,
    pub items: Vec<DeferralDto>,
}

/// The deferral schemes (缓缴, R-BACK-5) of the unit's region, each with the
/// unit's unpaid lines in deferred months, the repay-by date and whether it
/// has passed, so the unit knows what to repay before the deadline.
#[utoipa::path(
    tag = "portal",
    operation_id = "list_deferrals",
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeferralList),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/deferrals")]
pub async fn list_deferrals(
    state: web::Data<AppState>,
    user: UnitUser,
) -> Result<web::Json<DeferralList>, ApiError> {
    let today = state.clock.today();
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| {
        let mut ctx = UnitContext::load(conn, unit_id)?;
        let schemes = ctx.policy.deferrals.clone();
        let mut items = Vec::new();
        for d in schemes {
            let rows = qibao_db::back_pay::unpaid_lines_in_periods(
                conn,
                unit_id,
                d.range.from.yyyymm(),
                d.range.to.map(Period::yyyymm),
            )?;
            let mut lines = Vec::new();
            for (a, person_no, person_name) in rows {
                let line = LineDto::of(&a)?;
                let params = ctx.params(line.period)?;
                let fee = late_fee(line.total, line.period, today, &params.late_fee, Some(&d));
                lines.push(DeferredLineDto {
                    person_no,
                    person_name,
                    late_fee_if_billed_today: fee.amount,
                    line,
                });
            }
            let standing = deferral_standing(d.repay_by, today);
            let line_dtos: Vec<LineDto> = lines.iter().map(|l| l.line.clone()).collect();
            items.push(DeferralDto {
                from_period: d.range.from.to_string(),
                to_period: d.range.to.map(|p| p.to_string()),
                repay_by: d.repay_by,
                passed: standing.passed,
                days_left: standing.days_left,
                source: d.source.document.clone(),
                totals: LineTotals::of(&line_dtos),
                lines,
            });
        }
        Ok(DeferralList { today, items })
    })
    .await?;
    Ok(web::Json(list))
}

/// Under `/portal`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_back_pay_application)
        .service(list_back_pay_applications)
        .service(get_back_pay_application)
        .service(list_deferrals);
}
