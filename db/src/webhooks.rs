//! Webhook endpoints, their deliveries and the log of attempts (migration
//! 000032). The outbox is `unit_events`: [`fan_out`] turns an endpoint's
//! events after its cursor into deliveries and moves the cursor, in one
//! transaction under the endpoint's row lock, so an event becomes exactly
//! one delivery per endpoint whichever node fans out. [`claim`] leases due
//! deliveries to one node (PostgreSQL: `FOR UPDATE SKIP LOCKED`);
//! [`record`] logs an attempt and moves the delivery on.

use diesel::prelude::*;
use qibao_core::webhook::DeliveryState;
use time::PrimitiveDateTime;

use crate::conn::transaction;
use crate::events::UnitEvent;
use crate::ids::{UnitId, WebhookDeliveryId, WebhookEndpointId};
use crate::schema::{
    unit_event_counters, unit_events, webhook_attempts, webhook_deliveries, webhook_endpoints,
};
use crate::{DbConn, DbError};

/// Delivery states as stored.
pub const PENDING: &str = DeliveryState::Pending.code();
pub const DELIVERED: &str = DeliveryState::Delivered.code();
pub const DEAD: &str = DeliveryState::Dead.code();
pub const CANCELLED: &str = DeliveryState::Cancelled.code();

/// A registered endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
pub struct Endpoint {
    pub id: WebhookEndpointId,
    pub unit_id: UnitId,
    pub url: String,
    pub event_types: String,
    pub description: String,
    pub secret: String,
    pub cursor_seq: i64,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    pub removed_at: Option<PrimitiveDateTime>,
}

/// An endpoint to register.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct NewEndpoint {
    pub unit_id: UnitId,
    pub url: String,
    pub event_types: String,
    pub description: String,
    pub secret: String,
    pub cursor_seq: i64,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: WebhookDeliveryId,
    pub endpoint_id: WebhookEndpointId,
    pub unit_id: UnitId,
    pub seq: i64,
    pub event_type: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: PrimitiveDateTime,
    pub give_up_at: PrimitiveDateTime,
    pub locked_by: Option<String>,
    pub locked_until: Option<PrimitiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<PrimitiveDateTime>,
    pub delivered_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct NewDelivery {
    endpoint_id: WebhookEndpointId,
    unit_id: UnitId,
    seq: i64,
    event_type: String,
    state: &'static str,
    attempts: i32,
    next_attempt_at: PrimitiveDateTime,
    give_up_at: PrimitiveDateTime,
    created_at: PrimitiveDateTime,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    pub delivery_id: WebhookDeliveryId,
    pub n: i32,
    pub at: PrimitiveDateTime,
    pub node: String,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// Registers an endpoint.
pub fn insert_endpoint(conn: &mut DbConn, new: &NewEndpoint) -> Result<Endpoint, DbError> {
    Ok(diesel::insert_into(webhook_endpoints::table)
        .values(new)
        .returning(webhook_endpoints::all_columns)
        .get_result(conn)?)
}

/// The unit's endpoints not removed, oldest first.
pub fn endpoints_of(conn: &mut DbConn, unit_id: UnitId) -> Result<Vec<Endpoint>, DbError> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::unit_id.eq(unit_id))
        .filter(webhook_endpoints::removed_at.is_null())
        .order(webhook_endpoints::id)
        .select(Endpoint::as_select())
        .load(conn)?)
}

/// One of the unit's endpoints (removed ones too).
pub fn endpoint(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: WebhookEndpointId,
) -> Result<Option<Endpoint>, DbError> {
    Ok(webhook_endpoints::table
        .find(id)
        .filter(webhook_endpoints::unit_id.eq(unit_id))
        .select(Endpoint::as_select())
        .first(conn)
        .optional()?)
}

