//! Transfers of a pension relation across provinces (issue 16; R-TRANS-1,
//! 2): the requests each way, their steps' dates and what moved. Table in
//! [`crate::schema`], see `migrations/*/2026-12-02-000043_pension_transfers`.

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use crate::ids::{BusinessItemId, PersonId, UnitId};
use crate::schema::pension_transfers;
use crate::{DbConn, DbError};

/// A request number used twice in one direction.
pub const TRANSFER_NO_KEY: &str = "pension_transfers_direction_transfer_no_key";
/// A second open transfer of a person in one direction.
pub const OPEN_KEY: &str = "pension_transfers_person_id_direction_key";

/// Status words (`qibao_core::transfer::TransferStatus`'s codes).
pub const REQUESTED: &str = "requested";
pub const ACCEPTED: &str = "accepted";
pub const COMPLETED: &str = "completed";
pub const REFUSED: &str = "refused";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = pension_transfers)]
pub struct Transfer {
    pub id: i64,
    pub direction: String,
    pub transfer_no: String,
    pub status: String,
    pub person_id: PersonId,
    pub unit_id: Option<UnitId>,
    pub business_item_id: Option<BusinessItemId>,
    pub other_place: String,
    pub other_agency: Option<String>,
    pub id_number: String,
    pub name: String,
    pub requested_on: Date,
    pub due_on: Date,
    pub accepted_on: Option<Date>,
    pub transferred_on: Option<Date>,
    pub recorded_on: Option<Date>,
    pub refused_on: Option<Date>,
    pub refusal: Option<String>,
    pub months: Option<i32>,
    pub account_fen: Option<i64>,
    pub pooled_fen: Option<i64>,
    pub answer_json: Option<String>,
    pub arrived_period: Option<i32>,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = pension_transfers, treat_none_as_default_value = false)]
pub struct NewTransfer {
    pub direction: String,
    pub transfer_no: String,
    pub status: String,
    pub person_id: PersonId,
    pub unit_id: Option<UnitId>,
    pub business_item_id: Option<BusinessItemId>,
    pub other_place: String,
    pub other_agency: Option<String>,
    pub id_number: String,
    pub name: String,
    pub requested_on: Date,
    pub due_on: Date,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A taken number is [`DbError::Conflict`] ([`TRANSFER_NO_KEY`]), a second
/// open transfer too ([`OPEN_KEY`]).
pub fn insert(conn: &mut DbConn, t: &NewTransfer) -> Result<Transfer, DbError> {
    Ok(diesel::insert_into(pension_transfers::table)
        .values(t)
        .returning(pension_transfers::all_columns)
        .get_result(conn)?)
}

/// Transfer `id`.
pub fn get(conn: &mut DbConn, id: i64) -> Result<Option<Transfer>, DbError> {
    Ok(pension_transfers::table
        .filter(pension_transfers::id.eq(id))
        .select(Transfer::as_select())
        .first(conn)
        .optional()?)
}

/// The transfer numbered `no` going `direction`.
pub fn by_no(conn: &mut DbConn, direction: &str, no: &str) -> Result<Option<Transfer>, DbError> {
    Ok(pension_transfers::table
        .filter(pension_transfers::direction.eq(direction))
        .filter(pension_transfers::transfer_no.eq(no))
        .select(Transfer::as_select())
        .first(conn)
        .optional()?)
}

/// Locks a transfer's row until commit (a no-op update), so that two
/// answers to one request run one after the other.
pub fn lock(conn: &mut DbConn, id: i64) -> Result<(), DbError> {
    diesel::update(pension_transfers::table.filter(pension_transfers::id.eq(id)))
        .set(pension_transfers::status.eq(pension_transfers::status))
        .execute(conn)?;
    Ok(())
}

/// The old place accepted the request on `on`.
pub fn accept(conn: &mut DbConn, id: i64, on: Date, now: PrimitiveDateTime) -> Result<(), DbError> {
    diesel::update(pension_transfers::table.filter(pension_transfers::id.eq(id)))
        .set((
            pension_transfers::status.eq(ACCEPTED),
            pension_transfers::accepted_on.eq(Some(on)),
            pension_transfers::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The old place refused on `on`, with its reason.
pub fn refuse(
    conn: &mut DbConn,
    id: i64,
    on: Date,
    reason: &str,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::update(pension_transfers::table.filter(pension_transfers::id.eq(id)))
        .set((
            pension_transfers::status.eq(REFUSED),
            pension_transfers::refused_on.eq(Some(on)),
            pension_transfers::refusal.eq(Some(reason)),
            pension_transfers::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// What a completed transfer moved.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = pension_transfers, treat_none_as_null = true)]
pub struct Completion {
    pub status: String,
    pub transferred_on: Option<Date>,
    pub recorded_on: Option<Date>,
    pub months: Option<i32>,
    pub account_fen: Option<i64>,
    pub pooled_fen: Option<i64>,
    pub answer_json: Option<String>,
    pub arrived_period: Option<i32>,
    pub updated_at: PrimitiveDateTime,
}

/// Marks the transfer completed with what moved.
pub fn complete(conn: &mut DbConn, id: i64, c: &Completion) -> Result<(), DbError> {
    diesel::update(pension_transfers::table.filter(pension_transfers::id.eq(id)))
        .set(c)
        .execute(conn)?;
    Ok(())
}

/// Which transfers a page shows.
#[derive(Debug, Clone, Default)]
pub struct TransferFilter {
    /// The unit's (applied by it, or of its former employee); `None`: all.
    pub unit_id: Option<UnitId>,
    pub direction: Option<String>,
    pub status: Option<String>,
}

/// A page of transfers, newest first, with the total.
pub fn page(
    conn: &mut DbConn,
    f: &TransferFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Transfer>, i64), DbError> {
    let filtered = || {
        let mut q = pension_transfers::table.into_boxed();
        if let Some(u) = f.unit_id {
            q = q.filter(pension_transfers::unit_id.eq(u));
        }
        if let Some(d) = &f.direction {
            q = q.filter(pension_transfers::direction.eq(d.clone()));
        }
        if let Some(s) = &f.status {
            q = q.filter(pension_transfers::status.eq(s.clone()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(pension_transfers::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Transfer::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The platform's feed: transfers going `direction` after id `after`,
/// oldest first.
pub fn feed(
    conn: &mut DbConn,
    direction: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<Transfer>, DbError> {
    Ok(pension_transfers::table
        .filter(pension_transfers::direction.eq(direction))
        .filter(pension_transfers::id.gt(after))
        .order(pension_transfers::id)
        .limit(limit)
        .select(Transfer::as_select())
        .load(conn)?)
}

/// Every transfer of these persons (the same human's numbers), oldest
/// first.
pub fn of_persons(conn: &mut DbConn, persons: &[PersonId]) -> Result<Vec<Transfer>, DbError> {
    Ok(pension_transfers::table
        .filter(pension_transfers::person_id.eq_any(persons))
        .order(pension_transfers::id)
        .select(Transfer::as_select())
        .load(conn)?)
}
