//! Payment orders (应缴认定单, R-DECL-4…6) and their lines. A line is on at most one live order:
//! the partial unique index [`LIVE_LINE_KEY`] refuses a second.
//!
//! Reads of an order never load every line: its sums by insurance, kind
//! and period are stored with it (`order_sums`, written by
//! [`crate::bulk::insert_order_sums`] in the issuing transaction, read by
//! [`line_groups`]), its lines come a
//! page at a time ([`lines_page`]), the unit's arrears summed by period in
//! SQL ([`arrears_by_period`]).

use diesel::prelude::*;
use qibao_core::Period;
use qibao_core::employment::AssessmentKind;
use qibao_core::insurance::Insurance;
use qibao_core::payment::OrderState;
use time::{Date, PrimitiveDateTime};

use crate::assessments::{BILLED, PENDING};
use crate::ids::{AssessmentId, OrderId, OrderLineId, UnitId};
use crate::schema::{assessments, order_lines, order_sums, orders, persons};
use crate::typed::Stored;
use crate::{DbConn, DbError};

pub const ORDER_NO_KEY: &str = "orders_order_no_key";
pub const LIVE_LINE_KEY: &str = "order_lines_assessment_id_key";

pub const LIVE: &str = "live";
pub const PAID: &str = "paid";
pub const EXPIRED: &str = "expired";
pub const REVOKED: &str = "revoked";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = orders)]
pub struct Order {
    pub id: OrderId,
    pub order_no: String,
    pub unit_id: UnitId,
    #[diesel(deserialize_as = String)]
    pub status: OrderState,
    pub agency: String,
    pub issue_date: Date,
    pub due_date: Date,
    pub unit_fen: i64,
    pub individual_fen: i64,
    pub interest_fen: i64,
    pub late_fee_fen: i64,
    pub total_fen: i64,
    pub issued_by: String,
    pub created_at: PrimitiveDateTime,
    pub closed_at: Option<PrimitiveDateTime>,
    /// Progress (R-PAY-1): 税务开票, 税务登账 (the bank's time), 社保登账, 实收分配.
    pub invoiced_at: Option<PrimitiveDateTime>,
    pub invoice_no: Option<String>,
    pub tax_booked_at: Option<PrimitiveDateTime>,
    pub booked_at: Option<PrimitiveDateTime>,
    pub allocated_at: Option<PrimitiveDateTime>,
    /// The tax serial of the booked payment.
    pub paid_serial: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = orders)]
pub struct NewOrder {
    pub order_no: String,
    pub unit_id: UnitId,
    pub status: String,
    pub agency: String,
    pub issue_date: Date,
    pub due_date: Date,
    pub unit_fen: i64,
    pub individual_fen: i64,
    pub interest_fen: i64,
    pub late_fee_fen: i64,
    pub total_fen: i64,
    pub issued_by: String,
    pub created_at: PrimitiveDateTime,
    pub closed_at: Option<PrimitiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = order_lines)]
pub struct OrderLine {
    pub id: OrderLineId,
    pub order_id: OrderId,
    pub assessment_id: AssessmentId,
    pub live: bool,
    pub interest_fen: i64,
    pub interest_days: i64,
    pub interest_detail: String,
    pub late_fee_fen: i64,
    pub late_fee_days: i64,
    pub late_fee_rate_ppm: i64,
    pub late_fee_from: Option<Date>,
    pub late_fee_note: Option<String>,
}

/// `None` is written as NULL (not DEFAULT), which batch inserts and COPY need.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = order_lines, treat_none_as_default_value = false)]
pub struct NewOrderLine {
    pub order_id: OrderId,
    pub assessment_id: AssessmentId,
    pub live: bool,
    pub interest_fen: i64,
    pub interest_days: i64,
    pub interest_detail: String,
    pub late_fee_fen: i64,
    pub late_fee_days: i64,
    pub late_fee_rate_ppm: i64,
    pub late_fee_from: Option<Date>,
    pub late_fee_note: Option<String>,
}