/// Removes an endpoint (kept, with its log, marked removed) and cancels its
/// pending deliveries; false when it was removed already.
pub fn remove_endpoint(
    conn: &mut DbConn,
    id: WebhookEndpointId,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(webhook_endpoints::table.find(id))
        .filter(webhook_endpoints::removed_at.is_null())
        .set(webhook_endpoints::removed_at.eq(now))
        .execute(conn)?;
    diesel::update(webhook_deliveries::table)
        .filter(webhook_deliveries::endpoint_id.eq(id))
        .filter(webhook_deliveries::state.eq(PENDING))
        .set((
            webhook_deliveries::state.eq(CANCELLED),
            webhook_deliveries::locked_by.eq(None::<String>),
            webhook_deliveries::locked_until.eq(None::<PrimitiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Endpoints (not removed) whose unit has events after their cursor, at
/// most `limit`.
pub fn endpoints_behind(conn: &mut DbConn, limit: i64) -> Result<Vec<WebhookEndpointId>, DbError> {
    Ok(webhook_endpoints::table
        .inner_join(
            unit_event_counters::table
                .on(unit_event_counters::unit_id.eq(webhook_endpoints::unit_id)),
        )
        .filter(webhook_endpoints::removed_at.is_null())
        .filter(unit_event_counters::last_seq.gt(webhook_endpoints::cursor_seq))
        .order(webhook_endpoints::id)
        .limit(limit)
        .select(webhook_endpoints::id)
        .load(conn)?)
}

/// Turns up to `batch` of the endpoint's events after its cursor into
/// deliveries (those of the types it takes; `wants(endpoint, type)`
/// decides), due at once
/// and retried until `give_up_at(event time)`, and moves its cursor past
/// them; in one transaction holding the endpoint's row. Returns the
/// deliveries made; 0 when another node holds the endpoint right now.
pub fn fan_out(
    conn: &mut DbConn,
    id: WebhookEndpointId,
    batch: i64,
    wants: &dyn Fn(&Endpoint, &str) -> bool,
    give_up_at: &dyn Fn(PrimitiveDateTime) -> PrimitiveDateTime,
    now: PrimitiveDateTime,
) -> Result<usize, DbError> {
    transaction(conn, |c| {
        let q = webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::removed_at.is_null())
            .select(webhook_endpoints::id);
        let locked: Option<WebhookEndpointId> = match c {
            DbConn::Pg(pg) => q.for_update().skip_locked().first(pg).optional()?,
            DbConn::Sqlite(sq) => q.first(sq).optional()?,
        };
        if locked.is_none() {
            return Ok(0);
        }
        let endpoint: Endpoint = webhook_endpoints::table
            .find(id)
            .select(Endpoint::as_select())
            .first(c)?;
        let events: Vec<(i64, String, PrimitiveDateTime)> = unit_events::table
            .filter(unit_events::unit_id.eq(endpoint.unit_id))
            .filter(unit_events::seq.gt(endpoint.cursor_seq))
            .order(unit_events::seq)
            .limit(batch)
            .select((
                unit_events::seq,
                unit_events::event_type,
                unit_events::created_at,
            ))
            .load(c)?;
        let Some(last) = events.last().map(|e| e.0) else {
            return Ok(0);
        };
        let rows: Vec<NewDelivery> = events
            .into_iter()
            .filter(|(_, t, _)| wants(&endpoint, t))
            .map(|(seq, event_type, at)| NewDelivery {
                endpoint_id: id,
                unit_id: endpoint.unit_id,
                seq,
                event_type,
                state: PENDING,
                attempts: 0,
                next_attempt_at: now,
                give_up_at: give_up_at(at.max(now)),
                created_at: now,
            })
            .collect();
        for chunk in rows.chunks(500) {
            let insert = diesel::insert_into(webhook_deliveries::table).values(chunk);
            match c {
                DbConn::Pg(pg) => insert.execute(pg)?,
                DbConn::Sqlite(sq) => insert.execute(sq)?,
            };
        }
        diesel::update(webhook_endpoints::table.find(id))
            .set(webhook_endpoints::cursor_seq.eq(last))
            .execute(c)?;
        Ok(rows.len())
    })
}

/// A delivery leased for sending, with what it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: Delivery,
    pub url: String,
    pub secret: String,
    pub event: UnitEvent,
}

/// Leases up to `limit` due pending deliveries (oldest due first) to `node`
/// until `lease_until`: another node skips them until then.
pub fn claim(
    conn: &mut DbConn,
    node: &str,
    now: PrimitiveDateTime,
    lease_until: PrimitiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, DbError> {
    transaction(conn, |c| {
        let due = webhook_deliveries::table
            .filter(webhook_deliveries::state.eq(PENDING))
            .filter(webhook_deliveries::next_attempt_at.le(now))
            .filter(
                webhook_deliveries::locked_until
                    .is_null()
                    .or(webhook_deliveries::locked_until.lt(now)),
            )
            .order((webhook_deliveries::next_attempt_at, webhook_deliveries::id))
            .limit(limit)
            .select(webhook_deliveries::id);
        let ids: Vec<WebhookDeliveryId> = match c {
            DbConn::Pg(pg) => due.for_update().skip_locked().load(pg)?,
            DbConn::Sqlite(sq) => due.load(sq)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let leased: Vec<(Delivery, String, String)> =
            diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
                .set((
                    webhook_deliveries::locked_by.eq(node),
                    webhook_deliveries::locked_until.eq(lease_until),
                ))
                .execute(c)
                .and_then(|_| {
                    webhook_deliveries::table
                        .inner_join(webhook_endpoints::table)
                        .filter(webhook_deliveries::id.eq_any(&ids))
                        .order((webhook_deliveries::next_attempt_at, webhook_deliveries::id))
                        .select((
                            Delivery::as_select(),
                            webhook_endpoints::url,
                            webhook_endpoints::secret,
                        ))
                        .load(c)
                })?;
        let mut out = Vec::with_capacity(leased.len());
        for (delivery, url, secret) in leased {
            let event = unit_events::table
                .find((delivery.unit_id, delivery.seq))
                .select(UnitEvent::as_select())
                .first(c)?;
            out.push(Claimed {
                delivery,
                url,
                secret,
                event,
            });
        }
        Ok(out)
    })
}

/// What an attempt changed.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub attempt: Attempt,
    /// The delivery's state after it ([`PENDING`] to retry, [`DELIVERED`],
    /// [`DEAD`]).
    pub state: &'static str,
    pub next_attempt_at: PrimitiveDateTime,
}

/// Logs an attempt of a delivery leased to `attempt.node` and moves the
/// delivery on, releasing the lease; false (nothing written) when the lease
/// was lost (the delivery was cancelled, or redelivered by hand meanwhile).
pub fn record(conn: &mut DbConn, rec: &AttemptRecord) -> Result<bool, DbError> {
    let a = &rec.attempt;
    transaction(conn, |c| {
        let n = diesel::update(webhook_deliveries::table.find(a.delivery_id))
            .filter(webhook_deliveries::state.eq(PENDING))
            .filter(webhook_deliveries::locked_by.eq(&a.node))
            .filter(webhook_deliveries::attempts.eq(a.n - 1))
            .set((
                webhook_deliveries::state.eq(rec.state),
                webhook_deliveries::attempts.eq(a.n),
                webhook_deliveries::next_attempt_at.eq(rec.next_attempt_at),
                webhook_deliveries::locked_by.eq(None::<String>),
                webhook_deliveries::locked_until.eq(None::<PrimitiveDateTime>),
                webhook_deliveries::last_status.eq(a.status),
                webhook_deliveries::last_error.eq(&a.error),
                webhook_deliveries::last_attempt_at.eq(a.at),
                webhook_deliveries::delivered_at.eq((rec.state == DELIVERED).then_some(a.at)),
            ))
            .execute(c)?;
        if n == 0 {
            return Ok(false);
        }
        diesel::insert_into(webhook_attempts::table)
            .values(a)
            .execute(c)?;
        Ok(true)
    })
}

/// A page of an endpoint's deliveries, newest first, with the total;
/// `state` filters.
pub fn deliveries_of(
    conn: &mut DbConn,
    endpoint_id: WebhookEndpointId,
    state: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Delivery>, i64), DbError> {
    let mut q = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .into_boxed();
    let mut count = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .into_boxed();
    if let Some(state) = state {
        q = q.filter(webhook_deliveries::state.eq(state.to_owned()));
        count = count.filter(webhook_deliveries::state.eq(state.to_owned()));
    }
    let total = count.count().get_result(conn)?;
    let rows = q
        .order(webhook_deliveries::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The attempts of `ids`, in order.
pub fn attempts_of(conn: &mut DbConn, ids: &[WebhookDeliveryId]) -> Result<Vec<Attempt>, DbError> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::n))
        .select(Attempt::as_select())
        .load(conn)?)
}

/// One delivery of an endpoint.
pub fn delivery(
    conn: &mut DbConn,
    endpoint_id: WebhookEndpointId,
    id: WebhookDeliveryId,
) -> Result<Option<Delivery>, DbError> {
    Ok(webhook_deliveries::table
        .find(id)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .select(Delivery::as_select())
        .first(conn)
        .optional()?)
}

/// Makes a delivery due again now, with a new retry window, whatever its
/// state but cancelled; returns it.
pub fn redeliver(
    conn: &mut DbConn,
    id: WebhookDeliveryId,
    now: PrimitiveDateTime,
    give_up_at: PrimitiveDateTime,
) -> Result<Option<Delivery>, DbError> {
    Ok(diesel::update(webhook_deliveries::table.find(id))
        .filter(webhook_deliveries::state.ne(CANCELLED))
        .set((
            webhook_deliveries::state.eq(PENDING),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::give_up_at.eq(give_up_at),
            webhook_deliveries::locked_by.eq(None::<String>),
            webhook_deliveries::locked_until.eq(None::<PrimitiveDateTime>),
            webhook_deliveries::delivered_at.eq(None::<PrimitiveDateTime>),
        ))
        .returning(webhook_deliveries::all_columns)
        .get_result(conn)
        .optional()?)
}
