//! The unit's event feed (`unit_events`, [`qibao_core::event`]): appended in
//! the transaction of the change it reports, numbered per unit from the
//! unit's counter row (`unit_event_counters`), whose row lock orders the
//! unit's writers until they commit, so events become visible in `seq`
//! order and a reader that resumes after a `seq` misses nothing.
//!
//! The hooks sit where the changes are written, so no use case can forget
//! one: a business item inserted ([`crate::repo::insert_business_item`],
//! [`crate::bulk::insert_business_items`]) or moved to another status
//! ([`crate::business_items::set_status`]); an order issued, revoked or
//! expired (with its tax feed entry, [`crate::feed::append_feed`]), paid or
//! reopened ([`crate::tax`]); a unit's job finished ([`crate::jobs::finish`]).

use diesel::prelude::*;
use diesel::upsert::excluded;
use qibao_core::event::UnitEventType;
use serde_json::json;
use time::PrimitiveDateTime;

use crate::ids::{OrderId, UnitId};
use crate::rows::BusinessItem;
use crate::schema::{orders, unit_event_counters, unit_events};
use crate::{DbConn, DbError};

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = unit_events)]
pub struct UnitEvent {
    pub unit_id: UnitId,
    pub seq: i64,
    pub event_type: String,
    pub subject: String,
    pub data: String,
    pub created_at: PrimitiveDateTime,
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: UnitEventType,
    pub subject: String,
    pub data: serde_json::Value,
}

/// A row of `unit_events` as written ([`crate::bulk::insert_unit_events`]).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = unit_events, treat_none_as_default_value = false)]
pub struct EventRow {
    pub unit_id: UnitId,
    pub seq: i64,
    pub event_type: String,
    pub subject: String,
    pub data: String,
    pub created_at: PrimitiveDateTime,
}

/// Appends `events` to the unit's feed in the caller's transaction; returns
/// the last `seq`. Holds the unit's counter row until commit.
pub fn append_many(
    conn: &mut DbConn,
    unit_id: UnitId,
    events: &[NewEvent],
    now: PrimitiveDateTime,
) -> Result<i64, DbError> {
    let n = i64::try_from(events.len()).unwrap_or(i64::MAX);
    if n == 0 {
        return Ok(0);
    }
    macro_rules! bump {
        ($c:expr) => {
            diesel::insert_into(unit_event_counters::table)
                            .values((
                                unit_event_counters::unit_id.eq(unit_id),
                                unit_event_counters::last_seq.eq(n),
                            ))
                            .on_conflict(unit_event_counters::unit_id)
                            .do_update()
                            .set(
                                unit_event_counters::last_seq.eq(unit_event_counters::last_seq
                                    + excluded(unit_event_counters::last_seq)),
                            )
                            .returning(unit_event_counters::last_seq)
                            .get_result::<i64>($c)?
        };
    }
    let last = match conn {
        DbConn::Pg(c) => bump!(c),
        DbConn::Sqlite(c) => bump!(c),
    };
    let first = last - n + 1;
    let rows: Vec<EventRow> = events
        .iter()
        .zip(first..)
        .map(|(e, seq)| EventRow {
            unit_id,
            seq,
            event_type: e.event_type.code().to_owned(),
            subject: e.subject.clone(),
            data: e.data.to_string(),
            created_at: now,
        })
        .collect();
    crate::bulk::insert_unit_events(conn, &rows)?;
    Ok(last)
}

/// The event of a business item recorded (`from` None) or moved from
/// status `from`.
pub fn of_item(item: &BusinessItem, from: Option<&str>) -> NewEvent {
    let mut data = json!({
        "business_item_id": item.id.0,
        "kind": item.kind,
        "kind_label": qibao_core::business_item::label_of(&item.kind),
        "status": item.status,
    });
    let event_type = match from {
        None => UnitEventType::BusinessItemRecorded,
        Some(from) => {
            data["from_status"] = json!(from);
            UnitEventType::BusinessItemStatusChanged
        }
    };
    NewEvent {
        event_type,
        subject: format!("/api/v1/portal/business-items/{}", item.id.0),
        data,
    }
}

/// Appends the events of business items (a unit's; items of no unit raise
/// none), grouped by unit.
pub fn items(
    conn: &mut DbConn,
    items: &[BusinessItem],
    from: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    let mut by_unit: std::collections::BTreeMap<UnitId, Vec<NewEvent>> = Default::default();
    for item in items {
        if let Some(unit) = item.unit_id {
            by_unit.entry(unit).or_default().push(of_item(item, from));
        }
    }
    for (unit, events) in by_unit {
        append_many(conn, unit, &events, now)?;
    }
    Ok(())
}

/// Appends the event of an order reaching `status` (see
/// [`UnitEventType::of_order_status`]; other statuses raise none).
pub fn order(
    conn: &mut DbConn,
    order_id: OrderId,
    status: &str,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    let Some(event_type) = UnitEventType::of_order_status(status) else {
        return Ok(());
    };
    let (unit_id, order_no): (UnitId, String) = orders::table
        .find(order_id)
        .select((orders::unit_id, orders::order_no))
        .first(conn)?;
    let event = NewEvent {
        event_type,
        subject: format!("/api/v1/portal/orders/{order_no}"),
        data: json!({"order_no": order_no, "status": if status == "issued" { "live" } else { status }}),
    };
    append_many(conn, unit_id, &[event], now)?;
    Ok(())
}

/// The unit's events after `after`, oldest first, at most `limit`.
pub fn after(
    conn: &mut DbConn,
    unit_id: UnitId,
    after: i64,
    limit: i64,
) -> Result<Vec<UnitEvent>, DbError> {
    Ok(unit_events::table
        .filter(unit_events::unit_id.eq(unit_id))
        .filter(unit_events::seq.gt(after))
        .order(unit_events::seq)
        .limit(limit)
        .select(UnitEvent::as_select())
        .load(conn)?)
}

/// The unit's last `seq` (0 before its first event).
pub fn head(conn: &mut DbConn, unit_id: UnitId) -> Result<i64, DbError> {
    Ok(unit_event_counters::table
        .find(unit_id)
        .select(unit_event_counters::last_seq)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}
