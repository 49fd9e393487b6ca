//! Business items (办件, R-UNDO-1, R-UNIT-1, ENGINEERING convention 5): every
//! state change of a unit is recorded once, with who, when, the channel and
//! the before/after values. Change history and undo read from here.

use qibao_core::business_item::BusinessItemKind;
use qibao_db::DbConn;
use qibao_db::ids::UnitId;
use qibao_db::rows::{BusinessItem, NewBusinessItem};
use serde_json::Value;
use time::PrimitiveDateTime;

use crate::actor::AsActor;
use crate::error::AppError;

/// Status of a business item that is in effect.
pub const DONE: &str = "done";
/// Status of a revoked business item.
pub const REVOKED: &str = "revoked";

/// What to record.
#[derive(Debug, Clone)]
pub struct ItemRecord<'a> {
    pub unit_id: Option<UnitId>,
    /// What kind of business item (stored as its code).
    pub kind: BusinessItemKind,
    /// `done`, `pending_review`, `approved`, `rejected`, `revoked`…
    pub status: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Records many business items at once (a batch's), in this order, in the
/// caller's transaction; returns them as stored.
pub fn record_many(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    records: Vec<ItemRecord<'_>>,
    now: PrimitiveDateTime,
) -> Result<Vec<BusinessItem>, AppError> {
    let who = who.as_actor();
    let rows: Vec<NewBusinessItem> = records
        .into_iter()
        .map(|item| NewBusinessItem {
            unit_id: item.unit_id,
            kind: item.kind.code().to_owned(),
            status: item.status.to_owned(),
            actor: who.name.clone(),
            channel: who.channel.as_str().to_owned(),
            before_json: item.before.map(|v| v.to_string()),
            after_json: item.after.map(|v| v.to_string()),
            created_at: now,
            updated_at: now,
        })
        .collect();
    Ok(qibao_db::bulk::insert_business_items(conn, &rows)?)
}

/// Records a business item in the caller's transaction.
pub fn record(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    item: ItemRecord<'_>,
    now: PrimitiveDateTime,
) -> Result<BusinessItem, AppError> {
    let who = who.as_actor();
    Ok(qibao_db::repo::insert_business_item(
        conn,
        &NewBusinessItem {
            unit_id: item.unit_id,
            kind: item.kind.code().to_owned(),
            status: item.status.to_owned(),
            actor: who.name,
            channel: who.channel.as_str().to_owned(),
            before_json: item.before.map(|v| v.to_string()),
            after_json: item.after.map(|v| v.to_string()),
            created_at: now,
            updated_at: now,
        },
    )?)
}
