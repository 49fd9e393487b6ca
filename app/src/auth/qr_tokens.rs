//! Taking the session of a confirmed QR sign-in for one of the holder's
//! units: as `legal_rep` when the holder is that unit's legal
//! representative, else as `agent`. Once per ticket.

use qibao_core::ids::UnitNo;
use qibao_db::DbConn;
use qibao_db::accounts::{self, QR_CONSUMED, QR_PENDING};
use time::PrimitiveDateTime;

use super::password::sha256_hex;
use super::qr_start::{ticket_expired, ticket_unknown};
use super::qr_status::holder_units;
use super::{Grant, Issue, Role, SessionSpec, TokenUnit, start_session};
use crate::actor::Channel;
use crate::error::{AppError, ErrorCode};
use crate::tx::transaction;

fn consumed() -> AppError {
    AppError::new(ErrorCode::QrTicketConsumed)
}

/// Consumes the ticket and opens the session for `unit_no`, in one transaction.
pub fn run(
    conn: &mut DbConn,
    ticket: &str,
    unit_no: &UnitNo,
    now: PrimitiveDateTime,
) -> Result<Grant, AppError> {
    let id = sha256_hex(ticket.trim());
    transaction(conn, |c| {
        let qr = accounts::find_qr_session(c, &id)?.ok_or_else(ticket_unknown)?;
        match qr.status.as_str() {
            QR_CONSUMED => return Err(consumed()),
            QR_PENDING if qr.expires_at > now => {
                return Err(AppError::new(ErrorCode::QrNotConfirmed));
            }
            _ if qr.expires_at <= now => return Err(ticket_expired()),
            _ => {}
        }
        let units = holder_units(c, &qr)?;
        let Some(chosen) = units.iter().find(|h| h.unit.unit_no == unit_no.as_str()) else {
            return Err(AppError::new(ErrorCode::UnitNotAllowed));
        };
        if !accounts::consume_qr_session(c, &id, now)? {
            return Err(consumed());
        }
        let role = if chosen.legal_rep {
            Role::LegalRep
        } else {
            Role::Agent
        };
        let (holder_id, holder_name) = (
            qr.holder_id_number.clone().unwrap_or_default(),
            qr.holder_name.clone().unwrap_or_default(),
        );
        let spec = SessionSpec {
            role,
            subject: &holder_id,
            name: &holder_name,
            unit_id: Some(chosen.unit.id),
            staff_roles: &[],
            channel: Channel::Portal,
        };
        let issue = Issue {
            must_change_password: false,
            refresh: true,
            unit: Some(TokenUnit::from(&chosen.unit)),
            staff: None,
        };
        start_session(c, &spec, issue, now)
    })
}
