//! The hash chains of the business record (R-UNDO-1, issue 13; the rule is
//! `qibao_core::audit`). Every function that writes a `business_items`
//! row appends the row as stored (read back with `RETURNING`) to its
//! unit's chain in the same transaction, so no write path can skip it.
//!
//! Appends of one chain are serialised on its head row
//! (`INSERT … ON CONFLICT DO UPDATE … RETURNING` locks it until the
//! transaction ends on PostgreSQL; SQLite's write transactions are serial);
//! appends of other units go on in parallel.

use std::collections::BTreeMap;

use diesel::prelude::*;
use qibao_core::audit::{self, ChainCheck, GENESIS, Link};
use qibao_core::canonical::canonical_json;
use serde_json::json;
use time::PrimitiveDateTime;

use crate::ids::UnitId;
use crate::rows::BusinessItem;
use crate::schema::{business_items, item_chain_heads, item_chain_links};
use crate::{DbConn, DbError};

/// The migration that creates the chains (its name contains this).
pub const MIGRATION: &str = "000026_item_chain";

/// The chain of a unit's items; 0 for the items of no unit.
pub fn chain_of(unit_id: Option<UnitId>) -> i64 {
    unit_id.map_or(0, |u| u.0)
}

/// The canonical content of an item as stored: every column.
pub fn canonical_content(item: &BusinessItem) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]"
    );
    let ts = |t: PrimitiveDateTime| t.format(&format).unwrap_or_default();
    canonical_json(&json!({
        "id": item.id.0,
        "unit_id": item.unit_id.map(|u| u.0),
        "kind": item.kind,
        "status": item.status,
        "actor": item.actor,
        "channel": item.channel,
        "before_json": item.before_json,
        "after_json": item.after_json,
        "created_at": ts(item.created_at),
        "updated_at": ts(item.updated_at),
    }))
}

/// SHA-256 of [`canonical_content`].
pub fn content_sha256(item: &BusinessItem) -> String {
    audit::sha256_hex(canonical_content(item).as_bytes())
}

/// A link of a chain as stored ([`crate::bulk::insert_chain_links`]).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = item_chain_links, treat_none_as_default_value = false)]
pub struct NewLink {
    pub chain: i64,
    pub seq: i64,
    pub item_id: i64,
    pub content_sha256: String,
    pub prev_sha256: String,
    pub sha256: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(QueryableByName)]
struct Head {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sha256: String,
}

