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
//!
//! HTTP only: the use cases are in [`qibao_app::refunds`].

use actix_web::{HttpResponse, get, http::header, post, web};
use qibao_app::error::ErrorCode;
use qibao_app::refunds::apply::Application;
use qibao_app::refunds::{self as refunds, candidates, payout, query};
use qibao_app::refunds::{RefundCandidates, RefundDocument, RefundPage};
use qibao_core::insurance::Insurance;
use qibao_core::refund::{RefundRequest, RequestedLine};
use qibao_core::{Money, Period};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, Principal, StaffRole, StaffUser, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, LateJson, Query};
use crate::http::paging::{self, Page, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::employees::{insurances_field, parse_person_no};
use crate::state::AppState;
use qibao_app::review::material::check_material_ids;

/// The longest reason accepted, in characters.
const MAX_REASON_CHARS: usize = 500;
/// The longest payout reference accepted, in characters.
const MAX_REFERENCE_CHARS: usize = 64;

// ---------------------------------------------------------------- candidates

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateQuery {
    /// Required. Person number (个人编号, AAC001) of an employee of the unit.
    #[param(example = "10003726000")]
    pub person_no: Option<String>,
}

/// 可退费明细 — what a person could get back
///
/// The person's lines from the stop month on, each with its refundable
/// amount (principal paid less what was refunded; interest and late fees
/// never) or the reason it cannot be refunded online, the refund window and
/// the unit's refund bank account: what a unit looks at before applying.
#[utoipa::path(
    tag = "refunds",
    operation_id = "list_refund_candidates",
    security(("bearer" = [])),
    params(CandidateQuery),
    responses(
        (status = 200, body = RefundCandidates),
        (status = 400, description = "Missing or malformed `person_no` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No parameters in force for the current month (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/refund-applications/candidates")]
pub async fn list_refund_candidates(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<CandidateQuery>,
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
        Ok(candidates::list(conn, unit_id, &person_no, today)?)
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

fn parse(body: &RefundApplicationInput) -> Result<Application, ApiError> {
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
        Some(s) => match refunds::parse_document_type(s) {
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
        Some(person_no) if errors.is_empty() => Ok(Application {
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

/// 多缴退费申请 — apply for a refund
///
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
    tag = "refunds",
    operation_id = "create_refund_application",
    security(("bearer" = [])),
    request_body = RefundApplicationInput,
    responses(
        (status = 201, description = "Submitted for review; `Location` names it.", body = RefundDocument),
        (status = 400, description = "Malformed body or fields: person number, months, insurances, lines, amounts, document type, material ids, reason (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
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
    body: Json<RefundApplicationInput>,
) -> Result<HttpResponse, ApiError> {
    let parsed = parse(&body)?;
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let doc = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(qibao_app::refunds::apply::create(
            conn,
            &who,
            user.unit_id,
            &parsed,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/refund-applications/{}", doc.refund_no),
        ))
        .json(doc))
}

pub(crate) fn status_filter(s: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    match s.map(str::trim) {
        None | Some("") => None,
        Some(s) if refunds::is_status(s) => Some(s.to_owned()),
        Some(_) => {
            errors.push(FieldError::new(
                "status",
                "状态应为 pending_review、approved、rejected 或 paid_out。",
            ));
            None
        }
    }
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
    pub page_size: Option<i64>,
}

/// 单位退费查询 — the unit's refunds
///
/// The unit's refunds (单位退费查询), newest first: status, person, months,
/// total and the review and payout times.
#[utoipa::path(
    tag = "refunds",
    operation_id = "list_refund_applications",
    security(("bearer" = [])),
    params(RefundQuery),
    responses(
        (status = 200, body = RefundPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/refund-applications")]
pub async fn list_refund_applications(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<RefundQuery>,
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
    let Page { page, page_size } = PageQuery {
        page: query.page,
        page_size: query.page_size,
    }
    .check_into(&paging::REFUNDS, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(query::list_for_unit(
            conn,
            unit_id,
            status,
            person_no.as_deref(),
            period,
            page,
            page_size,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 退费单详情 — one refund
///
/// One of the unit's refund documents (退费单), with the review outcome
/// (and a rejection's reason) and the payout time.
#[utoipa::path(
    tag = "refunds",
    operation_id = "get_refund_application",
    security(("bearer" = [])),
    params(("refund_no" = String, Path, description = "Refund number (退费单号), e.g. `TF20230420000001`.")),
    responses(
        (status = 200, body = RefundDocument),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
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
        Ok(query::get(conn, &no, Some(unit_id))?)
    })
    .await?;
    Ok(web::Json(doc))
}

/// 退费通知单打印 — a refund as PDF
///
/// One of the unit's refunds as printed (社会保险费退费通知单, A4 PDF): the
/// lines refunded, the total in figures and capitals, the bank account it
/// goes to, the reason and where the refund stands.
#[utoipa::path(
    tag = "refunds",
    operation_id = "get_refund_application_pdf",
    security(("bearer" = [])),
    params(("refund_no" = String, Path, description = "Refund number (退费单号), e.g. `TF20230420000001`.")),
    responses(
        (status = 200, description = "The refund notice as a PDF.", body = Vec<u8>, content_type = "application/pdf"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such refund of this unit (`REFUND_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/refund-applications/{refund_no}/pdf")]
pub async fn get_refund_application_pdf(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let no = path.into_inner();
    let unit_id = user.unit_id;
    let today = state.clock.today();
    let (bytes, no) = run_db(&state, move |conn| {
        let doc = query::get(conn, &no, Some(unit_id))?;
        Ok((
            crate::http::documents::refund_notice(&doc, today)?,
            doc.refund_no,
        ))
    })
    .await?;
    Ok(crate::http::documents::pdf_response(
        bytes,
        &format!("refund-{no}.pdf"),
    ))
}

// ---------------------------------------------------------------- staff

/// 403 unless a reviewer or finance officer.
pub(crate) fn require_refund_staff(p: &Principal) -> Result<(), ApiError> {
    if p.has_staff_role(StaffRole::Reviewer) || p.has_staff_role(StaffRole::Finance) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden).with_detail("此操作需要审核岗或财务岗权限。"))
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
    pub page_size: Option<i64>,
}

/// 退费查询（全省） — every unit's refunds
///
/// Every unit's refunds, newest first (reviewers and finance).
#[utoipa::path(
    tag = "staff-finance",
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
    query: Query<StaffRefundQuery>,
) -> Result<web::Json<RefundPage>, ApiError> {
    require_refund_staff(&staff)?;
    let mut errors = Vec::new();
    let status = status_filter(query.status.as_deref(), &mut errors);
    let Page { page, page_size } = PageQuery {
        page: query.page,
        page_size: query.page_size,
    }
    .check_into(&paging::REFUNDS, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let out = run_db(&state, move |conn| {
        Ok(query::list_all(conn, status, page, page_size)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 退费单详情 — one refund
///
/// One refund document with who reviewed and who paid it out
/// (reviewers and finance).
#[utoipa::path(
    tag = "staff-finance",
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
    let doc = run_db(&state, move |conn| Ok(query::get(conn, &no, None)?)).await?;
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

/// The payout's bank reference, trimmed: required, at most
/// [`MAX_REFERENCE_CHARS`] characters.
pub(crate) fn payout_reference(body: &PayoutInput) -> Result<String, ApiError> {
    match body.payout_reference.as_deref().map(str::trim) {
        None | Some("") => Err(ApiError::invalid_field(
            "payout_reference",
            "请填写支付流水号。",
        )),
        Some(r) if r.chars().count() > MAX_REFERENCE_CHARS => Err(ApiError::invalid_field(
            "payout_reference",
            format!("支付流水号最多{MAX_REFERENCE_CHARS}个字符。"),
        )),
        Some(r) => Ok(r.to_owned()),
    }
}

/// 退费支付登记 — record a refund payout
///
/// Records that finance paid an approved refund out to the unit's account
/// (R-REF-5): the refund becomes `paid_out` with who and when, and the unit
/// sees it. Finance only.
#[utoipa::path(
    tag = "staff-finance",
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
    body: LateJson<PayoutInput>,
) -> Result<web::Json<RefundDocument>, ApiError> {
    staff.require_staff_role(StaffRole::Finance)?;
    let reference = payout_reference(&body.into_inner()?)?;
    let no = path.into_inner();
    let now = state.clock.now_utc();
    let doc = run_db(&state, move |conn| {
        let who = staff.as_actor();
        Ok(payout::pay_out(conn, &who, &no, &reference, now)?)
    })
    .await?;
    Ok(web::Json(doc))
}

/// Under `/portal`. The candidates come before `/{refund_no}`.
pub fn configure_portal(cfg: &mut ServiceConfig) {
    cfg.service(list_refund_candidates)
        .service(create_refund_application)
        .service(list_refund_applications)
        .service(get_refund_application)
        .service(get_refund_application_pdf);
}

/// Under `/staff`.
pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(list_refunds)
        .service(get_refund)
        .service(create_refund_payout);
}
