//! Per-unit deferral (缓缴, R-BACK-5 as amended): the unit confirms the
//! months it defers (2022年定向阶段缓缴期确认; its legal representative or
//! an agent, in the online hall), staff record a unit's confirmation at the
//! counter, the confirmations are listed, and the deferral list
//! (缓缴单位职工社会保险补缴) shows what is owed in the confirmed months and by
//! when. The use cases are in [`qibao_app::declarations::deferrals`]; here
//! the request is parsed and the answer rendered.

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use qibao_app::declarations::deferrals::{
    self as use_case, DeferralConfirmationList, DeferralConfirmationResult, DeferralList,
};
use qibao_app::error::ErrorCode;
use qibao_core::Period;
use qibao_core::ids::UnitNo;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{AsActor, Role, StaffRole, StaffUser, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::LateJson;
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::staff_units::require_any_role;
use crate::state::AppState;

/// The most months one confirmation may name.
pub const MAX_PERIODS: usize = 24;

/// The months a unit confirms it defers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeferralConfirmationInput {
    /// Required. 1–24 distinct months (YYYYMM), each inside a deferral
    /// scheme of the unit's region (e.g. 202204–202212) whose repay-by date
    /// has not passed. Each covers the insurances the scheme defers
    /// (pension, unemployment, work injury).
    #[schema(example = json!(["202208", "202209"]))]
    pub periods: Option<Vec<String>>,
}

/// Parses the months: present, 1–[`MAX_PERIODS`], each a month, no month twice.
fn parse_periods(body: &DeferralConfirmationInput) -> Result<Vec<Period>, ApiError> {
    let Some(raw) = body.periods.as_deref() else {
        return Err(ApiError::validation(vec![FieldError::new(
            "periods",
            "缺少必填字段：请填写确认缓缴的月份（YYYYMM）。",
        )]));
    };
    if raw.is_empty() || raw.len() > MAX_PERIODS {
        return Err(ApiError::validation(vec![FieldError::new(
            "periods",
            format!("确认缓缴的月份应为1至{MAX_PERIODS}个。"),
        )]));
    }
    let mut errors = Vec::new();
    let mut seen: BTreeMap<Period, usize> = BTreeMap::new();
    let mut periods = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        match Period::parse(s.trim()) {
            Ok(p) => {
                if let Some(first) = seen.insert(p, i) {
                    errors.push(FieldError::new(
                        format!("periods[{i}]"),
                        format!("月份{p}与periods[{first}]重复。"),
                    ));
                }
                periods.push(p);
            }
            Err(e) => errors.push(FieldError::new(format!("periods[{i}]"), e.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(periods)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// 201 with `Location` when months were confirmed, 200 when every month
/// was confirmed already (nothing written).
fn answer(result: DeferralConfirmationResult, location: &str) -> HttpResponse {
    if result.created() {
        HttpResponse::build(StatusCode::CREATED)
            .insert_header((header::LOCATION, location.to_owned()))
            .json(result)
    } else {
        HttpResponse::Ok().json(result)
    }
}

const PORTAL_CONFIRMATIONS: &str = "/api/v1/portal/deferrals/confirmations";

/// 缓缴期确认 — confirm deferral months
///
/// The unit confirms the months it defers (2022年定向阶段缓缴期确认,
/// R-BACK-5): its legal representative or an agent (not an API key).
///
/// Only confirmed months of a scheme the region allows are deferred: their
/// lines bear no late fee until the scheme's repay-by date and normal fees
/// after it; every other month bears normal late fees. A month may be
/// confirmed until the repay-by date inclusive. Confirming a month again
/// is idempotent: it is listed in `already_confirmed` and nothing is
/// written (200). A confirmation is final (it can only lower late fees).
/// Each confirmation that writes is one business item (缓缴期确认) with the
/// months before and after.
#[utoipa::path(
    tag = "declarations",
    operation_id = "create_deferral_confirmation",
    security(("bearer" = [])),
    request_body = DeferralConfirmationInput,
    responses(
        (status = 201, description = "Months confirmed; `Location` names the unit's confirmations.", body = DeferralConfirmationResult),
        (status = 200, description = "Every month asked for was confirmed already; nothing written.", body = DeferralConfirmationResult),
        (status = 400, description = "Malformed body; `periods` missing, empty, over 24, a malformed or repeated month (`MALFORMED_JSON`, `VALIDATION_FAILED`); `errors` names each `periods[i]`.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative or agent, e.g. an API key (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent request changed the unit's confirmations twice meanwhile (`CONCURRENT_CHANGE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A month outside every deferral scheme of the region (`DEFERRAL_NOT_ALLOWED`) or of a scheme whose repay-by date has passed (`DEFERRAL_PAST_REPAY_BY`); `errors` names each `periods[i]`; nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/deferrals/confirmations")]
pub async fn create_deferral_confirmation(
    state: web::Data<AppState>,
    user: UnitUser,
    body: LateJson<DeferralConfirmationInput>,
) -> Result<HttpResponse, ApiError> {
    if !matches!(user.principal.role, Role::LegalRep | Role::Agent) {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .with_detail("缓缴期确认须由单位法人或经办人在网上办事大厅办理，接口凭证不能办理。"));
    }
    let periods = parse_periods(&body.into_inner()?)?;
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let result = run_db(&state, move |conn| {
        Ok(use_case::confirm(
            conn, &who, unit_id, &periods, today, now,
        )?)
    })
    .await?;
    Ok(answer(result, PORTAL_CONFIRMATIONS))
}

/// 缓缴期确认查询 — confirmed deferral months
///
/// The months the unit confirmed it defers, oldest first, with who
/// confirmed each, through which channel and when.
#[utoipa::path(
    tag = "declarations",
    operation_id = "list_deferral_confirmations",
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeferralConfirmationList),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/deferrals/confirmations")]
pub async fn list_deferral_confirmations(
    state: web::Data<AppState>,
    user: UnitUser,
) -> Result<web::Json<DeferralConfirmationList>, ApiError> {
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| {
        Ok(use_case::confirmations(conn, unit_id)?)
    })
    .await?;
    Ok(web::Json(list))
}

/// 缓缴单位职工社会保险补缴 — the deferral list
///
/// The deferral list (缓缴单位职工社会保险补缴, R-BACK-5): per deferral scheme
/// of the unit's region, the months the unit confirmed, its pending and
/// billed-unpaid lines in them with the late fee each would bear if billed
/// today, the repay-by date and the days left, so the unit knows what to
/// repay before the deadline.
#[utoipa::path(
    tag = "declarations",
    operation_id = "list_deferrals",
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeferralList),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/deferrals")]
pub async fn list_deferrals(
    state: web::Data<AppState>,
    user: UnitUser,
) -> Result<web::Json<DeferralList>, ApiError> {
    let today = state.clock.today();
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| {
        Ok(use_case::deferrals(conn, unit_id, today)?)
    })
    .await?;
    Ok(web::Json(list))
}