/// Appends the current version of `item` (as stored) to its chain.
pub fn append(
    conn: &mut DbConn,
    item: &BusinessItem,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    use diesel::sql_types::{BigInt, Text};
    const SQL: &str = "INSERT INTO item_chain_heads (chain, seq, sha256) VALUES ({c}, 0, {g}) \
        ON CONFLICT (chain) DO UPDATE SET seq = item_chain_heads.seq \
        RETURNING seq, sha256";
    let chain = chain_of(item.unit_id);
    let head: Head = match conn {
        DbConn::Pg(c) => diesel::sql_query(SQL.replace("{c}", "$1").replace("{g}", "$2"))
            .bind::<BigInt, _>(chain)
            .bind::<Text, _>(GENESIS)
            .get_result(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(SQL.replace("{c}", "?").replace("{g}", "?"))
            .bind::<BigInt, _>(chain)
            .bind::<Text, _>(GENESIS)
            .get_result(c)?,
    };
    let seq = head.seq + 1;
    let content = content_sha256(item);
    let sha256 = audit::link_hash(chain, seq, item.id.0, &content, &head.sha256);
    diesel::insert_into(item_chain_links::table)
        .values((
            item_chain_links::chain.eq(chain),
            item_chain_links::seq.eq(seq),
            item_chain_links::item_id.eq(item.id.0),
            item_chain_links::content_sha256.eq(&content),
            item_chain_links::prev_sha256.eq(&head.sha256),
            item_chain_links::sha256.eq(&sha256),
            item_chain_links::created_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(item_chain_heads::table.find(chain))
        .set((
            item_chain_heads::seq.eq(seq),
            item_chain_heads::sha256.eq(&sha256),
        ))
        .execute(conn)?;
    Ok(())
}

/// Appends the current versions of `items` (as stored, in this order) to
/// their chains: per chain one head lock, one multi-row insert of the
/// links and one head update, the same links as [`append`] item by item.
pub fn append_many(conn: &mut DbConn, items: &[BusinessItem]) -> Result<(), DbError> {
    use diesel::sql_types::{BigInt, Text};
    const SQL: &str = "INSERT INTO item_chain_heads (chain, seq, sha256) VALUES ({c}, 0, {g}) \
        ON CONFLICT (chain) DO UPDATE SET seq = item_chain_heads.seq \
        RETURNING seq, sha256";
    let mut by_chain: BTreeMap<i64, Vec<&BusinessItem>> = BTreeMap::new();
    for item in items {
        by_chain
            .entry(chain_of(item.unit_id))
            .or_default()
            .push(item);
    }
    for (chain, items) in by_chain {
        let head: Head = match conn {
            DbConn::Pg(c) => diesel::sql_query(SQL.replace("{c}", "$1").replace("{g}", "$2"))
                .bind::<BigInt, _>(chain)
                .bind::<Text, _>(GENESIS)
                .get_result(c)?,
            DbConn::Sqlite(c) => diesel::sql_query(SQL.replace("{c}", "?").replace("{g}", "?"))
                .bind::<BigInt, _>(chain)
                .bind::<Text, _>(GENESIS)
                .get_result(c)?,
        };
        let (mut seq, mut prev) = (head.seq, head.sha256);
        let mut links = Vec::with_capacity(items.len());
        for item in items {
            seq += 1;
            let content = content_sha256(item);
            let sha256 = audit::link_hash(chain, seq, item.id.0, &content, &prev);
            links.push(NewLink {
                chain,
                seq,
                item_id: item.id.0,
                content_sha256: content,
                prev_sha256: prev,
                sha256: sha256.clone(),
                created_at: item.updated_at,
            });
            prev = sha256;
        }
        crate::bulk::insert_chain_links(conn, &links)?;
        diesel::update(item_chain_heads::table.find(chain))
            .set((
                item_chain_heads::seq.eq(seq),
                item_chain_heads::sha256.eq(&prev),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Walks one chain: its links, its head and the items stored in it now.
pub fn verify(conn: &mut DbConn, chain: i64) -> Result<ChainCheck, DbError> {
    let links: Vec<Link> = item_chain_links::table
        .filter(item_chain_links::chain.eq(chain))
        .order(item_chain_links::seq)
        .select((
            item_chain_links::seq,
            item_chain_links::item_id,
            item_chain_links::content_sha256,
            item_chain_links::prev_sha256,
            item_chain_links::sha256,
        ))
        .load::<(i64, i64, String, String, String)>(conn)?
        .into_iter()
        .map(|(seq, item_id, content_sha256, prev_sha256, sha256)| Link {
            seq,
            item_id,
            content_sha256,
            prev_sha256,
            sha256,
        })
        .collect();
    let head: Option<(i64, String)> = item_chain_heads::table
        .find(chain)
        .select((item_chain_heads::seq, item_chain_heads::sha256))
        .first(conn)
        .optional()?;
    let rows: Vec<BusinessItem> = if chain == 0 {
        business_items::table
            .filter(business_items::unit_id.is_null())
            .select(BusinessItem::as_select())
            .load(conn)?
    } else {
        business_items::table
            .filter(business_items::unit_id.eq(UnitId(chain)))
            .select(BusinessItem::as_select())
            .load(conn)?
    };
    let items: BTreeMap<i64, String> = rows.iter().map(|r| (r.id.0, content_sha256(r))).collect();
    Ok(audit::verify_chain(
        chain,
        &links,
        head.as_ref().map(|(s, h)| (*s, h.as_str())),
        &items,
    ))
}

/// Every chain that has a head or an item, ascending (0 first).
pub fn chains(conn: &mut DbConn) -> Result<Vec<i64>, DbError> {
    let mut all: Vec<i64> = item_chain_heads::table
        .select(item_chain_heads::chain)
        .load(conn)?;
    let units: Vec<Option<UnitId>> = business_items::table
        .select(business_items::unit_id)
        .distinct()
        .load(conn)?;
    all.extend(units.into_iter().map(chain_of));
    all.sort_unstable();
    all.dedup();
    Ok(all)
}

/// Chains the items stored before the chains existed, once: when no chain
/// has a head yet, every item is appended in id order. Returns how many.
/// (`qibao migrate` runs it after the migrations; later, an item with no
/// link is one added by hand, and the verification names it.)
pub fn seal_existing(conn: &mut DbConn, now: PrimitiveDateTime) -> Result<usize, DbError> {
    let heads: i64 = item_chain_heads::table.count().get_result(conn)?;
    if heads > 0 {
        return Ok(0);
    }
    let mut sealed = 0;
    let mut after = 0_i64;
    loop {
        let page: Vec<BusinessItem> = business_items::table
            .filter(business_items::id.gt(crate::ids::BusinessItemId(after)))
            .order(business_items::id)
            .limit(1000)
            .select(BusinessItem::as_select())
            .load(conn)?;
        let Some(last) = page.last() else { break };
        after = last.id.0;
        for item in &page {
            append(conn, item, now)?;
        }
        sealed += page.len();
    }
    Ok(sealed)
}
