//! 缴费工资申报: the unit's yearly wage-base declaration (R-WAGE-1…4).
//! Per employee the previous year's total wages and months paid, or the
//! first month's wage, or an average monthly wage → declared wage rounded to
//! 10 yuan → base clamped to the year's floor and ceiling. Corrections inside
//! the window replace the current version; every version is kept.
//!
//! HTTP only: the use cases are in [`qibao_app::wage_declarations`].

use actix_web::{HttpResponse, get, put, web};
use qibao_app::error::ErrorCode;
use qibao_app::wage_declarations::{self as wages, WageDeclarationDto, WageDeclarationRequest};
use qibao_core::SiYear;

use crate::auth::UnitUser;
use crate::http::blocking::run_db;
use crate::http::extract::Json;
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

fn parse_si_year(s: &str) -> Result<SiYear, ApiError> {
    match s.parse::<i32>() {
        Ok(y) if (1990..=2999).contains(&y) => Ok(SiYear(y)),
        _ => Err(ApiError::invalid_field(
            "si_year",
            "社保年度应为四位年份，如 2022（2022年7月至2023年6月）",
        )),
    }
}

/// 缴费工资申报 — declare a year's wage bases
///
/// Declares (or corrects, inside the window) the unit's wage bases for a
/// social-insurance year (缴费工资申报, R-WAGE-1…4).
#[utoipa::path(
    tag = "declarations",
    operation_id = "update_wage_declaration",
    params(("si_year" = i32, Path, description = "Social-insurance year (社保年度), e.g. 2022 = 2022-07 to 2023-06.")),
    request_body = WageDeclarationRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Declared; the current version with each person's declared wage, base and adjustment.", body = WageDeclarationDto),
        (status = 400, description = "Malformed body or fields (`VALIDATION_FAILED`, `MALFORMED_JSON`): bad year, person number, wage or months, none or several wage kinds, duplicate person.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent declaration of the same year (`CONCURRENT_CHANGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Commitment statement not confirmed (`COMMITMENT_NOT_CONFIRMED`), outside the window and not a late first declaration (`WAGE_WINDOW_CLOSED`), a person not an active employee of the unit (`PERSON_NOT_ACTIVE`), no parameters for the year (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[put("/wage-declarations/{si_year}")]
pub async fn update_wage_declaration(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
    body: Json<WageDeclarationRequest>,
) -> Result<HttpResponse, ApiError> {
    let si_year = parse_si_year(&path)?;
    let persons = wages::parse_persons(&body).map_err(ApiError::validation)?;
    if body.commitment_confirmed != Some(true) {
        return Err(ApiError::new(ErrorCode::CommitmentNotConfirmed));
    }
    let today = state.clock.today();
    let now = state.clock.now_utc();
    let dto = run_db(&state, move |conn| {
        Ok(wages::declare_year(
            conn,
            &user.principal,
            user.unit_id,
            si_year,
            &persons,
            today,
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// 缴费工资申报查询 — a year's wage declaration
///
/// The unit's current wage-base declaration for a year, with its history.
#[utoipa::path(
    tag = "declarations",
    operation_id = "get_wage_declaration",
    params(("si_year" = i32, Path, description = "Social-insurance year (社保年度).")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = WageDeclarationDto),
        (status = 400, description = "Bad year (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No or invalid token.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a caller of a unit (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Not declared (`WAGE_DECLARATION_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "No parameters for the year (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/wage-declarations/{si_year}")]
pub async fn get_wage_declaration(
    state: web::Data<AppState>,
    user: UnitUser,
    path: web::Path<String>,
) -> Result<web::Json<WageDeclarationDto>, ApiError> {
    let si_year = parse_si_year(&path)?;
    let unit_id = user.unit_id;
    let dto = run_db(&state, move |conn| Ok(wages::get(conn, unit_id, si_year)?)).await?;
    Ok(web::Json(dto))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(update_wage_declaration)
        .service(get_wage_declaration);
}
