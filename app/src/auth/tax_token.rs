//! A client's credentials → a session (channel `api`), without a refresh
//! token: the client exchanges its credentials again. The tax bureau's
//! clients get role `tax`, the inter-province transfer platform's role
//! `platform`; a client signs in only as its own role. Failed credentials
//! are throttled like a password sign-in ([`super::throttle`]).

use qibao_db::accounts::{CLIENT_PLATFORM, CLIENT_TAX};

use qibao_db::DbConn;
use qibao_db::accounts;
use time::PrimitiveDateTime;

use super::password::{constant_time_eq, sha256_hex};
use super::throttle::{self, Audience, Keys};
use super::{Grant, Issue, Role, SessionSpec, start_session};
use crate::actor::Channel;
use crate::error::{AppError, ErrorCode};
use crate::tx::transaction;

/// Checks the client's credentials (from client address `address`) for
/// `role` ([`Role::Tax`] or [`Role::Platform`]) and opens its session.
pub fn run(
    conn: &mut DbConn,
    role: Role,
    client_id: &str,
    client_secret: &str,
    address: &str,
    now: PrimitiveDateTime,
) -> Result<Grant, AppError> {
    let client_id = client_id.trim();
    let keys = Keys::new(Audience::TaxClient, client_id, address);
    throttle::check(conn, &keys, now)?;
    let presented = sha256_hex(client_secret);
    let found = accounts::find_tax_client(conn, client_id)?.filter(|c| {
        let wanted = match role {
            Role::Platform => CLIENT_PLATFORM,
            _ => CLIENT_TAX,
        };
        c.active && c.role == wanted && constant_time_eq(&presented, &c.secret_hash)
    });
    let Some(client) = found else {
        let failed = AppError::new(ErrorCode::ClientAuthFailed);
        return Err(throttle::fail(conn, &keys, None, now, failed));
    };
    transaction(conn, |c| {
        throttle::succeed(c, &keys)?;
        let spec = SessionSpec {
            role,
            subject: &client.client_id,
            name: &client.name,
            unit_id: None,
            staff_roles: &[],
            channel: Channel::Api,
        };
        start_session(c, &spec, Issue::default(), now)
    })
}
