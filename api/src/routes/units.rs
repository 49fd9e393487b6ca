//! The unit's own information in the online hall (R-UNIT-1…3): the
//! comprehensive information, its change history, general-information
//! changes, and adding or removing an insurance. The unit is always the
//! token's unit; no portal path names a unit.
//!
//! HTTP only: the use cases are in [`qibao_app::units`]. The parsing
//! helpers here are shared with the other portal and back-office routes.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use qibao_app::units::general::{self, GeneralFields, KeyValues, UnitChangeResult};
use qibao_app::units::history::{self, ChangeHistoryPage};
use qibao_app::units::info::{self, UnitInfo, UnitInsuranceDto};
use qibao_app::units::insurances;
use qibao_core::Period;
use qibao_core::ids::{Email, Phone, Postcode};
use qibao_core::insurance::Insurance;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AsActor, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::paging::{self, Page, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// Trims a required text field: missing, blank or longer than `max`
/// characters adds a field error.
pub fn required_text(
    value: Option<&str>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    match value.map(str::trim) {
        None => {
            errors.push(FieldError::new(field, "缺少必填字段。"));
            String::new()
        }
        Some("") => {
            errors.push(FieldError::new(field, "不能为空。"));
            String::new()
        }
        Some(v) if v.chars().count() > max => {
            errors.push(FieldError::new(field, format!("不能超过{max}个字。")));
            String::new()
        }
        Some(v) => v.to_owned(),
    }
}

/// Trims an optional text field; blank is `None`.
pub fn optional_text(
    value: Option<&str>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match value.map(str::trim) {
        None | Some("") => None,
        Some(v) if v.chars().count() > max => {
            errors.push(FieldError::new(field, format!("不能超过{max}个字。")));
            None
        }
        Some(v) => Some(v.to_owned()),
    }
}

/// Parses with `parse`, adding a field error on failure.
pub fn parse_field<T, E: std::fmt::Display>(
    value: Option<&str>,
    field: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match value {
        None => {
            errors.push(FieldError::new(field, "缺少必填字段。"));
            None
        }
        Some(v) => match parse(v) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(FieldError::new(field, e.to_string()));
                None
            }
        },
    }
}

