//! 稳岗返还（稳岗补贴）申领 (issue 16; R-STAB-1): the unit's assessment for
//! a year, its applications, the staff lists, finance's payout and the
//! unit's size class kept by staff.

use actix_web::{HttpResponse, get, http::header, post, put, web};
use qibao_app::policy::admin::PolicyChangeDto;
use qibao_app::unemployment::stabilisation::{
    self as use_case, StabilisationAssessment, StabilisationRefundDto, StabilisationRefundPage,
    StabilisationYearDto,
};
use qibao_app::units::info::UnitInfo;
use qibao_core::policy::Source;
use qibao_core::unemployment::SizeClass;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, StaffRole, StaffUser, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, LateJson, Query};
use crate::http::fields;
use crate::http::paging::{self, PageQuery, whole_list};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::policy_admin::PolicyAdmin;
use crate::routes::refunds::{
    PayoutInput, StaffRefundQuery, payout_reference, require_refund_staff, status_filter,
};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AssessmentQuery {
    /// The year applied for (its figures are of the year before); default
    /// the current year.
    #[param(example = 2026)]
    pub year: Option<i32>,
}

/// 稳岗返还资格查询 — does the unit qualify for a year
///
/// Whether the unit qualifies for the job-stabilisation refund of year Y,
/// computed from its own data (R-STAB-1): the months of Y-1 paid in full,
/// what it owes today, the average insured headcount and the non-voluntary
/// stops of Y-1 and the layoff rate, its size class, each threshold and
/// share, and the refund (what it paid for Y-1 × the share). Unmet
/// conditions are listed in Chinese. A read.
#[utoipa::path(
    tag = "unemployment",
    operation_id = "get_stabilisation_assessment",
    security(("bearer" = [])),
    params(AssessmentQuery),
    responses(
        (status = 200, body = StabilisationAssessment),
        (status = 400, description = "A year after the current one, or malformed (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The year's parameters are not published (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/stabilisation-refunds/assessment")]
pub async fn get_stabilisation_assessment(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<AssessmentQuery>,
) -> Result<web::Json<StabilisationAssessment>, ApiError> {
    let today = state.clock.today();
    let year = query.year.unwrap_or(today.year());
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(use_case::assessment(conn, unit_id, year, today)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// A job-stabilisation refund application.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StabilisationInput {
    /// Required. The year applied for (Y), the current year (past years are
    /// not applied for afterwards); the figures are of Y-1.
    #[schema(example = 2026)]
    pub year: Option<i32>,
    /// Supporting materials (material ids, 0–20), e.g. a commitment letter.
    #[schema(example = json!([]))]
    pub material_ids: Option<Vec<i64>>,
}

/// 稳岗返还（稳岗补贴）申领 — apply for the year's refund
///
/// Submits the unit's application for year Y to review with the figures of
/// the assessment; the refund is paid by finance to the unit's refund
/// account (退收银行账户) once approved. One live application per unit and
/// year (a rejected one may be made again). Refusals name each unmet
/// condition with its figures and write nothing.
#[utoipa::path(
    tag = "unemployment",
    operation_id = "create_stabilisation_refund",
    security(("bearer" = [])),
    request_body = StabilisationInput,
    responses(
        (status = 201, description = "Submitted for review; `Location` names it.", body = StabilisationRefundDto),
        (status = 400, description = "Malformed body or fields, no year, a year after the current one (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The unit has applied for the year (`STABILISATION_EXISTS`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Nothing is written: the unit does not qualify (`STABILISATION_REFUSED`, each reason in `detail`), no refund account (`NO_REFUND_ACCOUNT`), a material not the unit's (`MATERIAL_NOT_FOUND`), no parameters for the year (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/stabilisation-refunds")]
pub async fn create_stabilisation_refund(
    state: web::Data<AppState>,
    user: UnitUser,
    body: Json<StabilisationInput>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let material_ids = fields::material_ids(body.material_ids.as_deref(), &mut errors);
    let Some(year) = body.year else {
        errors.push(FieldError::new("year", "请填写申请年度。"));
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let created = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(use_case::apply(
            conn,
            &who,
            user.unit_id,
            year,
            &material_ids,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/stabilisation-refunds/{}", created.id),
        ))
        .json(created))
}

/// 稳岗返还申领查询 — the unit's applications
///
/// The unit's job-stabilisation refund applications, newest first, each
/// with its figures, account, decision, payout and steps.
#[utoipa::path(
    tag = "unemployment",
    operation_id = "list_stabilisation_refunds",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = StabilisationRefundPage),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/stabilisation-refunds")]
