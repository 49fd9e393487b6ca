//! 多缴退费 (R-REF-1…5): a unit's refund applications for a suspended
//! employee's paid months after the stop (the refund document, 退费单), the
//! unit's refund query (单位退费查询), and the back office's refund list and
//! payout.
//!
//! A unit sees which lines are refundable (`…/candidates`), applies with the
//! termination notice or staff-reduction form, and the application goes to
//! the review queue (kind `refund`, role reviewer, through
//! `/api/v1/staff/tasks`). Finance pays an approved refund out to the bank
//! account the unit had registered when applying. Only principal is
//! refunded, never interest or late fees (R-LATE-3); a line is on at most
//! one live refund, which the database enforces (concurrent applications
//! included); a rejection frees its lines.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use qibao_core::employment::AssessmentKind;
use qibao_core::insurance::Insurance;
use qibao_core::order::agency_name;
use qibao_core::refund::{
    PlanError, RefundCandidate, RefundFacts, RefundRequest, RequestPart, RequestedLine, evaluate,
    is_refund_number, plan, refund_number, refund_window,
};
use qibao_core::{Money, Period};
use qibao_db::assessments::{self as lines_db, Assessment};
use qibao_db::orders as orders_db;
use qibao_db::refunds::{
    self as refunds_db, NewRefundApplication, NewRefundLine, RefundApplication, RefundFilter,
};
use qibao_db::rows::{Employment, Person};
use qibao_db::units::{self as unit_db, PURPOSE_REFUND};
use qibao_db::{DbConn, DbError, OptionalExt, employees as emp_db, repo};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Date, PrimitiveDateTime};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Principal, StaffRole, StaffUser, UnitUser};
use crate::blocking::run_db;
use crate::problem::corrupt;
use crate::problem::{ApiError, FieldError, ProblemDoc};
use crate::review::material::{MaterialDto, check_material_ids};
use crate::review::refund::REFUND;
use crate::review::{self, Submission, iso};
use crate::routes::ServiceConfig;
use crate::routes::employees::{insurances_field, parse_person_no};
use crate::routes::key_changes::TimelineEntry;
use crate::routes::orders::idempotency_key;
use crate::state::AppState;
use qibao_app::context::UnitContext;
use qibao_app::employees::{same_person_ids, unit_person};

/// The longest reason accepted, in characters.
const MAX_REASON_CHARS: usize = 500;
/// The longest payout reference accepted, in characters.
const MAX_REFERENCE_CHARS: usize = 64;
/// The business item status of a refund paid out.
const ITEM_PAID_OUT: &str = "paid_out";

// ---------------------------------------------------------------- labels

fn status_label(s: &str) -> &'static str {
    match s {
        refunds_db::PENDING_REVIEW => "待审核",
        refunds_db::APPROVED => "审核通过，待退费",
        refunds_db::REJECTED => "审核不通过",
        refunds_db::PAID_OUT => "已退费",
        _ => "其他",
    }
}

fn document_label(s: &str) -> &'static str {
    match s {
        refunds_db::TERMINATION_NOTICE => "解除劳动合同通知书",
        refunds_db::STAFF_REDUCTION_FORM => "减员表",
        _ => "其他材料",
    }
}

fn parse_document_type(s: &str) -> Option<&'static str> {
    match s.trim() {
        refunds_db::TERMINATION_NOTICE => Some(refunds_db::TERMINATION_NOTICE),
        refunds_db::STAFF_REDUCTION_FORM => Some(refunds_db::STAFF_REDUCTION_FORM),
        _ => None,
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("REFUND_NOT_FOUND", "没有找到该退费单。")
}

// ---------------------------------------------------------------- DTOs

/// The bank account a refund is paid to (退收银行账户), as registered when
/// the unit applied.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundBankAccountDto {
    #[schema(example = "中国工商银行宜昌分行")]
    pub bank_name: String,
    #[schema(example = "宜昌市三峡示范科技有限公司")]
    pub account_name: String,
    #[schema(example = "1807050109024567890")]
    pub account_no: String,
}

/// The stop of one insurance relation (停保, R-EMP-5).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundStopDto {
    /// Insurance (险种, AAE140).
    pub insurance: Insurance,
    /// The day employment ended (停保时间).
    pub stop_date: Date,
    /// Its month: still paid, not refundable.
    pub last_payable_period: Period,
}

/// One of the person's lines as a refund candidate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundCandidateDto {
    /// Contribution month (费款所属期, AAE002).
    pub period: Period,
    /// Insurance (险种, AAE140).
    pub insurance: Insurance,
    #[schema(example = "企业职工基本养老保险")]
    pub insurance_name: String,
    /// What created the line (核定类型, AAA115): `regular`, `back_pay`,
    /// `labour_contract`, `injury_only_transfer`.
    #[schema(example = "regular")]
    pub kind: String,
    #[schema(example = "单位整体核定")]
    pub kind_label: String,
    /// The line: `pending`, `billed` (on a live order) or `paid`.
    #[schema(example = "paid")]
    pub status: String,
    /// The unit part and individual part of the principal (本金).
    #[schema(example = "552.00")]
    pub unit_amount: Money,
    #[schema(example = "276.00")]
    pub individual_amount: Money,
    #[schema(example = "828.00")]
    pub principal: Money,
    /// Interest and late fee billed with the line: never refundable (R-LATE-3).
    #[schema(example = "1.80")]
    pub interest: Money,
    #[schema(example = "4.35")]
    pub late_fee: Money,
    /// Refunded already (paid out).
    #[schema(example = "0.00")]
    pub refunded: Money,
    /// Whether the line may be applied for now.
    pub refundable: bool,
    /// What may be refunded now: principal paid less what was refunded.
    #[schema(example = "828.00")]
    pub refundable_amount: Money,
    #[schema(example = "552.00")]
    pub refundable_unit: Money,
    #[schema(example = "276.00")]
    pub refundable_individual: Money,
    /// Why not, when it is not: a stable code and the Chinese reason.
    #[schema(example = "STOP_MONTH")]
    pub refusal_code: Option<String>,
    #[schema(example = "202301为停保时间所在月份，应正常缴费，不能退费")]
    pub refusal_reason: Option<String>,
    /// The live refund the line is on, if any.
    #[schema(example = "TF20230420000001")]
    pub refund_no: Option<String>,
}

