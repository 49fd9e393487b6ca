//! The unit's authorised agents (经办人, 登录授权信息采集表; R-AUTH-2,
//! R-AUTH-4, FAQ 31). Any of the unit's callers may list them; only the
//! legal representative adds, changes or removes them. Removing an agent
//! ends that person's sessions for this unit at once.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use qibao_core::business_item::BusinessItemKind;
use qibao_core::ids::{Phone, ResidentId};
use qibao_core::unit::mask_id_number;
use qibao_db::DbError;
use qibao_db::units::{self as unit_db, Agent, NewAgent};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::{LegalRepUser, Role, UnitUser};
use crate::blocking::run_db;
use crate::items::{self, ItemRecord};
use crate::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::routes::units::{
    DONE, iso_utc, optional_text, parse_field, required_text, unit_not_found,
};
use crate::state::AppState;

pub const KIND_AGENT_ADDED: BusinessItemKind = BusinessItemKind::AgentAdded;
pub const KIND_AGENT_CHANGED: BusinessItemKind = BusinessItemKind::AgentChanged;
pub const KIND_AGENT_REMOVED: BusinessItemKind = BusinessItemKind::AgentRemoved;

/// An authorised agent; the ID number is masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentDto {
    pub id: i64,
    #[schema(example = "张三")]
    pub name: String,
    /// Resident ID number (AAC002) with its middle masked.
    #[schema(example = "420500********0016")]
    pub id_number_masked: String,
    #[schema(example = "人力资源部")]
    pub department: Option<String>,
    #[schema(example = "13972012345")]
    pub phone: String,
    /// `active` or `removed`.
    #[schema(example = "active")]
    pub status: String,
    /// ISO 8601, UTC.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: String,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: String,
}

impl AgentDto {
    pub fn from_row(a: &Agent) -> AgentDto {
        AgentDto {
            id: a.id,
            name: a.name.clone(),
            id_number_masked: mask_id_number(&a.id_number),
            department: a.department.clone(),
            phone: a.phone.clone(),
            status: a.status.clone(),
            created_at: iso_utc(a.created_at),
            updated_at: iso_utc(a.updated_at),
        }
    }
}

/// What a business item keeps of an agent (the ID number masked).
fn snapshot(a: &Agent) -> serde_json::Value {
    json!({
        "agent_id": a.id,
        "name": a.name,
        "id_number_masked": mask_id_number(&a.id_number),
        "department": a.department,
        "phone": a.phone,
        "status": a.status,
    })
}

fn agent_not_found() -> ApiError {
    ApiError::not_found("AGENT_NOT_FOUND", "经办人不存在或已被删除。")
}

fn agent_exists() -> ApiError {
    ApiError::conflict(
        "AGENT_EXISTS",
        "该人员已是本单位的经办人，无需重复添加；如需修改其信息，请使用变更功能。",
    )
}

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

/// Lists the unit's active agents.
#[utoipa::path(
    tag = "portal",
    operation_id = "list_agents",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<AgentDto>),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Database busy (`SERVICE_UNAVAILABLE`); retry.", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/agents")]
pub async fn list_agents(
    user: UnitUser,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<AgentDto>>, ApiError> {
    let unit_id = user.unit_id;
    let rows = run_db(&state, move |conn| {
        Ok(unit_db::list_active_agents(conn, unit_id)?)
    })
    .await?;
    Ok(web::Json(rows.iter().map(AgentDto::from_row).collect()))
}

/// Authorises a person as the unit's agent (legal representative only,
/// R-AUTH-4). The person may then sign in for this unit by scanning the QR
/// code with the e-social-card app (R-AUTH-2).
#[utoipa::path(
    tag = "portal",
    operation_id = "create_agent",
    security(("bearer" = [])),
    request_body = AgentCreate,
    responses(
        (status = 201, body = AgentDto),
        (status = 400, description = "Malformed body or fields, e.g. a bad ID number (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative (`LEGAL_REP_ONLY`).", body = ProblemDoc, content_type = "application/problem+json"),
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
    body: web::Json<AgentCreate>,
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
    let now = state.clock.now_utc();
    let LegalRepUser { principal, unit_id } = user;
    let agent = run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |conn| {
            if let Err(DbError::NotFound) = unit_db::get_unit(conn, unit_id) {
                return Err(unit_not_found());
            }
            let id_number = id.id.as_str();
            if unit_db::find_active_agent_by_id_number(conn, unit_id, id_number)?.is_some() {
                return Err(agent_exists());
            }
            let agent = unit_db::insert_agent(
                conn,
                &NewAgent {
                    unit_id,
                    id_number: id_number.to_owned(),
                    name,
                    department,
                    phone: phone.as_str().to_owned(),
                    status: unit_db::ACTIVE.to_owned(),
                    created_at: now,
                    updated_at: now,
                },
            )
            .map_err(|e| match e {
                DbError::Conflict { constraint }
                    if constraint == "agents_unit_id_id_number_key" =>
                {
                    agent_exists()
                }
                other => other.into(),
            })?;
            let mut after = snapshot(&agent);
            if let Some(from) = &id.converted_from {
                after["id_number_converted_from_15_digits"] = json!(mask_id_number(from));
            }
            items::record(
                conn,
                &principal,
                ItemRecord {
                    unit_id: Some(unit_id),
                    kind: KIND_AGENT_ADDED,
                    status: DONE,
                    before: None,
                    after: Some(after),
                },
                now,
            )?;
            Ok(agent)
        })
    })
    .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(AgentDto::from_row(&agent)))
}