/// 单位综合信息查询 — the unit's information
///
/// The unit's comprehensive information (单位综合信息查询, R-UNIT-1): basic
/// data, per-insurance registration, agents and bank accounts.
#[utoipa::path(
    tag = "unit",
    operation_id = "get_unit",
    security(("bearer" = [])),
    responses(
        (status = 200, body = UnitInfo),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The token's unit does not exist (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/unit")]
pub async fn get_unit(
    user: UnitUser,
    state: web::Data<AppState>,
) -> Result<web::Json<UnitInfo>, ApiError> {
    let today = state.clock.today();
    let unit_id = user.unit_id;
    let info = run_db(&state, move |conn| Ok(info::get(conn, unit_id, today)?)).await?;
    Ok(web::Json(info))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page number, from 1 (default 1).
    #[param(example = 1)]
    pub page: Option<i64>,
    /// Rows per page, 1–200 (default 20).
    #[param(example = 20)]
    pub page_size: Option<i64>,
}

/// 单位变更记录 — the unit's change history
///
/// The unit's change history (单位办件记录, R-UNIT-1, R-UNDO-1): every
/// business item with who, when, the channel and the before/after values,
/// newest first.
#[utoipa::path(
    tag = "unit",
    operation_id = "list_unit_change_history",
    security(("bearer" = [])),
    params(HistoryQuery),
    responses(
        (status = 200, body = ChangeHistoryPage),
        (status = 400, description = "Bad `page` or `page_size` (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/unit/change-history")]
pub async fn list_unit_change_history(
    user: UnitUser,
    state: web::Data<AppState>,
    query: Query<HistoryQuery>,
) -> Result<web::Json<ChangeHistoryPage>, ApiError> {
    let Page { page, page_size } = PageQuery {
        page: query.page,
        page_size: query.page_size,
    }
    .check(&paging::LIST)?;
    let unit_id = user.unit_id;
    let out = run_db(&state, move |conn| {
        Ok(history::list(conn, unit_id, page, page_size)?)
    })
    .await?;
    Ok(web::Json(out))
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A change of the unit's general information (单位一般信息变更, R-UNIT-2).
/// Absent fields stay as they are; `null` clears an optional contact field.
/// Key information (`name`, `uscc`, `legal_representative`) is not changed
/// here: a value that differs from the current one is refused with
/// `KEY_INFO_NEEDS_REVIEW` (use a key-information change request).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitGeneralChange {
    #[schema(example = "湖北省宜昌市西陵区东山大道200号")]
    pub address: Option<String>,
    /// 6 digits.
    #[schema(example = "443000")]
    pub postcode: Option<String>,
    /// The unit's phone: a mobile number or a landline with area code.
    #[schema(example = "0717-6449999")]
    pub phone: Option<String>,
    /// Contact person (联系人); `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_name: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub contact_phone: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// Key information: only the current value is accepted here.
    #[schema(value_type = Option<String>)]
    pub name: Option<Value>,
    /// Key information: only the current value is accepted here.
    #[schema(value_type = Option<String>)]
    pub uscc: Option<Value>,
    /// Key information (`name`, `id_type`, `id_number`, `phone`): only the
    /// current values are accepted here.
    #[schema(value_type = Option<Object>)]
    pub legal_representative: Option<Value>,
}

fn validate_general(body: &UnitGeneralChange) -> Result<GeneralFields, ApiError> {
    let mut errors = Vec::new();
    let address = body
        .address
        .as_deref()
        .map(|a| required_text(Some(a), "address", 200, &mut errors));
    let postcode = body.postcode.as_deref().and_then(|p| {
        parse_field(Some(p), "postcode", Postcode::parse, &mut errors).map(|p| p.to_string())
    });
    let phone = body.phone.as_deref().and_then(|p| {
        parse_field(Some(p), "phone", Phone::parse, &mut errors).map(|p| p.as_str().to_owned())
    });
    let contact_name = body
        .contact_name
        .as_ref()
        .map(|v| optional_text(v.as_deref(), "contact_name", 50, &mut errors));
    let clearable = |v: &Option<Option<String>>,
                     field: &str,
                     errors: &mut Vec<FieldError>,
                     parse: &dyn Fn(&str) -> Result<String, String>| {
        v.as_ref()
            .map(|inner| match inner.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => match parse(s) {
                    Ok(v) => Some(v),
                    Err(m) => {
                        errors.push(FieldError::new(field, m));
                        None
                    }
                },
            })
    };
    let contact_phone = clearable(&body.contact_phone, "contact_phone", &mut errors, &|s| {
        Phone::parse(s)
            .map(|p| p.as_str().to_owned())
            .map_err(|e| e.to_string())
    });
    let email = clearable(&body.email, "email", &mut errors, &|s| {
        Email::parse(s)
            .map(|e| e.as_str().to_owned())
            .map_err(|e| e.to_string())
    });
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(GeneralFields {
        address,
        postcode,
        phone,
        contact_name,
        contact_phone,
        email,
    })
}