pub async fn list_stabilisation_refunds(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<StabilisationRefundPage>, ApiError> {
    let page = query.check(&paging::REVIEW)?.req();
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(use_case::list(conn, Some(unit_id), None, page)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 稳岗返还申领进度查询 — one application
///
/// One of the unit's applications with its figures and every step.
#[utoipa::path(
    tag = "unemployment",
    operation_id = "get_stabilisation_refund",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's id.")),
    responses(
        (status = 200, body = StabilisationRefundDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such application of this unit (`STABILISATION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/stabilisation-refunds/{id}")]
pub async fn get_stabilisation_refund(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<StabilisationRefundDto>, ApiError> {
    let id = path.into_inner();
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(use_case::get(conn, Some(unit_id), id)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 稳岗返还查询（全省） — every unit's applications
///
/// Every unit's job-stabilisation refund applications, newest first, with
/// the figures each was decided on (reviewers and finance).
#[utoipa::path(
    tag = "staff-finance",
    operation_id = "list_staff_stabilisation_refunds",
    security(("bearer" = [])),
    params(StaffRefundQuery),
    responses(
        (status = 200, body = StabilisationRefundPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or neither reviewer nor finance (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/stabilisation-refunds")]
pub async fn list_staff_stabilisation_refunds(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    query: Query<StaffRefundQuery>,
) -> Result<web::Json<StabilisationRefundPage>, ApiError> {
    require_refund_staff(&staff)?;
    let mut errors = Vec::new();
    let status = status_filter(query.status.as_deref(), &mut errors);
    let page = PageQuery {
        page: query.page,
        page_size: query.page_size,
    }
    .check_into(&paging::REFUNDS, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let out = run_db(&state, move |conn| {
        Ok(use_case::list(conn, None, status.as_deref(), page.req())?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 稳岗返还详情 — one application (staff)
///
/// Any unit's application with its figures, account and steps (reviewers
/// and finance).
#[utoipa::path(
    tag = "staff-finance",
    operation_id = "get_staff_stabilisation_refund",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's id.")),
    responses(
        (status = 200, body = StabilisationRefundDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or neither reviewer nor finance (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such application (`STABILISATION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/stabilisation-refunds/{id}")]
pub async fn get_staff_stabilisation_refund(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
) -> Result<web::Json<StabilisationRefundDto>, ApiError> {
    require_refund_staff(&staff)?;
    let id = path.into_inner();
    let out = run_db(&state, move |conn| Ok(use_case::get(conn, None, id)?)).await?;
    Ok(web::Json(out))
}

/// 稳岗返还支付登记 — record the payout
///
/// Finance records that an approved refund was paid to the unit's refund
/// account, with the bank transfer's reference; once.
#[utoipa::path(
    tag = "staff-finance",
    operation_id = "create_stabilisation_refund_payout",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The application's id.")),
    request_body = PayoutInput,
    responses(
        (status = 200, description = "Paid out.", body = StabilisationRefundDto),
        (status = 400, description = "Missing or too long `payout_reference`, malformed id (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a finance officer (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such application (`STABILISATION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Not approved: pending review, rejected or paid out already (`STABILISATION_NOT_APPROVED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/stabilisation-refunds/{id}/payout")]
pub async fn create_stabilisation_refund_payout(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<i64>,
    body: LateJson<PayoutInput>,
) -> Result<web::Json<StabilisationRefundDto>, ApiError> {
    staff.require_staff_role(StaffRole::Finance)?;
    let reference = payout_reference(&body.into_inner()?)?;
    let id = path.into_inner();
    let now = state.clock.now_utc();
    let out = run_db(&state, move |conn| {
        let who = staff.as_actor();
        Ok(use_case::pay_out(conn, &who, id, &reference, now)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// A unit's size class.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SizeClassInput {
    /// Required. `large` (大型企业) or `small_medium` (中小微企业).
    #[schema(example = "large")]
    pub size_class: Option<String>,
}

/// 单位企业规模类型核定 — set a unit's size class
///
/// Records whether a unit is a large or a small/medium enterprise, which
/// decides its share of the job-stabilisation refund (R-STAB-1); audited in
/// the unit's business records. Handler role.
#[utoipa::path(
    tag = "staff-units",
    operation_id = "put_unit_size_class",
    security(("bearer" = [])),
    params(("unit_no" = String, Path, description = "Unit number (单位编号, AAB001).")),
    request_body = SizeClassInput,
    responses(
        (status = 200, description = "Recorded; the unit's information.", body = UnitInfo),
        (status = 400, description = "No or an unknown size class (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a handler (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such unit (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[put("/units/{unit_no}/size-class")]
pub async fn put_unit_size_class(
    state: web::Data<AppState>,
    StaffUser(staff): StaffUser,
    path: web::Path<String>,
    body: LateJson<SizeClassInput>,
) -> Result<web::Json<UnitInfo>, ApiError> {
    staff.require_staff_role(StaffRole::Handler)?;
    let body = body.into_inner()?;
    let Some(size) = body.size_class.as_deref().and_then(SizeClass::parse) else {
        return Err(ApiError::invalid_field(
            "size_class",
            "企业规模类型应为 large（大型企业）或 small_medium（中小微企业）。",
        ));
    };
    let unit_no = path.into_inner();
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let out = run_db(&state, move |conn| {
        let who = staff.as_actor();
        Ok(use_case::set_size_class(
            conn, &who, &unit_no, size, today, now,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// A year's 稳岗返还 parameters.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StabilisationYearInput {
    /// The year applied for (its figures are the year before's).
    #[schema(example = 2027)]
    pub year: i32,
    /// The national surveyed-unemployment target, a decimal fraction ("0.055").
    #[schema(example = "0.055")]
    pub layoff_threshold: String,
    /// The layoff rate allowed small units ("0.2").
    #[schema(example = "0.2")]
    pub small_unit_threshold: String,
    /// Small units: at most this many insured (30).
    #[schema(example = 30)]
    pub small_unit_headcount: i32,
    /// Share of the paid contributions refunded to a large unit ("0.3").
    #[schema(example = "0.3")]
    pub large_share: String,
    /// To a small or medium enterprise ("0.6").
    #[schema(example = "0.6")]
    pub small_medium_share: String,
    #[schema(
        example = "人力资源社会保障部 财政部 国家税务总局关于继续实施失业保险稳岗返还政策的通知"
    )]
    pub source: String,
    pub illustrative: bool,
}

/// 稳岗返还政策参数维护 — add a year's parameters
///
/// Adds the 稳岗返还 parameters of a year (R-STAB-1, R-POL-4): the layoff
/// thresholds and the refund shares by size class; audited as a policy
/// change. Applications decided before keep their figures.
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_stabilisation_year",
    security(("bearer" = [])),
    request_body = StabilisationYearInput,
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
#[post("/policy/stabilisation-years")]
pub async fn create_policy_stabilisation_year(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    body: Json<StabilisationYearInput>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    // 稳岗返还 began in this century; the table holds 2000–2999.
    if !(2000..=2999).contains(&body.year) {
        errors.push(FieldError::new("year", "年度应在2000至2999之间。"));
    }
    let mut share =
        |v: &str, field: &str, label: &str| fields::fraction(v, field, label, &mut errors);
    let layoff = share(&body.layoff_threshold, "layoff_threshold", "裁员率控制标准");
    let small = share(
        &body.small_unit_threshold,
        "small_unit_threshold",
        "小微单位裁员率标准",
    );
    let large_share = share(&body.large_share, "large_share", "大型企业返还比例");
    let sme_share = share(
        &body.small_medium_share,
        "small_medium_share",
        "中小微企业返还比例",
    );
    if !(1..=1000).contains(&body.small_unit_headcount) {
        errors.push(FieldError::new(
            "small_unit_headcount",
            "小微单位的参保人数上限应在1至1000之间。",
        ));
    }
    let source = fields::source(&body.source, &mut errors);
    let (Some(layoff), Some(small), Some(large_share), Some(sme_share), Some(source)) =
        (layoff, small, large_share, sme_share, source)
    else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let p = StabilisationYearDto {
        year: body.year,
        layoff_threshold: layoff,
        small_unit_threshold: small,
        small_unit_headcount: body.small_unit_headcount,
        large_share,
        small_medium_share: sme_share,
        source: Source {
            document: source,
            illustrative: body.illustrative,
        },
    };
    let now = state.clock.now_utc();
    let dto = run_db(&state, move |conn| {
        Ok(use_case::add_year_parameters(
            conn,
            &who.as_actor(),
            p,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// 稳岗返还政策参数查询 — the parameters by year
///
/// The 稳岗返还 parameters of every year (R-STAB-1): the layoff thresholds
/// and the refund shares, with their sources. Public.
#[utoipa::path(
    tag = "policy",
    operation_id = "list_stabilisation_years",
    params(PageQuery),
    responses(
        (status = 200, body = StabilisationYearList),
        (status = 400, description = "Bad paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/stabilisation-years")]
pub async fn list_stabilisation_years(
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<StabilisationYearList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let all = run_db(&state, |conn| Ok(use_case::year_parameters(conn)?)).await?;
    Ok(web::Json(StabilisationYearList::cut(all, page)))
}

whole_list! {
    /// A page of the 稳岗返还 parameters, by year.
    StabilisationYearList of StabilisationYearDto
}

/// Under `/portal`: the assessment comes before `/{id}`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_stabilisation_assessment)
        .service(create_stabilisation_refund)
        .service(list_stabilisation_refunds)
        .service(get_stabilisation_refund);
}

/// Under `/staff`.
pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(list_staff_stabilisation_refunds)
        .service(get_staff_stabilisation_refund)
        .service(create_stabilisation_refund_payout)
        .service(put_unit_size_class)
        .service(create_policy_stabilisation_year);
}

/// Under `/policy`.
pub fn configure_policy(cfg: &mut ServiceConfig) {
    cfg.service(list_stabilisation_years);
}
