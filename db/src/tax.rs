//! The tax bureau's side (R-PAY-1…4): the feed of orders in cursor order
//! (read here; written through [`crate::feed`]),
//! the events tax sends (one row per serial: [`SERIAL_KEY`]), every message
//! as received, booking and reversal of payments, the unit's paid-up
//! period, and the tax statements for reconciliation.

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use crate::assessments::{BILLED, PAID, PENDING};
use crate::ids::{AssessmentId, OrderId, PersonId, UnitId};
use crate::orders::{LIVE, Order};
use crate::schema::{
    assessments, order_lines, orders, tax_events, tax_feed, tax_messages, tax_statement_lines,
    unit_insurances,
};
use crate::{DbConn, DbError};

pub const SERIAL_KEY: &str = "tax_events_serial_key";
pub const ORDER_PAID_KEY: &str = "tax_events_order_paid_key";
pub const REVERSAL_KEY: &str = "tax_events_reversal_key";

/// Event kinds and outcomes.
pub const INVOICED: &str = "invoiced";
pub const PAID_EVENT: &str = "paid";
pub const REVERSED: &str = "reversed";
pub const ACCEPTED: &str = "accepted";
pub const REFUSED: &str = "refused";

/// The assessment ids of an order's lines, as a subquery (an order may have
/// more lines than a statement may bind).
fn line_ids_of(
    order_id: OrderId,
) -> diesel::dsl::Select<
    diesel::dsl::Filter<order_lines::table, diesel::dsl::Eq<order_lines::order_id, OrderId>>,
    order_lines::assessment_id,
> {
    order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .select(order_lines::assessment_id)
}

/// Locks an order's row until commit (a no-op update), so that a decision
/// on it is not made on a stale read.
pub fn lock_order(conn: &mut DbConn, order_id: OrderId) -> Result<(), DbError> {
    diesel::update(orders::table.filter(orders::id.eq(order_id)))
        .set(orders::order_no.eq(orders::order_no))
        .execute(conn)?;
    Ok(())
}

/// Locks the unit's insurance registrations until commit, before their
/// paid-up periods are recomputed (two payments of one unit at once).
pub fn lock_unit_insurances(conn: &mut DbConn, unit_id: UnitId) -> Result<(), DbError> {
    diesel::update(unit_insurances::table.filter(unit_insurances::unit_id.eq(unit_id)))
        .set(unit_insurances::latest_paid_period.eq(unit_insurances::latest_paid_period))
        .execute(conn)?;
    Ok(())
}

/// Whether every line of the order is still pending (none billed on
/// another order, none paid): an expired order that could come back.
pub fn lines_free(conn: &mut DbConn, order_id: OrderId) -> Result<bool, DbError> {
    let lines: i64 = order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .count()
        .get_result(conn)?;
    let pending: i64 = assessments::table
        .filter(assessments::id.eq_any(line_ids_of(order_id)))
        .filter(assessments::status.eq(PENDING))
        .count()
        .get_result(conn)?;
    Ok(lines > 0 && pending == lines)
}

/// Whether an expired order could come back: its lines are still free
/// ([`lines_free`]), or, for a project's premium order (no lines), no other
/// order of its charge is live or paid ([`crate::projects::charge_free`]).
pub fn order_free(conn: &mut DbConn, order_id: OrderId) -> Result<bool, DbError> {
    match crate::projects::charge_free(conn, order_id)? {
        Some(free) => Ok(free),
        None => lines_free(conn, order_id),
    }
}

/// Locks the order's paid lines until commit (a no-op update), before a
/// reversal checks for refunds resting on them: a refund application locks
/// the same rows, so one of the two sees the other's outcome.
pub fn lock_paid_lines(conn: &mut DbConn, order_id: OrderId) -> Result<usize, DbError> {
    Ok(diesel::update(
        assessments::table
            .filter(assessments::status.eq(PAID))
            .filter(assessments::id.eq_any(line_ids_of(order_id))),
    )
    .set(assessments::status.eq(assessments::status))
    .execute(conn)?)
}

