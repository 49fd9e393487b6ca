//! The unit's event feed (单位业务动态, issue 14): what happened to its
//! business items, orders and jobs, oldest first, resumed after a cursor.
//! A payroll system polls it (or, later, receives it by webhook) instead of
//! re-reading every list to learn that an order was paid or a review
//! decided. Written by [`qibao_db::events`] in the transaction of each
//! change; read here in one snapshot.

use qibao_core::event::UnitEventType;
use qibao_db::DbConn;
use qibao_db::ids::UnitId;
use serde::Serialize;

use crate::error::AppError;

/// One event.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitEventDto {
    /// The unit's cursor: resume with `after` = the last `seq` processed.
    pub seq: i64,
    #[serde(rename = "type")]
    pub event_type: UnitEventType,
    /// The type's Chinese name.
    pub type_label: &'static str,
    /// The resource it is about (its API path).
    pub subject: String,
    /// What changed: ids, kind, status (by type: `business_item_id`, `kind`,
    /// `kind_label`, `status`[, `from_status`]; `order_no`, `status`;
    /// `job_id`, `kind`, `state`).
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)
    )]
    pub data: serde_json::Value,
    /// When it was committed (ISO 8601, China time).
    pub created_at: String,
}

/// A page of the feed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPage {
    pub events: Vec<UnitEventDto>,
    /// Pass as `after` next time (the last event's `seq`, or `after` when
    /// there was none).
    pub next_after: i64,
    /// More events wait after this page.
    pub has_more: bool,
}

/// The unit's events after `after` (at most `limit`), from one snapshot;
/// two statements whatever the feed's length.
pub fn page(
    conn: &mut DbConn,
    unit_id: UnitId,
    after: i64,
    limit: i64,
) -> Result<EventPage, AppError> {
    crate::tx::read_transaction(conn, |c| {
        let rows = qibao_db::events::after(c, unit_id, after, limit + 1)?;
        let has_more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
        let events = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(0))
            .map(to_dto)
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, AppError>(EventPage {
            next_after: events.last().map_or(after, |e| e.seq),
            events,
            has_more,
        })
    })
}

/// A stored event as the feed and webhooks show it.
pub fn to_dto(e: qibao_db::events::UnitEvent) -> Result<UnitEventDto, AppError> {
    let event_type = UnitEventType::parse(&e.event_type)
        .ok_or_else(|| AppError::internal_cause(format!("unknown event type {}", e.event_type)))?;
    Ok(UnitEventDto {
        seq: e.seq,
        event_type,
        type_label: event_type.label_zh(),
        subject: e.subject,
        data: serde_json::from_str(&e.data).map_err(AppError::internal_cause)?,
        created_at: crate::clock::china_timestamp(e.created_at),
    })
}
