//! The card platform's confirmation of a ticket, after the holder scanned
//! the QR code and authenticated in the app. The API has verified the
//! platform's signature; this confirms the ticket for the holder. Only an
//! active agent of a unit or a unit's legal representative is accepted;
//! each ticket and each confirmation id is accepted once.

use qibao_db::DbConn;
use qibao_db::accounts::{self, QR_PENDING};
use serde::Serialize;
use time::PrimitiveDateTime;

use super::password::sha256_hex;
use super::qr_start::{QR_PICK_TTL, ticket_expired, ticket_unknown};
use super::qr_status::QrStatus;
use crate::error::{AppError, ErrorCode};
use crate::tx::transaction;

/// What the platform asserts (its verified claims).
#[derive(Debug, Clone, Copy)]
pub struct Confirmation<'a> {
    /// The ticket scanned from the QR code.
    pub ticket: &'a str,
    /// The holder's ID number (AAC002) and name.
    pub id_number: &'a str,
    pub name: &'a str,
    /// The platform's confirmation id (`jti`).
    pub jti: &'a str,
}

/// The confirmation was accepted.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmationAccepted {
    pub status: QrStatus,
    /// The platform's confirmation id (`jti`).
    pub confirmation_id: String,
    /// How many units the holder may sign in for.
    pub units: usize,
}

fn replayed() -> AppError {
    AppError::new(ErrorCode::Replayed)
}

/// Confirms the ticket for the holder, in one transaction.
pub fn run(
    conn: &mut DbConn,
    claims: Confirmation<'_>,
    now: PrimitiveDateTime,
) -> Result<ConfirmationAccepted, AppError> {
    let id = sha256_hex(claims.ticket);
    transaction(conn, |c| {
        let qr = accounts::find_qr_session(c, &id)?.ok_or_else(ticket_unknown)?;
        if accounts::confirmation_seen(c, claims.jti)? || qr.status != QR_PENDING {
            return Err(replayed());
        }
        if qr.expires_at <= now {
            return Err(ticket_expired());
        }
        let units = accounts::units_for_holder(c, claims.id_number, claims.name)?;
        if units.is_empty() {
            return Err(AppError::new(ErrorCode::NotAnAgent));
        }
        let confirmed = accounts::confirm_qr_session(
            c,
            &id,
            accounts::QrConfirmation {
                holder_id_number: claims.id_number,
                holder_name: claims.name,
                confirmation_id: claims.jti,
                expires_at: now + QR_PICK_TTL,
            },
            now,
        )
        .map_err(|e| match e {
            qibao_db::DbError::Conflict { .. } => replayed(),
            other => AppError::from(other),
        })?;
        if !confirmed {
            return Err(replayed());
        }
        Ok(ConfirmationAccepted {
            status: QrStatus::Confirmed,
            confirmation_id: claims.jti.to_owned(),
            units: units.len(),
        })
    })
}