/// A person's lines around and after the stop, each with its refundable
/// amount or the reason it is not refundable.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundCandidates {
    /// Person number (个人编号, AAC001).
    #[schema(example = "10003726000")]
    pub person_no: String,
    /// Name (姓名, AAC003).
    #[schema(example = "张三")]
    pub name: String,
    /// Whether any of the person's insurances at the unit is suspended (R-REF-2).
    pub suspended: bool,
    /// The stops of the suspended insurances.
    pub stops: Vec<RefundStopDto>,
    /// The months that may be claimed online now (R-REF-1).
    pub window_from: Period,
    pub window_to: Period,
    /// Lines from the earlier of the stop month and the window's first
    /// month, by period and insurance.
    pub lines: Vec<RefundCandidateDto>,
    /// The sum of what is refundable now.
    #[schema(example = "1738.80")]
    pub total_refundable: Money,
    /// The unit's refund bank account (R-REF-3); none: register one first.
    pub bank_account: Option<RefundBankAccountDto>,
}

/// One line of a refund document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundLineDto {
    /// Contribution month (费款所属期, AAE002).
    #[schema(example = "202302")]
    pub period: Period,
    /// Insurance (险种, AAE140).
    #[schema(example = "110")]
    pub insurance: Insurance,
    #[schema(example = "企业职工基本养老保险")]
    pub insurance_name: String,
    /// The unit part and individual part refunded, and their sum.
    #[schema(example = "552.00")]
    pub unit_amount: Money,
    #[schema(example = "276.00")]
    pub individual_amount: Money,
    #[schema(example = "828.00")]
    pub amount: Money,
    /// The principal that was paid for the line.
    #[schema(example = "828.00")]
    pub principal_paid: Money,
}

/// Sums of a refund document's lines.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct RefundTotals {
    #[schema(example = "1166.10")]
    pub unit: Money,
    #[schema(example = "572.70")]
    pub individual: Money,
    #[schema(example = "1738.80")]
    pub total: Money,
}

/// The person a refund is for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundPersonDto {
    /// Person number (个人编号, AAC001).
    #[schema(example = "10003726000")]
    pub person_no: String,
    /// Name (姓名, AAC003).
    #[schema(example = "张三")]
    pub name: String,
}

/// The refund document (退费单, R-REF-5): the application with its lines,
/// totals in figures and capitals, the bank account, the review outcome and
/// the payout.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundDocument {
    /// Refund number (退费单号): `TF`, the application date and a sequence.
    #[schema(example = "TF20230420000001")]
    pub refund_no: String,
    /// `pending_review`, `approved`, `rejected` or `paid_out`.
    #[schema(example = "pending_review")]
    pub status: String,
    #[schema(example = "待审核")]
    pub status_label: String,
    /// The application's business item (办件).
    pub business_item_id: i64,
    /// Unit number (单位编号, AAB001) and name (AAB004).
    #[schema(example = "100047500")]
    pub unit_no: String,
    pub unit_name: String,
    /// The agency that pays the refund (经办机构).
    #[schema(example = "宜昌市本级社会保险事业管理局")]
    pub agency: String,
    pub person: RefundPersonDto,
    /// `termination_notice` (解除劳动合同通知书) or `staff_reduction_form` (减员表).
    #[schema(example = "termination_notice")]
    pub document_type: String,
    #[schema(example = "解除劳动合同通知书")]
    pub document_type_label: String,
    pub reason: Option<String>,
    /// By period and insurance.
    pub lines: Vec<RefundLineDto>,
    pub totals: RefundTotals,
    /// The total in capitals (大写, R-MON-3).
    #[schema(example = "壹仟柒佰叁拾捌元捌角整")]
    pub total_in_capitals: String,
    pub bank_account: RefundBankAccountDto,
    /// The supporting documents.
    pub materials: Vec<MaterialDto>,
    /// Who applied (`role:account:name`) and when (RFC 3339, UTC).
    pub applied_by: String,
    #[schema(example = "2023-04-20T02:15:00Z")]
    pub applied_at: String,
    /// The review task: `open`, `claimed`, `approved` or `rejected`.
    #[schema(example = "open")]
    pub review_status: String,
    pub reviewed_at: Option<String>,
    /// The reviewer's reason of a rejection (审核不通过原因).
    pub rejection_reason: Option<String>,
    /// The reviewer's note of an approval.
    pub approval_note: Option<String>,
    /// When finance paid the refund out, and the payment's reference.
    pub paid_out_at: Option<String>,
    pub payout_reference: Option<String>,
    /// Every step, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Staff views only: who reviewed and who paid out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_out_by: Option<String>,
}

/// A refund in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundSummary {
    #[schema(example = "TF20230420000001")]
    pub refund_no: String,
    #[schema(example = "pending_review")]
    pub status: String,
    #[schema(example = "待审核")]
    pub status_label: String,
    pub unit_no: String,
    pub unit_name: String,
    pub person_no: String,
    pub person_name: String,
    /// The months refunded, oldest first.
    pub periods: Vec<String>,
    #[schema(example = "1738.80")]
    pub total: Money,
    pub applied_at: String,
    pub reviewed_at: Option<String>,
    pub rejection_reason: Option<String>,
    pub paid_out_at: Option<String>,
}

/// A page of refunds, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefundPage {
    pub items: Vec<RefundSummary>,
    /// Refunds matching the filters, over all pages.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

// ---------------------------------------------------------------- candidates

/// What the refund rules need about one person at the unit.
struct Loaded {
    person: Person,
    relations: Vec<Employment>,
    window_months: u8,
    /// Live (not cancelled) lines, by period and insurance.
    rows: Vec<Assessment>,
    /// One per row, same order.
    candidates: Vec<RefundCandidate>,
    live: HashMap<i64, String>,
    charges: HashMap<i64, (i64, i64)>,
}

