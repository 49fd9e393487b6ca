//! Storage of supporting materials (材料), the review queue (审核任务) and
//! the key information of a unit (R-UNIT-2). The tables are declared in
//! [`crate::schema`] with all others (see `migrations/*/2026-11-27-000005_review`).
//!
//! - `materials`: uploaded files (content in a BLOB / BYTEA column, so every
//!   API instance serves them); [`MaterialMeta`] reads everything but the
//!   content.
//! - `business_item_materials`: which materials support which business item.
//! - `review_tasks` / `review_task_events`: one task per business item that
//!   needs a reviewer, and every step of it, timed and attributed.
//! - [`unit_key`]: the key-information columns of `units`, including
//!   `legal_rep_phone` (added by the units migration).

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::ids::{BusinessItemId, MaterialId, ReviewTaskId, UnitId};
use crate::rows::BusinessItem;
use crate::schema::{
    business_item_materials, business_items, materials, review_task_events, review_tasks, units,
};
use crate::{DbConn, DbError};

pub mod unit_key {
    //! The key-information columns of `units` (R-UNIT-2), read and written
    //! through explicit column lists ([`UnitKeyInfo`] selects, [`UnitKeyChanges`]
    //! sets) on the one declaration of `units` in [`crate::schema`], because
    //! `legal_rep_phone` is not part of [`crate::rows::Unit`].

    use diesel::prelude::*;
    use time::PrimitiveDateTime;

    use crate::schema::units;

    /// A unit's key information as stored.
    #[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
    #[diesel(table_name = units)]
    pub struct UnitKeyInfo {
        pub id: crate::ids::UnitId,
        pub unit_no: String,
        pub uscc: String,
        pub name: String,
        pub legal_rep_name: String,
        pub legal_rep_id_type: String,
        pub legal_rep_id_number: String,
        pub legal_rep_phone: Option<String>,
    }

    /// The fields to change; `None` leaves a field as it is.
    #[derive(Debug, Clone, Default, PartialEq, Eq, AsChangeset)]
    #[diesel(table_name = units)]
    pub struct UnitKeyChanges {
        pub uscc: Option<String>,
        pub name: Option<String>,
        pub legal_rep_name: Option<String>,
        pub legal_rep_id_type: Option<String>,
        pub legal_rep_id_number: Option<String>,
        pub legal_rep_phone: Option<String>,
        pub updated_at: Option<PrimitiveDateTime>,
    }
}

use unit_key::{UnitKeyChanges, UnitKeyInfo};

/// Task statuses (`review_tasks.status`).
pub mod status {
    pub const OPEN: &str = "open";
    pub const CLAIMED: &str = "claimed";
    pub const APPROVED: &str = "approved";
    pub const REJECTED: &str = "rejected";
    pub const ALL: [&str; 4] = [OPEN, CLAIMED, APPROVED, REJECTED];
}

/// A material without its content.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = materials)]
pub struct MaterialMeta {
    pub id: MaterialId,
    pub unit_id: UnitId,
    pub media_type: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub description: Option<String>,
    pub uploaded_by: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = materials)]
pub struct NewMaterial {
    pub unit_id: UnitId,
    pub media_type: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub description: Option<String>,
    pub content: Vec<u8>,
    pub uploaded_by: String,
    pub created_at: PrimitiveDateTime,
}

/// A review task.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = review_tasks)]
pub struct ReviewTask {
    pub id: ReviewTaskId,
    pub business_item_id: BusinessItemId,
    pub unit_id: UnitId,
    pub kind: String,
    pub required_role: String,
    pub status: String,
    pub payload_json: String,
    pub open_key: Option<String>,
    pub claimed_by: Option<String>,
    pub claimed_at: Option<PrimitiveDateTime>,
    pub decided_by: Option<String>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub reason: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = review_tasks)]
pub struct NewReviewTask {
    pub business_item_id: BusinessItemId,
    pub unit_id: UnitId,
    pub kind: String,
    pub required_role: String,
    pub status: String,
    pub payload_json: String,
    pub open_key: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// One step of a task.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = review_task_events)]
pub struct TaskEvent {
    pub id: i64,
    pub task_id: ReviewTaskId,
    pub event: String,
    pub actor: String,
    pub at: PrimitiveDateTime,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = review_task_events)]
