//! Where a QR sign-in stands; once confirmed, the units the holder may
//! sign in for. The portal polls this.

use qibao_db::DbConn;
use qibao_db::accounts::{self, HolderUnit, QR_CONFIRMED, QR_CONSUMED, QrSession};
use serde::Serialize;
use time::PrimitiveDateTime;

use super::password::sha256_hex;
use super::qr_start::{ticket_expired, ticket_unknown};
use super::{Role, china_timestamp};
use crate::error::AppError;

/// Where a QR sign-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QrStatus {
    /// Waiting for the holder to confirm in the card app.
    Pending,
    /// Confirmed: pick a unit and take the tokens.
    Confirmed,
    /// The tokens have been taken.
    Consumed,
}

/// A unit the confirmed holder may sign in for.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QrUnit {
    /// Unit number (单位编号, AAB001).
    #[cfg_attr(feature = "openapi", schema(example = "100047513"))]
    pub unit_no: String,
    pub name: String,
    /// `legal_rep` when the holder is the unit's legal representative,
    /// else `agent`.
    pub role: Role,
}

/// The state of a QR sign-in.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QrSessionView {
    pub status: QrStatus,
    /// ISO 8601, China time.
    pub expires_at: String,
    /// The units the holder may act for, once confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<Vec<QrUnit>>,
}

/// The units of a ticket's confirmed holder (none before confirmation).
pub(crate) fn holder_units(conn: &mut DbConn, qr: &QrSession) -> Result<Vec<HolderUnit>, AppError> {
    match (&qr.holder_id_number, &qr.holder_name) {
        (Some(id), Some(name)) => Ok(accounts::units_for_holder(conn, id, name)?),
        _ => Ok(Vec::new()),
    }
}

fn qr_unit(h: &HolderUnit) -> QrUnit {
    QrUnit {
        unit_no: h.unit.unit_no.clone(),
        name: h.unit.name.clone(),
        role: if h.legal_rep {
            Role::LegalRep
        } else {
            Role::Agent
        },
    }
}

/// The state of the ticket `ticket`.
pub fn get(
    conn: &mut DbConn,
    ticket: &str,
    now: PrimitiveDateTime,
) -> Result<QrSessionView, AppError> {
    let id = sha256_hex(ticket.trim());
    let qr = accounts::find_qr_session(conn, &id)?.ok_or_else(ticket_unknown)?;
    let status = match qr.status.as_str() {
        QR_CONSUMED => QrStatus::Consumed,
        _ if qr.expires_at <= now => return Err(ticket_expired()),
        QR_CONFIRMED => QrStatus::Confirmed,
        _ => QrStatus::Pending,
    };
    let units = match status {
        QrStatus::Confirmed => Some(holder_units(conn, &qr)?.iter().map(qr_unit).collect()),
        _ => None,
    };
    Ok(QrSessionView {
        status,
        expires_at: china_timestamp(qr.expires_at),
        units,
    })
}
