//! 失业保险金申领（单位） (issue 16, part; R-UNEMP-1, 2): the unit submits
//! a former employee's unemployment benefit claim, follows it, and reads its
//! months and amounts. HTTP only: the use cases are in
//! [`qibao_app::unemployment`].

use actix_web::{HttpResponse, get, http::header, post, web};
use qibao_app::employees::requests::end_reason_field;
use qibao_app::policy::admin::PolicyChangeDto;
use qibao_app::unemployment::termination::{self, TerminationCertificate};
use qibao_app::unemployment::{
    self as use_case, BenefitParamsDto, ClaimInput, UnemploymentClaimDto, UnemploymentClaimPage,
};
use qibao_core::Money;
use qibao_core::policy::Source;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, StaffUser, UnitUser};
use crate::http::blocking::run_db;
use crate::http::documents;
use crate::http::extract::{Json, Query};
use crate::http::fields;
use crate::http::paging::{self, PageQuery, whole_list};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::employees::parse_person_no;
use crate::routes::policy_admin::PolicyAdmin;
use crate::state::AppState;

/// An unemployment benefit claim (失业保险金申领).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnemploymentClaimInput {
    /// Required. Person number (个人编号, AAC001) of a former employee whose
    /// unemployment insurance the unit has stopped.
    #[schema(example = "10003726000")]
    pub person_no: Option<String>,
    /// Why the employment ended: `dismissal` (用人单位解除劳动合同),
    /// `not_renewed` (期满不续订), `unit_closed` (破产、关闭、撤销),
    /// `forced_resignation` (因用人单位过错解除); `resignation` and
    /// `other_voluntary` are refused with the reason (R-UNEMP-1). Optional
    /// when the unit gave the reason at the stop (停保), which it must match;
    /// required when it did not.
    #[schema(example = "dismissal")]
    pub end_reason: Option<String>,
    /// Required. The day of the unemployment registration (失业登记),
    /// YYYY-MM-DD, from the end of the employment to today.
    #[schema(example = "2026-09-18")]
    pub registered_on: Option<String>,
    /// Required. The termination certificate (终止或解除劳动合同证明) and other
    /// materials (material ids, 1–20).
    #[schema(example = json!([31]))]
    pub material_ids: Option<Vec<i64>>,
}

/// 失业保险金申领（单位） — submit an unemployment benefit claim
///
/// Submits a former employee's claim: eligibility from the months of
/// unemployment insurance paid (≥ 1 year since any previous claim), the
/// reason the employment ended (involuntary only) and no new employment
/// (R-UNEMP-1); the months from the paid years plus the previous claim's
/// months not drawn, at most 24, and the monthly amount from the region's
/// minimum wage and percentage, not below the subsistence allowance
/// (R-UNEMP-2). A reviewer decides. Refusals name the reason and the
/// figures and write nothing.
#[utoipa::path(
    tag = "unemployment",
    operation_id = "create_unemployment_claim",
    security(("bearer" = [])),
    request_body = UnemploymentClaimInput,
    responses(
        (status = 201, description = "Submitted for review; `Location` names it.", body = UnemploymentClaimDto),
        (status = 400, description = "Malformed body or fields, a registration date outside the end of employment and today (`VALIDATION_FAILED`, `MALFORMED_JSON`), no reason where the stop gave none (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A claim of the person is pending (`UNEMPLOYMENT_CLAIM_PENDING`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A rule refuses it, nothing is written: not eligible (`UNEMPLOYMENT_CLAIM_REFUSED`: a voluntary end, a reason other than the one given at the stop, under a year paid, employed again, not registered), still insured at the unit (`UNEMPLOYMENT_STILL_INSURED`), never insured at the unit (`PERSON_NOT_ACTIVE`), no materials (`MATERIAL_REQUIRED`), a material not the unit's (`MATERIAL_NOT_FOUND`), no parameters (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/unemployment-claims")]
pub async fn create_unemployment_claim(
    state: web::Data<AppState>,
    user: UnitUser,
    body: Json<UnemploymentClaimInput>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let person_no = fields::person_no(body.person_no.as_deref(), &mut errors);
    let end_reason = end_reason_field(&body.end_reason, &mut errors);
    let registered_on = fields::date(body.registered_on.as_deref(), "registered_on", &mut errors);
    let material_ids = fields::material_ids(body.material_ids.as_deref(), &mut errors);
    let Some(person_no) = person_no else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = ClaimInput {
        person_no,
        end_reason,
        registered_on,
        material_ids,
    };
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let created = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(use_case::apply(
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
            format!("/api/v1/portal/unemployment-claims/{}", created.id),
        ))
        .json(created))
}

/// 失业保险金申领查询 — the unit's claims
///
/// The unit's unemployment benefit claims, newest first, each with its
/// months and amounts and steps.
#[utoipa::path(
    tag = "unemployment",
    operation_id = "list_unemployment_claims",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = UnemploymentClaimPage),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/unemployment-claims")]
