//! The tax bureau's client credentials → a session (role `tax`, channel
//! `api`), without a refresh token: the client exchanges its credentials
//! again.

use qibao_db::DbConn;
use qibao_db::accounts;
use time::PrimitiveDateTime;

use super::password::{constant_time_eq, sha256_hex};
use super::{Grant, Issue, Role, SessionSpec, start_session};
use crate::actor::Channel;
use crate::error::AppError;
use crate::tx::transaction;

/// Checks the client's credentials and opens its session.
pub fn run(
    conn: &mut DbConn,
    client_id: &str,
    client_secret: &str,
    now: PrimitiveDateTime,
) -> Result<Grant, AppError> {
    let presented = sha256_hex(client_secret);
    let client = accounts::find_tax_client(conn, client_id.trim())?
        .filter(|c| c.active && constant_time_eq(&presented, &c.secret_hash))
        .ok_or_else(|| AppError::unauthorized("CLIENT_AUTH_FAILED", "客户端标识或密钥错误。"))?;
    transaction(conn, |c| {
        let spec = SessionSpec {
            role: Role::Tax,
            subject: &client.client_id,
            name: &client.name,
            unit_id: None,
            staff_roles: &[],
            channel: Channel::Api,
        };
        start_session(c, &spec, Issue::default(), now)
    })
}
