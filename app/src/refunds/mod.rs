//! 多缴退费 (R-REF-1…5): a unit's refund applications for a suspended
//! employee's paid months after the stop, as use cases: the candidates
//! ([`candidates`]), the application with the termination document and the
//! refund account ([`apply`]), the unit's and the back office's queries and
//! the refund document (退费单, [`query`]), finance's payout ([`payout`]),
//! and the reviewer's decision ([`review`]).
//!
//! Only principal is refunded, never interest or late fees (R-LATE-3); a
//! line is on at most one live refund, which the database enforces
//! (concurrent applications included); a rejection frees its lines.
//! `qibao_core::refund` decides what is refundable; this module holds the
//! output types and what the use cases share: the person's lines as the
//! rules see them.

pub mod apply;
pub mod candidates;
pub mod payout;
pub mod query;
pub mod review;

use std::collections::HashMap;

use qibao_core::employment::LineStatus;
use qibao_core::insurance::Insurance;
use qibao_core::refund::{RefundCandidate, RefundFacts, is_refund_number};
use qibao_core::{Money, Period};
use qibao_db::assessments::{self as lines_db, Assessment};
use qibao_db::ids::{AssessmentId, UnitId};
use qibao_db::refunds::{self as refunds_db, RefundApplication};
use qibao_db::rows::{Employment, Person};
use qibao_db::units as unit_db;
use qibao_db::{DbConn, employees as emp_db};
use serde::Serialize;
use time::Date;

use crate::context::UnitContext;
use crate::error::{AppError, ErrorCode};
use crate::persons::{same_person_ids, unit_person};
use crate::review::{MaterialDto, TimelineEntry};

/// The business item status of a refund paid out.
pub const ITEM_PAID_OUT: &str = "paid_out";

pub(crate) fn status_label(s: &str) -> &'static str {
    match s {
        refunds_db::PENDING_REVIEW => "待审核",
        refunds_db::APPROVED => "审核通过，待退费",
        refunds_db::REJECTED => "审核不通过",
        refunds_db::PAID_OUT => "已退费",
        _ => "其他",
    }
}

pub(crate) fn document_label(s: &str) -> &'static str {
    match s {
        refunds_db::TERMINATION_NOTICE => "解除劳动合同通知书",
        refunds_db::STAFF_REDUCTION_FORM => "减员表",
        _ => "其他材料",
    }
}

/// The document type a unit names (`termination_notice`,
/// `staff_reduction_form`), or none.
pub fn parse_document_type(s: &str) -> Option<&'static str> {
    match s.trim() {
        refunds_db::TERMINATION_NOTICE => Some(refunds_db::TERMINATION_NOTICE),
        refunds_db::STAFF_REDUCTION_FORM => Some(refunds_db::STAFF_REDUCTION_FORM),
        _ => None,
    }
}

pub(crate) fn not_found() -> AppError {
    AppError::new(ErrorCode::RefundNotFound)
}

/// Whether `s` is a refund status a list may be filtered by
/// (`pending_review`, `approved`, `rejected`, `paid_out`).
pub fn is_status(s: &str) -> bool {
    refunds_db::STATUSES.contains(&s)
}

// ---------------------------------------------------------------- output

/// The bank account a refund is paid to (退收银行账户), as registered when
/// the unit applied.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundBankAccountDto {
    #[cfg_attr(feature = "openapi", schema(example = "中国工商银行宜昌分行"))]
    pub bank_name: String,
    #[cfg_attr(feature = "openapi", schema(example = "宜昌市三峡示范科技有限公司"))]
    pub account_name: String,
    #[cfg_attr(feature = "openapi", schema(example = "1807050109024567890"))]
    pub account_no: String,
}

/// The stop of one insurance relation (停保, R-EMP-5).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundStopDto {
    /// Insurance (险种, AAE140).
    pub insurance: Insurance,
    /// The day employment ended (停保时间).
    pub stop_date: Date,
    /// Its month: still paid, not refundable.
    pub last_payable_period: Period,
}