impl Loaded {
    fn suspended(&self) -> bool {
        self.relations.iter().any(|e| e.status == emp_db::SUSPENDED)
    }

    fn facts(&self, today: Date) -> RefundFacts<'_> {
        RefundFacts {
            today,
            window_months: self.window_months,
            suspended: self.suspended(),
            candidates: &self.candidates,
        }
    }
}

fn load_person(
    conn: &mut DbConn,
    unit_id: i64,
    person_no: &str,
    today: Date,
) -> Result<Loaded, ApiError> {
    let (person, _) = unit_person(conn, unit_id, person_no)?;
    let ids = same_person_ids(conn, &person)?;
    let relations: Vec<Employment> = emp_db::employments_of_persons(conn, &ids)?
        .into_iter()
        .filter(|e| e.unit_id == unit_id)
        .collect();
    let mut ctx = UnitContext::load(conn, unit_id)?;
    let window_months = ctx.params(Period::of(today))?.windows.refund_months;
    let mut rows: Vec<Assessment> = Vec::new();
    for id in &ids {
        rows.extend(
            lines_db::list_for_unit_person(conn, unit_id, *id)?
                .into_iter()
                .filter(|a| a.status != lines_db::CANCELLED),
        );
    }
    rows.sort_by(|a, b| (a.period, &a.insurance, a.id).cmp(&(b.period, &b.insurance, b.id)));
    let aids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let live: HashMap<i64, String> = refunds_db::live_lines_of_assessments(conn, &aids)?
        .into_iter()
        .map(|(l, no, _)| (l.assessment_id, no))
        .collect();
    let refunded: HashMap<i64, (i64, i64)> = refunds_db::refunded_amounts(conn, &aids)?
        .into_iter()
        .map(|(id, u, i)| (id, (u, i)))
        .collect();
    let charges: HashMap<i64, (i64, i64)> = refunds_db::charges_of_assessments(conn, &aids)?
        .into_iter()
        .map(|(id, i, f)| (id, (i, f)))
        .collect();
    let mut candidates = Vec::with_capacity(rows.len());
    for a in &rows {
        let period = Period::from_yyyymm(a.period).map_err(|e| corrupt("period", e))?;
        let insurance = Insurance::from_code(&a.insurance).map_err(|e| corrupt("insurance", e))?;
        let kind = AssessmentKind::parse(&a.kind).ok_or_else(|| corrupt("line kind", &a.kind))?;
        let stop_date = relations
            .iter()
            .find(|e| e.id == a.employment_id)
            .filter(|e| e.status == emp_db::SUSPENDED)
            .and_then(|e| e.stop_date);
        let (unit_refunded, individual_refunded) = refunded.get(&a.id).copied().unwrap_or((0, 0));
        candidates.push(RefundCandidate {
            line_id: a.id,
            period,
            insurance,
            kind: kind.line_kind(),
            paid: a.status == lines_db::PAID,
            unit_paid: Money::from_fen(a.unit_fen),
            individual_paid: Money::from_fen(a.individual_fen),
            unit_refunded: Money::from_fen(unit_refunded),
            individual_refunded: Money::from_fen(individual_refunded),
            stop_date,
            under_refund: live.contains_key(&a.id),
        });
    }
    Ok(Loaded {
        person,
        relations,
        window_months,
        rows,
        candidates,
        live,
        charges,
    })
}

fn account_dto(a: &unit_db::UnitBankAccount) -> RefundBankAccountDto {
    RefundBankAccountDto {
        bank_name: a.bank_name.clone(),
        account_name: a.account_name.clone(),
        account_no: a.account_number.clone(),
    }
}