/// The unit's pending lines (any kind), by period, person, insurance.
pub fn pending_lines(
    conn: &mut DbConn,
    unit_id: UnitId,
) -> Result<Vec<crate::assessments::Assessment>, DbError> {
    Ok(assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::unpaid.eq(true))
        .filter(assessments::status.eq(PENDING))
        .order((
            assessments::period,
            assessments::person_id,
            assessments::insurance,
        ))
        .select(crate::assessments::Assessment::as_select())
        .load(conn)?)
}

/// The unit's pending lines of one month, insurance and kind, counted and
/// summed.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct PendingGroup {
    #[diesel(sql_type = diesel::sql_types::Integer, deserialize_as = Stored<Period>)]
    pub period: Period,
    #[diesel(sql_type = diesel::sql_types::Text, deserialize_as = Stored<Insurance>)]
    pub insurance: Insurance,
    #[diesel(sql_type = diesel::sql_types::Text, deserialize_as = Stored<AssessmentKind>)]
    pub kind: AssessmentKind,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub lines: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub unit_fen: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub individual_fen: i64,
}

/// The unit's pending lines by month, insurance and kind (one statement), so an
/// issue can bill the months that accrue nothing without reading their lines.
pub fn pending_groups(conn: &mut DbConn, unit_id: UnitId) -> Result<Vec<PendingGroup>, DbError> {
    use diesel::sql_types::BigInt;
    const SQL: &str = "SELECT period, insurance, kind, COUNT(*) AS lines, \
        CAST(SUM(unit_fen) AS BIGINT) AS unit_fen, \
        CAST(SUM(individual_fen) AS BIGINT) AS individual_fen \
        FROM assessments WHERE unit_id = {u} AND unpaid AND status = 'pending' \
        GROUP BY period, insurance, kind ORDER BY period, insurance, kind";
    Ok(match conn {
        DbConn::Pg(c) => diesel::sql_query(SQL.replace("{u}", "$1"))
            .bind::<BigInt, _>(unit_id)
            .load(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(SQL.replace("{u}", "?"))
            .bind::<BigInt, _>(unit_id)
            .load(c)?,
    })
}

/// The unit's pending lines of these months, by period, person, insurance.
pub fn pending_lines_of_periods(
    conn: &mut DbConn,
    unit_id: UnitId,
    periods: &[i32],
) -> Result<Vec<crate::assessments::Assessment>, DbError> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    Ok(assessments::table
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::unpaid.eq(true))
        .filter(assessments::status.eq(PENDING))
        .filter(assessments::period.eq_any(periods))
        .order((
            assessments::period,
            assessments::person_id,
            assessments::insurance,
        ))
        .select(crate::assessments::Assessment::as_select())
        .load(conn)?)
}

#[derive(QueryableByName)]
struct SeqRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    last_seq: i64,
}