/// 单位一般信息变更 — change general information
///
/// Changes the unit's general information online (单位一般信息变更,
/// R-UNIT-2): address, postcode, phone and contact. Records one business
/// item with the before/after values of the changed fields; a request that
/// changes nothing records nothing. The unit's name, USCC and legal
/// representative are key information and need a reviewed key-information
/// change request (`POST /api/v1/portal/key-change-requests`).
#[utoipa::path(
    tag = "unit",
    operation_id = "update_unit",
    security(("bearer" = [])),
    request_body = UnitGeneralChange,
    responses(
        (status = 200, body = UnitChangeResult),
        (status = 400, description = "Malformed body or fields (`MALFORMED_JSON`, `VALIDATION_FAILED`); `errors` names each field.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The token's unit does not exist (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A key field differs (`KEY_INFO_NEEDS_REVIEW`): name, USCC and legal representative change only through a reviewed key-information change request.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[patch("/unit")]
pub async fn update_unit(
    user: UnitUser,
    state: web::Data<AppState>,
    body: Json<UnitGeneralChange>,
) -> Result<web::Json<UnitChangeResult>, ApiError> {
    let body = body.into_inner();
    let fields = validate_general(&body)?;
    let key = KeyValues {
        name: body.name,
        uscc: body.uscc,
        legal_representative: body.legal_representative,
    };
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let result = run_db(&state, move |conn| {
        Ok(general::change(
            conn, &who, unit_id, fields, &key, today, now,
        )?)
    })
    .await?;
    Ok(web::Json(result))
}

/// Adding an insurance for the unit (单位增加险种登记, R-UNIT-3).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInsuranceAddition {
    /// Insurance type (险种, AAE140): 110, 210 or 410.
    #[schema(example = "210")]
    pub insurance: Option<String>,
    /// First insured month, YYYYMM: this month or next.
    #[schema(example = "202305")]
    pub start_period: Option<String>,
}

/// 单位增加险种登记 — add an insurance to the unit
///
/// Adds an insurance for the unit (单位增加险种登记, R-UNIT-3), starting this
/// month or next. An insurance the unit stopped earlier is registered again
/// from a month after its last insured month. Adding work injury (410)
/// extends the unit's floating factor back to the start month when needed.
#[utoipa::path(
    tag = "unit",
    operation_id = "create_unit_insurance",
    security(("bearer" = [])),
    request_body = UnitInsuranceAddition,
    responses(
        (status = 201, body = UnitInsuranceDto),
        (status = 400, description = "Malformed body or fields (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The token's unit does not exist (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The unit already has this insurance (`INSURANCE_ALREADY_REGISTERED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The start month is not this month or next, or not after the last insured month of an earlier stop (`START_PERIOD_NOT_ALLOWED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/unit/insurances")]
pub async fn create_unit_insurance(
    user: UnitUser,
    state: web::Data<AppState>,
    body: Json<UnitInsuranceAddition>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let insurance = parse_field(
        body.insurance.as_deref(),
        "insurance",
        Insurance::parse_collected,
        &mut errors,
    );
    let start = parse_field(
        body.start_period.as_deref(),
        "start_period",
        Period::parse,
        &mut errors,
    );
    let (Some(insurance), Some(start), true) = (insurance, start, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let dto = run_db(&state, move |conn| {
        Ok(insurances::add(
            conn, &who, unit_id, insurance, start, today, now,
        )?)
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(dto))
}

/// Stopping an insurance of the unit (单位减少险种登记).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInsuranceSuspensionRequest {
    /// The last insured month, YYYYMM: last month, this month or next, and
    /// not before the latest accounted period.
    #[schema(example = "202304")]
    pub stop_period: Option<String>,
}

/// 单位减少险种登记 — stop an insurance of the unit
///
/// Stops an insurance of the unit (单位减少险种登记, R-UNIT-3) after
/// `stop_period`, its last insured month. Refused while persons of the unit
/// are still insured in it (suspend them first) and for the unit's last
/// insurance.
#[utoipa::path(
    tag = "unit",
    operation_id = "create_unit_insurance_suspension",
    security(("bearer" = [])),
    params(
        ("code" = String, Path, description = "Insurance type (险种, AAE140): 110, 210 or 410."),
    ),
    request_body = UnitInsuranceSuspensionRequest,
    responses(
        (status = 201, description = "The insurance, now `suspended` with its stop period.", body = UnitInsuranceDto),
        (status = 400, description = "Bad insurance code or missing/malformed `stop_period` (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The unit does not have this insurance (`INSURANCE_NOT_REGISTERED`), or the token's unit does not exist (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Already stopped (`INSURANCE_ALREADY_STOPPED`); persons still insured in it (`ACTIVE_EMPLOYMENTS`); the unit's last insurance (`LAST_INSURANCE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "The stop month is outside last month … next month, before the latest accounted period or before the start (`STOP_PERIOD_NOT_ALLOWED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/unit/insurances/{code}/suspension")]
pub async fn create_unit_insurance_suspension(
    user: UnitUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<UnitInsuranceSuspensionRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let insurance = parse_field(
        Some(path.as_str()),
        "code",
        Insurance::parse_collected,
        &mut errors,
    );
    let stop = parse_field(
        body.stop_period.as_deref(),
        "stop_period",
        Period::parse,
        &mut errors,
    );
    let (Some(insurance), Some(stop), true) = (insurance, stop, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let dto = run_db(&state, move |conn| {
        Ok(insurances::remove(
            conn, &who, unit_id, insurance, stop, today, now,
        )?)
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(dto))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_unit)
        .service(update_unit)
        .service(list_unit_change_history)
        .service(create_unit_insurance)
        .service(create_unit_insurance_suspension);
}