fn candidates_of(
    conn: &mut DbConn,
    unit_id: i64,
    person_no: &str,
    today: Date,
) -> Result<RefundCandidates, ApiError> {
    let l = load_person(conn, unit_id, person_no, today)?;
    let (window_from, window_to) = refund_window(today, l.window_months);
    let mut stops: Vec<RefundStopDto> = Vec::new();
    for e in l.relations.iter().filter(|e| e.status == emp_db::SUSPENDED) {
        if let (Some(stop_date), Ok(insurance)) = (e.stop_date, Insurance::from_code(&e.insurance))
        {
            stops.push(RefundStopDto {
                insurance,
                stop_date,
                last_payable_period: Period::of(stop_date),
            });
        }
    }
    stops.sort_by_key(|s| (s.insurance, s.stop_date));
    let from = stops
        .iter()
        .map(|s| s.last_payable_period)
        .chain(std::iter::once(window_from))
        .min()
        .unwrap_or(window_from);
    let mut lines = Vec::new();
    let mut total = Money::ZERO;
    for (a, c) in l.rows.iter().zip(&l.candidates) {
        if c.period < from {
            continue;
        }
        let kind = AssessmentKind::parse(&a.kind).ok_or_else(|| corrupt("line kind", &a.kind))?;
        let (interest, late_fee) = l.charges.get(&a.id).copied().unwrap_or((0, 0));
        let judged = evaluate(today, l.window_months, c);
        let (ok, amount, unit, individual, code, reason) = match &judged {
            Ok(r) => (true, r.total, r.unit, r.individual, None, None),
            Err(e) => (
                false,
                Money::ZERO,
                Money::ZERO,
                Money::ZERO,
                Some(e.code().to_owned()),
                Some(e.to_string()),
            ),
        };
        total += amount;
        lines.push(RefundCandidateDto {
            period: c.period,
            insurance: c.insurance,
            insurance_name: c.insurance.name_zh().to_owned(),
            kind: kind.code().to_owned(),
            kind_label: kind.label_zh().to_owned(),
            status: a.status.clone(),
            unit_amount: c.unit_paid,
            individual_amount: c.individual_paid,
            principal: c.unit_paid + c.individual_paid,
            interest: Money::from_fen(interest),
            late_fee: Money::from_fen(late_fee),
            refunded: c.unit_refunded + c.individual_refunded,
            refundable: ok,
            refundable_amount: amount,
            refundable_unit: unit,
            refundable_individual: individual,
            refusal_code: code,
            refusal_reason: reason,
            refund_no: l.live.get(&a.id).cloned(),
        });
    }
    let bank_account =
        unit_db::active_bank_account(conn, unit_id, PURPOSE_REFUND)?.map(|a| account_dto(&a));
    let suspended = l.suspended();
    Ok(RefundCandidates {
        person_no: l.person.person_no,
        name: l.person.name,
        suspended,
        stops,
        window_from,
        window_to,
        lines,
        total_refundable: total,
        bank_account,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateQuery {
    /// Required. Person number (个人编号, AAC001) of an employee of the unit.
    #[param(example = "10003726000")]
    pub person_no: Option<String>,
}

/// The person's lines from the stop month on, each with its refundable
/// amount (principal paid less what was refunded; interest and late fees
/// never) or the reason it cannot be refunded online, the refund window and
/// the unit's refund bank account: what a unit looks at before applying.
#[utoipa::path(
    tag = "portal",
    operation_id = "list_refund_candidates",
    security(("bearer" = [])),
    params(CandidateQuery),
    responses(
        (status = 200, body = RefundCandidates),
        (status = 400, description = "Missing or malformed `person_no` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No parameters in force for the current month (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/refund-applications/candidates")]
pub async fn list_refund_candidates(
    state: web::Data<AppState>,
    user: UnitUser,
    query: web::Query<CandidateQuery>,
) -> Result<web::Json<RefundCandidates>, ApiError> {
    let person_no = match query.person_no.as_deref().map(str::trim) {
        None | Some("") => {
            return Err(ApiError::invalid_field(
                "person_no",
                "缺少必填参数：请填写个人编号。",
            ));
        }
        Some(s) => parse_person_no(s)?,
    };
    let today = state.clock.today();
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        candidates_of(conn, unit_id, &person_no, today)
    })
    .await?;
    Ok(web::Json(out))
}

// ---------------------------------------------------------------- apply

/// One line asked for with an amount.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundLineInput {
    /// Required. Contribution month (YYYYMM, 费款所属期 AAE002).
    #[schema(example = "202302")]
    pub period: Option<String>,
    /// Required. Insurance code (险种, AAE140).
    #[schema(example = "110")]
    pub insurance: Option<String>,
    /// The amount to refund in yuan (string, or integer); default all that
    /// is refundable. More than the principal paid is refused: interest and
    /// late fees are not refundable.
    #[schema(value_type = Option<String>, example = "828.00")]
    pub amount: Option<Value>,
}

/// A refund application (多缴退费申请).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundApplicationInput {
    /// Required. Person number (个人编号, AAC001) of a suspended employee.
    #[schema(example = "10003726000")]
    pub person_no: Option<String>,
    /// Whole months to refund (YYYYMM): every line of each month (narrowed
    /// by `insurances`) must be refundable. Without `periods` and `lines`,
    /// every line refundable now is applied for.
    #[schema(example = json!(["202302", "202303"]))]
    pub periods: Option<Vec<String>>,
    /// Insurance codes (险种, AAE140) narrowing `periods`; without
    /// `periods`, every refundable line of these insurances.
    #[schema(example = json!(["110", "210", "410"]))]
    pub insurances: Option<Vec<String>>,
    /// Single lines, optionally with an amount each.
    pub lines: Option<Vec<RefundLineInput>>,
    /// Required (R-REF-3). `termination_notice` (解除劳动合同通知书) or
    /// `staff_reduction_form` (减员表).
    #[schema(example = "termination_notice")]
    pub document_type: Option<String>,
    /// Required (R-REF-3). Ids of the unit's uploaded materials: the
    /// termination notice or staff-reduction form (1–20).
    #[schema(example = json!([12]))]
    pub material_ids: Option<Vec<i64>>,
    /// Why the months were over-paid (shown to the reviewer), up to 500 characters.
    #[schema(example = "职工已于1月解除劳动合同，2、3月误缴")]
    pub reason: Option<String>,
}

struct Parsed {
    person_no: String,
    request: RefundRequest,
    document_type: Option<&'static str>,
    material_ids: Vec<i64>,
    reason: Option<String>,
}

fn period_of(s: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<Period> {
    match Period::parse(s.trim()) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(FieldError::new(field, e.to_string()));
            None
        }
    }
}

fn amount_of(v: &Value, field: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
    let parsed = match v {
        Value::String(s) => Money::parse_non_negative(s).map_err(|e| e.to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            Money::parse_non_negative(&n.to_string()).map_err(|e| e.to_string())
        }
        Value::Number(_) => {
            Err("带小数的金额请用字符串表示，如 \"828.00\"，以免精度损失".to_owned())
        }
        _ => Err("金额应为字符串，如 \"828.00\"".to_owned()),
    };
    match parsed {
        Ok(m) if m.is_zero() => {
            errors.push(FieldError::new(field, "退费金额应大于0"));
            None
        }
        Ok(m) => Some(m),
        Err(message) => {
            errors.push(FieldError::new(field, message));
            None
        }
    }
}