/// Brings an expired order back to live when its lines are still free
/// (none re-billed on another order, none paid): a payment made by its due
/// date that arrived after it. Returns false when they are not free.
pub fn reopen_expired(
    conn: &mut DbConn,
    order_id: OrderId,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    if !order_free(conn, order_id)? {
        return Ok(false);
    }
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(order_id))
            .filter(orders::status.eq(crate::orders::EXPIRED)),
    )
    .set((
        orders::status.eq(LIVE),
        orders::closed_at.eq(None::<PrimitiveDateTime>),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    // A line meanwhile on another live order is a Conflict on the partial
    // unique index: the caller refuses.
    diesel::update(order_lines::table.filter(order_lines::order_id.eq(order_id)))
        .set(order_lines::live.eq(true))
        .execute(conn)?;
    diesel::update(
        assessments::table
            .filter(assessments::id.eq_any(line_ids_of(order_id)))
            .filter(assessments::status.eq(PENDING)),
    )
    .set((
        assessments::status.eq(BILLED),
        assessments::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(true)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tax_feed)]
pub struct FeedEntry {
    pub seq: i64,
    pub order_id: OrderId,
    pub event: String,
    pub created_at: PrimitiveDateTime,
}

/// Feed entries after the cursor, in cursor order, with their orders.
pub fn feed_after(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
) -> Result<Vec<(FeedEntry, Order)>, DbError> {
    Ok(tax_feed::table
        .inner_join(orders::table)
        .filter(tax_feed::seq.gt(after))
        .order(tax_feed::seq)
        .limit(limit)
        .select((FeedEntry::as_select(), Order::as_select()))
        .load(conn)?)
}

/// Every live order past its due date (any unit), oldest first.
pub fn overdue_live_all(conn: &mut DbConn, today: Date, limit: i64) -> Result<Vec<Order>, DbError> {
    Ok(orders::table
        .filter(orders::status.eq(LIVE))
        .filter(orders::due_date.lt(today))
        .order(orders::id)
        .limit(limit)
        .select(Order::as_select())
        .load(conn)?)
}

/// An order by its number, of any unit.
pub fn order_by_no(conn: &mut DbConn, order_no: &str) -> Result<Option<Order>, DbError> {
    Ok(orders::table
        .filter(orders::order_no.eq(order_no))
        .select(Order::as_select())
        .first(conn)
        .optional()?)
}

pub fn order_by_id(conn: &mut DbConn, id: OrderId) -> Result<Order, DbError> {
    Ok(orders::table
        .find(id)
        .select(Order::as_select())
        .first(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tax_events)]
pub struct TaxEvent {
    pub id: i64,
    pub serial: String,
    pub kind: String,
    pub order_no: String,
    pub order_id: Option<OrderId>,
    pub amount_fen: i64,
    pub invoice_no: Option<String>,
    pub bank_time: Option<PrimitiveDateTime>,
    pub original_serial: Option<String>,
    pub business_date: Date,
    pub outcome: String,
    pub code: Option<String>,
    pub detail: Option<String>,
    pub request_hash: String,
    pub response_status: i32,
    pub response_json: String,
    pub client: String,
    pub received_at: PrimitiveDateTime,
    pub reversed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = tax_events)]
pub struct NewTaxEvent {
    pub serial: String,
    pub kind: String,
    pub order_no: String,
    pub order_id: Option<OrderId>,
    pub amount_fen: i64,
    pub invoice_no: Option<String>,
    pub bank_time: Option<PrimitiveDateTime>,
    pub original_serial: Option<String>,
    pub business_date: Date,
    pub outcome: String,
    pub code: Option<String>,
    pub detail: Option<String>,
    pub request_hash: String,
    pub response_status: i32,
    pub response_json: String,
    pub client: String,
    pub received_at: PrimitiveDateTime,
    pub reversed_by: Option<String>,
}

pub fn find_event(conn: &mut DbConn, serial: &str) -> Result<Option<TaxEvent>, DbError> {
    Ok(tax_events::table
        .filter(tax_events::serial.eq(serial))
        .select(TaxEvent::as_select())
        .first(conn)
        .optional()?)
}

/// A serial stored already is [`DbError::Conflict`] ([`SERIAL_KEY`]); a
/// second booked payment of an order [`ORDER_PAID_KEY`]; a second reversal
/// of a payment [`REVERSAL_KEY`].
pub fn insert_event(conn: &mut DbConn, e: &NewTaxEvent) -> Result<TaxEvent, DbError> {
    Ok(diesel::insert_into(tax_events::table)
        .values(e)
        .returning(tax_events::all_columns)
        .get_result(conn)?)
}

/// Marks a booked payment reversed by `by`; false when it was not booked
/// or reversed already.
pub fn mark_reversed(conn: &mut DbConn, serial: &str, by: &str) -> Result<bool, DbError> {
    let n = diesel::update(
        tax_events::table
            .filter(tax_events::serial.eq(serial))
            .filter(tax_events::kind.eq(PAID_EVENT))
            .filter(tax_events::outcome.eq(ACCEPTED))
            .filter(tax_events::reversed_by.is_null()),
    )
    .set(tax_events::reversed_by.eq(Some(by)))
    .execute(conn)?;
    Ok(n == 1)
}

/// The money events of a day (payments by the bank's date, reversals by the
/// day received), in the order received.
pub fn payments_of_day(conn: &mut DbConn, day: Date) -> Result<Vec<TaxEvent>, DbError> {
    Ok(tax_events::table
        .filter(tax_events::business_date.eq(day))
        .filter(tax_events::kind.eq_any([PAID_EVENT, REVERSED]))
        .order(tax_events::id)
        .select(TaxEvent::as_select())
        .load(conn)?)
}

/// The events of an order, in the order received.
pub fn events_of_order(conn: &mut DbConn, order_id: OrderId) -> Result<Vec<TaxEvent>, DbError> {
    Ok(tax_events::table
        .filter(tax_events::order_id.eq(order_id))
        .order(tax_events::id)
        .select(TaxEvent::as_select())
        .load(conn)?)
}

/// Records 税务开票; false when the order is no longer live or invoiced.
pub fn set_invoiced(
    conn: &mut DbConn,
    order_id: OrderId,
    invoice_no: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(order_id))
            .filter(orders::status.eq(LIVE))
            .filter(orders::invoiced_at.is_null()),
    )
    .set((
        orders::invoiced_at.eq(Some(now)),
        orders::invoice_no.eq(invoice_no),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Books a payment and allocates it: the live order becomes paid with its
/// progress times and its billed lines paid. Returns the number of lines
/// allocated, or None when the order was no longer live.
pub fn book_and_allocate(
    conn: &mut DbConn,
    order_id: OrderId,
    serial: &str,
    tax_booked_at: PrimitiveDateTime,
    now: PrimitiveDateTime,
) -> Result<Option<usize>, DbError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(order_id))
            .filter(orders::status.eq(LIVE)),
    )
    .set((
        orders::status.eq(crate::orders::PAID),
        orders::closed_at.eq(Some(now)),
        orders::tax_booked_at.eq(Some(tax_booked_at)),
        orders::booked_at.eq(Some(now)),
        orders::paid_serial.eq(Some(serial)),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    let lines = diesel::update(
        assessments::table
            .filter(assessments::status.eq(BILLED))
            .filter(
                assessments::id.eq_any(
                    order_lines::table
                        .filter(order_lines::order_id.eq(order_id))
                        .filter(order_lines::live.eq(true))
                        .select(order_lines::assessment_id),
                ),
            ),
    )
    .set((
        assessments::status.eq(PAID),
        assessments::updated_at.eq(now),
    ))
    .execute(conn)?;
    diesel::update(orders::table.filter(orders::id.eq(order_id)))
        .set(orders::allocated_at.eq(Some(now)))
        .execute(conn)?;
    crate::events::order(conn, order_id, crate::orders::PAID, now)?;
    Ok(Some(lines))
}

/// Undoes a booked payment: the paid order goes back to `to` (live, or
/// expired with its lines freed), its progress after 税务开票 is cleared
/// and its paid lines go back to billed (live) or pending (expired).
/// Returns false when the order was not paid.
pub fn unbook(
    conn: &mut DbConn,
    order_id: OrderId,
    to: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let expired = to != LIVE;
    if expired {
        crate::feed::lock_feed(conn)?;
    }
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(order_id))
            .filter(orders::status.eq(crate::orders::PAID)),
    )
    .set((
        orders::status.eq(to),
        orders::closed_at.eq(expired.then_some(now)),
        orders::tax_booked_at.eq(None::<PrimitiveDateTime>),
        orders::booked_at.eq(None::<PrimitiveDateTime>),
        orders::allocated_at.eq(None::<PrimitiveDateTime>),
        orders::paid_serial.eq(None::<String>),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    let line_ids = order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .filter(order_lines::live.eq(true))
        .select(order_lines::assessment_id);
    diesel::update(
        assessments::table
            .filter(assessments::status.eq(PAID))
            .filter(assessments::id.eq_any(line_ids)),
    )
    .set((
        assessments::status.eq(if expired { PENDING } else { BILLED }),
        assessments::updated_at.eq(now),
    ))
    .execute(conn)?;
    if expired {
        diesel::update(order_lines::table.filter(order_lines::order_id.eq(order_id)))
            .set(order_lines::live.eq(false))
            .execute(conn)?;
        crate::feed::append_feed(conn, order_id, crate::orders::EXPIRED, now)?;
    } else {
        crate::events::order(conn, order_id, LIVE, now)?;
    }
    Ok(true)
}

/// The assessment ids of the order's lines.
pub fn assessment_ids_of_order(
    conn: &mut DbConn,
    order_id: OrderId,
) -> Result<Vec<AssessmentId>, DbError> {
    Ok(line_ids_of(order_id).load(conn)?)
}

/// The insurances of the order's lines.
pub fn insurances_of_order(conn: &mut DbConn, order_id: OrderId) -> Result<Vec<String>, DbError> {
    Ok(order_lines::table
        .inner_join(assessments::table)
        .filter(order_lines::order_id.eq(order_id))
        .select(assessments::insurance)
        .distinct()
        .load(conn)?)
}

/// The unit's assessed months of one insurance: (period, all lines paid).
pub fn unit_months(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: &str,
) -> Result<Vec<(i32, bool)>, DbError> {
    use diesel::dsl::count_star;
    let rows: Vec<(i32, String, i64)> = assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::insurance.eq(insurance))
        .filter(assessments::status.eq_any([PENDING, BILLED, PAID]))
        .group_by((assessments::period, assessments::status))
        .select((assessments::period, assessments::status, count_star()))
        .load(conn)?;
    let mut out: Vec<(i32, bool)> = Vec::with_capacity(rows.len());
    for (period, status, _) in rows {
        out.push((period, status == PAID));
    }
    Ok(out)
}

/// The unit's stored paid-up period of an insurance.
pub fn latest_paid_period(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: &str,
) -> Result<Option<i32>, DbError> {
    Ok(unit_insurances::table
        .filter(unit_insurances::unit_id.eq(unit_id))
        .filter(unit_insurances::insurance.eq(insurance))
        .select(unit_insurances::latest_paid_period)
        .first::<Option<i32>>(conn)
        .optional()?
        .flatten())
}

/// Stores the unit's paid-up period of an insurance.
pub fn set_latest_paid_period(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: &str,
    period: Option<i32>,
) -> Result<(), DbError> {
    diesel::update(
        unit_insurances::table
            .filter(unit_insurances::unit_id.eq(unit_id))
            .filter(unit_insurances::insurance.eq(insurance)),
    )
    .set(unit_insurances::latest_paid_period.eq(period))
    .execute(conn)?;
    Ok(())
}

/// Keeps one message as received.
#[allow(clippy::too_many_arguments)]
pub fn log_message(
    conn: &mut DbConn,
    client: &str,
    endpoint: &str,
    serial: Option<&str>,
    body: &str,
    response_status: i32,
    replay: bool,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(tax_messages::table)
        .values((
            tax_messages::client.eq(client),
            tax_messages::endpoint.eq(endpoint),
            tax_messages::serial.eq(serial),
            tax_messages::body.eq(body),
            tax_messages::response_status.eq(response_status),
            tax_messages::replay.eq(replay),
            tax_messages::received_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many messages were kept for a serial (tests and audits).
pub fn message_count(conn: &mut DbConn, serial: &str) -> Result<i64, DbError> {
    Ok(tax_messages::table
        .filter(tax_messages::serial.eq(serial))
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tax_statement_lines)]
pub struct StatementRow {
    pub id: i64,
    pub business_date: Date,
    pub serial: String,
    pub order_no: String,
    pub amount_fen: i64,
    pub received_at: PrimitiveDateTime,
}

/// One line of a day's tax statement, as written.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = tax_statement_lines, treat_none_as_default_value = false)]
pub struct NewStatementLine {
    pub business_date: Date,
    pub serial: String,
    pub order_no: String,
    pub amount_fen: i64,
    pub received_at: PrimitiveDateTime,
}

/// Replaces the tax statement of a day: its lines are written through
/// [`crate::bulk`] (a province's day can hold many). A serial twice in one
/// statement is [`DbError::Conflict`].
pub fn replace_statement(
    conn: &mut DbConn,
    day: Date,
    lines: &[(String, String, i64)],
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::delete(tax_statement_lines::table.filter(tax_statement_lines::business_date.eq(day)))
        .execute(conn)?;
    let rows: Vec<NewStatementLine> = lines
        .iter()
        .map(|(serial, order_no, amount_fen)| NewStatementLine {
            business_date: day,
            serial: serial.clone(),
            order_no: order_no.clone(),
            amount_fen: *amount_fen,
            received_at: now,
        })
        .collect();
    crate::bulk::insert_statement_lines(conn, &rows)?;
    Ok(())
}

pub fn statement_of(conn: &mut DbConn, day: Date) -> Result<Vec<StatementRow>, DbError> {
    Ok(tax_statement_lines::table
        .filter(tax_statement_lines::business_date.eq(day))
        .order(tax_statement_lines::id)
        .select(StatementRow::as_select())
        .load(conn)?)
}

/// The unit's paid lines as (person id, insurance, period), optionally of
/// one insurance and one person, by person, insurance and period.
pub fn paid_months(
    conn: &mut DbConn,
    unit_id: UnitId,
    insurance: Option<&str>,
    persons: Option<&[PersonId]>,
    periods: Option<(i32, i32)>,
) -> Result<Vec<(AssessmentId, PersonId, String, i32)>, DbError> {
    let mut q = assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::status.eq(PAID))
        .into_boxed();
    if let Some(i) = insurance {
        q = q.filter(assessments::insurance.eq(i.to_owned()));
    }
    if let Some(p) = persons {
        q = q.filter(assessments::person_id.eq_any(p.to_vec()));
    }
    if let Some((from, to)) = periods {
        q = q.filter(assessments::period.between(from, to));
    }
    Ok(q.order((
        assessments::person_id,
        assessments::insurance,
        assessments::period,
    ))
    .select((
        assessments::id,
        assessments::person_id,
        assessments::insurance,
        assessments::period,
    ))
    .load(conn)?)
}
