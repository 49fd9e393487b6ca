//! 失业保险金申领（单位） (issue 16, part; R-UNEMP-1, 2): the unit submits
//! a former employee's unemployment benefit claim, follows it, and reads its
//! months and amounts. HTTP only: the use cases are in
//! [`qibao_app::unemployment`].

use actix_web::{HttpResponse, get, http::header, post, web};
use qibao_app::unemployment::{
    self as use_case, ClaimInput, UnemploymentClaimDto, UnemploymentClaimPage,
};
use qibao_core::unemployment::EndReason;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{AsActor, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::fields;
use crate::http::paging::{self, PageQuery};
use crate::http::problem::{ApiError, FieldError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// An unemployment benefit claim (失业保险金申领).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnemploymentClaimInput {
    /// Required. Person number (个人编号, AAC001) of a former employee whose
    /// unemployment insurance the unit has stopped.
    #[schema(example = "10003726000")]
    pub person_no: Option<String>,
    /// Required. Why the employment ended: `dismissal` (用人单位解除劳动合同),
    /// `not_renewed` (期满不续订), `unit_closed` (破产、关闭、撤销),
    /// `forced_resignation` (因用人单位过错解除); `resignation` and
    /// `other_voluntary` are refused with the reason (R-UNEMP-1).
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
        (status = 400, description = "Malformed body or fields, a registration date outside the end of employment and today (`VALIDATION_FAILED`, `MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No employee of the unit with this person number (`PERSON_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "A claim of the person is pending (`UNEMPLOYMENT_CLAIM_PENDING`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "A rule refuses it, nothing is written: not eligible (`UNEMPLOYMENT_CLAIM_REFUSED`: a voluntary end, under a year paid, employed again, not registered), still insured at the unit (`UNEMPLOYMENT_STILL_INSURED`), never insured at the unit (`PERSON_NOT_ACTIVE`), no materials (`MATERIAL_REQUIRED`), a material not the unit's (`MATERIAL_NOT_FOUND`), no parameters (`POLICY_NOT_IN_FORCE`).", body = ProblemDoc, content_type = "application/problem+json"),
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
    let end_reason = body.end_reason.as_deref().and_then(EndReason::parse);
    if end_reason.is_none() {
        errors.push(FieldError::new(
            "end_reason",
            "离职原因应为dismissal、not_renewed、unit_closed、forced_resignation、resignation或other_voluntary。",
        ));
    }
    let registered_on = fields::date(body.registered_on.as_deref(), "registered_on", &mut errors);
    let material_ids = fields::material_ids(body.material_ids.as_deref(), &mut errors);
    let (Some(person_no), Some(end_reason)) = (person_no, end_reason) else {
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
    let out = run_db(&state, move |conn| Ok(use_case::list(conn, unit_id, page)?)).await?;
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
    let out = run_db(&state, move |conn| Ok(use_case::get(conn, unit_id, id)?)).await?;
    Ok(web::Json(out))
}

/// Under `/portal`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_unemployment_claim)
        .service(list_unemployment_claims)
        .service(get_unemployment_claim);
}