fn parse(body: &RefundApplicationInput) -> Result<Parsed, ApiError> {
    let mut errors = Vec::new();
    let person_no = match body.person_no.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new(
                "person_no",
                "缺少必填字段：请填写个人编号。",
            ));
            None
        }
        Some(s) => match parse_person_no(s) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.extend(e.errors().iter().cloned());
                None
            }
        },
    };
    let periods = match &body.periods {
        None => None,
        Some(list) if list.is_empty() => {
            errors.push(FieldError::new("periods", "至少选择一个月份。"));
            None
        }
        Some(list) => {
            let mut out: Vec<Period> = Vec::new();
            for (i, s) in list.iter().enumerate() {
                let field = format!("periods[{i}]");
                if let Some(p) = period_of(s, &field, &mut errors) {
                    if out.contains(&p) {
                        errors.push(FieldError::new(field, format!("月份{p}重复")));
                    } else {
                        out.push(p);
                    }
                }
            }
            Some(out)
        }
    };
    let insurances = insurances_field(&body.insurances, "insurances", false, &mut errors);
    let mut lines: Vec<RequestedLine> = Vec::new();
    for (i, l) in body.lines.iter().flatten().enumerate() {
        let period = match l.period.as_deref() {
            None => {
                errors.push(FieldError::new(
                    format!("lines[{i}].period"),
                    "缺少必填字段：请填写月份（YYYYMM）。",
                ));
                None
            }
            Some(s) => period_of(s, &format!("lines[{i}].period"), &mut errors),
        };
        let insurance = match l.insurance.as_deref() {
            None => {
                errors.push(FieldError::new(
                    format!("lines[{i}].insurance"),
                    "缺少必填字段：请填写险种。",
                ));
                None
            }
            Some(s) => match Insurance::parse_collected(s) {
                Ok(ins) => Some(ins),
                Err(e) => {
                    errors.push(FieldError::new(
                        format!("lines[{i}].insurance"),
                        e.to_string(),
                    ));
                    None
                }
            },
        };
        let amount = match &l.amount {
            None | Some(Value::Null) => None,
            Some(v) => match amount_of(v, &format!("lines[{i}].amount"), &mut errors) {
                Some(m) => Some(m),
                None => continue,
            },
        };
        if let (Some(period), Some(insurance)) = (period, insurance) {
            if lines
                .iter()
                .any(|x| x.period == period && x.insurance == insurance)
            {
                errors.push(FieldError::new(
                    format!("lines[{i}]"),
                    format!("{period}{}重复", insurance.name_zh()),
                ));
            } else {
                lines.push(RequestedLine {
                    period,
                    insurance,
                    amount,
                });
            }
        }
    }
    if body.lines.as_ref().is_some_and(Vec::is_empty) {
        errors.push(FieldError::new("lines", "至少填写一条退费明细。"));
    }
    let document_type = match body.document_type.as_deref() {
        None => None,
        Some(s) => match parse_document_type(s) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldError::new(
                    "document_type",
                    "材料类型应为 termination_notice（解除劳动合同通知书）或 staff_reduction_form（减员表）。",
                ));
                None
            }
        },
    };
    let material_ids = match body.material_ids.as_deref() {
        None | Some([]) => Vec::new(),
        Some(ids) => match check_material_ids(ids) {
            Ok(ids) => ids,
            Err(e) => {
                errors.push(e);
                Vec::new()
            }
        },
    };
    let reason = match body.reason.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) if r.chars().count() > MAX_REASON_CHARS => {
            errors.push(FieldError::new(
                "reason",
                format!("退费原因最多{MAX_REASON_CHARS}个字。"),
            ));
            None
        }
        Some(r) => Some(r.to_owned()),
    };
    match person_no {
        Some(person_no) if errors.is_empty() => Ok(Parsed {
            person_no,
            request: RefundRequest {
                periods,
                insurances,
                lines,
            },
            document_type,
            material_ids,
            reason,
        }),
        _ => Err(ApiError::validation(errors)),
    }
}

/// A refusal of the plan: 422 (a rule), 409 (lines under a live refund);
/// `errors` names each month or line refused.
fn plan_error(e: &PlanError) -> ApiError {
    let detail = e.to_string();
    let mut err = if e.is_conflict() {
        ApiError::conflict(e.code(), detail)
    } else {
        ApiError::unprocessable(e.code(), detail)
    };
    if let PlanError::Refused(list) = e {
        for r in list {
            let field = match r.part {
                RequestPart::Period(i) => format!("periods[{i}]"),
                RequestPart::Line(i) => format!("lines[{i}]"),
                RequestPart::Selected => "person_no".to_owned(),
            };
            err = err.with_field_error(field, r.refusal.to_string());
        }
    }
    err
}

fn retryable(e: DbError) -> ApiError {
    qibao_app::tx::conflict_as_retry(e, "该人员的缴费记录正在被其他退费申请办理，请刷新后核对。")
}

/// The key an `Idempotency-Key` is stored under (the store is shared with
/// payment orders).
fn stored_key(key: &str) -> String {
    format!("refund:{key}")
}