/// One of the person's lines as a refund candidate.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundCandidateDto {
    /// Contribution month (费款所属期, AAE002).
    pub period: Period,
    /// Insurance (险种, AAE140).
    pub insurance: Insurance,
    #[cfg_attr(feature = "openapi", schema(example = "企业职工基本养老保险"))]
    pub insurance_name: String,
    /// What created the line (核定类型, AAA115): `regular`, `back_pay`,
    /// `labour_contract`, `injury_only_transfer`.
    #[cfg_attr(feature = "openapi", schema(example = "regular"))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(example = "单位整体核定"))]
    pub kind_label: String,
    /// The line: `pending`, `billed` (on a live order) or `paid`.
    #[cfg_attr(feature = "openapi", schema(example = "paid"))]
    pub status: String,
    /// The unit part and individual part of the principal (本金).
    #[cfg_attr(feature = "openapi", schema(example = "552.00"))]
    pub unit_amount: Money,
    #[cfg_attr(feature = "openapi", schema(example = "276.00"))]
    pub individual_amount: Money,
    #[cfg_attr(feature = "openapi", schema(example = "828.00"))]
    pub principal: Money,
    /// Interest and late fee billed with the line: never refundable (R-LATE-3).
    #[cfg_attr(feature = "openapi", schema(example = "1.80"))]
    pub interest: Money,
    #[cfg_attr(feature = "openapi", schema(example = "4.35"))]
    pub late_fee: Money,
    /// Refunded already (paid out).
    #[cfg_attr(feature = "openapi", schema(example = "0.00"))]
    pub refunded: Money,
    /// Whether the line may be applied for now.
    pub refundable: bool,
    /// What may be refunded now: principal paid less what was refunded.
    #[cfg_attr(feature = "openapi", schema(example = "828.00"))]
    pub refundable_amount: Money,
    #[cfg_attr(feature = "openapi", schema(example = "552.00"))]
    pub refundable_unit: Money,
    #[cfg_attr(feature = "openapi", schema(example = "276.00"))]
    pub refundable_individual: Money,
    /// Why not, when it is not: a stable code and the Chinese reason.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "STOP_MONTH"))]
    pub refusal_code: Option<ErrorCode>,
    #[cfg_attr(
        feature = "openapi",
        schema(
            required = true,
            example = "202301为停保时间所在月份，应正常缴费，不能退费"
        )
    )]
    pub refusal_reason: Option<String>,
    /// The live refund the line is on, if any.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, example = "TF20230420000001")
    )]
    pub refund_no: Option<String>,
}

/// A person's lines around and after the stop, each with its refundable
/// amount or the reason it is not refundable.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundCandidates {
    /// Person number (个人编号, AAC001).
    #[cfg_attr(feature = "openapi", schema(example = "10003726000"))]
    pub person_no: String,
    /// Name (姓名, AAC003).
    #[cfg_attr(feature = "openapi", schema(example = "张三"))]
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
    #[cfg_attr(feature = "openapi", schema(example = "1738.80"))]
    pub total_refundable: Money,
    /// The unit's refund bank account (R-REF-3); none: register one first.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub bank_account: Option<RefundBankAccountDto>,
}

/// One line of a refund document.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundLineDto {
    /// Contribution month (费款所属期, AAE002).
    #[cfg_attr(feature = "openapi", schema(example = "202302"))]
    pub period: Period,
    /// Insurance (险种, AAE140).
    #[cfg_attr(feature = "openapi", schema(example = "110"))]
    pub insurance: Insurance,
    #[cfg_attr(feature = "openapi", schema(example = "企业职工基本养老保险"))]
    pub insurance_name: String,
    /// The unit part and individual part refunded, and their sum.
    #[cfg_attr(feature = "openapi", schema(example = "552.00"))]
    pub unit_amount: Money,
    #[cfg_attr(feature = "openapi", schema(example = "276.00"))]
    pub individual_amount: Money,
    #[cfg_attr(feature = "openapi", schema(example = "828.00"))]
    pub amount: Money,
    /// The principal that was paid for the line.
    #[cfg_attr(feature = "openapi", schema(example = "828.00"))]
    pub principal_paid: Money,
}

