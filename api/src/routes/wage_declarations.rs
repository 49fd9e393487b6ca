//! 缴费工资申报: the unit's yearly wage-base declaration (R-WAGE-1…4).
//! Per employee the previous year's total wages and months paid, or the
//! first month's wage, or an average monthly wage → declared wage rounded to
//! 10 yuan → base clamped to the year's floor and ceiling. Corrections inside
//! the window replace the current version; every version is kept.
//!
//! HTTP only: the use cases are in [`qibao_app::wage_declarations`].

use std::collections::BTreeSet;

use actix_web::{HttpResponse, get, put, web};
use qibao_app::error::ErrorCode;
use qibao_app::wage_declarations::{self as wages, WageDeclarationDto, WagePersonInput};
use qibao_core::SiYear;
use qibao_core::contribution::WageBasis;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::UnitUser;
use crate::http::blocking::run_db;
use crate::http::extract::Json;
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::employees::wage_field;
use crate::state::AppState;

/// One employee's declared wage. Give exactly one of: the previous year's
/// total wages with the months paid, the first month's wage (new hires), or
/// an average monthly wage.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WagePersonRequest {
    /// Person number (个人编号, AAC001), 11 digits.
    #[schema(example = "10003726000")]
    pub person_no: Option<String>,
    /// The previous calendar year's total wages (上年工资总额), yuan as a string.
    #[schema(value_type = Option<String>, example = "62815.20")]
    pub previous_year_total_wages: Option<Value>,
    /// Months actually paid in the previous year (实发月数), 1–12.
    #[schema(value_type = Option<i64>, example = 12)]
    pub months_paid: Option<Value>,
    /// A new hire's first month's wage (首月工资).
    #[schema(value_type = Option<String>, example = "5234.56")]
    pub first_month_wage: Option<Value>,
    /// An average monthly wage computed by the unit (月平均工资).
    #[schema(value_type = Option<String>, example = "5234.56")]
    pub monthly_wage: Option<Value>,
}

/// 缴费工资申报 with the commitment statement (申报承诺书, R-WAGE-4).
#[derive(Debug, Deserialize, ToSchema)]
pub struct WageDeclarationRequest {
    /// Must be true: the unit confirms the commitment statement (申报承诺书).
    pub commitment_confirmed: Option<bool>,
    pub persons: Option<Vec<WagePersonRequest>>,
}

fn parse_si_year(s: &str) -> Result<SiYear, ApiError> {
    match s.parse::<i32>() {
        Ok(y) if (1990..=2999).contains(&y) => Ok(SiYear(y)),
        _ => Err(ApiError::invalid_field(
            "si_year",
            "社保年度应为四位年份，如 2022（2022年7月至2023年6月）",
        )),
    }
}

fn months_field(v: &Option<Value>, field: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    match v {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(field, "缺少必填字段。"));
            None
        }
        Some(Value::Number(n)) => match n.as_i64() {
            Some(m) if (1..=12).contains(&m) => Some(m),
            _ => {
                errors.push(FieldError::new(field, "实发月数应为1至12的整数"));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::new(field, "实发月数应为1至12的整数"));
            None
        }
    }
}

fn parse_request(req: &WageDeclarationRequest) -> Result<Vec<WagePersonInput>, ApiError> {
    let mut errors = Vec::new();
    let Some(persons) = req.persons.as_ref() else {
        return Err(ApiError::invalid_field("persons", "缺少必填字段。"));
    };
    if persons.is_empty() {
        return Err(ApiError::invalid_field("persons", "至少申报一名职工"));
    }
    let mut out = Vec::with_capacity(persons.len());
    let mut seen = BTreeSet::new();
    for (i, p) in persons.iter().enumerate() {
        let f = |name: &str| format!("persons[{i}].{name}");
        let person_no = match p.person_no.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new(f("person_no"), "缺少必填字段。"));
                None
            }
            Some(s) => match qibao_core::ids::PersonNo::parse(s) {
                Ok(_) if !seen.insert(s.to_string()) => {
                    errors.push(FieldError::new(f("person_no"), "同一人员不能重复申报"));
                    None
                }
                Ok(_) => Some(s.to_string()),
                Err(e) => {
                    errors.push(FieldError::new(f("person_no"), e.to_string()));
                    None
                }
            },
        };
        let given = [
            p.previous_year_total_wages
                .as_ref()
                .is_some_and(|v| !v.is_null()),
            p.first_month_wage.as_ref().is_some_and(|v| !v.is_null()),
            p.monthly_wage.as_ref().is_some_and(|v| !v.is_null()),
        ];
        let basis = match given {
            [true, false, false] => {
                let total = wage_field(
                    &p.previous_year_total_wages,
                    &f("previous_year_total_wages"),
                    true,
                    &mut errors,
                );
                let months = months_field(&p.months_paid, &f("months_paid"), &mut errors);
                match (total, months) {
                    (Some(total_wages), Some(months_paid)) => Some(WageBasis::PreviousYear {
                        total_wages,
                        months_paid,
                    }),
                    _ => None,
                }
            }
            [false, true, false] => wage_field(
                &p.first_month_wage,
                &f("first_month_wage"),
                true,
                &mut errors,
            )
            .map(|wage| WageBasis::FirstMonth { wage }),
            [false, false, true] => {
                wage_field(&p.monthly_wage, &f("monthly_wage"), true, &mut errors)
                    .map(|wage| WageBasis::Monthly { wage })
            }
            _ => {
                errors.push(FieldError::new(
                    format!("persons[{i}]"),
                    "请填写且只填写一种工资：上年工资总额和实发月数、首月工资或月平均工资",
                ));
                None
            }
        };
        if let (Some(person_no), Some(basis)) = (person_no, basis) {
            out.push(WagePersonInput { person_no, basis });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(out)
}

/// Declares (or corrects, inside the window) the unit's wage bases for a
/// social-insurance year (缴费工资申报, R-WAGE-1…4).
#[utoipa::path(
    tag = "portal",
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
    let persons = parse_request(&body)?;
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

/// The unit's current wage-base declaration for a year, with its history.
#[utoipa::path(
    tag = "portal",
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
