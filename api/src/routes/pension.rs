//! Retirement and the pension (养老保险服务, 退休(职)审批; issue 15): the
//! unit's pension estimate for an employee (基本养老金计算), retirement
//! applications through review with their progress (职工正常退休(职)申请,
//! 特殊工种/因病提前退休, 退休审批进度查询), the staff's record of a person's
//! history before the system's data (缴费历史, 视同缴费年限, 个人账户期初余额)
//! and the pension parameters by year.
//!
//! HTTP only: the use cases are in [`qibao_app::pension`].

use actix_web::{HttpResponse, get, http::header, post, put, web};
use qibao_app::ids::MaterialId;
use qibao_app::jobs::JobDto;
use qibao_app::pension::estimate::{self, PensionEstimateDto};
use qibao_app::pension::life::{
    self, AccountInput, DeathBenefitDto, DeathInput, QUALIFICATION_METHODS, ResumptionDto,
    RetireeDto, RetireePage,
};
use qibao_app::pension::payroll::{self, PayrollDto, PayrollLinePage, Requested};
use qibao_app::pension::record::{self, HistoryInput, PensionRecordDto, RecordInput};
use qibao_app::pension::retirement::{
    self, ApplyInput, RetirementApplicationDto, RetirementApplicationPage, RetirementKind,
};
use qibao_app::pension::years;
use qibao_app::policy::admin::PolicyChangeDto;
use qibao_core::pension_life::{DeathStandards, SuspendReason};
use qibao_core::pension_record::{Opening, PensionYear};
use qibao_core::policy::Source;
use qibao_core::retirement::RetirementCategory;
use qibao_core::{Money, Period, Rate};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, StaffRole, StaffUser, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::fields;
use crate::http::paging::{self, PageQuery, whole_list};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::employees::parse_person_no;
use crate::routes::policy_admin::PolicyAdmin;
use crate::state::AppState;

fn category_field(v: Option<&str>, errors: &mut Vec<FieldError>) -> Option<RetirementCategory> {
    let s = v.map(str::trim).filter(|s| !s.is_empty())?;
    let parsed = RetirementCategory::parse(s);
    if parsed.is_none() {
        errors.push(FieldError::new(
            "category",
            "退休类别应为man（男职工）、woman_cadre（原法定退休年龄为55周岁的女职工）或woman_worker（原法定退休年龄为50周岁的女职工）。",
        ));
    }
    parsed
}

// ---------------------------------------------------------------- estimate

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EstimateQuery {
    /// Retirement category: `man`, `woman_cadre` (原法定退休年龄为55周岁的女职工)
    /// or `woman_worker` (原法定退休年龄为50周岁); required for a woman.
    #[param(example = "man")]
    pub category: Option<String>,
    /// The month to calculate in full (YYYYMM), within the flexible window;
    /// default the statutory retirement month.
    #[param(example = "202701")]
    pub month: Option<String>,
}

/// 基本养老金计算(单位) — a pension estimate
///
/// The estimated monthly basic pension of an employee of the unit at the
/// statutory retirement month (R-RET-1, 2025 reform) and at every month of
/// the flexible window (弹性提前/延迟退休): each with the three parts
/// (基础养老金, 个人账户养老金, 过渡性养老金), their inputs and formulas
/// (R-PEN-1…3), the contribution months by source, the yearly index, the
/// individual account year by year with its bookkeeping rates, and whether
/// the minimum contribution years are met (R-RET-2, with what can be done
/// if not). Months still to come are assumed paid at the current base; the
/// answer lists its assumptions.
#[utoipa::path(
    tag = "pension",
    operation_id = "get_pension_estimate",
    security(("bearer" = [])),
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001)."), EstimateQuery),
    responses(
        (status = 200, body = PensionEstimateDto),
        (status = 400, description = "Malformed person number, category or month, a man given a woman's category or a woman none, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The month is outside the window (`RETIREMENT_MONTH_INVALID`); a parameter, rate or record the calculation needs is missing (`PENSION_DATA_MISSING`); no parameters in force (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/employees/{person_no}/pension-estimate")]
