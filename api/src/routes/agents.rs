//! The unit's authorised agents (经办人, 登录授权信息采集表; R-AUTH-2,
//! R-AUTH-4, FAQ 31). Any of the unit's callers may list them; only the
//! legal representative adds, changes or removes them. Removing an agent
//! ends that person's sessions for this unit at once.
//!
//! HTTP only: the use cases are in [`qibao_app::units::agents`].

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use qibao_app::ids::AgentId;
use qibao_app::units::agents::{self, AgentDetails, AgentDto};
use qibao_core::ids::{Phone, ResidentId};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{AsActor, LegalRepUser, Role, UnitUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::paging::{self, PageQuery, whole_list};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::units::{optional_text, parse_field, required_text};
use crate::state::AppState;

/// Adds an agent (登录授权信息采集表).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentCreate {
    /// Resident ID number (AAC002); a 15-digit one is converted, `x` is upper-cased.
    #[schema(example = "11010519491231002X")]
    pub id_number: Option<String>,
    #[schema(example = "张三")]
    pub name: Option<String>,
    #[schema(example = "人力资源部")]
    pub department: Option<String>,
    /// Mobile number or landline.
    #[schema(example = "13972012345")]
    pub phone: Option<String>,
}

/// Changes an agent's name, department and phone (the ID number identifies
/// the person and is not changed: remove and add instead).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentUpdate {
    #[schema(example = "张三")]
    pub name: Option<String>,
    /// Absent or null clears it.
    #[schema(example = "财务部")]
    pub department: Option<String>,
    #[schema(example = "13972012345")]
    pub phone: Option<String>,
}

/// 经办人查询 — the unit's agents
///
/// Lists the unit's active agents.
#[utoipa::path(
    tag = "access",
    operation_id = "list_agents",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AgentList),
        (status = 400, description = "Bad `page` or `page_size`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/agents")]
pub async fn list_agents(
    user: UnitUser,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<web::Json<AgentList>, ApiError> {
    let page = query.check(&paging::LIST)?;
    let unit_id = user.unit_id;
    let list = run_db(&state, move |conn| Ok(agents::list(conn, unit_id)?)).await?;
    Ok(web::Json(AgentList::cut(list, page)))
}

whole_list! {
    /// A page of the unit's active agents.
    AgentList of AgentDto
}

/// 经办人授权 — authorise an agent
///
/// Authorises a person as the unit's agent (legal representative only,
/// R-AUTH-4). The person may then sign in for this unit by scanning the QR
/// code with the e-social-card app (R-AUTH-2).
#[utoipa::path(
    tag = "access",
    operation_id = "create_agent",
    security(("bearer" = [])),
    request_body = AgentCreate,
    responses(
        (status = 201, body = AgentDto),
        (status = 400, description = "Malformed body or fields, e.g. a bad ID number (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "The token's unit does not exist (`UNIT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Already an active agent of the unit (`AGENT_EXISTS`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/agents")]
pub async fn create_agent(
    user: LegalRepUser,
    state: web::Data<AppState>,
    body: Json<AgentCreate>,
) -> Result<HttpResponse, ApiError> {
    let today = state.clock.today();
    let mut errors = Vec::new();
    let id = parse_field(
        body.id_number.as_deref(),
        "id_number",
        |s| ResidentId::parse(s, today),
        &mut errors,
    );
    let name = required_text(body.name.as_deref(), "name", 50, &mut errors);
    let department = optional_text(body.department.as_deref(), "department", 100, &mut errors);
    let phone = parse_field(body.phone.as_deref(), "phone", Phone::parse, &mut errors);
    let (Some(id), Some(phone), true) = (id, phone, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let details = AgentDetails {
        name,
        department,
        phone,
    };
    let now = state.clock.now_utc();
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let agent = run_db(&state, move |conn| {
        Ok(agents::add(conn, &who, unit_id, &id, details, now)?)
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(agent))
}

/// 经办人信息变更 — change an agent
///
/// Changes an agent's name, department and phone (legal representative only).
/// A request that changes nothing records nothing.
#[utoipa::path(
    tag = "access",
    operation_id = "update_agent",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The agent's id (of this unit).")),
    request_body = AgentUpdate,
    responses(
        (status = 200, body = AgentDto),
        (status = 400, description = "Malformed id, body or fields (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No active agent with this id in the unit (`AGENT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB (`PAYLOAD_TOO_LARGE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON (`UNSUPPORTED_MEDIA_TYPE`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[put("/agents/{id}")]
pub async fn update_agent(
    user: LegalRepUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: Json<AgentUpdate>,
) -> Result<web::Json<AgentDto>, ApiError> {
    let mut errors = Vec::new();
    let name = required_text(body.name.as_deref(), "name", 50, &mut errors);
    let department = optional_text(body.department.as_deref(), "department", 100, &mut errors);
    let phone = parse_field(body.phone.as_deref(), "phone", Phone::parse, &mut errors);
    let (Some(phone), true) = (phone, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let details = AgentDetails {
        name,
        department,
        phone,
    };
    let agent_id = AgentId(path.into_inner());
    let now = state.clock.now_utc();
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    let agent = run_db(&state, move |conn| {
        Ok(agents::change(conn, &who, unit_id, agent_id, details, now)?)
    })
    .await?;
    Ok(web::Json(agent))
}

/// 经办人取消授权 — remove an agent
///
/// Removes an agent (legal representative only): the authorisation ends and
/// the person's live sessions for this unit are revoked at once.
#[utoipa::path(
    tag = "access",
    operation_id = "delete_agent",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The agent's id (of this unit).")),
    responses(
        (status = 204, description = "Removed; the agent's sessions for this unit are revoked."),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No active agent with this id in the unit (`AGENT_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[delete("/agents/{id}")]
pub async fn delete_agent(
    user: LegalRepUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let agent_id = AgentId(path.into_inner());
    let now = state.clock.now_utc();
    let who = user.principal.as_actor();
    let unit_id = user.unit_id;
    run_db(&state, move |conn| {
        Ok(agents::remove(
            conn,
            &who,
            unit_id,
            agent_id,
            Role::Agent.as_str(),
            now,
        )?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_agents)
        .service(create_agent)
        .service(update_agent)
        .service(delete_agent);
}
