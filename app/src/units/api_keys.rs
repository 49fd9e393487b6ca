//! Payroll API keys (R-AUTH-4: only the legal representative manages them;
//! the API checks the role): created for the unit, listed without secrets,
//! revoked (which also ends the sessions opened with the key). The key's
//! form and hashing are the API's (it hands a freshly generated key in).

use qibao_core::business_item::BusinessItemKind;
use qibao_db::DbConn;
use qibao_db::accounts::{self, ApiKey, NewApiKey};
use qibao_db::ids::{ApiKeyId, UnitId};
use serde::Serialize;
use serde_json::json;
use time::PrimitiveDateTime;

use crate::actor::Actor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode};
use crate::items::{self, DONE, ItemRecord};
use crate::tx::{read_transaction, transaction};

/// A key as listed: never its secret.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyView {
    pub id: i64,
    /// The key's public prefix (the part after `qbk_`), to recognise it.
    #[cfg_attr(feature = "openapi", schema(example = "3f9a0c1d2e4b"))]
    pub prefix: String,
    #[cfg_attr(feature = "openapi", schema(example = "薪资系统"))]
    pub name: String,
    /// ISO 8601, China time.
    pub created_at: String,
    /// Who created it (`role:subject:name`).
    pub created_by: String,
    /// When it was last exchanged for a token (ISO 8601, China time).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_used_at: Option<String>,
    /// When it was revoked (ISO 8601, China time); a revoked key no longer works.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub revoked_at: Option<String>,
}

impl From<&ApiKey> for ApiKeyView {
    fn from(k: &ApiKey) -> Self {
        ApiKeyView {
            id: k.id.0,
            prefix: k.key_prefix.clone(),
            name: k.name.clone(),
            created_at: china_timestamp(k.created_at),
            created_by: k.created_by.clone(),
            last_used_at: k.last_used_at.map(china_timestamp),
            revoked_at: k.revoked_at.map(china_timestamp),
        }
    }
}

/// A new key: the only time its secret is shown.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// The whole key (`qbk_<prefix>_<secret>`); store it safely, it cannot
    /// be shown again.
    pub key: String,
    #[serde(flatten)]
    pub view: ApiKeyView,
}

/// A page of the unit's API keys.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyPage {
    pub items: Vec<ApiKeyView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// A freshly generated key: the whole key (shown once), its public prefix
/// and the hash that is stored.
#[derive(Debug, Clone)]
pub struct FreshKey {
    pub key: String,
    pub prefix: String,
    pub hash: String,
}

/// Stores `fresh` as a key of the unit named `name`.
pub fn create(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    name: String,
    fresh: FreshKey,
    now: PrimitiveDateTime,
) -> Result<CreatedApiKey, AppError> {
    transaction(conn, |c| {
        let row = accounts::insert_api_key(
            c,
            &NewApiKey {
                unit_id,
                name,
                key_prefix: fresh.prefix,
                key_hash: fresh.hash,
                created_by: who.name.clone(),
                created_at: now,
            },
        )?;
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::ApiKeyCreated,
                status: DONE,
                before: None,
                after: Some(json!({
                    "id": row.id, "prefix": row.key_prefix, "name": row.name,
                })),
            },
            now,
        )?;
        Ok(CreatedApiKey {
            key: fresh.key,
            view: ApiKeyView::from(&row),
        })
    })
}

/// Page `page` (from 1) of the unit's keys, newest first, revoked ones
/// included.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: i64,
    page_size: i64,
) -> Result<ApiKeyPage, AppError> {
    let (rows, total) = read_transaction(conn, |c| {
        accounts::list_api_keys(c, unit_id, (page - 1).saturating_mul(page_size), page_size)
    })?;
    Ok(ApiKeyPage {
        items: rows.iter().map(ApiKeyView::from).collect(),
        total,
        page,
        page_size,
    })
}

/// Revokes one of the unit's keys and ends the sessions opened with it
/// (sessions of `session_role`, the role payroll software signs in with).
pub fn revoke(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    id: ApiKeyId,
    session_role: &str,
    now: PrimitiveDateTime,
) -> Result<ApiKeyView, AppError> {
    transaction(conn, |c| {
        let key = accounts::find_unit_api_key(c, unit_id, id)?
            .ok_or_else(|| AppError::new(ErrorCode::ApiKeyNotFound))?;
        if !accounts::revoke_api_key(c, unit_id, id, now)? {
            return Err(AppError::new(ErrorCode::ApiKeyAlreadyRevoked));
        }
        qibao_db::auth::revoke_sessions_of(c, session_role, &key.key_prefix, Some(unit_id), now)?;
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::ApiKeyRevoked,
                status: DONE,
                before: Some(json!({
                    "id": key.id, "prefix": key.key_prefix, "name": key.name, "revoked_at": null,
                })),
                after: Some(json!({
                    "id": key.id, "prefix": key.key_prefix, "name": key.name,
                    "revoked_at": china_timestamp(now),
                })),
            },
            now,
        )?;
        let revoked = ApiKey {
            revoked_at: Some(now),
            ..key
        };
        Ok(ApiKeyView::from(&revoked))
    })
}