/// Applies, in the caller's transaction; returns the document.
fn apply(
    conn: &mut DbConn,
    user: &UnitUser,
    p: &Parsed,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<RefundDocument, ApiError> {
    let unit_id = user.unit_id;
    let loaded = load_person(conn, unit_id, &p.person_no, today)?;
    if !loaded.suspended() {
        return Err(plan_error(&PlanError::NotSuspended));
    }
    if p.document_type.is_none() || p.material_ids.is_empty() {
        let msg = "申请退费须上传解除劳动合同通知书或减员表：请先上传材料，再填写材料类型（document_type）和材料编号（material_ids）。";
        let mut err = ApiError::unprocessable("MATERIAL_REQUIRED", msg);
        if p.document_type.is_none() {
            err = err.with_field_error("document_type", "请选择材料类型。");
        }
        if p.material_ids.is_empty() {
            err = err.with_field_error("material_ids", "请至少提供一份材料。");
        }
        return Err(err);
    }
    let account = unit_db::active_bank_account(conn, unit_id, PURPOSE_REFUND)?.ok_or_else(|| {
        ApiError::unprocessable(
            "NO_REFUND_ACCOUNT",
            "本单位尚未登记退收银行账户，不能申请退费：请先由单位法人在“银行账户”中登记退收银行账户（户名须为本单位名称），再申请退费。",
        )
    })?;
    let planned = plan(&loaded.facts(today), &p.request).map_err(|e| plan_error(&e))?;
    let document_type = p
        .document_type
        .ok_or_else(|| ApiError::internal_cause("document type checked above"))?;
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
    let (item, _) = review::submit(
        conn,
        &user.principal,
        Submission {
            unit_id,
            kind: &REFUND,
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
            applied_by: user.principal.actor(),
            applied_at: now,
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(retryable)?;
    // Lock the lines and make sure they are still paid: a reversal of their
    // payment by the tax bureau locks the same rows first or waits for us.
    let ids: Vec<i64> = planned.lines.iter().map(|l| l.line_id).collect();
    if lines_db::set_status(conn, &ids, lines_db::PAID, lines_db::PAID, now)? != ids.len() {
        return Err(ApiError::conflict(
            qibao_app::tx::RETRY,
            "缴费记录刚被税务机关冲正，请刷新后重新申请。",
        ));
    }
    for l in &planned.lines {
        refunds_db::insert_line(
            conn,
            &NewRefundLine {
                application_id: app.id,
                assessment_id: l.line_id,
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
    document(conn, &app, false)
}

/// Applies for the refund of a suspended employee's over-paid months
/// (多缴退费, R-REF-1…4) with the termination notice or staff-reduction form;
/// answers the refund document (退费单). Only months after the stop month,
/// within the refund window before the current month, paid, and not the
/// work-injury line of a transfer month are refundable, and only their
/// principal (interest and late fees never, R-LATE-3). A reviewer decides
/// (`/api/v1/staff/tasks`, kind `refund`); finance pays it out. Nothing is
/// written when refused. With an `Idempotency-Key`, a retry answers the
/// first document; without one, a second identical application is 409
/// `LINE_UNDER_REFUND` (the database keeps one live refund per line, also
/// under concurrent requests).
#[utoipa::path(
    tag = "portal",
    operation_id = "create_refund_application",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "A retried request with the same key returns the first response.")),
    request_body = RefundApplicationInput,
    responses(
        (status = 201, description = "Submitted for review (or the first response for this Idempotency-Key); `Location` names it.", body = RefundDocument),
        (status = 400, description = "Malformed body or fields: person number, months, insurances, lines, amounts, document type, material ids, reason (`VALIDATION_FAILED`, `MALFORMED_JSON`), bad Idempotency-Key (`INVALID_IDEMPOTENCY_KEY`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A line is under a live refund already (`LINE_UNDER_REFUND`); a concurrent change could not be resolved (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A rule refuses it; `errors` names each month or line: the employee is not suspended (`NOT_SUSPENDED`, R-REF-2), the stop month (`STOP_MONTH`) or a month before it (`BEFORE_STOP`), a month outside the refund window (`OUTSIDE_REFUND_WINDOW`, R-REF-1), a month not paid or without a line (`NOT_PAID`), the work-injury line of a transfer month (`INJURY_ONLY_NOT_REFUNDABLE`, R-REF-4, R-EMP-4), an amount above the principal (`AMOUNT_ABOVE_PRINCIPAL`: interest and late fees are not refundable, R-LATE-3), a line refunded in full (`ALREADY_REFUNDED`), nothing refundable (`NOTHING_TO_REFUND`), no document type or material (`MATERIAL_REQUIRED`, R-REF-3), a material not the unit's (`MATERIAL_NOT_FOUND`), no refund bank account (`NO_REFUND_ACCOUNT`, R-REF-3), no parameters in force (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/refund-applications")]
pub async fn create_refund_application(
    state: web::Data<AppState>,
    user: UnitUser,
    req: HttpRequest,
    body: web::Json<RefundApplicationInput>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let parsed = parse(&body)?;
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let (refund_no, text) = run_db(&state, move |conn| {
        let mut first = true;
        qibao_app::tx::transaction_with_retry(conn, |c| {
            let first_run = std::mem::replace(&mut first, false);
            if let Some(k) = &key
                && let Some(stored) = orders_db::find_key(c, user.unit_id, &stored_key(k))?
            {
                let no = serde_json::from_str::<Value>(&stored.response_json)
                    .ok()
                    .and_then(|v| {
                        v.get("refund_no")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .unwrap_or_default();
                return Ok((no, stored.response_json));
            }
            let doc = apply(c, &user, &parsed, today, now).map_err(|e| {
                qibao_app::tx::keyed_race(e, key.is_some(), first_run, "LINE_UNDER_REFUND")
            })?;
            let text = serde_json::to_string(&doc).map_err(ApiError::internal_cause)?;
            if let Some(k) = &key {
                orders_db::store_key(c, user.unit_id, &stored_key(k), 201, &text, now)
                    .map_err(retryable)?;
            }
            Ok((doc.refund_no, text))
        })
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/refund-applications/{refund_no}"),
        ))
        .content_type("application/json")
        .body(text))
}

// ---------------------------------------------------------------- documents

fn document(
    conn: &mut DbConn,
    app: &RefundApplication,
    staff_view: bool,
) -> Result<RefundDocument, ApiError> {
    let unit = emp_db::get_unit(conn, app.unit_id)?;
    let region = repo::get_region(conn, &unit.region_code)?;
    let person = emp_db::get_persons(conn, &[app.person_id])?
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("refund person", app.person_id))?;
    let rows = refunds_db::lines_of(conn, app.id)?;
    let paid: HashMap<i64, i64> = lines_db::get_many(
        conn,
        &rows.iter().map(|l| l.assessment_id).collect::<Vec<_>>(),
    )?
    .into_iter()
    .map(|a| (a.id, a.unit_fen + a.individual_fen))
    .collect();
    let mut lines = Vec::with_capacity(rows.len());
    let mut totals = RefundTotals::default();
    for l in &rows {
        let insurance = Insurance::from_code(&l.insurance).map_err(|e| corrupt("insurance", e))?;
        let line = RefundLineDto {
            period: Period::from_yyyymm(l.period).map_err(|e| corrupt("period", e))?,
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
                label: review::event_label(&e.event).to_owned(),
                note: if e.event == "rejected" { e.note } else { None },
                event: e.event,
                at: iso(e.at),
            });
        }
    }
    if let Some(at) = app.paid_out_at {
        timeline.push(TimelineEntry {
            event: ITEM_PAID_OUT.to_owned(),
            label: "已退费到单位账户".to_owned(),
            at: iso(at),
            note: None,
        });
    }
    let rejected = app.status == refunds_db::REJECTED;
    Ok(RefundDocument {
        refund_no: app.refund_no.clone(),
        status: app.status.clone(),
        status_label: status_label(&app.status).to_owned(),
        business_item_id: app.business_item_id,
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
        applied_at: iso(app.applied_at),
        review_status: task.map_or_else(|| "open".to_owned(), |t| t.status),
        reviewed_at: app.reviewed_at.map(iso),
        rejection_reason: if rejected {
            app.review_note.clone()
        } else {
            None
        },
        approval_note: if rejected { None } else { approval_note },
        paid_out_at: app.paid_out_at.map(iso),
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
) -> Result<Vec<RefundSummary>, ApiError> {
    let ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
    let mut periods: HashMap<i64, Vec<String>> = HashMap::new();
    for l in refunds_db::lines_of_many(conn, &ids)? {
        let list = periods.entry(l.application_id).or_default();
        let p = l.period.to_string();
        if !list.contains(&p) {
            list.push(p);
        }
    }
    let mut person_ids: Vec<i64> = apps.iter().map(|a| a.person_id).collect();
    person_ids.sort_unstable();
    person_ids.dedup();
    let persons: HashMap<i64, (String, String)> = emp_db::get_persons(conn, &person_ids)?
        .into_iter()
        .map(|p| (p.id, (p.person_no, p.name)))
        .collect();
    let mut units: HashMap<i64, (String, String)> = HashMap::new();
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
            applied_at: iso(a.applied_at),
            reviewed_at: a.reviewed_at.map(iso),
            rejection_reason: (a.status == refunds_db::REJECTED)
                .then(|| a.review_note.clone())
                .flatten(),
            paid_out_at: a.paid_out_at.map(iso),
        });
    }
    Ok(out)
}

/// `page` and `per_page` (1–200, default 20).
fn paging(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), Vec<FieldError>> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(20);
    let mut errors = Vec::new();
    if !(1..=1_000_000).contains(&page) {
        errors.push(FieldError::new("page", "页码应为不小于1的整数。"));
    }
    if !(1..=200).contains(&per_page) {
        errors.push(FieldError::new("per_page", "每页条数应在1至200之间。"));
    }
    if errors.is_empty() {
        Ok((page, per_page))
    } else {
        Err(errors)
    }
}

