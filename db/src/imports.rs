//! Batch imports (导盘, R-IMP-1): the rows as read from the file, the
//! validation report, and what the commit created.

use diesel::prelude::*;
use qibao_core::job::ImportState;
use time::PrimitiveDateTime;

use crate::ids::{ImportId, UnitId};
use crate::schema::imports;
use crate::{DbConn, DbError};

/// An import without its rows (they may be megabytes).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = imports)]
pub struct Import {
    pub id: ImportId,
    pub unit_id: UnitId,
    /// The template kind's code (`enrolment`, …).
    pub kind: String,
    #[diesel(deserialize_as = String)]
    pub state: ImportState,
    /// xlsx, csv or json.
    pub format: String,
    pub file_name: Option<String>,
    pub file_sha256: String,
    pub byte_size: i64,
    pub template_version: Option<i32>,
    /// JSON: the options given with the upload (e.g. the wage year).
    pub options: String,
    pub row_count: i32,
    pub problem_count: i32,
    pub problem_rows: i32,
    /// JSON array of Chinese notices from reading the file.
    pub notices: String,
    /// JSON array of problems, set by the validation (and by a refused commit).
    pub report: Option<String>,
    /// JSON, set by the commit.
    pub result: Option<String>,
    /// JSON array of the business items the commit created.
    pub item_ids: Option<String>,
    pub created_by: String,
    pub channel: String,
    pub created_at: PrimitiveDateTime,
    pub validated_at: Option<PrimitiveDateTime>,
    pub commit_requested_at: Option<PrimitiveDateTime>,
    /// Who asked for the commit (the commit's business items name them).
    pub committed_by: Option<String>,
    pub commit_channel: Option<String>,
    pub committed_at: Option<PrimitiveDateTime>,
    pub revoked_at: Option<PrimitiveDateTime>,
    pub revoked_by: Option<String>,
    pub revoke_channel: Option<String>,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = imports)]
pub struct NewImport<'a> {
    pub unit_id: UnitId,
    pub kind: &'a str,
    pub state: &'a str,
    pub format: &'a str,
    pub file_name: Option<&'a str>,
    pub file_sha256: &'a str,
    pub byte_size: i64,
    pub template_version: Option<i32>,
    pub options: &'a str,
    pub rows: &'a str,
    pub row_count: i32,
    pub problem_count: i32,
    pub problem_rows: i32,
    pub notices: &'a str,
    pub report: Option<&'a str>,
    pub created_by: &'a str,
    pub channel: &'a str,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &NewImport<'_>) -> Result<Import, DbError> {
    let id: ImportId = diesel::insert_into(imports::table)
        .values(row)
        .returning(imports::id)
        .get_result(conn)?;
    get(conn, id)?.ok_or(DbError::NotFound)
}

/// The import, any unit's (the caller checks the unit).
pub fn get(conn: &mut DbConn, id: ImportId) -> Result<Option<Import>, DbError> {
    Ok(imports::table
        .find(id)
        .select(Import::as_select())
        .first(conn)
        .optional()?)
}

/// The import, locked for the caller's transaction on PostgreSQL (SQLite's
/// write transaction already excludes other writers).
pub fn get_for_update(conn: &mut DbConn, id: ImportId) -> Result<Option<Import>, DbError> {
    if let DbConn::Pg(c) = conn {
        imports::table
            .find(id)
            .select(imports::id)
            .for_update()
            .first::<ImportId>(c)
            .optional()?;
    }
    get(conn, id)
}

/// The rows as read (JSON).
pub fn rows(conn: &mut DbConn, id: ImportId) -> Result<String, DbError> {
    Ok(imports::table.find(id).select(imports::rows).first(conn)?)
}

/// One page of the unit's imports, newest first, and how many there are.
pub fn list_for_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Import>, i64), DbError> {
    let total = imports::table
        .filter(imports::unit_id.eq(unit_id))
        .count()
        .get_result(conn)?;
    let rows = imports::table
        .filter(imports::unit_id.eq(unit_id))
        .order(imports::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Import::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// A validation's outcome: the state, the report and its counts.
pub fn set_report(
    conn: &mut DbConn,
    id: ImportId,
    state: ImportState,
    report: &str,
    problem_count: i32,
    problem_rows: i32,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::update(imports::table.find(id))
        .set((
            imports::state.eq(state.code()),
            imports::report.eq(report),
            imports::problem_count.eq(problem_count),
            imports::problem_rows.eq(problem_rows),
            imports::validated_at.eq(now),
            imports::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_state(
    conn: &mut DbConn,
    id: ImportId,
    state: ImportState,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::update(imports::table.find(id))
        .set((imports::state.eq(state.code()), imports::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// A commit was asked for by `actor` through `channel` (the import
/// becomes `committing`).
pub fn request_commit(
    conn: &mut DbConn,
    id: ImportId,
    actor: &str,
    channel: &str,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::update(imports::table.find(id))
        .set((
            imports::state.eq(ImportState::Committing.code()),
            imports::committed_by.eq(actor),
            imports::commit_channel.eq(channel),
            imports::commit_requested_at.eq(now),
            imports::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A revocation was asked for by `actor` (the import becomes `revoking`;
/// the actor is kept where the commit's was: the revocation's items name
/// them).
pub fn request_revoke(
    conn: &mut DbConn,
    id: ImportId,
    actor: &str,
    channel: &str,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::update(imports::table.find(id))
        .set((
            imports::state.eq(ImportState::Revoking.code()),
            imports::revoked_by.eq(actor),
            imports::revoke_channel.eq(channel),
            imports::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The commit's outcome (in the commit's transaction).
pub fn set_committed(
    conn: &mut DbConn,
    id: ImportId,
    result: &str,
    item_ids: &str,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::update(imports::table.find(id))
        .set((
            imports::state.eq(ImportState::Committed.code()),
            imports::result.eq(result),
            imports::item_ids.eq(item_ids),
            imports::committed_at.eq(now),
            imports::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every item the import's commit created was revoked (in the revocation's
/// transaction).
pub fn set_revoked(conn: &mut DbConn, id: ImportId, now: PrimitiveDateTime) -> Result<(), DbError> {
    diesel::update(imports::table.find(id))
        .set((
            imports::state.eq(ImportState::Revoked.code()),
            imports::revoked_at.eq(now),
            imports::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