/// Sums of a refund document's lines.
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundTotals {
    #[cfg_attr(feature = "openapi", schema(example = "1166.10"))]
    pub unit: Money,
    #[cfg_attr(feature = "openapi", schema(example = "572.70"))]
    pub individual: Money,
    #[cfg_attr(feature = "openapi", schema(example = "1738.80"))]
    pub total: Money,
}

/// The person a refund is for.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundPersonDto {
    /// Person number (个人编号, AAC001).
    #[cfg_attr(feature = "openapi", schema(example = "10003726000"))]
    pub person_no: String,
    /// Name (姓名, AAC003).
    #[cfg_attr(feature = "openapi", schema(example = "张三"))]
    pub name: String,
}

/// The refund document (退费单, R-REF-5): the application with its lines,
/// totals in figures and capitals, the bank account, the review outcome and
/// the payout.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundDocument {
    /// Refund number (退费单号): `TF`, the application date and a sequence.
    #[cfg_attr(feature = "openapi", schema(example = "TF20230420000001"))]
    pub refund_no: String,
    /// `pending_review`, `approved`, `rejected` or `paid_out`.
    #[cfg_attr(feature = "openapi", schema(example = "pending_review"))]
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(example = "待审核"))]
    pub status_label: String,
    /// The application's business item (办件).
    pub business_item_id: i64,
    /// Unit number (单位编号, AAB001) and name (AAB004).
    #[cfg_attr(feature = "openapi", schema(example = "100047500"))]
    pub unit_no: String,
    pub unit_name: String,
    /// The agency that pays the refund (经办机构).
    #[cfg_attr(feature = "openapi", schema(example = "宜昌市本级社会保险事业管理局"))]
    pub agency: String,
    pub person: RefundPersonDto,
    /// `termination_notice` (解除劳动合同通知书) or `staff_reduction_form` (减员表).
    #[cfg_attr(feature = "openapi", schema(example = "termination_notice"))]
    pub document_type: String,
    #[cfg_attr(feature = "openapi", schema(example = "解除劳动合同通知书"))]
    pub document_type_label: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reason: Option<String>,
    /// By period and insurance.
    pub lines: Vec<RefundLineDto>,
    pub totals: RefundTotals,
    /// The total in capitals (大写, R-MON-3).
    #[cfg_attr(feature = "openapi", schema(example = "壹仟柒佰叁拾捌元捌角整"))]
    pub total_in_capitals: String,
    pub bank_account: RefundBankAccountDto,
    /// The supporting documents.
    pub materials: Vec<MaterialDto>,
    /// Who applied (`role:account:name`) and when (RFC 3339, China time).
    pub applied_by: String,
    #[cfg_attr(feature = "openapi", schema(example = "2023-04-20T10:15:00+08:00"))]
    pub applied_at: String,
    /// The review task: `open`, `claimed`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(example = "open"))]
    pub review_status: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reviewed_at: Option<String>,
    /// The reviewer's reason of a rejection (审核不通过原因).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rejection_reason: Option<String>,
    /// The reviewer's note of an approval.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub approval_note: Option<String>,
    /// When finance paid the refund out, and the payment's reference.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub paid_out_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
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
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundSummary {
    #[cfg_attr(feature = "openapi", schema(example = "TF20230420000001"))]
    pub refund_no: String,
    #[cfg_attr(feature = "openapi", schema(example = "pending_review"))]
    pub status: String,
    #[cfg_attr(feature = "openapi", schema(example = "待审核"))]
    pub status_label: String,
    pub unit_no: String,
    pub unit_name: String,
    pub person_no: String,
    pub person_name: String,
    /// The months refunded, oldest first.
    pub periods: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(example = "1738.80"))]
    pub total: Money,
    pub applied_at: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reviewed_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub rejection_reason: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub paid_out_at: Option<String>,
}