/// Changes an agent's name, department and phone (legal representative only).
/// A request that changes nothing records nothing.
#[utoipa::path(
    tag = "portal",
    operation_id = "update_agent",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The agent's id (of this unit).")),
    request_body = AgentUpdate,
    responses(
        (status = 200, body = AgentDto),
        (status = 400, description = "Malformed id, body or fields (`MALFORMED_JSON`, `VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative (`LEGAL_REP_ONLY`).", body = ProblemDoc, content_type = "application/problem+json"),
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
    body: web::Json<AgentUpdate>,
) -> Result<web::Json<AgentDto>, ApiError> {
    let mut errors = Vec::new();
    let name = required_text(body.name.as_deref(), "name", 50, &mut errors);
    let department = optional_text(body.department.as_deref(), "department", 100, &mut errors);
    let phone = parse_field(body.phone.as_deref(), "phone", Phone::parse, &mut errors);
    let (Some(phone), true) = (phone, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let agent_id = path.into_inner();
    let now = state.clock.now_utc();
    let LegalRepUser { principal, unit_id } = user;
    let agent = run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |conn| {
            let current =
                unit_db::find_active_agent(conn, unit_id, agent_id)?.ok_or_else(agent_not_found)?;
            if current.name == name
                && current.department == department
                && current.phone == phone.as_str()
            {
                return Ok(current);
            }
            let updated = unit_db::update_agent(
                conn,
                agent_id,
                &name,
                department.as_deref(),
                phone.as_str(),
                now,
            )?;
            items::record(
                conn,
                &principal,
                ItemRecord {
                    unit_id: Some(unit_id),
                    kind: KIND_AGENT_CHANGED,
                    status: DONE,
                    before: Some(snapshot(&current)),
                    after: Some(snapshot(&updated)),
                },
                now,
            )?;
            Ok(updated)
        })
    })
    .await?;
    Ok(web::Json(AgentDto::from_row(&agent)))
}

/// Removes an agent (legal representative only): the authorisation ends and
/// the person's live sessions for this unit are revoked at once.
#[utoipa::path(
    tag = "portal",
    operation_id = "delete_agent",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The agent's id (of this unit).")),
    responses(
        (status = 204, description = "Removed; the agent's sessions for this unit are revoked."),
        (status = 400, description = "Malformed id (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "No, invalid or expired token, or an ended session (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the unit's legal representative (`LEGAL_REP_ONLY`).", body = ProblemDoc, content_type = "application/problem+json"),
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
    let agent_id = path.into_inner();
    let now = state.clock.now_utc();
    let LegalRepUser { principal, unit_id } = user;
    run_db(&state, move |conn| {
        qibao_db::conn::transaction(conn, |conn| {
            let current =
                unit_db::find_active_agent(conn, unit_id, agent_id)?.ok_or_else(agent_not_found)?;
            let removed = unit_db::remove_agent(conn, agent_id, now)?;
            let revoked = qibao_db::auth::revoke_sessions_of(
                conn,
                Role::Agent.as_str(),
                &current.id_number,
                Some(unit_id),
                now,
            )?;
            let mut after = snapshot(&removed);
            after["sessions_revoked"] = json!(revoked);
            items::record(
                conn,
                &principal,
                ItemRecord {
                    unit_id: Some(unit_id),
                    kind: KIND_AGENT_REMOVED,
                    status: DONE,
                    before: Some(snapshot(&current)),
                    after: Some(after),
                },
                now,
            )?;
            Ok(())
        })
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