pub struct NewTaskEvent {
    pub task_id: ReviewTaskId,
    pub event: String,
    pub actor: String,
    pub at: PrimitiveDateTime,
    pub note: Option<String>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only tasks that need one of these roles (`review_tasks.required_role`).
    pub roles: Vec<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    /// Only tasks of this unit.
    pub unit_id: Option<UnitId>,
}

/// `LIMIT`/`OFFSET` of a page, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageReq {
    pub page: i64,
    pub page_size: i64,
}

impl PageReq {
    pub fn offset(self) -> i64 {
        (self.page.max(1) - 1) * self.page_size
    }
}

// ---------------------------------------------------------------- materials

pub fn insert_material(conn: &mut DbConn, m: &NewMaterial) -> Result<MaterialMeta, DbError> {
    let id: MaterialId = diesel::insert_into(materials::table)
        .values(m)
        .returning(materials::id)
        .get_result(conn)?;
    get_material(conn, id)
}

pub fn get_material(conn: &mut DbConn, id: MaterialId) -> Result<MaterialMeta, DbError> {
    Ok(materials::table
        .find(id)
        .select(MaterialMeta::as_select())
        .get_result(conn)?)
}

/// The material and its bytes.
pub fn get_material_content(
    conn: &mut DbConn,
    id: MaterialId,
) -> Result<(MaterialMeta, Vec<u8>), DbError> {
    Ok(materials::table
        .find(id)
        .select((MaterialMeta::as_select(), materials::content))
        .get_result(conn)?)
}