fn status_filter(s: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    match s.map(str::trim) {
        None | Some("") => None,
        Some(s) if refunds_db::STATUSES.contains(&s) => Some(s.to_owned()),
        Some(_) => {
            errors.push(FieldError::new(
                "status",
                "状态应为 pending_review、approved、rejected 或 paid_out。",
            ));
            None
        }
    }
}

fn page_of(
    conn: &mut DbConn,
    filter: &RefundFilter,
    page: i64,
    per_page: i64,
) -> Result<RefundPage, ApiError> {
    let (rows, total) =
        refunds_db::list(conn, filter, (page - 1).saturating_mul(per_page), per_page)?;
    Ok(RefundPage {
        items: summaries(conn, &rows)?,
        total,
        page,
        per_page,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RefundQuery {
    /// `pending_review`, `approved`, `rejected` or `paid_out`.
    #[param(example = "paid_out")]
    pub status: Option<String>,
    /// Refunds of this person (个人编号, AAC001).
    #[param(example = "10003726000")]
    pub person_no: Option<String>,
    /// Refunds with a line of this month (YYYYMM).
    #[param(example = "202302")]
    pub period: Option<String>,
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 20).
    pub per_page: Option<i64>,
}

/// The unit's refunds (单位退费查询), newest first: status, person, months,
/// total and the review and payout times.
#[utoipa::path(
    tag = "portal",
    operation_id = "list_refund_applications",
    security(("bearer" = [])),
    params(RefundQuery),
    responses(
        (status = 200, body = RefundPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/refund-applications")]
pub async fn list_refund_applications(
    state: web::Data<AppState>,
    user: UnitUser,
    query: web::Query<RefundQuery>,
) -> Result<web::Json<RefundPage>, ApiError> {
    let mut errors = Vec::new();
    let status = status_filter(query.status.as_deref(), &mut errors);
    let person_no = match query.person_no.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => match parse_person_no(s) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.extend(e.errors().iter().cloned());
                None
            }
        },
    };
    let period = match query.period.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => period_of(s, "period", &mut errors),
    };
    let paging = paging(query.page, query.per_page);
    let (page, per_page) = match paging {
        Ok(p) if errors.is_empty() => p,
        Ok(_) => return Err(ApiError::validation(errors)),
        Err(more) => {
            errors.extend(more);
            return Err(ApiError::validation(errors));
        }
    };
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        let person_id = match &person_no {
            None => None,
            // An unknown person has no refunds: an empty page, not a 404.
            Some(no) => Some(emp_db::find_by_person_no(conn, no)?.map_or(0, |p| p.id)),
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
            per_page,
        )
    })
    .await?;
    Ok(web::Json(out))
}

/// Loads an application by number, for the caller: `unit_id` limits it to
/// one unit (another unit's refund is 404, like a missing one).
fn load_app(
    conn: &mut DbConn,
    refund_no: &str,
    unit_id: Option<i64>,
) -> Result<RefundApplication, ApiError> {
    if !is_refund_number(refund_no) {
        return Err(not_found());
    }
    refunds_db::find_by_no(conn, refund_no)?
        .filter(|a| unit_id.is_none_or(|u| a.unit_id == u))
        .ok_or_else(not_found)
}