fn parse_unit_no(raw: &str) -> Result<UnitNo, ApiError> {
    UnitNo::parse(raw).map_err(|e| ApiError::invalid_field("unit_no", e.to_string()))
}

/// 缓缴期确认（柜台） — record a unit's deferral confirmation
///
/// Staff record a unit's confirmation of the months it defers at the
/// counter (acceptor or handler; channel `counter`), e.g. from the unit's
/// signed paper form. The same rules and answers as the unit's own
/// confirmation; the business item shows in the unit's records with
/// channel `counter`.
#[utoipa::path(
    tag = "staff-units",
    operation_id = "create_unit_deferral_confirmation",
    security(("bearer" = [])),
    params(("unit_no" = String, Path, description = "Unit number (单位编号, AAB001), 9 digits.")),
    request_body = DeferralConfirmationInput,
    responses(
        (status = 201, description = "Months confirmed; `Location` names the unit's confirmations.", body = DeferralConfirmationResult),
        (status = 200, description = "Every month asked for was confirmed already; nothing written.", body = DeferralConfirmationResult),
        (status = 400, description = "Malformed unit number or body; `periods` missing, empty, over 24, a malformed or repeated month (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff, or staff without the acceptor or handler role (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such unit (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent request changed the unit's confirmations twice meanwhile (`CONCURRENT_CHANGE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A month outside every deferral scheme of the unit's region (`DEFERRAL_NOT_ALLOWED`) or of a scheme whose repay-by date has passed (`DEFERRAL_PAST_REPAY_BY`); nothing is written.", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/units/{unit_no}/deferrals/confirmations")]
pub async fn create_unit_deferral_confirmation(
    user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: LateJson<DeferralConfirmationInput>,
) -> Result<HttpResponse, ApiError> {
    require_any_role(
        &user,
        &[StaffRole::Acceptor, StaffRole::Handler],
        "记录单位缓缴期确认",
    )?;
    let unit_no = parse_unit_no(&path)?;
    let periods = parse_periods(&body.into_inner()?)?;
    let (today, now) = (state.clock.today(), state.clock.now_utc());
    let who = user.0.as_actor();
    let location = format!(
        "/api/v1/staff/units/{}/deferrals/confirmations",
        unit_no.as_str()
    );
    let result = run_db(&state, move |conn| {
        Ok(use_case::confirm_at_counter(
            conn, &who, &unit_no, &periods, today, now,
        )?)
    })
    .await?;
    Ok(answer(result, &location))
}

/// 缓缴期确认查询（经办） — a unit's deferral confirmations
///
/// The months a unit confirmed it defers (any staff role).
#[utoipa::path(
    tag = "staff-units",
    operation_id = "list_unit_deferral_confirmations",
    security(("bearer" = [])),
    params(("unit_no" = String, Path, description = "Unit number (单位编号, AAB001), 9 digits.")),
    responses(
        (status = 200, body = DeferralConfirmationList),
        (status = 400, description = "Malformed unit number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not staff (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such unit (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/units/{unit_no}/deferrals/confirmations")]
pub async fn list_unit_deferral_confirmations(
    _user: StaffUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<DeferralConfirmationList>, ApiError> {
    let unit_no = parse_unit_no(&path)?;
    let list = run_db(&state, move |conn| {
        Ok(use_case::confirmations_by_number(conn, &unit_no)?)
    })
    .await?;
    Ok(web::Json(list))
}

/// Under `/portal`.
pub fn configure_portal(cfg: &mut ServiceConfig) {
    cfg.service(list_deferrals)
        .service(create_deferral_confirmation)
        .service(list_deferral_confirmations);
}

/// Under `/staff`.
pub fn configure_staff(cfg: &mut ServiceConfig) {
    cfg.service(create_unit_deferral_confirmation)
        .service(list_unit_deferral_confirmations);
}