/// The next sequence number of the order numbers starting with `prefix`
/// (the issue second, 14 digits), from its counter row: a concurrent issue
/// of the same second waits for this transaction instead of colliding.
pub fn next_order_seq(conn: &mut DbConn, prefix: &str) -> Result<i64, DbError> {
    use diesel::sql_types::Text;
    const UPSERT: &str = "INSERT INTO order_no_counters (prefix, last_seq) VALUES ({p}, 1) \
        ON CONFLICT (prefix) DO UPDATE SET last_seq = order_no_counters.last_seq + 1 \
        RETURNING last_seq";
    let row: SeqRow = match conn {
        DbConn::Pg(c) => diesel::sql_query(UPSERT.replace("{p}", "$1"))
            .bind::<Text, _>(prefix)
            .get_result(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(UPSERT.replace("{p}", "?"))
            .bind::<Text, _>(prefix)
            .get_result(c)?,
    };
    Ok(row.last_seq)
}

/// An order number taken already is [`DbError::Conflict`] ([`ORDER_NO_KEY`]).
/// The caller appends the feed entry ([`crate::feed::append_feed`]) as the
/// last step of its transaction.
pub fn insert_order(conn: &mut DbConn, o: &NewOrder) -> Result<Order, DbError> {
    Ok(diesel::insert_into(orders::table)
        .values(o)
        .returning(orders::all_columns)
        .get_result(conn)?)
}

/// A line already on a live order is [`DbError::Conflict`] ([`LIVE_LINE_KEY`]).
pub fn insert_line(conn: &mut DbConn, l: &NewOrderLine) -> Result<OrderLine, DbError> {
    Ok(diesel::insert_into(order_lines::table)
        .values(l)
        .returning(order_lines::all_columns)
        .get_result(conn)?)
}

pub fn find_by_no(
    conn: &mut DbConn,
    unit_id: UnitId,
    order_no: &str,
) -> Result<Option<Order>, DbError> {
    Ok(orders::table
        .filter(orders::unit_id.eq(unit_id))
        .filter(orders::order_no.eq(order_no))
        .select(Order::as_select())
        .first(conn)
        .optional()?)
}

pub fn lines_of(conn: &mut DbConn, order_id: OrderId) -> Result<Vec<OrderLine>, DbError> {
    Ok(order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .order(order_lines::id)
        .select(OrderLine::as_select())
        .load(conn)?)
}

/// The status an order list is filtered by, as a reader sees it on a day:
/// a live order past its due date counts as expired (R-DECL-4; the rule is
/// `qibao_core::payment::OrderState::as_of`, mirrored here in SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Live and not past its due date.
    Live,
    Paid,
    /// Expired, or live past its due date.
    Expired,
    Revoked,
}

