//! Payroll software exchanges its API key for a session acting for the
//! key's unit (role `payroll`, channel `api`), without a refresh token: it
//! exchanges the key again when the access token expires.

use qibao_db::DbConn;
use qibao_db::accounts;
use time::PrimitiveDateTime;

use super::api_keys;
use super::{Grant, Issue, Role, SessionSpec, TokenUnit, start_session};
use crate::actor::Channel;
use crate::error::{AppError, ErrorCode};
use crate::tx::transaction;

/// 401 `API_KEY_INVALID`: unknown, malformed or revoked, all alike.
fn invalid() -> AppError {
    AppError::new(ErrorCode::ApiKeyInvalid)
}

/// Checks the presented key (`qbk_<prefix>_<secret>`), records its use and
/// opens the session.
pub fn run(conn: &mut DbConn, presented: &str, now: PrimitiveDateTime) -> Result<Grant, AppError> {
    let presented = presented.trim();
    let prefix = api_keys::prefix_of(presented).ok_or_else(invalid)?;
    transaction(conn, |c| {
        let key = accounts::find_api_key_by_prefix(c, prefix)?
            .filter(|k| k.revoked_at.is_none() && api_keys::matches(presented, &k.key_hash))
            .ok_or_else(invalid)?;
        accounts::touch_api_key(c, key.id, now)?;
        let unit = accounts::get_unit(c, key.unit_id)?;
        let spec = SessionSpec {
            role: Role::Payroll,
            subject: &key.key_prefix,
            name: &key.name,
            unit_id: Some(key.unit_id),
            staff_roles: &[],
            channel: Channel::Api,
        };
        let issue = Issue {
            unit: Some(TokenUnit::from(&unit)),
            ..Issue::default()
        };
        start_session(c, &spec, issue, now)
    })
}
