//! The unit's authorised agents (经办人, 登录授权信息采集表; R-AUTH-2,
//! R-AUTH-4, FAQ 31): listed for any of the unit's callers; added, changed
//! and removed by the legal representative (the API checks the role).
//! Removing an agent ends that person's sessions for this unit at once.

use qibao_core::business_item::BusinessItemKind;
use qibao_core::ids::{ParsedResidentId, Phone};
use qibao_core::unit::mask_id_number;
use qibao_db::ids::{AgentId, UnitId};
use qibao_db::units::{self as unit_db, Agent, NewAgent};
use qibao_db::{DbConn, DbError};
use serde::Serialize;
use serde_json::json;
use time::PrimitiveDateTime;

use super::get_unit;
use crate::actor::Actor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode};
use crate::items::{self, DONE, ItemRecord};
use crate::tx::{read_transaction, transaction};

/// An authorised agent; the ID number is masked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentDto {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "张三"))]
    pub name: String,
    /// Resident ID number (AAC002) with its middle masked.
    #[cfg_attr(feature = "openapi", schema(example = "420500********0016"))]
    pub id_number_masked: String,
    #[cfg_attr(feature = "openapi", schema(required = true, example = "人力资源部"))]
    pub department: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "13972012345"))]
    pub phone: String,
    /// `active` or `removed`.
    #[cfg_attr(feature = "openapi", schema(example = "active"))]
    pub status: String,
    /// RFC 3339, China time.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: String,
}

impl AgentDto {
    pub fn from_row(a: &Agent) -> AgentDto {
        AgentDto {
            id: a.id.0,
            name: a.name.clone(),
            id_number_masked: mask_id_number(&a.id_number),
            department: a.department.clone(),
            phone: a.phone.clone(),
            status: a.status.clone(),
            created_at: china_timestamp(a.created_at),
            updated_at: china_timestamp(a.updated_at),
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

fn agent_not_found() -> AppError {
    AppError::new(ErrorCode::AgentNotFound)
}

fn agent_exists() -> AppError {
    AppError::new(ErrorCode::AgentExists)
}

/// An agent's details as the API validated them.
#[derive(Debug, Clone)]
pub struct AgentDetails {
    pub name: String,
    pub department: Option<String>,
    pub phone: Phone,
}

/// The unit's active agents.
pub fn list(conn: &mut DbConn, unit_id: UnitId) -> Result<Vec<AgentDto>, AppError> {
    let rows = read_transaction(conn, |c| unit_db::list_active_agents(c, unit_id))?;
    Ok(rows.iter().map(AgentDto::from_row).collect())
}

/// Authorises the person with resident ID `id` as the unit's agent.
pub fn add(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    id: &ParsedResidentId,
    details: AgentDetails,
    now: PrimitiveDateTime,
) -> Result<AgentDto, AppError> {
    let agent = transaction::<_, AppError>(conn, |conn| {
        get_unit(conn, unit_id)?;
        let id_number = id.id.as_str();
        if unit_db::find_active_agent_by_id_number(conn, unit_id, id_number)?.is_some() {
            return Err(agent_exists());
        }
        let agent = unit_db::insert_agent(
            conn,
            &NewAgent {
                unit_id,
                id_number: id_number.to_owned(),
                name: details.name,
                department: details.department,
                phone: details.phone.as_str().to_owned(),
                status: unit_db::ACTIVE.to_owned(),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| match e {
            DbError::Conflict { constraint } if constraint == "agents_unit_id_id_number_key" => {
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
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::AgentAdded,
                status: DONE,
                before: None,
                after: Some(after),
            },
            now,
        )?;
        Ok(agent)
    })?;
    Ok(AgentDto::from_row(&agent))
}

/// Changes an agent's name, department and phone; a request that changes
/// nothing records nothing.
pub fn change(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    agent_id: AgentId,
    details: AgentDetails,
    now: PrimitiveDateTime,
) -> Result<AgentDto, AppError> {
    let agent = transaction::<_, AppError>(conn, |conn| {
        let current =
            unit_db::find_active_agent(conn, unit_id, agent_id)?.ok_or_else(agent_not_found)?;
        if current.name == details.name
            && current.department == details.department
            && current.phone == details.phone.as_str()
        {
            return Ok(current);
        }
        let updated = unit_db::update_agent(
            conn,
            agent_id,
            &details.name,
            details.department.as_deref(),
            details.phone.as_str(),
            now,
        )?;
        items::record(
            conn,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::AgentChanged,
                status: DONE,
                before: Some(snapshot(&current)),
                after: Some(snapshot(&updated)),
            },
            now,
        )?;
        Ok(updated)
    })?;
    Ok(AgentDto::from_row(&agent))
}

/// Removes an agent and revokes the person's live sessions for this unit
/// (sessions of `session_role`, the role agents sign in with).
pub fn remove(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    agent_id: AgentId,
    session_role: &str,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    transaction(conn, |conn| {
        let current =
            unit_db::find_active_agent(conn, unit_id, agent_id)?.ok_or_else(agent_not_found)?;
        let removed = unit_db::remove_agent(conn, agent_id, now)?;
        let revoked = qibao_db::auth::revoke_sessions_of(
            conn,
            session_role,
            &current.id_number,
            Some(unit_id),
            now,
        )?;
        let mut after = snapshot(&removed);
        after["sessions_revoked"] = json!(revoked);
        items::record(
            conn,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::AgentRemoved,
                status: DONE,
                before: Some(snapshot(&current)),
                after: Some(after),
            },
            now,
        )?;
        Ok(())
    })
}