/// The unit's orders, newest first, optionally of one status as seen on
/// `today`; with the total count. Two statements.
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    status: Option<StatusFilter>,
    ids: Option<&[OrderId]>,
    today: Date,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Order>, i64), DbError> {
    let query = || {
        let mut q = orders::table
            .filter(orders::unit_id.eq(unit_id))
            .into_boxed();
        match status {
            None => {}
            Some(StatusFilter::Live) => {
                q = q
                    .filter(orders::status.eq(LIVE))
                    .filter(orders::due_date.ge(today));
            }
            Some(StatusFilter::Paid) => q = q.filter(orders::status.eq(PAID)),
            Some(StatusFilter::Revoked) => q = q.filter(orders::status.eq(REVOKED)),
            Some(StatusFilter::Expired) => {
                q = q.filter(
                    orders::status
                        .eq(EXPIRED)
                        .or(orders::status.eq(LIVE).and(orders::due_date.lt(today))),
                );
            }
        }
        if let Some(ids) = ids {
            q = q.filter(orders::id.eq_any(ids.to_vec()));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows = query()
        .order(orders::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Order::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The sums of an order's lines of one insurance, kind and period.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = order_sums)]
pub struct LineGroup {
    pub insurance: String,
    pub kind: String,
    pub period: i32,
    pub lines: i64,
    pub unit_fen: i64,
    pub individual_fen: i64,
    pub interest_fen: i64,
    pub late_fee_fen: i64,
}

/// `$n` placeholders (PostgreSQL) as `?` (SQLite): each `$n` must appear
/// once, in order.
pub(crate) fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// An order's sums of one insurance, kind and period, to store with it
/// ([`crate::bulk::insert_order_sums`]).
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = order_sums, treat_none_as_default_value = false)]
pub struct NewOrderSum {
    pub order_id: OrderId,
    pub insurance: String,
    pub kind: String,
    pub period: i32,
    pub lines: i64,
    pub unit_fen: i64,
    pub individual_fen: i64,
    pub interest_fen: i64,
    pub late_fee_fen: i64,
}

impl NewOrderSum {
    /// The row of `group` for order `order_id`.
    pub fn of(order_id: OrderId, group: &LineGroup) -> NewOrderSum {
        NewOrderSum {
            order_id,
            insurance: group.insurance.clone(),
            kind: group.kind.clone(),
            period: group.period,
            lines: group.lines,
            unit_fen: group.unit_fen,
            individual_fen: group.individual_fen,
            interest_fen: group.interest_fen,
            late_fee_fen: group.late_fee_fen,
        }
    }
}

/// An order's stored sums by insurance, kind and period (a few rows
/// whatever the order's size), by period, insurance, kind.
pub fn line_groups(conn: &mut DbConn, order_id: OrderId) -> Result<Vec<LineGroup>, DbError> {
    Ok(order_sums::table
        .filter(order_sums::order_id.eq(order_id))
        .order((order_sums::period, order_sums::insurance, order_sums::kind))
        .select(LineGroup::as_select())
        .load(conn)?)
}

/// One line of an order with its assessment line and its person's number
/// and name.
pub type LineRow = (OrderLine, crate::assessments::Assessment, (String, String));

/// A page of the order's lines in line order (`offset`, `limit`), with
/// the line's assessment and its person's number and name; `total` is the
/// order's number of lines (from its sums). An order's lines are written
/// together when it is issued, so their ids are normally consecutive: when
/// the first and last id span exactly `total` ids, the page starts at
/// `first + offset` (two index probes); otherwise it skips `offset` entries
/// of the `(order_id, id)` index. Either way one page reads 20 rows.
pub fn lines_page(
    conn: &mut DbConn,
    order_id: OrderId,
    total: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<LineRow>, DbError> {
    if offset >= total {
        return Ok(Vec::new());
    }
    // Two scalar subqueries, one probe each: SQLite answers `MIN` and `MAX`
    // from the index only when each stands alone in its query (together
    // they scan the order's 150,000 index entries, 10-25 ms).
    let of_order = || order_lines::table.filter(order_lines::order_id.eq(order_id));
    let (lo, hi): (Option<OrderLineId>, Option<OrderLineId>) = diesel::select((
        of_order()
            .select(diesel::dsl::min(order_lines::id))
            .single_value(),
        of_order()
            .select(diesel::dsl::max(order_lines::id))
            .single_value(),
    ))
    .get_result(conn)?;
    let first = match (lo, hi) {
        (Some(lo), Some(hi)) if hi.0 - lo.0 + 1 == total => Some(OrderLineId(lo.0 + offset)),
        (Some(_), Some(_)) => order_lines::table
            .filter(order_lines::order_id.eq(order_id))
            .order(order_lines::id)
            .select(order_lines::id)
            .offset(offset)
            .first(conn)
            .optional()?,
        _ => None,
    };
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    Ok(order_lines::table
        .inner_join(assessments::table.inner_join(persons::table))
        .filter(order_lines::order_id.eq(order_id))
        .filter(order_lines::id.ge(first))
        .order(order_lines::id)
        .limit(limit)
        .select((
            OrderLine::as_select(),
            crate::assessments::Assessment::as_select(),
            (persons::person_no, persons::name),
        ))
        .load(conn)?)
}

/// What a unit owes for one period: its unpaid (pending or billed) lines
/// summed, and the billed part (on an order still live on `today`).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ArrearsRow {
    #[diesel(sql_type = diesel::sql_types::Integer, deserialize_as = Stored<Period>)]
    pub period: Period,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub unit_fen: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub individual_fen: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub billed_fen: i64,
}

/// The unit's unpaid lines summed by period, in one statement. A billed
/// line counts as billed unless its order is live past its due date: such
/// an order is expired (R-DECL-4), its lines free (R-DECL-5), so they count
/// as pending even before a writer has closed it.
pub fn arrears_by_period(
    conn: &mut DbConn,
    unit_id: UnitId,
    today: Date,
) -> Result<Vec<ArrearsRow>, DbError> {
    use diesel::sql_types::{BigInt, Date as SqlDate};
    const SQL: &str = "SELECT a.period AS period, \
        CAST(SUM(a.unit_fen) AS BIGINT) AS unit_fen, \
        CAST(SUM(a.individual_fen) AS BIGINT) AS individual_fen, \
        CAST(SUM(CASE WHEN a.status = 'billed' AND o.id IS NULL \
            THEN a.unit_fen + a.individual_fen ELSE 0 END) AS BIGINT) AS billed_fen \
        FROM assessments a \
        LEFT JOIN order_lines l ON l.assessment_id = a.id AND l.live = TRUE \
        LEFT JOIN orders o ON o.id = l.order_id AND o.status = 'live' AND o.due_date < $1 \
        WHERE a.unit_id = $2 AND a.unpaid \
        GROUP BY a.period ORDER BY a.period";
    Ok(match conn {
        DbConn::Pg(c) => diesel::sql_query(SQL)
            .bind::<SqlDate, _>(today)
            .bind::<BigInt, _>(unit_id)
            .load(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(sqlite_placeholders(SQL))
            .bind::<SqlDate, _>(today)
            .bind::<BigInt, _>(unit_id)
            .load(c)?,
    })
}

/// Ids of the unit's orders with a line of `period`.
pub fn order_ids_with_period(
    conn: &mut DbConn,
    unit_id: UnitId,
    period: i32,
) -> Result<Vec<OrderId>, DbError> {
    Ok(order_lines::table
        .inner_join(assessments::table)
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::period.eq(period))
        .select(order_lines::order_id)
        .distinct()
        .load(conn)?)
}

/// The unit's live orders whose due date is before `today`.
pub fn overdue_live(
    conn: &mut DbConn,
    unit_id: UnitId,
    today: Date,
) -> Result<Vec<Order>, DbError> {
    Ok(orders::table
        .filter(orders::unit_id.eq(unit_id))
        .filter(orders::status.eq(LIVE))
        .filter(orders::due_date.lt(today))
        .select(Order::as_select())
        .load(conn)?)
}

/// Closes a live order (expired or revoked) and frees its lines: the order
/// lines stop being live and the assessment lines go billed → pending; the
/// tax bureau's feed gets the change. Returns false when the order was no
/// longer live.
pub fn close(
    conn: &mut DbConn,
    order_id: OrderId,
    to: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    // The feed's counter first, then the order: every path that locks both
    // takes them in this order (no deadlock on PostgreSQL).
    crate::feed::lock_feed(conn)?;
    // A unit cannot revoke what the tax bureau has invoiced (checked here,
    // in the same statement, against a concurrent invoice).
    let target = orders::table
        .filter(orders::id.eq(order_id))
        .filter(orders::status.eq(LIVE));
    let moved = if to == REVOKED {
        diesel::update(target.filter(orders::invoiced_at.is_null()))
            .set((orders::status.eq(to), orders::closed_at.eq(Some(now))))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((orders::status.eq(to), orders::closed_at.eq(Some(now))))
            .execute(conn)?
    };
    if moved == 0 {
        return Ok(false);
    }
    // The lines first (while the order's lines are still live), then the
    // order's lines: two statements whatever the order's size.
    let on_order = order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .filter(order_lines::live.eq(true))
        .select(order_lines::assessment_id);
    diesel::update(
        assessments::table
            .filter(assessments::id.eq_any(on_order))
            .filter(assessments::status.eq(BILLED)),
    )
    .set((
        assessments::status.eq(PENDING),
        assessments::updated_at.eq(now),
    ))
    .execute(conn)?;
    diesel::update(order_lines::table.filter(order_lines::order_id.eq(order_id)))
        .set(order_lines::live.eq(false))
        .execute(conn)?;
    crate::feed::append_feed(conn, order_id, to, now)?;
    Ok(true)
}

/// Moves every pending line of the unit to billed, in one statement;
/// returns how many moved. The issuing transaction has just put each of the
/// pending lines it read on its order: a count other than theirs means a
/// concurrent change (a line declared meanwhile), and the caller retries.
pub fn bill_pending(
    conn: &mut DbConn,
    unit_id: UnitId,
    now: PrimitiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        assessments::table
            .filter(assessments::unit_id.eq(unit_id))
            .filter(assessments::unpaid.eq(true))
            .filter(assessments::status.eq(PENDING)),
    )
    .set((
        assessments::status.eq(BILLED),
        assessments::updated_at.eq(now),
    ))
    .execute(conn)?)
}
