//! The write side of the tax bureau's feed of orders (R-PAY-1): the one
//! counter row that hands out cursors, and the entries appended under its
//! lock. Kept apart from [`crate::orders`] and [`crate::tax`] so that both
//! use it and neither needs the other for it: closing an order appends to
//! the feed; the tax side reads the feed ([`crate::tax::feed_after`]).

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::ids::OrderId;
use crate::schema::{tax_feed, tax_feed_counter};
use crate::{DbConn, DbError};

/// Feed events: an order issued (the others are the order's closing
/// status, `revoked` or `expired`).
pub const FEED_ISSUED: &str = "issued";

/// Locks the feed's counter row until commit (a no-op update). Paths that
/// lock an order and then append to the feed take this first.
pub fn lock_feed(conn: &mut DbConn) -> Result<(), DbError> {
    diesel::update(tax_feed_counter::table.filter(tax_feed_counter::id.eq(1)))
        .set(tax_feed_counter::last_seq.eq(tax_feed_counter::last_seq))
        .execute(conn)?;
    Ok(())
}

/// Appends a feed entry for the order, in the caller's transaction. The
/// cursor comes from the one counter row, whose lock is held until the
/// caller commits: entries become visible in cursor order. Call it as late
/// in the transaction as possible. An order gets each event once.
pub fn append_feed(
    conn: &mut DbConn,
    order_id: OrderId,
    event: &str,
    now: PrimitiveDateTime,
) -> Result<i64, DbError> {
    let seq: i64 = diesel::update(tax_feed_counter::table.filter(tax_feed_counter::id.eq(1)))
        .set(tax_feed_counter::last_seq.eq(tax_feed_counter::last_seq + 1))
        .returning(tax_feed_counter::last_seq)
        .get_result(conn)?;
    diesel::insert_into(tax_feed::table)
        .values((
            tax_feed::seq.eq(seq),
            tax_feed::order_id.eq(order_id),
            tax_feed::event.eq(event),
            tax_feed::created_at.eq(now),
        ))
        .execute(conn)?;
    // The unit's own feed learns it in the same transaction.
    crate::events::order(conn, order_id, event, now)?;
    Ok(seq)
}

/// The last cursor of the feed.
pub fn feed_head(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(tax_feed_counter::table
        .select(tax_feed_counter::last_seq)
        .first(conn)?)
}
