//! The feed of orders the tax bureau follows (R-PAY-1): every issued,
//! revoked and expired order in cursor order. A poll first closes the live
//! orders past their due date (any unit), so that the feed reports them
//! expired; most polls find none and write nothing.

use std::collections::HashMap;

use qibao_db::ids::UnitId;
use qibao_db::tax as tax_db;
use qibao_db::{DbConn, orders as orders_db};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::clock::CHINA_OFFSET;
use crate::error::AppError;
use crate::orders::OrderWithLines;

/// How many expired orders one sweep step closes per transaction.
const SWEEP_BATCH: i64 = 200;

/// One change of an order the tax bureau must act on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedEntryDto {
    /// The cursor: resume after the last one processed.
    pub seq: i64,
    /// `issued` (collect it), `revoked` or `expired` (stop collecting it).
    pub event: String,
    #[serde(with = "crate::clock::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// The unit's unified social credit code (the taxpayer id).
    pub uscc: String,
    /// The order as it stands: unit, number, lines by person, insurance and
    /// period, totals, due date.
    pub order: OrderWithLines,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedPage {
    pub entries: Vec<FeedEntryDto>,
    /// Pass as `after` next time (the last entry's cursor, or `after` when
    /// there was none).
    pub next_after: i64,
    /// More entries wait after this page.
    pub has_more: bool,
}

fn china(t: PrimitiveDateTime) -> OffsetDateTime {
    t.assume_utc().to_offset(CHINA_OFFSET)
}

/// Closes every live order past its due date (any unit), so that the feed
/// reports them expired; in batches, each its own transaction.
pub fn sweep_expired(
    conn: &mut DbConn,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<usize, AppError> {
    // Most reads find nothing to expire: look before taking a write lock.
    if tax_db::overdue_live_all(conn, today, 1)?.is_empty() {
        return Ok(0);
    }
    let mut closed = 0;
    loop {
        let n = crate::tx::transaction(conn, |c| {
            let due = tax_db::overdue_live_all(c, today, SWEEP_BATCH)?;
            let mut n = 0;
            for o in &due {
                if orders_db::close(c, o.id, orders_db::EXPIRED, now)? {
                    n += 1;
                }
            }
            Ok::<_, AppError>((n, due.len()))
        })?;
        closed += n.0;
        if i64::try_from(n.1).unwrap_or(0) < SWEEP_BATCH {
            return Ok(closed);
        }
    }
}

/// The page of the feed after cursor `after` (at most `limit` entries):
/// the overdue orders expire first, then the page is read from one snapshot.
pub fn page(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<FeedPage, AppError> {
    sweep_expired(conn, today, now)?;
    crate::tx::read_transaction(conn, |c| {
        let rows = tax_db::feed_after(c, after, limit + 1)?;
        let has_more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
        let mut units: HashMap<UnitId, qibao_db::rows::Unit> = HashMap::new();
        let mut entries = Vec::with_capacity(rows.len());
        for (entry, order) in rows.into_iter().take(usize::try_from(limit).unwrap_or(0)) {
            let unit = match units.entry(order.unit_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(qibao_db::employees::get_unit(c, order.unit_id)?)
                }
            };
            entries.push(FeedEntryDto {
                seq: entry.seq,
                event: entry.event,
                recorded_at: china(entry.created_at),
                uscc: unit.uscc.clone(),
                order: crate::orders::load(c, unit, &order)?,
            });
        }
        Ok::<_, AppError>(FeedPage {
            next_after: entries.last().map_or(after, |e| e.seq),
            entries,
            has_more,
        })
    })
}