pub async fn get_pension_estimate(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    query: Query<EstimateQuery>,
) -> Result<web::Json<PensionEstimateDto>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let mut errors = Vec::new();
    let category = category_field(query.category.as_deref(), &mut errors);
    let month = fields::month(query.month.as_deref(), "month", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let current = Period::of(state.clock.today());
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(estimate::get(
            conn, unit_id, &person_no, category, month, current,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

// ---------------------------------------------------------------- applications

/// A retirement application (职工正常退休(职)申请, 提前退休申请).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetirementApplicationInput {
    /// Required. Person number (个人编号, AAC001) of an employee paying
    /// pension insurance at the unit.
    #[schema(example = "10003726000")]
    pub person_no: Option<String>,
    /// Required. `normal` (正常退休), `special_heavy` / `special_harmful`
    /// (特殊工种提前退休) or `illness` (因病或非因工完全丧失劳动能力提前退休).
    #[schema(example = "normal")]
    pub kind: Option<String>,
    /// `man`, `woman_cadre` or `woman_worker`; required for a woman.
    #[schema(example = "man")]
    pub category: Option<String>,
    /// The retirement month (YYYYMM). A normal retirement defaults to the
    /// statutory month and may choose within the flexible window; an early
    /// one must give it.
    #[schema(example = "202701")]
    pub month: Option<String>,
    /// Months of special-type work (特殊工种), required for those kinds.
    #[schema(example = 120)]
    pub special_months: Option<i32>,
    /// The material id of the appraisal committee's certificate
    /// (劳动能力鉴定结论), required for `illness`.
    #[schema(example = 12)]
    pub certificate_material_id: Option<i64>,
    /// Ids of the unit's uploaded supporting materials (1–20).
    #[schema(example = json!([11]))]
    pub material_ids: Option<Vec<i64>>,
    #[schema(example = "到龄退休")]
    pub note: Option<String>,
}

fn parse_application(b: &RetirementApplicationInput) -> Result<ApplyInput, ApiError> {
    let mut errors = Vec::new();
    let person_no = fields::person_no(b.person_no.as_deref(), &mut errors);
    let kind = match b.kind.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("kind", "缺少必填字段：请选择退休类型。"));
            None
        }
        Some(s) => {
            let k = RetirementKind::parse(s);
            if k.is_none() {
                errors.push(FieldError::new(
                    "kind",
                    "退休类型应为normal（正常退休）、special_heavy、special_harmful（特殊工种提前退休）或illness（因病提前退休）。",
                ));
            }
            k
        }
    };
    let category = category_field(b.category.as_deref(), &mut errors);
    let month = fields::month(b.month.as_deref(), "month", &mut errors);
    if let Some(m) = b.special_months
        && !(0..=720).contains(&m)
    {
        errors.push(FieldError::new(
            "special_months",
            "特殊工种月数应在0至720之间。",
        ));
    }
    let certificate = match b.certificate_material_id {
        Some(id) if id <= 0 => {
            errors.push(FieldError::new(
                "certificate_material_id",
                "材料编号应为正整数。",
            ));
            None
        }
        other => other.map(MaterialId),
    };
    let material_ids = fields::material_ids(b.material_ids.as_deref(), &mut errors);
    let note = fields::text(b.note.as_deref(), "note", &mut errors);
    match (person_no, kind) {
        (Some(person_no), Some(kind)) if errors.is_empty() => Ok(ApplyInput {
            person_no,
            kind,
            category,
            month,
            special_months: b.special_months,
            certificate_material_id: certificate,
            material_ids,
            note,
        }),
        _ => Err(ApiError::validation(errors)),
    }
}

/// 职工退休(职)申请 — apply for an employee's retirement
///
/// Submits a retirement application for an employee paying pension
/// insurance at the unit: a normal retirement from 3 months before the
/// month (R-RET-4), at the statutory month or a flexible one (R-RET-1), or
/// an early one for special-type work or complete loss of working capacity
/// (R-RET-3, with its certificate); with materials. The contribution years
/// must reach the minimum (R-RET-2). A reviewer decides
/// (`/api/v1/staff/tasks`); the approval fixes the first pension month,
/// freezes the calculation and sets the retired status. After a rejection
/// the unit may apply again.
#[utoipa::path(
    tag = "pension",
    operation_id = "create_retirement_application",
    security(("bearer" = [])),
    request_body = RetirementApplicationInput,
    responses(
        (status = 201, description = "Submitted for review; `Location` names it.", body = RetirementApplicationDto),
        (status = 400, description = "Malformed body or fields, a missing month of an early retirement or missing special-work months, a woman without a category (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The person has an application pending or is retired already (`RETIREMENT_PENDING`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A rule refuses it, nothing is written: not paying pension insurance at the unit (`PERSON_NOT_ACTIVE`), the month outside the window (`RETIREMENT_MONTH_INVALID`) or more than 3 months ahead (`RETIREMENT_TOO_SOON`), early-retirement conditions not met (`EARLY_RETIREMENT_REFUSED`), too few contribution years (`CONTRIBUTION_YEARS_SHORT`), no materials (`MATERIAL_REQUIRED`), a material not the unit's (`MATERIAL_NOT_FOUND`), data the calculation needs missing (`PENSION_DATA_MISSING`), no parameters in force (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/retirement-applications")]
pub async fn create_retirement_application(
    state: web::Data<AppState>,
    user: UnitUser,
    body: Json<RetirementApplicationInput>,
) -> Result<HttpResponse, ApiError> {
    let input = parse_application(&body)?;
    let current = Period::of(state.clock.today());
    let now = state.clock.now_utc();
    let created = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(retirement::apply(
            conn,
            &who,
            user.unit_id,
            &input,
            current,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/retirement-applications/{}", created.id),
        ))
        .json(created))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RetirementQuery {
    /// Only this person's applications (个人编号, AAC001).
    #[param(example = "10003726000")]
    pub person_no: Option<String>,
    /// Page number from 1 (default 1).
    #[param(example = 1)]
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20).
    #[param(example = 20)]
    pub page_size: Option<i64>,
}

/// 退休申请查询 — retirement applications
///
/// The unit's retirement applications, newest first, each with its status,
/// calculation and steps.
#[utoipa::path(
    tag = "pension",
    operation_id = "list_retirement_applications",
    security(("bearer" = [])),
    params(RetirementQuery),
    responses(
        (status = 200, body = RetirementApplicationPage),
        (status = 400, description = "Bad `page`, `page_size` or `person_no` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/retirement-applications")]
