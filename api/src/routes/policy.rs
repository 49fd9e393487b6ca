//! Policy parameters (R-POL-1…4) and the working-day calendar, read-only and
//! public: regions, the parameters in force for a period, interest rates.

use actix_web::{get, web};
use qibao_core::Period;
use qibao_core::calendar::WorkingDayResult;
use qibao_core::ids::RegionCode;
use qibao_core::policy::{InterestRate, PeriodParams, RegionPolicy};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::blocking::run_db;
use crate::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;
use qibao_db::policy as policy_db;
use qibao_db::repo;

/// A region (参保所属地).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegionDto {
    /// Administrative code, 6 digits.
    #[schema(example = "420500")]
    pub code: String,
    #[schema(example = "宜昌市本级")]
    pub name: String,
    #[schema(example = "湖北省")]
    pub province: String,
}

/// Parses a region code from a path or body, or answers 400 naming `field`.
pub fn parse_region(code: &str, field: &str) -> Result<RegionCode, ApiError> {
    RegionCode::parse(code).map_err(|e| ApiError::invalid_field(field, e.to_string()))
}

/// Parses a `YYYYMM` period, or answers 400 naming `field`.
pub fn parse_period(p: &str, field: &str) -> Result<Period, ApiError> {
    Period::parse(p).map_err(|e| ApiError::invalid_field(field, e.to_string()))
}

pub fn region_not_found(code: &str) -> ApiError {
    ApiError::not_found(
        "REGION_NOT_FOUND",
        format!("参保地“{code}”不存在或未开通。"),
    )
}

/// Loads a region's policy or answers 404.
pub fn load_policy(
    conn: &mut qibao_db::DbConn,
    code: &RegionCode,
) -> Result<RegionPolicy, ApiError> {
    policy_db::load_region_policy(conn, code.as_str())?
        .ok_or_else(|| region_not_found(code.as_str()))
}

/// Lists the regions served.
#[utoipa::path(
    tag = "policy",
    operation_id = "list_regions",
    responses((status = 200, description = "Regions, by code.", body = Vec<RegionDto>)),
)]
#[get("/regions")]
pub async fn list_regions(
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<RegionDto>>, ApiError> {
    let regions = run_db(&state, |conn| Ok(repo::list_regions(conn)?)).await?;
    Ok(web::Json(
        regions
            .into_iter()
            .map(|r| RegionDto {
                code: r.code,
                name: r.name,
                province: r.province,
            })
            .collect(),
    ))
}

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
    let policy = run_db(&state, move |conn| load_policy(conn, &code)).await?;
    Ok(web::Json(policy))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The month, YYYYMM (费款所属期). Defaults to the current month.
    #[param(example = "202208")]
    pub period: Option<String>,
}

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
    query: web::Query<PeriodQuery>,
) -> Result<web::Json<PeriodParams>, ApiError> {
    let code = parse_region(&path, "code")?;
    let period = match &query.period {
        Some(p) => parse_period(p, "period")?,
        None => Period::of(state.clock.today()),
    };
    let policy = run_db(&state, move |conn| load_policy(conn, &code)).await?;
    Ok(web::Json(policy.in_force(period)?))
}

/// The national bookkeeping rates of individual accounts (记账利率, R-LATE-2).
#[utoipa::path(
    tag = "policy",
    operation_id = "list_interest_rates",
    responses((status = 200, body = Vec<InterestRate>)),
)]
#[get("/interest-rates")]
pub async fn list_interest_rates(
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<InterestRate>>, ApiError> {
    let table = run_db(&state, |conn| Ok(policy_db::load_interest_table(conn)?)).await?;
    Ok(web::Json(table.rates().to_vec()))
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
    query: web::Query<WorkingDaysQuery>,
) -> Result<web::Json<WorkingDayResult>, ApiError> {
    let from = qibao_core::dates::parse_date(query.from.trim())
        .ok_or_else(|| ApiError::invalid_field("from", qibao_core::dates::DATE_FORMAT_HINT))?;
    let days = query.days;
    if !(1..=60).contains(&days) {
        return Err(ApiError::invalid_field("days", "工作日天数应在1至60之间"));
    }
    let calendar = run_db(&state, |conn| Ok(policy_db::load_calendar(conn)?)).await?;
    let result = calendar
        .add_working_days(from, days)
        .map_err(|e| ApiError::invalid_field("from", e.to_string()))?;
    Ok(web::Json(result))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regions)
        .service(get_region_policy)
        .service(get_region_parameters)
        .service(list_interest_rates)
        .service(get_working_days);
}
