//! Reading and updating business items (办件, R-UNDO-1): the unit's records
//! list, one item, later items of the same unit, status changes.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::ids::{BusinessItemId, UnitId};
use crate::rows::BusinessItem;
use crate::schema::business_items;
use crate::{DbConn, DbError};

/// Filters of the unit's records list.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub kinds: Option<Vec<String>>,
    pub status: Option<String>,
    /// Inclusive lower bound of `created_at` (UTC).
    pub created_from: Option<PrimitiveDateTime>,
    /// Exclusive upper bound of `created_at` (UTC).
    pub created_before: Option<PrimitiveDateTime>,
}

/// The unit's items matching `filter`, newest first: one page and the total.
pub fn list_for_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    filter: &ItemFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<BusinessItem>, i64), DbError> {
    let query = || {
        let mut q = business_items::table
            .filter(business_items::unit_id.eq(unit_id))
            .into_boxed();
        if let Some(kinds) = &filter.kinds {
            q = q.filter(business_items::kind.eq_any(kinds.clone()));
        }
        if let Some(status) = &filter.status {
            q = q.filter(business_items::status.eq(status.clone()));
        }
        if let Some(from) = filter.created_from {
            q = q.filter(business_items::created_at.ge(from));
        }
        if let Some(before) = filter.created_before {
            q = q.filter(business_items::created_at.lt(before));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let items = query()
        .order((business_items::created_at.desc(), business_items::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(BusinessItem::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn get(conn: &mut DbConn, id: BusinessItemId) -> Result<Option<BusinessItem>, DbError> {
    Ok(business_items::table
        .find(id)
        .select(BusinessItem::as_select())
        .first(conn)
        .optional()?)
}

/// Items of the unit after `after_id` with one of `kinds` and `status`, oldest first.
pub fn later_items(
    conn: &mut DbConn,
    unit_id: UnitId,
    after_id: BusinessItemId,
    kinds: &[&str],
    status: &str,
) -> Result<Vec<BusinessItem>, DbError> {
    Ok(business_items::table
        .filter(business_items::unit_id.eq(unit_id))
        .filter(business_items::id.gt(after_id))
        .filter(business_items::kind.eq_any(kinds))
        .filter(business_items::status.eq(status))
        .order(business_items::id)
        .select(BusinessItem::as_select())
        .load(conn)?)
}

/// Items with one of `kinds` and `status` (any unit), oldest first.
pub fn items_of_kinds(
    conn: &mut DbConn,
    kinds: &[&str],
    status: &str,
) -> Result<Vec<BusinessItem>, DbError> {
    Ok(business_items::table
        .filter(business_items::kind.eq_any(kinds))
        .filter(business_items::status.eq(status))
        .order(business_items::id)
        .select(BusinessItem::as_select())
        .load(conn)?)
}

/// Moves the item from status `from` to `to`; returns whether it moved (a
/// concurrent change of status makes it 0).
pub fn set_status(
    conn: &mut DbConn,
    id: BusinessItemId,
    from: &str,
    to: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let moved: Option<BusinessItem> = diesel::update(
        business_items::table
            .filter(business_items::id.eq(id))
            .filter(business_items::status.eq(from)),
    )
    .set((
        business_items::status.eq(to),
        business_items::updated_at.eq(now),
    ))
    .returning(business_items::all_columns)
    .get_result(conn)
    .optional()?;
    chained(conn, moved.as_ref())?;
    if let Some(item) = &moved {
        crate::events::items(conn, std::slice::from_ref(item), Some(from), now)?;
    }
    Ok(moved.is_some())
}

/// Appends a changed item's new version to its chain.
pub(crate) fn chained(conn: &mut DbConn, changed: Option<&BusinessItem>) -> Result<(), DbError> {
    if let Some(item) = changed {
        crate::item_chain::append(conn, item, item.updated_at)?;
    }
    Ok(())
}

/// Replaces the item's after-values (completed once its effects are known).
pub fn set_after(
    conn: &mut DbConn,
    id: BusinessItemId,
    after_json: &str,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    let changed: Option<BusinessItem> = diesel::update(business_items::table.find(id))
        .set((
            business_items::after_json.eq(after_json),
            business_items::updated_at.eq(now),
        ))
        .returning(business_items::all_columns)
        .get_result(conn)
        .optional()?;
    chained(conn, changed.as_ref())
}

/// Replaces the after-values of many items (a batch's, completed once
/// their effects are known) and appends the new versions to their chains.
pub fn set_after_many(
    conn: &mut DbConn,
    after: &[(BusinessItemId, String)],
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    let ids: Vec<BusinessItemId> = after.iter().map(|(id, _)| *id).collect();
    match conn {
        // One statement per chunk: the pairs travel as two arrays.
        DbConn::Pg(c) => {
            use diesel::sql_types::{Array, BigInt, Text, Timestamp};
            for chunk in after.chunks(10_000) {
                let ids: Vec<i64> = chunk.iter().map(|(id, _)| id.0).collect();
                let jsons: Vec<&str> = chunk.iter().map(|(_, j)| j.as_str()).collect();
                diesel::sql_query(
                    "UPDATE business_items AS b SET after_json = v.after_json, updated_at = $3 \
                     FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::text[]) AS after_json) AS v \
                     WHERE b.id = v.id",
                )
                .bind::<Array<BigInt>, _>(ids)
                .bind::<Array<Text>, _>(jsons)
                .bind::<Timestamp, _>(now)
                .execute(c)?;
            }
        }
        DbConn::Sqlite(c) => {
            for (id, json) in after {
                diesel::update(business_items::table.find(*id))
                    .set((
                        business_items::after_json.eq(json),
                        business_items::updated_at.eq(now),
                    ))
                    .execute(c)?;
            }
        }
    }
    let mut changed: Vec<BusinessItem> = Vec::with_capacity(after.len());
    for chunk in ids.chunks(10_000) {
        changed.extend(
            business_items::table
                .filter(business_items::id.eq_any(chunk))
                .order(business_items::id)
                .select(BusinessItem::as_select())
                .load(conn)?,
        );
    }
    crate::item_chain::append_many(conn, &changed)
}

/// The unit's newest item id (before a batch, to find what it created).
pub fn max_id(conn: &mut DbConn, unit_id: UnitId) -> Result<Option<BusinessItemId>, DbError> {
    Ok(business_items::table
        .filter(business_items::unit_id.eq(unit_id))
        .select(diesel::dsl::max(business_items::id))
        .first(conn)?)
}

/// The unit's items after `after_id` recorded at `at` by `actor`, oldest
/// first: what a batch created (the batch passes one `now` to each of its
/// actions).
pub fn created_since(
    conn: &mut DbConn,
    unit_id: UnitId,
    after_id: Option<BusinessItemId>,
    actor: &str,
    at: time::PrimitiveDateTime,
) -> Result<Vec<BusinessItemId>, DbError> {
    Ok(business_items::table
        .filter(business_items::unit_id.eq(unit_id))
        .filter(business_items::id.gt(after_id.unwrap_or(BusinessItemId(0))))
        .filter(business_items::actor.eq(actor))
        .filter(business_items::created_at.eq(at))
        .order(business_items::id)
        .select(business_items::id)
        .load(conn)?)
}