/// A page of refunds, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundPage {
    pub items: Vec<RefundSummary>,
    /// Refunds matching the filters, over all pages.
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

// ---------------------------------------------------------------- shared

/// What the refund rules need about one person at the unit.
pub(crate) struct Loaded {
    pub(crate) person: Person,
    pub(crate) relations: Vec<Employment>,
    pub(crate) window_months: u8,
    /// Live (not cancelled) lines, by period and insurance.
    pub(crate) rows: Vec<Assessment>,
    /// One per row, same order.
    pub(crate) candidates: Vec<RefundCandidate>,
    pub(crate) live: HashMap<AssessmentId, String>,
    pub(crate) charges: HashMap<AssessmentId, (i64, i64)>,
}

impl Loaded {
    pub(crate) fn suspended(&self) -> bool {
        self.relations.iter().any(|e| e.status == emp_db::SUSPENDED)
    }

    pub(crate) fn facts(&self, today: Date) -> RefundFacts<'_> {
        RefundFacts {
            today,
            window_months: self.window_months,
            suspended: self.suspended(),
            candidates: &self.candidates,
        }
    }
}

pub(crate) fn load_person(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_no: &str,
    today: Date,
) -> Result<Loaded, AppError> {
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
                .filter(|a| a.status != LineStatus::Cancelled),
        );
    }
    rows.sort_by(|a, b| (a.period, &a.insurance, a.id).cmp(&(b.period, &b.insurance, b.id)));
    let aids: Vec<AssessmentId> = rows.iter().map(|a| a.id).collect();
    let live: HashMap<AssessmentId, String> = refunds_db::live_lines_of_assessments(conn, &aids)?
        .into_iter()
        .map(|(l, no, _)| (l.assessment_id, no))
        .collect();
    let refunded: HashMap<AssessmentId, (i64, i64)> = refunds_db::refunded_amounts(conn, &aids)?
        .into_iter()
        .map(|(id, u, i)| (id, (u, i)))
        .collect();
    let charges: HashMap<AssessmentId, (i64, i64)> =
        refunds_db::charges_of_assessments(conn, &aids)?
            .into_iter()
            .map(|(id, i, f)| (id, (i, f)))
            .collect();
    let mut candidates = Vec::with_capacity(rows.len());
    for a in &rows {
        let period = a.period;
        let insurance = a.insurance;
        let kind = a.kind;
        let stop_date = relations
            .iter()
            .find(|e| e.id == a.employment_id)
            .filter(|e| e.status == emp_db::SUSPENDED)
            .and_then(|e| e.stop_date);
        let (unit_refunded, individual_refunded) = refunded.get(&a.id).copied().unwrap_or((0, 0));
        candidates.push(RefundCandidate {
            line_id: a.id.0,
            period,
            insurance,
            kind: kind.line_kind(),
            paid: a.status == LineStatus::Paid,
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

pub(crate) fn account_dto(a: &unit_db::UnitBankAccount) -> RefundBankAccountDto {
    RefundBankAccountDto {
        bank_name: a.bank_name.clone(),
        account_name: a.account_name.clone(),
        account_no: a.account_number.clone(),
    }
}

/// Loads an application by number, for the caller: `unit_id` limits it to
/// one unit (another unit's refund is 404, like a missing one).
pub(crate) fn load_app(
    conn: &mut DbConn,
    refund_no: &str,
    unit_id: Option<UnitId>,
) -> Result<RefundApplication, AppError> {
    if !is_refund_number(refund_no) {
        return Err(not_found());
    }
    refunds_db::find_by_no(conn, refund_no)?
        .filter(|a| unit_id.is_none_or(|u| a.unit_id == u))
        .ok_or_else(not_found)
}