pub async fn list_unemployment_claims(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<UnemploymentClaimPage>, ApiError> {
    let page = query.check(&paging::REVIEW)?.req();
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(use_case::list(conn, Some(unit_id), None, page)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 失业保险金申领进度查询 — one claim
///
/// One of the unit's claims: the figures with their inputs, each month of
/// benefit with its amount, the materials and every step with its time.
#[utoipa::path(
    tag = "unemployment",
    operation_id = "get_unemployment_claim",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The claim's id.")),
    responses(
        (status = 200, body = UnemploymentClaimDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such claim of this unit (`UNEMPLOYMENT_CLAIM_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/unemployment-claims/{id}")]
pub async fn get_unemployment_claim(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<i64>,
) -> Result<web::Json<UnemploymentClaimDto>, ApiError> {
    let id = path.into_inner();
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(use_case::get(conn, Some(unit_id), id)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 终止或解除劳动合同证明 — the termination certificate
///
/// What the unit certifies about an employment it ended (R-UNEMP-1): the
/// person, the start and end dates, the end reason given at the stop (停保)
/// and whether it is involuntary, and the months of unemployment insurance
/// paid at the unit. Drawn from the data on request; the PDF is at
/// `…/termination-certificate/pdf`.
#[utoipa::path(
    tag = "unemployment",
    operation_id = "get_termination_certificate",
    security(("bearer" = [])),
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    responses(
        (status = 200, body = TerminationCertificate),
        (status = 400, description = "Malformed person number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Still insured at the unit, or the stop gave no end reason (`EMPLOYMENT_NOT_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/employees/{person_no}/termination-certificate")]
pub async fn get_termination_certificate(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<TerminationCertificate>, ApiError> {
    let person_no = parse_person_no(&path)?;
    let today = state.clock.today();
    let out = run_db(&state, move |conn| {
        Ok(termination::certificate(
            conn,
            user.unit_id,
            &person_no,
            today,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 终止或解除劳动合同证明打印 — the termination certificate as a PDF
///
/// The same certificate as `…/termination-certificate`, as an A4 PDF for
/// the unit to stamp and hand to the person.
#[utoipa::path(
    tag = "unemployment",
    operation_id = "get_termination_certificate_pdf",
    security(("bearer" = [])),
    params(("person_no" = String, Path, description = "Person number (个人编号, AAC001).")),
    responses(
        (status = 200, description = "The certificate as a PDF.", body = Vec<u8>, content_type = "application/pdf"),
        (status = 400, description = "Malformed person number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Still insured at the unit, or the stop gave no end reason (`EMPLOYMENT_NOT_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/employees/{person_no}/termination-certificate/pdf")]
pub async fn get_termination_certificate_pdf(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let person_no = parse_person_no(&path)?;
    let today = state.clock.today();
    let filename = format!("termination-{person_no}.pdf");
    let bytes = run_db(&state, move |conn| {
        let cert = termination::certificate(conn, user.unit_id, &person_no, today)?;
        documents::termination_certificate(&cert)
    })
    .await?;
    Ok(documents::pdf_response(bytes, &filename))
}

/// A region's unemployment benefit parameters from a year.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BenefitParamsInput {
    /// Region code, 6 digits.
    #[schema(example = "420500")]
    pub region: String,
    #[schema(example = 2027)]
    pub from_year: i32,
    /// 最低工资标准, yuan per month.
    #[schema(example = "2100.00")]
    pub minimum_wage: String,
    /// The share of it paid, a decimal fraction ("0.9" = 90%).
    #[schema(example = "0.9")]
    pub percentage: String,
    /// 城市居民最低生活保障标准, yuan per month.
    #[schema(example = "850.00")]
    pub subsistence: String,
    #[schema(example = "湖北省人民政府关于调整全省最低工资标准的通知")]
    pub source: String,
    pub illustrative: bool,
}

/// 失业保险金标准维护 — add unemployment benefit parameters
///
/// Adds a region's unemployment benefit parameters from a year (R-UNEMP-2):
/// the minimum wage, the share of it paid and the subsistence allowance;
/// audited as a policy change. Claims decided before keep their figures.
#[utoipa::path(
    tag = "staff-policy",
    operation_id = "create_policy_unemployment_benefits",
    security(("bearer" = [])),
    request_body = BenefitParamsInput,
    responses(
        (status = 201, description = "Added and audited.", body = PolicyChangeDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff with the policy role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The region has parameters from that year already (`POLICY_OVERLAP`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/policy/unemployment-benefits")]
pub async fn create_policy_unemployment_benefits(
    state: web::Data<AppState>,
    PolicyAdmin(who): PolicyAdmin,
    body: Json<BenefitParamsInput>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let region = fields::region(&body.region, &mut errors);
    fields::year(body.from_year, "from_year", &mut errors);
    let wage = fields::money(Some(&body.minimum_wage), "minimum_wage", &mut errors)
        .filter(|m| *m > Money::ZERO);
    let subsistence = fields::money(Some(&body.subsistence), "subsistence", &mut errors);
    if wage.is_none() && !errors.iter().any(|e| e.field == "minimum_wage") {
        errors.push(FieldError::new("minimum_wage", "最低工资标准应大于0。"));
    }
    let percentage = fields::fraction(&body.percentage, "percentage", "计发比例", &mut errors);
    let source = fields::source(&body.source, &mut errors);
    let (Some(region), Some(minimum_wage), Some(percentage), Some(subsistence), Some(source)) =
        (region, wage, percentage, subsistence, source)
    else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let p = BenefitParamsDto {
        region,
        from_year: body.from_year,
        minimum_wage,
        percentage,
        subsistence,
        source: Source {
            document: source,
            illustrative: body.illustrative,
        },
    };
    let now = state.clock.now_utc();
    let dto = run_db(&state, move |conn| {
        Ok(use_case::add_parameters(conn, &who.as_actor(), p, now)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
}

/// 失业保险金标准查询 — unemployment benefit parameters
///
/// Every region's unemployment benefit parameters (R-UNEMP-2) by the year
/// they start: the minimum wage, the share paid, the subsistence allowance,
/// with their sources.
#[utoipa::path(
    tag = "policy",
    operation_id = "list_unemployment_benefit_parameters",
    params(PageQuery),
    responses(
        (status = 200, body = BenefitParamsList),
        (status = 400, description = "Bad `page` or `page_size`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/unemployment-benefits")]
pub async fn list_unemployment_benefit_parameters(
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<BenefitParamsList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let all = run_db(&state, |conn| Ok(use_case::parameters(conn)?)).await?;
    Ok(web::Json(BenefitParamsList::cut(all, page)))
}

whole_list! {
    /// A page of the unemployment benefit parameters, by region and year.
    BenefitParamsList of BenefitParamsDto
}

/// Under `/portal`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_unemployment_claim)
        .service(list_unemployment_claims)
        .service(get_unemployment_claim)
        .service(get_termination_certificate)
        .service(get_termination_certificate_pdf);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StaffClaimQuery {
    /// `pending_review`, `approved` or `rejected`.
    #[param(example = "pending_review")]
    pub status: Option<String>,
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 20).
    pub page_size: Option<i64>,
}

/// 失业保险金申领查询（全省） — every unit's claims
///
/// Every unit's unemployment benefit claims, newest first, each with the
/// figures it rests on (paid months, months by years and carried, the
/// parameters and the amounts), its materials and steps (any staff role).
#[utoipa::path(
    tag = "staff-review",
    operation_id = "list_staff_unemployment_claims",
    security(("bearer" = [])),
    params(StaffClaimQuery),
    responses(
        (status = 200, body = UnemploymentClaimPage),
        (status = 400, description = "Bad filter or paging (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/unemployment-claims")]
pub async fn list_staff_unemployment_claims(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: Query<StaffClaimQuery>,
) -> Result<web::Json<UnemploymentClaimPage>, ApiError> {
    let mut errors = Vec::new();
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s @ ("pending_review" | "approved" | "rejected")) => Some(s.to_owned()),
        Some(_) => {
            errors.push(FieldError::new(
                "status",
                "状态应为 pending_review、approved 或 rejected。",
            ));
            None
        }
    };
    let page = PageQuery {
        page: query.page,
        page_size: query.page_size,
    }
    .check_into(&paging::REVIEW, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let out = run_db(&state, move |conn| {
        Ok(use_case::list(conn, None, status.as_deref(), page.req())?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 失业保险金申领详情（全省） — one claim (staff)
///
/// Any unit's claim with its figures, schedule, materials and steps (any
/// staff role).
#[utoipa::path(
    tag = "staff-review",
    operation_id = "get_staff_unemployment_claim",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The claim's id.")),
    responses(
        (status = 200, body = UnemploymentClaimDto),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such claim (`UNEMPLOYMENT_CLAIM_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/unemployment-claims/{id}")]
pub async fn get_staff_unemployment_claim(
    state: web::Data<AppState>,
    _staff: StaffUser,
    path: web::Path<i64>,
) -> Result<web::Json<UnemploymentClaimDto>, ApiError> {
    let id = path.into_inner();
    let out = run_db(&state, move |conn| Ok(use_case::get(conn, None, id)?)).await?;
    Ok(web::Json(out))
}

/// Under `/staff`.
pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(create_policy_unemployment_benefits)
        .service(list_staff_unemployment_claims)
        .service(get_staff_unemployment_claim);
}

/// Under `/policy`.
pub fn configure_policy(cfg: &mut ServiceConfig) {
    cfg.service(list_unemployment_benefit_parameters);
}