pub async fn list_retirement_applications(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<RetirementQuery>,
) -> Result<web::Json<RetirementApplicationPage>, ApiError> {
    let mut errors = Vec::new();
    let page = PageQuery {
        page: query.page,
        page_size: query.page_size,
    }
    .check_into(&paging::REVIEW, &mut errors)
    .req();
    let person_no = match query.person_no.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => match parse_person_no(s) {
            Ok(p) => Some(p),
            Err(_) => {
                errors.push(FieldError::new("person_no", "个人编号格式不正确。"));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| {
        Ok(retirement::list(conn, unit_id, person_no.as_deref(), page)?)
    })
    .await?;
    Ok(web::Json(list))
}

/// 退休审批进度查询 — one retirement application
///
/// One of the unit's retirement applications: status, the calculation
/// (the approved one, frozen, once approved), the first pension month,
/// materials and every step with its time.
#[utoipa::path(
    tag = "pension",
    operation_id = "get_retirement_application",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's id.")),
    responses(
        (status = 200, body = RetirementApplicationDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such application of this unit (`RETIREMENT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/retirement-applications/{id}")]
pub async fn get_retirement_application(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<RetirementApplicationDto>, ApiError> {
    let id = qibao_app::ids::RetirementApplicationId(path.into_inner());
    let unit_id = user.unit_id;
    let found = run_db(&state, move |conn| Ok(retirement::get(conn, unit_id, id)?)).await?;
    Ok(web::Json(found))
}

// ---------------------------------------------------------------- staff: record

/// The handler role (经办岗): enters pension records and acts on pensions.
fn require_handler(staff: &StaffUser) -> Result<(), ApiError> {
    crate::routes::staff_units::require_any_role(
        staff,
        &[StaffRole::Handler],
        "办理养老保险缴费历史和养老金发放",
    )
}

/// 养老保险缴费历史查询 — a person's pension record
///
/// What the pension is calculated from besides the months paid in this
/// system: history months before the system's data, deemed months and the
/// individual account's opening balance, each with its document.
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "get_pension_record",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PensionRecordDto),
        (status = 400, description = "Malformed person number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/persons/{person_no}/pension-record")]
pub async fn get_pension_record(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<String>,
) -> Result<web::Json<PensionRecordDto>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let out = run_db(&state, move |conn| Ok(record::get(conn, &person_no)?)).await?;
    Ok(web::Json(out))
}

/// The account's opening balance as staff enter it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningInput {
    /// The balance is at 1 January of this year (from 2016, the first year
    /// with a national bookkeeping rate).
    #[schema(example = 2016)]
    pub year: Option<i32>,
    /// Yuan.
    #[schema(example = "23000.00")]
    pub balance: Option<String>,
    /// The document it is taken from (个人账户对账单等).
    #[schema(example = "2015年度个人账户对账单")]
    pub document: Option<String>,
}

/// Deemed months and the opening balance (replacing what was entered).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PensionRecordInput {
    /// The opening balance; null or absent: none.
    pub opening: Option<OpeningInput>,
    /// Deemed months (视同缴费), 0–720 (default 0).
    #[schema(example = 36)]
    pub deemed_months: Option<i32>,
    /// The document that recognised them; required when months > 0.
    #[schema(example = "鄂人社档〔2026〕12号 视同缴费年限认定表")]
    pub deemed_document: Option<String>,
}

/// 视同缴费年限和个人账户期初余额核定 — set deemed months and the opening balance
///
/// Sets a person's deemed months (视同缴费年限, recognised from documents)
/// and the individual account's opening balance at the start of a year
/// (which covers every month before it), each with its document; audited.
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "put_pension_record",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    request_body = PensionRecordInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = PensionRecordDto),
        (status = 400, description = "Malformed fields, an opening year without a bookkeeping rate or in the future, deemed months without their document (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Needs the handler role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[put("/persons/{person_no}/pension-record")]
pub async fn put_pension_record(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<String>,
    body: Json<PensionRecordInput>,
) -> Result<web::Json<PensionRecordDto>, ApiError> {
    require_handler(&staff)?;
    let person_no = parse_person_no(&path)?;
    let mut errors = Vec::new();
    let opening = match &body.opening {
        None => None,
        Some(o) => {
            let year = o.year.or_else(|| {
                errors.push(FieldError::new("opening.year", "缺少必填字段。"));
                None
            });
            let balance = fields::money(o.balance.as_deref(), "opening.balance", &mut errors);
            let document =
                fields::required_text(o.document.as_deref(), "opening.document", &mut errors);
            match (year, balance, document) {
                (Some(year), Some(balance), Some(document)) => {
                    Some((Opening { year, balance }, document))
                }
                _ => None,
            }
        }
    };
    let deemed_months = body.deemed_months.unwrap_or(0);
    if !(0..=720).contains(&deemed_months) {
        errors.push(FieldError::new(
            "deemed_months",
            "视同缴费月数应在0至720之间。",
        ));
    }
    let deemed_document = fields::text(
        body.deemed_document.as_deref(),
        "deemed_document",
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = RecordInput {
        opening,
        deemed_months,
        deemed_document,
    };
    let today_year = state.clock.today().year();
    let now = state.clock.now_utc();
    let who = staff.0.as_actor();
    let out = run_db(&state, move |conn| {
        Ok(record::put(
            conn, &who, &person_no, &input, today_year, now,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// Months of contribution history before the system's data.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistorySpanInput {
    /// First month (YYYYMM).
    #[schema(example = "200601")]
    pub from: Option<String>,
    /// Last month (YYYYMM), before the current month.
    #[schema(example = "201512")]
    pub to: Option<String>,
    /// The monthly contribution base, yuan.
    #[schema(example = "3000.00")]
    pub monthly_base: Option<String>,
    /// Where the person worked and paid (单位或地区).
    #[schema(example = "宜昌市某机械厂")]
    pub place: Option<String>,
    /// The document the months are taken from (档案、缴费记录).
    #[schema(example = "职工档案 缴费记录 第3页")]
    pub document: Option<String>,
}

/// 养老保险缴费历史录入 — enter history months
///
/// Enters months a person paid before the system's own data, at one monthly
/// base, from a document; audited. A month paid in this system or entered
/// already is refused, and nothing is written.
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "create_contribution_history",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    request_body = HistorySpanInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = PensionRecordDto),
        (status = 400, description = "Malformed fields, reversed months, a month not before the current one, a base of zero (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Needs the handler role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A month is paid in this system or entered already (`HISTORY_OVERLAP`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/persons/{person_no}/contribution-history")]
pub async fn create_contribution_history(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<String>,
    body: Json<HistorySpanInput>,
) -> Result<HttpResponse, ApiError> {
    require_handler(&staff)?;
    let person_no = parse_person_no(&path)?;
    let mut errors = Vec::new();
    let from = fields::month(body.from.as_deref(), "from", &mut errors);
    let to = fields::month(body.to.as_deref(), "to", &mut errors);
    for (v, f) in [(&from, "from"), (&to, "to")] {
        if v.is_none() && !errors.iter().any(|e| e.field == f) {
            errors.push(FieldError::new(f, "缺少必填字段。"));
        }
    }
    let base = fields::money(body.monthly_base.as_deref(), "monthly_base", &mut errors);
    let place = fields::required_text(body.place.as_deref(), "place", &mut errors);
    let document = fields::required_text(body.document.as_deref(), "document", &mut errors);
    let (Some(from), Some(to), Some(base), Some(place), Some(document)) =
        (from, to, base, place, document)
    else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = HistoryInput {
        from,
        to,
        base,
        place,
        document,
    };
    let current = Period::of(state.clock.today());
    let now = state.clock.now_utc();
    let who = staff.0.as_actor();
    let out = run_db(&state, move |conn| {
        Ok(record::add_history(
            conn, &who, &person_no, &input, current, now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(out))
}

// ---------------------------------------------------------------- parameters

/// The pension parameters of a year.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PensionYearInput {
    #[schema(example = 2025)]
    pub year: i32,
    /// 全省在岗职工月平均工资, yuan per month.
    #[schema(example = "7950.00")]
    pub average_wage: String,
    /// 过渡系数, a decimal fraction ("0.013" = 1.3%).
    #[schema(example = "0.013")]
    pub transitional_coefficient: String,
    #[schema(example = "湖北省2025年度养老金计发基数通知")]
    pub source: String,
    pub illustrative: bool,
}

/// 养老金计发参数维护 — add a year's pension parameters
///
/// Adds the pension parameters of a year (R-PEN-1): the province's average
/// monthly wage of on-post employees and the transitional coefficient;
/// audited as a policy change. A pension already approved keeps the
/// figures it was approved with.
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_pension_year",
    security(("bearer" = [])),
    request_body = PensionYearInput,
    responses(
        (status = 201, description = "Added and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The year has parameters already (`POLICY_OVERLAP`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/pension-years")]
pub async fn create_policy_pension_year(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    body: Json<PensionYearInput>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    fields::year(body.year, "year", &mut errors);
    let wage = fields::money(Some(&body.average_wage), "average_wage", &mut errors)
        .filter(|m| *m > Money::ZERO);
    if wage.is_none() && !errors.iter().any(|e| e.field == "average_wage") {
        errors.push(FieldError::new("average_wage", "月平均工资应大于0。"));
    }
    let coefficient = match Rate::parse(body.transitional_coefficient.trim()) {
        Ok(r) if r.ppm() <= 100_000 => Some(r),
        _ => {
            errors.push(FieldError::new(
                "transitional_coefficient",
                "过渡系数应为0至0.1之间的小数，例如0.013表示1.3%。",
            ));
            None
        }
    };
    let source = fields::source(&body.source, &mut errors);
    let (Some(wage), Some(coefficient), Some(source)) = (wage, coefficient, source) else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let year = PensionYear {
        year: body.year,
        average_wage: wage,
        transitional_coefficient: coefficient,
        source: Source {
            document: source,
            illustrative: body.illustrative,
        },
    };
    let now = state.clock.now_utc();
    let dto = run_db(&state, move |conn| {
        Ok(years::add(conn, &who.as_actor(), year, now)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// 养老金计发参数查询 — pension parameters by year
///
/// The pension parameters by year (R-PEN-1): the province's average monthly
/// wage of on-post employees (全省在岗职工月平均工资) and the transitional
/// coefficient (过渡系数), with their sources.
#[utoipa::path(
    tag = "policy",
    operation_id = "list_pension_years",
    params(PageQuery),
    responses(
        (status = 200, body = PensionYearList),
        (status = 400, description = "Bad `page` or `page_size`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/pension-years")]
pub async fn list_pension_years(
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<PensionYearList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let all = run_db(&state, |conn| Ok(years::list(conn)?)).await?;
    Ok(web::Json(PensionYearList::cut(all, page)))
}

whole_list! {
    /// A page of the pension parameters, by year.
    PensionYearList of PensionYear
}

// ---------------------------------------------------------------- retirees

/// 离退休人员查询 — the unit's retirees
///
/// The unit's retirees with an approved pension: monthly amount, status
/// (正常发放, 暂停发放, 已停止发放), payment account, suspensions, yearly
/// qualification checks (资格认证情况) and months paid.
#[utoipa::path(
    tag = "pension",
    operation_id = "list_retirees",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = RetireePage),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/retirees")]
pub async fn list_retirees(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<RetireePage>, ApiError> {
    let page = query.check(&paging::REVIEW)?.req();
    let current = Period::of(state.clock.today());
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(life::list(conn, unit_id, page, current)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 离退休人员待遇查询 — one retiree
///
/// One of the unit's retirees: the pension, its status, payment account,
/// suspensions, qualification checks (资格认证情况查询) and months paid.
#[utoipa::path(
    tag = "pension",
    operation_id = "get_retiree",
    security(("bearer" = [])),
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    responses(
        (status = 200, body = RetireeDto),
        (status = 400, description = "Malformed person number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No retiree of the unit with this number (`RETIREE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/retirees/{person_no}")]
pub async fn get_retiree(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<RetireeDto>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let current = Period::of(state.clock.today());
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(life::get(conn, unit_id, &person_no, current)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// Where a retiree's pension is paid.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentAccountInput {
    /// Required. `bank` (银行账户) or `card` (社会保障卡, 启用社保卡发放).
    #[schema(example = "card")]
    pub kind: Option<String>,
    /// Required. The bank (of the card's financial account for `card`).
    #[schema(example = "中国工商银行宜昌分行")]
    pub bank_name: Option<String>,
    /// Required. The account holder: the retiree.
    #[schema(example = "退休甲")]
    pub account_name: Option<String>,
    /// Required. 8–30 digits.
    #[schema(example = "6222021807000123456")]
    pub account_no: Option<String>,
}

/// 养老待遇发放账户变更 — set a retiree's payment account
///
/// Sets where the unit's retiree is paid (离退休人员发放账号维护): a bank
/// account or the social-security card (启用社保卡发放); audited. The
/// payroll pays the months owed once it is set.
#[utoipa::path(
    tag = "pension",
    operation_id = "put_retiree_payment_account",
    security(("bearer" = [])),
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    request_body = PaymentAccountInput,
    responses(
        (status = 200, body = RetireeDto),
        (status = 400, description = "Malformed fields (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No retiree of the unit with this number (`RETIREE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The pension has ended (`PENSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[put("/retirees/{person_no}/payment-account")]
pub async fn put_retiree_payment_account(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    body: Json<PaymentAccountInput>,
) -> Result<web::Json<RetireeDto>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let mut errors = Vec::new();
    let kind = match body.kind.as_deref().map(str::trim) {
        Some("bank") => Some("bank"),
        Some("card") => Some("card"),
        _ => {
            errors.push(FieldError::new(
                "kind",
                "发放方式应为bank（银行账户）或card（社会保障卡）。",
            ));
            None
        }
    };
    let bank = fields::required_text(body.bank_name.as_deref(), "bank_name", &mut errors);
    let name = fields::required_text(body.account_name.as_deref(), "account_name", &mut errors);
    let no = fields::bank_account(body.account_no.as_deref(), "account_no", &mut errors);
    let (Some(kind), Some(bank_name), Some(account_name), Some(account_no)) =
        (kind, bank, name, no)
    else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = AccountInput {
        kind,
        bank_name,
        account_name,
        account_no,
    };
    let current = Period::of(state.clock.today());
    let now = state.clock.now_utc();
    let out = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(life::set_account(
            conn,
            &who,
            user.unit_id,
            &person_no,
            &input,
            current,
            now,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

// ---------------------------------------------------------------- death benefits

/// A death-benefit application (丧葬补助金、抚恤金、个人账户余额继承).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeathBenefitInput {
    /// Required. Person number (个人编号, AAC001): a retiree of the unit or
    /// an employee paying pension insurance at it.
    #[schema(example = "10003726000")]
    pub person_no: Option<String>,
    /// Required. YYYY-MM-DD, not after today.
    #[schema(example = "2027-02-10")]
    pub death_date: Option<String>,
    /// Required. Who receives the sums (继承人或遗属).
    #[schema(example = "张某")]
    pub heir_name: Option<String>,
    /// Required. Their relation to the deceased.
    #[schema(example = "配偶")]
    pub heir_relation: Option<String>,
    /// Required. The heir's bank.
    #[schema(example = "中国建设银行宜昌分行")]
    pub bank_name: Option<String>,
    /// Required. The heir's account, 8–30 digits.
    #[schema(example = "6217002870001234567")]
    pub account_no: Option<String>,
    /// Required. The death certificate and the heir's proofs (material ids, 1–20).
    #[schema(example = json!([21]))]
    pub material_ids: Option<Vec<i64>>,
}

/// 丧葬补助金、抚恤金申领 — apply for death benefits
///
/// Applies for the lump sums at the death of a retiree or of an employee in
/// service (R-PEN-4): 丧葬补助金 and 抚恤金 by the province's standards and
/// the inheritable individual-account balance, less any pension paid after
/// the death month; each with its formula. A reviewer decides; the
/// approval ends a retiree's pension from the month after the death, and
/// the next payroll pays the sums to the heir.
#[utoipa::path(
    tag = "pension",
    operation_id = "create_death_benefit_application",
    security(("bearer" = [])),
    request_body = DeathBenefitInput,
    responses(
        (status = 201, description = "Submitted for review; `Location` names it.", body = DeathBenefitDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such person of the unit (`PERSON_NOT_FOUND`, `RETIREE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "An application is pending or approved already (`DEATH_BENEFIT_PENDING`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A rule refuses it, nothing is written: a death date in the future or before birth (`DEATH_DATE_INVALID`), neither a retiree nor paying at the unit (`PERSON_NOT_ACTIVE`), no materials (`MATERIAL_REQUIRED`), a material not the unit's (`MATERIAL_NOT_FOUND`), standards or data missing (`PENSION_DATA_MISSING`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/death-benefit-applications")]
pub async fn create_death_benefit_application(
    state: web::Data<AppState>,
    user: UnitUser,
    body: Json<DeathBenefitInput>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let person_no = fields::person_no(body.person_no.as_deref(), &mut errors);
    let death_date = fields::required_date(body.death_date.as_deref(), "death_date", &mut errors);
    let heir_name = fields::required_text(body.heir_name.as_deref(), "heir_name", &mut errors);
    let heir_relation =
        fields::required_text(body.heir_relation.as_deref(), "heir_relation", &mut errors);
    let bank_name = fields::required_text(body.bank_name.as_deref(), "bank_name", &mut errors);
    let account_no = fields::bank_account(body.account_no.as_deref(), "account_no", &mut errors);
    let material_ids = fields::material_ids(body.material_ids.as_deref(), &mut errors);
    let (
        Some(person_no),
        Some(death_date),
        Some(heir_name),
        Some(heir_relation),
        Some(bank_name),
        Some(account_no),
    ) = (
        person_no,
        death_date,
        heir_name,
        heir_relation,
        bank_name,
        account_no,
    )
    else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = DeathInput {
        person_no,
        death_date,
        heir_name,
        heir_relation,
        bank_name,
        account_no,
        material_ids,
    };
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let created = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(life::apply_death(
            conn,
            &who,
            user.unit_id,
            &input,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/death-benefit-applications/{}", created.id),
        ))
        .json(created))
}

/// 死亡待遇申领进度查询 — one death-benefit application
///
/// One of the unit's death-benefit applications: the sums with their
/// formulas (the approved, frozen calculation once approved), whether paid,
/// materials and every step with its time.
#[utoipa::path(
    tag = "pension",
    operation_id = "get_death_benefit_application",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's id.")),
    responses(
        (status = 200, body = DeathBenefitDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such application of this unit (`DEATH_BENEFIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/death-benefit-applications/{id}")]
pub async fn get_death_benefit_application(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<DeathBenefitDto>, ApiError> {
    let id = path.into_inner();
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| Ok(life::get_death(conn, unit_id, id)?)).await?;
    Ok(web::Json(out))
}

// ---------------------------------------------------------------- staff: pension life

/// A suspension of payment (暂停发放).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspensionInput {
    /// Required. The first month not paid (YYYYMM).
    #[schema(example = "202703")]
    pub from: Option<String>,
    /// Required. `qualification_missing` (未按规定参加资格认证),
    /// `imprisonment` (服刑) or `other`.
    #[schema(example = "qualification_missing")]
    pub reason: Option<String>,
    #[schema(example = "2027年度未参加资格认证")]
    pub note: Option<String>,
}

/// 养老金暂停发放 — suspend a pension
///
/// Suspends payment from a month (R-PEN-4); the payroll leaves the pension
/// out and says why until it is resumed. Audited in the unit's records.
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "create_pension_suspension",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    request_body = SuspensionInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = RetireeDto),
        (status = 400, description = "Malformed fields, a month before the first pension month (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Needs the handler role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No approved pension of this person (`RETIREE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Suspended already (`PENSION_SUSPENDED`) or ended (`PENSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/retirees/{person_no}/suspensions")]
pub async fn create_pension_suspension(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<String>,
    body: Json<SuspensionInput>,
) -> Result<HttpResponse, ApiError> {
    require_handler(&staff)?;
    let person_no = parse_person_no(&path)?;
    let mut errors = Vec::new();
    let from = fields::month(body.from.as_deref(), "from", &mut errors);
    if from.is_none() && !errors.iter().any(|e| e.field == "from") {
        errors.push(FieldError::new("from", "缺少必填字段。"));
    }
    let reason = body.reason.as_deref().and_then(SuspendReason::parse);
    if reason.is_none() {
        errors.push(FieldError::new(
            "reason",
            "暂停原因应为qualification_missing（未按规定参加资格认证）、imprisonment（服刑）或other（其他）。",
        ));
    }
    let note = fields::text(body.note.as_deref(), "note", &mut errors).unwrap_or_default();
    let (Some(from), Some(reason)) = (from, reason) else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let current = Period::of(state.clock.today());
    let now = state.clock.now_utc();
    let who = staff.0.as_actor();
    let req = life::SuspensionRequest { from, reason, note };
    let out = run_db(&state, move |conn| {
        Ok(life::suspend(conn, &who, &person_no, &req, current, now)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(out))
}

/// A resumption of payment (恢复发放).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumptionInput {
    /// Required. The first month paid again (YYYYMM), after the suspension's start.
    #[schema(example = "202706")]
    pub from: Option<String>,
}

/// 养老金恢复发放 — resume a pension
///
/// Resumes payment from a month (R-PEN-4): every suspended month is owed
/// and the next payroll pays it (补发). Audited in the unit's records.
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "create_pension_resumption",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    request_body = ResumptionInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ResumptionDto),
        (status = 400, description = "Malformed month, or not after the suspension's start (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Needs the handler role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No approved pension of this person (`RETIREE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not suspended (`PENSION_NOT_SUSPENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/retirees/{person_no}/resumption")]
pub async fn create_pension_resumption(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<String>,
    body: Json<ResumptionInput>,
) -> Result<HttpResponse, ApiError> {
    require_handler(&staff)?;
    let person_no = parse_person_no(&path)?;
    let mut errors = Vec::new();
    let from = fields::month(body.from.as_deref(), "from", &mut errors);
    let Some(from) = from else {
        if errors.is_empty() {
            errors.push(FieldError::new("from", "缺少必填字段。"));
        }
        return Err(ApiError::validation(errors));
    };
    let current = Period::of(state.clock.today());
    let now = state.clock.now_utc();
    let who = staff.0.as_actor();
    let out = run_db(&state, move |conn| {
        Ok(life::resume_pension(
            conn, &who, &person_no, from, current, now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(out))
}

/// A yearly qualification check (资格认证).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationInput {
    /// Required. YYYY-MM-DD, not after today; its year is the check's year.
    #[schema(example = "2027-03-15")]
    pub certified_on: Option<String>,
    /// Required. `face_recognition`, `counter`, `home_visit` or `data_comparison`.
    #[schema(example = "face_recognition")]
    pub method: Option<String>,
}

/// 领取待遇资格认证登记 — record a qualification check
///
/// Records a retiree's yearly qualification check (资格认证); the unit reads
/// it in the retiree's record (资格认证情况查询).
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "create_pension_qualification",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    request_body = QualificationInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = RetireeDto),
        (status = 400, description = "Malformed fields, a date after today (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Needs the handler role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No approved pension of this person (`RETIREE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The year is recorded already (`QUALIFICATION_RECORDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/retirees/{person_no}/qualifications")]
pub async fn create_pension_qualification(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<String>,
    body: Json<QualificationInput>,
) -> Result<HttpResponse, ApiError> {
    require_handler(&staff)?;
    let person_no = parse_person_no(&path)?;
    let today = state.clock.today();
    let mut errors = Vec::new();
    let date = match body.certified_on.as_deref().map(str::trim) {
        Some(s) => match qibao_core::dates::parse_date(s) {
            Some(d) if d <= today => Some(d),
            Some(_) => {
                errors.push(FieldError::new("certified_on", "认证日期不能晚于今天。"));
                None
            }
            None => {
                errors.push(FieldError::new("certified_on", "日期格式应为YYYY-MM-DD。"));
                None
            }
        },
        None => {
            errors.push(FieldError::new("certified_on", "缺少必填字段。"));
            None
        }
    };
    let method = body
        .method
        .as_deref()
        .map(str::trim)
        .and_then(|m| QUALIFICATION_METHODS.iter().copied().find(|x| *x == m));
    if method.is_none() {
        errors.push(FieldError::new(
            "method",
            "认证方式应为face_recognition（人脸识别）、counter（窗口）、home_visit（上门）或data_comparison（数据比对）。",
        ));
    }
    let (Some(date), Some(method)) = (date, method) else {
        return Err(ApiError::validation(errors));
    };
    let current = Period::of(today);
    let now = state.clock.now_utc();
    let who = staff.0.as_actor();
    let out = run_db(&state, move |conn| {
        Ok(life::record_qualification(
            conn, &who, &person_no, date, method, current, now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(out))
}

/// 离退休人员待遇查询（经办机构） — one retiree, for staff
///
/// Any approved pension: amount, status, payment account, suspensions,
/// qualification checks and months paid.
#[utoipa::path(
    tag = "staff-persons",
    operation_id = "get_staff_retiree",
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = RetireeDto),
        (status = 400, description = "Malformed person number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No approved pension of this person (`RETIREE_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/retirees/{person_no}")]
pub async fn get_staff_retiree(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<String>,
) -> Result<web::Json<RetireeDto>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let current = Period::of(state.clock.today());
    let out = run_db(&state, move |conn| {
        Ok(life::get_staff(conn, &person_no, current)?)
    })
    .await?;
    Ok(web::Json(out))
}

// ---------------------------------------------------------------- staff: payroll

/// A payroll asked for.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayrollInput {
    /// Required. The month (YYYYMM), not after the current one.
    #[schema(example = "202611")]
    pub month: Option<String>,
}

/// 养老金月度发放 — make a month's payroll
///
/// Makes the month's pension payroll as a background job (R-PEN-4): each
/// approved pension's months due (the month and any owed) to its payment
/// account, approved death benefits to the heirs, grouped per payment
/// account with totals; the pensions left out listed with why. Once per
/// month: asking again answers the payroll made (200); otherwise 202 with
/// the job to follow (`/api/v1/staff/jobs/{id}`).
#[utoipa::path(
    tag = "staff-pension",
    operation_id = "create_pension_payroll",
    request_body = PayrollInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The month's payroll, made already.", body = PayrollDto),
        (status = 202, description = "Queued; the job makes it.", body = JobDto),
        (status = 400, description = "Malformed month (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Needs the finance role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A month after the current one (`PAYROLL_MONTH_INVALID`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/pension-payrolls")]
pub async fn create_pension_payroll(
    state: web::Data<AppState>,
    staff: StaffUser,
    body: Json<PayrollInput>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&staff)?;
    let mut errors = Vec::new();
    let Some(month) = fields::month(body.month.as_deref(), "month", &mut errors) else {
        if errors.is_empty() {
            errors.push(FieldError::new("month", "缺少必填字段。"));
        }
        return Err(ApiError::validation(errors));
    };
    let current = Period::of(state.clock.today());
    let now = state.clock.now_utc();
    let who = staff.0.as_actor();
    let out = run_db(&state, move |conn| {
        Ok(payroll::request(conn, &who, month, current, now)?)
    })
    .await?;
    Ok(match out {
        Requested::Done(p) => HttpResponse::Ok().json(p),
        Requested::Queued(job) => HttpResponse::Accepted()
            .insert_header((header::LOCATION, format!("/api/v1/staff/jobs/{}", job.id)))
            .json(job),
    })
}

fn require_finance(staff: &StaffUser) -> Result<(), ApiError> {
    crate::routes::staff_units::require_any_role(staff, &[StaffRole::Finance], "生成养老金发放")
}

fn path_month(s: &str) -> Result<Period, ApiError> {
    Period::parse(s.trim()).map_err(|e| ApiError::invalid_field("month", e.to_string()))
}

/// 养老金发放查询 — a month's payroll
///
/// The month's payroll: totals per payment account (bank or card, by
/// bank), in figures and capitals, and the pensions left out with why.
#[utoipa::path(
    tag = "staff-pension",
    operation_id = "get_pension_payroll",
    params(("month" = String, Path, description = "The month, YYYYMM.")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PayrollDto),
        (status = 400, description = "Malformed month (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not made (yet) (`PAYROLL_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/pension-payrolls/{month}")]
pub async fn get_pension_payroll(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<String>,
) -> Result<web::Json<PayrollDto>, ApiError> {
    let month = path_month(&path)?;
    let out = run_db(&state, move |conn| Ok(payroll::get(conn, month)?)).await?;
    Ok(web::Json(out))
}

/// 养老金发放明细 — a payroll's lines
///
/// One page of the month's payroll lines: each pension's month, arrears
/// (补发) and death benefits, with the account paid to.
#[utoipa::path(
    tag = "staff-pension",
    operation_id = "list_pension_payroll_lines",
    params(("month" = String, Path, description = "The month, YYYYMM."), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PayrollLinePage),
        (status = 400, description = "Malformed month or page (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not made (yet) (`PAYROLL_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/pension-payrolls/{month}/lines")]
pub async fn list_pension_payroll_lines(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> Result<web::Json<PayrollLinePage>, ApiError> {
    let month = path_month(&path)?;
    let page = query.check(&paging::REVIEW)?.req();
    let out = run_db(&state, move |conn| Ok(payroll::lines(conn, month, page)?)).await?;
    Ok(web::Json(out))
}

/// 后台任务查询（经办机构） — a back-office job
///
/// A back-office job (one of no unit, e.g. a pension payroll): state,
/// progress and result.
#[utoipa::path(
    tag = "staff-pension",
    operation_id = "get_staff_job",
    params(("id" = i64, Path, description = "The job's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = JobDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such back-office job (`JOB_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/jobs/{id}")]
pub async fn get_staff_job(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<i64>,
) -> Result<web::Json<JobDto>, ApiError> {
    let id = qibao_app::ids::JobId(path.into_inner());
    let out = run_db(&state, move |conn| {
        Ok(qibao_app::jobs::get_staff(conn, id)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// The standards of the lump sums at death from a year.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeathStandardsInput {
    #[schema(example = 2027)]
    pub from_year: i32,
    /// 丧葬补助金, yuan.
    #[schema(example = "5000.00")]
    pub funeral_grant: String,
    /// 抚恤金 in months (0–60).
    #[schema(example = 10)]
    pub survivor_months: i32,
    #[schema(example = "湖北省丧葬补助金和抚恤金标准通知")]
    pub source: String,
    pub illustrative: bool,
}

/// 丧葬补助金、抚恤金标准维护 — add death-benefit standards
///
/// Adds the standards of the lump sums at death from a year (R-PEN-4):
/// 丧葬补助金 and the months of 抚恤金; audited as a policy change.
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_death_benefits",
    security(("bearer" = [])),
    request_body = DeathStandardsInput,
    responses(
        (status = 201, description = "Added and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The year has standards already (`POLICY_OVERLAP`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/death-benefits")]
pub async fn create_policy_death_benefits(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    body: Json<DeathStandardsInput>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    fields::year(body.from_year, "from_year", &mut errors);
    let grant = fields::money(Some(&body.funeral_grant), "funeral_grant", &mut errors);
    if !(0..=60).contains(&body.survivor_months) {
        errors.push(FieldError::new(
            "survivor_months",
            "抚恤金月数应在0至60之间。",
        ));
    }
    let source = fields::source(&body.source, &mut errors);
    let (Some(funeral_grant), Some(source)) = (grant, source) else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let d = DeathStandards {
        from_year: body.from_year,
        funeral_grant,
        survivor_months: body.survivor_months,
        source: Source {
            document: source,
            illustrative: body.illustrative,
        },
    };
    let now = state.clock.now_utc();
    let dto = run_db(&state, move |conn| {
        Ok(years::add_death_standards(conn, &who.as_actor(), d, now)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// 丧葬补助金、抚恤金标准查询 — death-benefit standards
///
/// The standards of the lump sums at death (R-PEN-4) by the year they
/// start, with their sources.
#[utoipa::path(
    tag = "policy",
    operation_id = "list_death_benefit_standards",
    params(PageQuery),
    responses(
        (status = 200, body = DeathStandardsList),
        (status = 400, description = "Bad `page` or `page_size`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/death-benefits")]
pub async fn list_death_benefit_standards(
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<DeathStandardsList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let all = run_db(&state, |conn| Ok(years::death_standards(conn)?)).await?;
    Ok(web::Json(DeathStandardsList::cut(all, page)))
}

whole_list! {
    /// A page of the death-benefit standards, by year.
    DeathStandardsList of DeathStandards
}

/// Under `/portal`.
pub fn configure_portal(cfg: &mut ServiceConfig) {
    cfg.service(get_pension_estimate)
        .service(create_retirement_application)
        .service(list_retirement_applications)
        .service(get_retirement_application)
        .service(list_retirees)
        .service(get_retiree)
        .service(put_retiree_payment_account)
        .service(create_death_benefit_application)
        .service(get_death_benefit_application);
}

/// Under `/staff`.
pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(get_pension_record)
        .service(put_pension_record)
        .service(create_contribution_history)
        .service(create_policy_pension_year)
        .service(create_policy_death_benefits)
        .service(get_staff_retiree)
        .service(create_pension_suspension)
        .service(create_pension_resumption)
        .service(create_pension_qualification)
        .service(create_pension_payroll)
        .service(get_pension_payroll)
        .service(list_pension_payroll_lines)
        .service(get_staff_job);
}

/// Under `/policy`.
pub fn configure_policy(cfg: &mut ServiceConfig) {
    cfg.service(list_pension_years)
        .service(list_death_benefit_standards);
}
