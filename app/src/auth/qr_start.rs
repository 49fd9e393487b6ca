//! Starting an e-social-card QR sign-in (电子社保卡扫码登录, R-AUTH-2): a
//! one-time ticket valid for two minutes. Only the ticket's SHA-256 is
//! stored; old tickets are cleared on the way.

use qibao_db::DbConn;
use qibao_db::accounts::{self, QR_PENDING, QrSession};
use time::{Duration, PrimitiveDateTime};

use super::new_secret;
use super::password::sha256_hex;
use crate::error::{AppError, ErrorCode};
use crate::tx::transaction;

/// How long a QR ticket waits for the holder to confirm it.
pub const QR_TTL: Duration = Duration::minutes(2);
/// After confirmation, how long the portal has to take the session.
pub const QR_PICK_TTL: Duration = Duration::minutes(2);
/// Expired tickets are deleted this long after expiry.
const QR_KEEP: Duration = Duration::days(1);

/// A new ticket and when it expires unless confirmed.
#[derive(Debug, Clone)]
pub struct Started {
    pub ticket: String,
    pub expires_at: PrimitiveDateTime,
}

/// Issues a new ticket.
pub fn run(conn: &mut DbConn, now: PrimitiveDateTime) -> Result<Started, AppError> {
    let ticket = new_secret();
    let row = QrSession {
        id: sha256_hex(&ticket),
        status: QR_PENDING.to_owned(),
        created_at: now,
        expires_at: now + QR_TTL,
        holder_id_number: None,
        holder_name: None,
        confirmation_id: None,
        confirmed_at: None,
        consumed_at: None,
    };
    let expires_at = row.expires_at;
    transaction(conn, |c| {
        accounts::delete_expired_qr_sessions(c, now - QR_KEEP)?;
        accounts::insert_qr_session(c, &row)?;
        Ok::<_, AppError>(())
    })?;
    Ok(Started { ticket, expires_at })
}

/// 410 `QR_TICKET_UNKNOWN`.
pub fn ticket_unknown() -> AppError {
    AppError::new(ErrorCode::QrTicketUnknown)
}

/// 410 `QR_TICKET_EXPIRED`.
pub fn ticket_expired() -> AppError {
    AppError::new(ErrorCode::QrTicketExpired)
}
