//! HTTP for 单位社会保险缴费申报 (the monthly declaration, R-DECL-1…3, 7)
//! and 单位补缴申报 (unit back-pay, R-BACK-1): parse, call
//! [`qibao_app::declarations`], render.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use qibao_app::declarations::{self, DeclarationDto, DeclarationKind, DeclarationList};
pub use qibao_app::declarations::{DeclaredLineDto, ExcludedPersonDto};
use qibao_app::ids::JobId;
use qibao_app::jobs::{JobDto, job_path};
use qibao_core::Period;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{AsActor, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query, respond_async};
use crate::http::paging::{self, PageQuery};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct DeclarationRequest {
    /// Contribution month (费款所属期, AAE002), YYYYMM.
    #[schema(example = "202208")]
    pub period: Option<String>,
}

fn parse_period(v: &Option<String>) -> Result<Period, ApiError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Err(ApiError::invalid_field("period", "缺少必填字段。")),
        Some(s) => Period::parse(s).map_err(|e| ApiError::invalid_field("period", e.to_string())),
    }
}

async fn run_declare(
    state: web::Data<AppState>,
    user: UnitUser,
    req: HttpRequest,
    period: Period,
    kind: DeclarationKind,
) -> Result<HttpResponse, ApiError> {
    let today = state.clock.today();
    let now = state.clock.now_utc();
    if respond_async(&req) {
        let (job, replayed) = run_db(&state, move |conn| {
            let who = user.principal.as_actor();
            Ok(declarations::enqueue(
                conn,
                &who,
                user.unit_id,
                period,
                kind,
                now,
            )?)
        })
        .await?;
        state.jobs.wake();
        let mut res = if replayed {
            HttpResponse::Ok()
        } else {
            HttpResponse::Accepted()
        };
        res.insert_header((header::LOCATION, job_path(JobId(job.id))))
            .insert_header(("Preference-Applied", "respond-async"));
        if replayed {
            res.insert_header(("Idempotent-Replayed", "true"));
        }
        return Ok(res.json(job));
    }
    let (dto, created) = run_db(&state, move |conn| {
        let who = user.principal.as_actor();
        Ok(declarations::declare(
            conn,
            &who,
            user.unit_id,
            period,
            kind,
            today,
            now,
        )?)
    })
    .await?;
    Ok(if created {
        HttpResponse::Created().json(dto)
    } else {
        HttpResponse::Ok().json(dto)
    })
}

/// 单位社会保险缴费申报 — declare the month
///
/// Declares the current month (单位社会保险缴费申报, R-DECL-1…3): one line per
/// active, accountable person × insured insurance; non-accountable persons
/// listed with the reason. Declaring the month again returns its result.
#[utoipa::path(
    tag = "declarations",
    operation_id = "create_declaration",
    request_body = DeclarationRequest,
    params(("Prefer" = Option<String>, Header, description = "`respond-async`: declare as a background job (a large unit); answers 202 with the job (`Location`).")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Declared now.", body = DeclarationDto),
        (status = 200, description = "Already declared: the stored result (with `Prefer: respond-async`: the job already queued or running for this month).", body = DeclarationDto),
        (status = 202, description = "`Prefer: respond-async`: the declaration job is queued (`Location`: the job, whose result names the declaration).", body = JobDto),
        (status = 400, description = "Malformed period (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent declaration (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Not the current month (`NOT_CURRENT_PERIOD`); months missing: 该单位的最大做账期号不等于上一月或者当前月！ (`PERIOD_GAP`); no wage-base declaration for the year (`WAGE_DECLARATION_MISSING`); no insurance in that month (`INSURANCE_NOT_STARTED`); no parameters (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/declarations")]
pub async fn create_declaration(
    state: web::Data<AppState>,
    user: UnitUser,
    req: HttpRequest,
    body: Json<DeclarationRequest>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period(&body.period)?;
    run_declare(state, user, req, period, DeclarationKind::Regular).await
}

/// 单位补缴申报 — declare a missed month
///
/// Unit back-pay (单位补缴申报, R-BACK-1): an undeclared month within the
/// online window before the current month, the oldest missing first; lines
/// of kind back_pay at that month's parameters.
#[utoipa::path(
    tag = "declarations",
    operation_id = "create_back_pay_declaration",
    request_body = DeclarationRequest,
    params(("Prefer" = Option<String>, Header, description = "`respond-async`: declare as a background job; answers 202 with the job (`Location`).")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Declared now.", body = DeclarationDto),
        (status = 200, description = "Already back-paid: the stored result (with `Prefer: respond-async`: the job already queued or running for this month).", body = DeclarationDto),
        (status = 202, description = "`Prefer: respond-async`: the declaration job is queued (`Location`: the job).", body = JobDto),
        (status = 400, description = "Malformed period (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent declaration (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Outside the window, already declared, or not the oldest missing month (`BACK_PAY_REFUSED`); no insurance (`INSURANCE_NOT_STARTED`); no parameters (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/back-pay-declarations")]
pub async fn create_back_pay_declaration(
    state: web::Data<AppState>,
    user: UnitUser,
    req: HttpRequest,
    body: Json<DeclarationRequest>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period(&body.period)?;
    run_declare(state, user, req, period, DeclarationKind::BackPay).await
}

/// 申报记录查询 — the unit's declarations
///
/// The unit's declared months (the monthly declaration and unit back-pay),
/// latest month first: who declared each and when, and its live lines'
/// persons, count and totals now (a suspension or revocation since lowers
/// them); the month's lines at `/declarations/{period}`.
#[utoipa::path(
    tag = "declarations",
    operation_id = "list_declarations",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeclarationList),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/declarations")]
pub async fn list_declarations(
    state: web::Data<AppState>,
    user: UnitUser,
    query: Query<PageQuery>,
) -> Result<web::Json<DeclarationList>, ApiError> {
    let page = query.check(&paging::LIST)?.req();
    let unit_id = user.unit_id;
    let list =
        crate::http::blocking::run_read(&state, user.principal.read_after.clone(), move |conn| {
            Ok(declarations::list(conn, unit_id, page)?)
        })
        .await?;
    Ok(web::Json(list))
}

/// 申报结果查询 — a month's declaration
///
/// A month's declaration result: that month's lines (R-DECL-7) and the
/// persons left out.
#[utoipa::path(
    tag = "declarations",
    operation_id = "get_declaration",
    params(("period" = String, Path, description = "Contribution month (费款所属期, AAE002), YYYYMM.")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeclarationDto),
        (status = 400, description = "Malformed period (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not declared (`DECLARATION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/declarations/{period}")]
pub async fn get_declaration(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<DeclarationDto>, ApiError> {
    let period = parse_period(&Some(path.into_inner()))?;
    let dto = run_db(&state, move |conn| {
        Ok(declarations::get(conn, user.unit_id, period)?)
    })
    .await?;
    Ok(web::Json(dto))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_declaration)
        .service(list_declarations)
        .service(create_back_pay_declaration)
        .service(get_declaration);
}
