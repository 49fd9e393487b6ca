//! Policy parameters (R-POL-1…4) and the working-day calendar, read-only and
//! public: regions, the parameters in force for a period, interest rates.

use actix_web::{get, web};
use qibao_app::policy::{self, RegionDto};
use qibao_core::Period;
use qibao_core::calendar::WorkingDayResult;
use qibao_core::ids::RegionCode;
use qibao_core::policy::{InterestRate, PeriodParams, RegionPolicy};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db_glue::PooledConn;
use crate::http::blocking::run_db;
use crate::http::extract::Query;
use crate::http::paging::{self, PageQuery, whole_list};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// Parses a region code from a path or body, or answers 400 naming `field`.
pub fn parse_region(code: &str, field: &str) -> Result<RegionCode, ApiError> {
    RegionCode::parse(code).map_err(|e| ApiError::invalid_field(field, e.to_string()))
}

/// Parses a `YYYYMM` period, or answers 400 naming `field`.
pub fn parse_period(p: &str, field: &str) -> Result<Period, ApiError> {
    Period::parse(p).map_err(|e| ApiError::invalid_field(field, e.to_string()))
}

/// Loads a region's policy or answers 404 (`REGION_NOT_FOUND`); for the
/// quotes, through [`qibao_app::policy::region_policy`].
pub fn load_policy(conn: &mut PooledConn, code: &RegionCode) -> Result<RegionPolicy, ApiError> {
    Ok(policy::region_policy(conn, code)?)
}

/// 统筹区查询 — the regions served
///
/// Lists the regions served.
#[utoipa::path(
    tag = "policy",
    operation_id = "list_regions",
    params(PageQuery),
    responses(
        (status = 200, description = "Regions, by code.", body = RegionList),
        (status = 400, description = "Bad `page` or `page_size`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/regions")]
pub async fn list_regions(
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<RegionList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let regions = run_db(&state, |conn| Ok(policy::regions(conn)?)).await?;
    Ok(web::Json(RegionList::cut(regions, page)))
}

whole_list! {
    /// A page of the regions served, by code.
    RegionList of RegionDto
}

/// 统筹区政策参数 — every parameter of a region
///
/// Every effective-dated parameter of a region, with its sources.
#[utoipa::path(
    tag = "policy",
    operation_id = "get_region_policy",
    params(("code" = String, Path, description = "Region code, 6 digits (e.g. 420500).")),
    responses(
        (status = 200, body = RegionPolicy),
        (status = 400, description = "Malformed region code (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/regions/{code}")]
pub async fn get_region_policy(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<RegionPolicy>, ApiError> {
    let code = parse_region(&path, "code")?;
    let out = run_db(&state, move |conn| Ok(policy::region_policy(conn, &code)?)).await?;
    Ok(web::Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The month, YYYYMM (费款所属期). Defaults to the current month.
    #[param(example = "202208")]
    pub period: Option<String>,
}

/// 当期政策参数 — parameters in force for a period
///
/// The parameters in force for a region and period (R-POL-3).
#[utoipa::path(
    tag = "policy",
    operation_id = "get_region_parameters",
    params(("code" = String, Path, description = "Region code, 6 digits."), PeriodQuery),
    responses(
        (status = 200, body = PeriodParams),
        (status = 400, description = "Malformed region code or period (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Unknown region (`REGION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No parameters in force for that period (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/regions/{code}/parameters")]
pub async fn get_region_parameters(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: Query<PeriodQuery>,
) -> Result<web::Json<PeriodParams>, ApiError> {
    let code = parse_region(&path, "code")?;
    let period = match &query.period {
        Some(p) => parse_period(p, "period")?,
        None => Period::of(state.clock.today()),
    };
    let params = run_db(&state, move |conn| {
        Ok(policy::parameters(conn, &code, period)?)
    })
    .await?;
    Ok(web::Json(params))
}

/// 记账利率查询 — bookkeeping interest rates
///
/// The national bookkeeping rates of individual accounts (记账利率, R-LATE-2).
#[utoipa::path(
    tag = "policy",
    operation_id = "list_interest_rates",
    params(PageQuery),
    responses(
        (status = 200, body = InterestRateList),
        (status = 400, description = "Bad `page` or `page_size`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/interest-rates")]
pub async fn list_interest_rates(
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<InterestRateList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let rates = run_db(&state, |conn| Ok(policy::interest_rates(conn)?)).await?;
    Ok(web::Json(InterestRateList::cut(rates, page)))
}

whole_list! {
    /// A page of the bookkeeping interest rates, by year.
    InterestRateList of InterestRate
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkingDaysQuery {
    /// The start date (not counted), e.g. an order's issue date.
    #[param(value_type = String, example = "2022-09-29")]
    pub from: String,
    /// How many working days to add, 1–60.
    #[param(example = 10)]
    pub days: u32,
}

/// 工作日计算 — N working days after a date
///
/// The date N working days after a date, by the State Council calendar
/// (public holidays and adjusted working days), as used for order due dates
/// (R-DECL-4). Years without a published calendar count Monday–Friday and are
/// listed in `years_without_calendar`.
#[utoipa::path(
    tag = "policy",
    operation_id = "get_working_days",
    params(WorkingDaysQuery),
    responses(
        (status = 200, body = WorkingDayResult),
        (status = 400, description = "Malformed date or day count (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/working-days")]
pub async fn get_working_days(
    state: web::Data<AppState>,
    query: Query<WorkingDaysQuery>,
) -> Result<web::Json<WorkingDayResult>, ApiError> {
    let from = qibao_core::dates::parse_date(query.from.trim())
        .ok_or_else(|| ApiError::invalid_field("from", qibao_core::dates::DATE_FORMAT_HINT))?;
    let days = query.days;
    if !(1..=60).contains(&days) {
        return Err(ApiError::invalid_field("days", "工作日天数应在1至60之间"));
    }
    let out = run_db(&state, move |conn| {
        Ok(policy::working_days(conn, from, days)?)
    })
    .await?;
    Ok(web::Json(out))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regions)
        .service(get_region_policy)
        .service(get_region_parameters)
        .service(list_interest_rates)
        .service(get_working_days);
}