/// A unit's materials, newest first, and how many there are.
pub fn list_materials_for_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    page: PageReq,
) -> Result<(Vec<MaterialMeta>, i64), DbError> {
    let total: i64 = materials::table
        .filter(materials::unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    let rows = materials::table
        .filter(materials::unit_id.eq(unit_id))
        .order(materials::id.desc())
        .limit(page.page_size)
        .offset(page.offset())
        .select(MaterialMeta::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The materials with these ids (any unit), by id.
pub fn get_materials(conn: &mut DbConn, ids: &[MaterialId]) -> Result<Vec<MaterialMeta>, DbError> {
    Ok(materials::table
        .filter(materials::id.eq_any(ids))
        .order(materials::id)
        .select(MaterialMeta::as_select())
        .load(conn)?)
}

/// Links a material to a business item; the same pair twice is
/// [`DbError::Conflict`] (`business_item_materials_business_item_id_material_id_key`).
pub fn link_material(
    conn: &mut DbConn,
    business_item_id: BusinessItemId,
    material_id: MaterialId,
) -> Result<(), DbError> {
    diesel::insert_into(business_item_materials::table)
        .values((
            business_item_materials::business_item_id.eq(business_item_id),
            business_item_materials::material_id.eq(material_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// The materials supporting a business item, in the order they were linked.
pub fn materials_of_item(
    conn: &mut DbConn,
    business_item_id: BusinessItemId,
) -> Result<Vec<MaterialMeta>, DbError> {
    let ids: Vec<MaterialId> = business_item_materials::table
        .filter(business_item_materials::business_item_id.eq(business_item_id))
        .order(business_item_materials::id)
        .select(business_item_materials::material_id)
        .load(conn)?;
    let mut found = get_materials(conn, &ids)?;
    found.sort_by_key(|m| ids.iter().position(|id| *id == m.id));
    Ok(found)
}

// ------------------------------------------------------------ review tasks

pub fn insert_task(conn: &mut DbConn, task: &NewReviewTask) -> Result<ReviewTask, DbError> {
    Ok(diesel::insert_into(review_tasks::table)
        .values(task)
        .returning(review_tasks::all_columns)
        .get_result(conn)?)
}

pub fn get_task(conn: &mut DbConn, id: ReviewTaskId) -> Result<ReviewTask, DbError> {
    Ok(review_tasks::table
        .find(id)
        .select(ReviewTask::as_select())
        .get_result(conn)?)
}

pub fn get_task_by_item(
    conn: &mut DbConn,
    business_item_id: BusinessItemId,
) -> Result<ReviewTask, DbError> {
    Ok(review_tasks::table
        .filter(review_tasks::business_item_id.eq(business_item_id))
        .select(ReviewTask::as_select())
        .get_result(conn)?)
}

type Backend = <DbConn as diesel::Connection>::Backend;
type BoxedTasks<'a> = review_tasks::BoxedQuery<'a, Backend>;

fn filtered(f: &TaskFilter) -> BoxedTasks<'_> {
    let mut q = review_tasks::table
        .filter(review_tasks::required_role.eq_any(&f.roles))
        .into_boxed();
    if let Some(s) = &f.status {
        q = q.filter(review_tasks::status.eq(s));
    }
    if let Some(k) = &f.kind {
        q = q.filter(review_tasks::kind.eq(k));
    }
    if let Some(u) = f.unit_id {
        q = q.filter(review_tasks::unit_id.eq(u));
    }
    q
}

/// Tasks matching `filter`, oldest first (a queue), and how many match.
pub fn list_tasks(
    conn: &mut DbConn,
    filter: &TaskFilter,
    page: PageReq,
) -> Result<(Vec<ReviewTask>, i64), DbError> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let rows = filtered(filter)
        .order(review_tasks::id)
        .limit(page.page_size)
        .offset(page.offset())
        .select(ReviewTask::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The unit's undecided task of a one-per-unit kind, if any.
pub fn open_task_of_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    kind: &str,
) -> Result<Option<ReviewTask>, DbError> {
    Ok(review_tasks::table
        .filter(review_tasks::unit_id.eq(unit_id))
        .filter(review_tasks::open_key.eq(kind))
        .select(ReviewTask::as_select())
        .first(conn)
        .optional()?)
}

/// The tasks of a unit of one kind, newest first.
pub fn list_unit_tasks(
    conn: &mut DbConn,
    unit_id: UnitId,
    kind: &str,
    page: PageReq,
) -> Result<(Vec<ReviewTask>, i64), DbError> {
    let q = || {
        review_tasks::table
            .filter(review_tasks::unit_id.eq(unit_id))
            .filter(review_tasks::kind.eq(kind))
    };
    let total: i64 = q().count().get_result(conn)?;
    let rows = q()
        .order(review_tasks::id.desc())
        .limit(page.page_size)
        .offset(page.offset())
        .select(ReviewTask::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// `open` → `claimed` by `actor`, only if the task is still open: one
/// conditional UPDATE, so of concurrent claims exactly one wins. Returns
/// whether this call claimed it.
pub fn claim_task(
    conn: &mut DbConn,
    id: ReviewTaskId,
    actor: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        review_tasks::table
            .find(id)
            .filter(review_tasks::status.eq(status::OPEN)),
    )
    .set((
        review_tasks::status.eq(status::CLAIMED),
        review_tasks::claimed_by.eq(Some(actor)),
        review_tasks::claimed_at.eq(Some(now)),
        review_tasks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// `claimed` by `actor` → `open` again. Returns whether it was.
pub fn release_task(
    conn: &mut DbConn,
    id: ReviewTaskId,
    actor: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        review_tasks::table
            .find(id)
            .filter(review_tasks::status.eq(status::CLAIMED))
            .filter(review_tasks::claimed_by.eq(actor)),
    )
    .set((
        review_tasks::status.eq(status::OPEN),
        review_tasks::claimed_by.eq(None::<String>),
        review_tasks::claimed_at.eq(None::<PrimitiveDateTime>),
        review_tasks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// `claimed` by `actor` → `approved` / `rejected` (`decision`), with the
/// reason of a rejection. Returns whether it was claimed by `actor`.
pub fn decide_task(
    conn: &mut DbConn,
    id: ReviewTaskId,
    actor: &str,
    decision: &str,
    reason: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        review_tasks::table
            .find(id)
            .filter(review_tasks::status.eq(status::CLAIMED))
            .filter(review_tasks::claimed_by.eq(actor)),
    )
    .set((
        review_tasks::status.eq(decision),
        review_tasks::open_key.eq(None::<String>),
        review_tasks::decided_by.eq(Some(actor)),
        review_tasks::decided_at.eq(Some(now)),
        review_tasks::reason.eq(reason),
        review_tasks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_event(conn: &mut DbConn, event: &NewTaskEvent) -> Result<TaskEvent, DbError> {
    Ok(diesel::insert_into(review_task_events::table)
        .values(event)
        .returning(review_task_events::all_columns)
        .get_result(conn)?)
}

/// A task's steps in order.
pub fn events_of_task(conn: &mut DbConn, task_id: ReviewTaskId) -> Result<Vec<TaskEvent>, DbError> {
    Ok(review_task_events::table
        .filter(review_task_events::task_id.eq(task_id))
        .order(review_task_events::id)
        .select(TaskEvent::as_select())
        .load(conn)?)
}

// ---------------------------------------------------------- business items

pub fn get_business_item(conn: &mut DbConn, id: BusinessItemId) -> Result<BusinessItem, DbError> {
    Ok(business_items::table
        .find(id)
        .select(BusinessItem::as_select())
        .get_result(conn)?)
}

/// Sets a business item's status (and its `before_json`, when given).
pub fn set_business_item_status(
    conn: &mut DbConn,
    id: BusinessItemId,
    status: &str,
    before_json: Option<String>,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    let target = business_items::table.find(id);
    let changed: Option<crate::rows::BusinessItem> = match before_json {
        Some(before) => diesel::update(target)
            .set((
                business_items::status.eq(status),
                business_items::before_json.eq(Some(before)),
                business_items::updated_at.eq(now),
            ))
            .returning(business_items::all_columns)
            .get_result(conn)
            .optional()?,
        None => diesel::update(target)
            .set((
                business_items::status.eq(status),
                business_items::updated_at.eq(now),
            ))
            .returning(business_items::all_columns)
            .get_result(conn)
            .optional()?,
    };
    match changed {
        Some(item) => crate::business_items::chained(conn, Some(&item)),
        None => Err(DbError::NotFound),
    }
}

/// Business items of one kind, newest first, and how many there are.
pub fn list_business_items_by_kind(
    conn: &mut DbConn,
    kind: &str,
    page: PageReq,
) -> Result<(Vec<BusinessItem>, i64), DbError> {
    let total: i64 = business_items::table
        .filter(business_items::kind.eq(kind))
        .count()
        .get_result(conn)?;
    let rows = business_items::table
        .filter(business_items::kind.eq(kind))
        .order((business_items::created_at.desc(), business_items::id.desc()))
        .limit(page.page_size)
        .offset(page.offset())
        .select(BusinessItem::as_select())
        .load(conn)?;
    Ok((rows, total))
}

// --------------------------------------------------------- unit key info

pub fn get_unit_key_info(conn: &mut DbConn, unit_id: UnitId) -> Result<UnitKeyInfo, DbError> {
    Ok(units::table
        .find(unit_id)
        .select(UnitKeyInfo::as_select())
        .get_result(conn)?)
}

/// The key information of several units (for lists), by id.
pub fn get_units_key_info(conn: &mut DbConn, ids: &[UnitId]) -> Result<Vec<UnitKeyInfo>, DbError> {
    Ok(units::table
        .filter(units::id.eq_any(ids))
        .order(units::id)
        .select(UnitKeyInfo::as_select())
        .load(conn)?)
}

/// Another unit holding this USCC, if any.
pub fn uscc_taken_by_other(
    conn: &mut DbConn,
    uscc: &str,
    unit_id: UnitId,
) -> Result<bool, DbError> {
    let n: i64 = units::table
        .filter(units::uscc.eq(uscc))
        .filter(units::id.ne(unit_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Applies key-information changes; a USCC held by another unit is
/// [`DbError::Conflict`] (`units_uscc_key`).
pub fn update_unit_key_info(
    conn: &mut DbConn,
    unit_id: UnitId,
    changes: &UnitKeyChanges,
) -> Result<UnitKeyInfo, DbError> {
    let n = diesel::update(units::table.find(unit_id))
        .set(changes)
        .execute(conn)?;
    if n != 1 {
        return Err(DbError::NotFound);
    }
    get_unit_key_info(conn, unit_id)
}