/// One of the unit's refund documents (退费单), with the review outcome
/// (and a rejection's reason) and the payout time.
#[utoipa::path(
    tag = "portal",
    operation_id = "get_refund_application",
    security(("bearer" = [])),
    params(("refund_no" = String, Path, description = "Refund number (退费单号), e.g. `TF20230420000001`.")),
    responses(
        (status = 200, body = RefundDocument),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such refund of this unit (`REFUND_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/refund-applications/{refund_no}")]
pub async fn get_refund_application(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<RefundDocument>, ApiError> {
    let no = path.into_inner();
    let unit_id = user.unit_id;
    let doc = run_db(&state, move |conn| {
        let app = load_app(conn, no.trim(), Some(unit_id))?;
        document(conn, &app, false)
    })
    .await?;
    Ok(web::Json(doc))
}

// ---------------------------------------------------------------- staff

/// 403 unless a reviewer or finance officer.
fn require_refund_staff(p: &Principal) -> Result<(), ApiError> {
    if p.has_staff_role(StaffRole::Reviewer) || p.has_staff_role(StaffRole::Finance) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "FORBIDDEN",
            "此操作需要审核岗或财务岗权限。",
        ))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffRefundQuery {
    /// `pending_review`, `approved`, `rejected` or `paid_out`
    /// (finance pays out the `approved` ones).
    #[param(example = "approved")]
    pub status: Option<String>,
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 20).
    pub per_page: Option<i64>,
}

/// Every unit's refunds, newest first (reviewers and finance).
#[utoipa::path(
    tag = "staff",
    operation_id = "list_refunds",
    security(("bearer" = [])),
    params(StaffRefundQuery),
    responses(
        (status = 200, body = RefundPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or neither reviewer nor finance (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/refunds")]
pub async fn list_refunds(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    query: web::Query<StaffRefundQuery>,
) -> Result<web::Json<RefundPage>, ApiError> {
    require_refund_staff(&staff)?;
    let mut errors = Vec::new();
    let status = status_filter(query.status.as_deref(), &mut errors);
    let (page, per_page) = match paging(query.page, query.per_page) {
        Ok(p) if errors.is_empty() => p,
        Ok(_) => return Err(ApiError::validation(errors)),
        Err(more) => {
            errors.extend(more);
            return Err(ApiError::validation(errors));
        }
    };
    let out = run_db(&state, move |conn| {
        page_of(
            conn,
            &RefundFilter {
                status,
                ..RefundFilter::default()
            },
            page,
            per_page,
        )
    })
    .await?;
    Ok(web::Json(out))
}

/// One refund document with who reviewed and who paid it out
/// (reviewers and finance).
#[utoipa::path(
    tag = "staff",
    operation_id = "get_refund",
    security(("bearer" = [])),
    params(("refund_no" = String, Path, description = "Refund number (退费单号).")),
    responses(
        (status = 200, body = RefundDocument),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or neither reviewer nor finance (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such refund (`REFUND_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/refunds/{refund_no}")]
pub async fn get_refund(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<String>,
) -> Result<web::Json<RefundDocument>, ApiError> {
    require_refund_staff(&staff)?;
    let no = path.into_inner();
    let doc = run_db(&state, move |conn| {
        let app = load_app(conn, no.trim(), None)?;
        document(conn, &app, true)
    })
    .await?;
    Ok(web::Json(doc))
}

/// A payout of an approved refund.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutInput {
    /// Required. The bank transfer's reference (支付流水号), 1–64 characters.
    #[schema(example = "ICBC20230425000123")]
    pub payout_reference: Option<String>,
}

/// Records that finance paid an approved refund out to the unit's account
/// (R-REF-5): the refund becomes `paid_out` with who and when, and the unit
/// sees it. Finance only.
#[utoipa::path(
    tag = "staff",
    operation_id = "create_refund_payout",
    security(("bearer" = [])),
    params(("refund_no" = String, Path, description = "Refund number (退费单号).")),
    request_body = PayoutInput,
    responses(
        (status = 200, description = "Paid out.", body = RefundDocument),
        (status = 400, description = "Missing or too long `payout_reference` (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a finance officer (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such refund (`REFUND_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not approved: pending review, rejected or paid out already (`REFUND_NOT_APPROVED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/refunds/{refund_no}/payout")]
pub async fn create_refund_payout(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<String>,
    body: web::Json<PayoutInput>,
) -> Result<web::Json<RefundDocument>, ApiError> {
    staff.require_staff_role(StaffRole::Finance)?;
    let reference = match body.payout_reference.as_deref().map(str::trim) {
        None | Some("") => {
            return Err(ApiError::invalid_field(
                "payout_reference",
                "请填写支付流水号。",
            ));
        }
        Some(r) if r.chars().count() > MAX_REFERENCE_CHARS => {
            return Err(ApiError::invalid_field(
                "payout_reference",
                format!("支付流水号最多{MAX_REFERENCE_CHARS}个字符。"),
            ));
        }
        Some(r) => r.to_owned(),
    };
    let no = path.into_inner();
    let now = state.clock.now_utc();
    let doc = run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |c| {
            let app = load_app(c, no.trim(), None)?;
            if !refunds_db::set_paid_out(c, app.id, &staff.actor(), &reference, now)? {
                let detail = match app.status.as_str() {
                    refunds_db::PAID_OUT => {
                        format!("退费单{}已退费，不能重复支付。", app.refund_no)
                    }
                    refunds_db::REJECTED => {
                        format!("退费单{}审核不通过，不能支付。", app.refund_no)
                    }
                    _ => format!("退费单{}尚未审核通过，不能支付。", app.refund_no),
                };
                return Err(ApiError::conflict("REFUND_NOT_APPROVED", detail));
            }
            qibao_db::review::set_business_item_status(
                c,
                app.business_item_id,
                ITEM_PAID_OUT,
                None,
                now,
            )?;
            let app = load_app(c, &app.refund_no, None)?;
            document(c, &app, true)
        })
    })
    .await?;
    Ok(web::Json(doc))
}

/// Under `/portal`. The candidates come before `/{refund_no}`.
pub fn configure_portal(cfg: &mut ServiceConfig) {
    cfg.service(list_refund_candidates)
        .service(create_refund_application)
        .service(list_refund_applications)
        .service(get_refund_application);
}

/// Under `/staff`.
pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(list_refunds)
        .service(get_refund)
        .service(create_refund_payout);
}
