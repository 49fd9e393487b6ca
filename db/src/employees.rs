//! Persons and their relations with units (R-EMP-1…9): lookups by the
//! spellings of an ID number, active relations, dated statuses, merges of
//! one person's numbers and the claim of an ID number by a new person.
//!
//! A merged person (the second number of a merge) stays in `persons` for the
//! record but is hidden from every lookup here except [`get_person_any`].

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use crate::rows::{Employment, Person, Unit, UnitInjuryFactor, UnitInsurance};
use crate::schema::{
    employments, person_id_keys, person_merges, person_statuses, persons, unit_injury_factors,
    unit_insurances, units,
};
use crate::{DbConn, DbError};

/// The unique index of ID-number claims.
pub const ID_KEY_CLAIM: &str = "person_id_keys_id_key_key";
/// The unique index of one active relation per person and insurance (R-EMP-2).
pub const ACTIVE_RELATION_KEY: &str = "employments_person_id_insurance_key";
/// `employments.status` of a suspended relation.
pub const SUSPENDED: &str = "suspended";

/// A dated status of a person (R-EMP-6, R-EMP-7).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = person_statuses)]
pub struct PersonStatusRow {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub note: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = person_statuses)]
pub struct NewPersonStatus {
    pub person_id: i64,
    pub kind: String,
    pub from_period: i32,
    pub to_period: Option<i32>,
    pub note: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

/// A staff decision merging `merge_person_id` into `keep_person_id` (R-EMP-8).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = person_merges)]
pub struct PersonMerge {
    pub id: i64,
    pub keep_person_id: i64,
    pub merge_person_id: i64,
    pub reason: String,
    pub decided_by: String,
    pub moved_json: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = person_merges)]
pub struct NewPersonMerge {
    pub keep_person_id: i64,
    pub merge_person_id: i64,
    pub reason: String,
    pub decided_by: String,
    pub moved_json: String,
    pub created_at: PrimitiveDateTime,
}

/// The identity columns of a person, for duplicate detection.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = persons)]
pub struct PersonIdentity {
    pub id: i64,
    pub person_no: String,
    pub id_type: String,
    pub id_number: String,
    pub name: String,
}

/// General (online-changeable) fields of a person (R-EMP-9).
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = persons, treat_none_as_null = true)]
pub struct PersonGeneralChange {
    pub phone: Option<String>,
    pub address: Option<String>,
    pub first_work_date: Option<Date>,
    pub updated_at: PrimitiveDateTime,
}

/// Key fields of a person, changed by staff only (R-EMP-9).
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = persons)]
pub struct PersonKeyChange {
    pub id_type: String,
    pub id_number: String,
    pub name: String,
    pub gender: String,
    pub birth_date: Date,
    pub nationality: String,
    pub updated_at: PrimitiveDateTime,
}

macro_rules! not_merged {
    () => {
        not(exists(
            person_merges::table.filter(person_merges::merge_person_id.eq(persons::id)),
        ))
    };
}

/// The unit with this id.
pub fn get_unit(conn: &mut DbConn, unit_id: i64) -> Result<Unit, DbError> {
    Ok(units::table
        .find(unit_id)
        .select(Unit::as_select())
        .get_result(conn)?)
}

/// Unit numbers of these units, as (id, unit_no).
pub fn unit_nos(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<(i64, String)>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(units::table
        .filter(units::id.eq_any(ids))
        .select((units::id, units::unit_no))
        .load(conn)?)
}

/// The unit's insurance registrations, by insurance.
pub fn list_unit_insurances(
    conn: &mut DbConn,
    unit_id: i64,
) -> Result<Vec<UnitInsurance>, DbError> {
    Ok(unit_insurances::table
        .filter(unit_insurances::unit_id.eq(unit_id))
        .order(unit_insurances::insurance)
        .select(UnitInsurance::as_select())
        .load(conn)?)
}

/// The unit's work-injury floating factors, by from_period.
pub fn list_injury_factors(
    conn: &mut DbConn,
    unit_id: i64,
) -> Result<Vec<UnitInjuryFactor>, DbError> {
    Ok(unit_injury_factors::table
        .filter(unit_injury_factors::unit_id.eq(unit_id))
        .order(unit_injury_factors::from_period)
        .select(UnitInjuryFactor::as_select())
        .load(conn)?)
}

/// The live (not merged) persons stored under any of `spellings`, oldest first.
pub fn find_by_id_spellings(
    conn: &mut DbConn,
    spellings: &[String],
) -> Result<Vec<Person>, DbError> {
    if spellings.is_empty() {
        return Ok(Vec::new());
    }
    Ok(persons::table
        .filter(persons::id_number.eq_any(spellings))
        .filter(not_merged!())
        .order(persons::id)
        .select(Person::as_select())
        .load(conn)?)
}

/// The live (not merged) person with this number.
pub fn find_by_person_no(conn: &mut DbConn, person_no: &str) -> Result<Option<Person>, DbError> {
    Ok(persons::table
        .filter(persons::person_no.eq(person_no))
        .filter(not_merged!())
        .select(Person::as_select())
        .first(conn)
        .optional()?)
}

/// Any person with this number, merged or not.
pub fn get_person_any(conn: &mut DbConn, person_no: &str) -> Result<Option<Person>, DbError> {
    Ok(persons::table
        .filter(persons::person_no.eq(person_no))
        .select(Person::as_select())
        .first(conn)
        .optional()?)
}

/// Persons by id (any order), merged ones included.
pub fn get_persons(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<Person>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(persons::table
        .filter(persons::id.eq_any(ids))
        .order(persons::id)
        .select(Person::as_select())
        .load(conn)?)
}

/// Identity columns of every live person, oldest first (duplicate scan).
pub fn list_identities(conn: &mut DbConn) -> Result<Vec<PersonIdentity>, DbError> {
    Ok(persons::table
        .filter(not_merged!())
        .order(persons::id)
        .select(PersonIdentity::as_select())
        .load(conn)?)
}

pub fn update_general(
    conn: &mut DbConn,
    person_id: i64,
    change: &PersonGeneralChange,
) -> Result<Person, DbError> {
    Ok(diesel::update(persons::table.find(person_id))
        .set(change)
        .returning(persons::all_columns)
        .get_result(conn)?)
}

pub fn update_key(
    conn: &mut DbConn,
    person_id: i64,
    change: &PersonKeyChange,
) -> Result<Person, DbError> {
    Ok(diesel::update(persons::table.find(person_id))
        .set(change)
        .returning(persons::all_columns)
        .get_result(conn)?)
}

/// Deletes a person (only for undoing the enrolment that created it, when
/// nothing else refers to it). A reference is [`DbError::Conflict`].
pub fn delete_person(conn: &mut DbConn, person_id: i64) -> Result<(), DbError> {
    diesel::delete(person_id_keys::table.filter(person_id_keys::person_id.eq(person_id)))
        .execute(conn)?;
    diesel::delete(persons::table.find(person_id)).execute(conn)?;
    Ok(())
}

/// Whether anything but its ID claim refers to the person: a relation, a
/// status record or a merge.
pub fn person_is_referenced(conn: &mut DbConn, person_id: i64) -> Result<bool, DbError> {
    let relation: bool = diesel::select(exists(
        employments::table.filter(employments::person_id.eq(person_id)),
    ))
    .get_result(conn)?;
    let status: bool = diesel::select(exists(
        person_statuses::table.filter(person_statuses::person_id.eq(person_id)),
    ))
    .get_result(conn)?;
    let merge: bool = diesel::select(exists(
        person_merges::table.filter(
            person_merges::keep_person_id
                .eq(person_id)
                .or(person_merges::merge_person_id.eq(person_id)),
        ),
    ))
    .get_result(conn)?;
    Ok(relation || status || merge)
}

/// Claims an ID key for a new person. The key claimed already is
/// [`DbError::Conflict`] ([`ID_KEY_CLAIM`]).
pub fn claim_id_key(conn: &mut DbConn, id_key: &str, person_id: i64) -> Result<(), DbError> {
    diesel::insert_into(person_id_keys::table)
        .values((
            person_id_keys::id_key.eq(id_key),
            person_id_keys::person_id.eq(person_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// The person holding the claim of `id_key`, if any.
pub fn id_key_holder(conn: &mut DbConn, id_key: &str) -> Result<Option<i64>, DbError> {
    Ok(person_id_keys::table
        .filter(person_id_keys::id_key.eq(id_key))
        .select(person_id_keys::person_id)
        .first(conn)
        .optional()?)
}

/// Drops the claims of a person.
pub fn release_id_keys(conn: &mut DbConn, person_id: i64) -> Result<usize, DbError> {
    Ok(
        diesel::delete(person_id_keys::table.filter(person_id_keys::person_id.eq(person_id)))
            .execute(conn)?,
    )
}

/// Hands the claims of person `from` to person `to` (a merge).
pub fn move_id_keys(conn: &mut DbConn, from: i64, to: i64) -> Result<usize, DbError> {
    Ok(
        diesel::update(person_id_keys::table.filter(person_id_keys::person_id.eq(from)))
            .set(person_id_keys::person_id.eq(to))
            .execute(conn)?,
    )
}

/// Every relation of these persons (any unit, any status), oldest first.
pub fn employments_of_persons(
    conn: &mut DbConn,
    person_ids: &[i64],
) -> Result<Vec<Employment>, DbError> {
    if person_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(employments::table
        .filter(employments::person_id.eq_any(person_ids))
        .order(employments::id)
        .select(Employment::as_select())
        .load(conn)?)
}

/// Every relation of a unit (any status), oldest first.
pub fn employments_of_unit(conn: &mut DbConn, unit_id: i64) -> Result<Vec<Employment>, DbError> {
    Ok(employments::table
        .filter(employments::unit_id.eq(unit_id))
        .order(employments::id)
        .select(Employment::as_select())
        .load(conn)?)
}

/// Relations by id (any order).
pub fn get_employments(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<Employment>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(employments::table
        .filter(employments::id.eq_any(ids))
        .order(employments::id)
        .select(Employment::as_select())
        .load(conn)?)
}

/// Sets the status, stop date and reason of a relation whose status is
/// `from`; returns whether it changed (0 rows: a concurrent change). Making
/// it active while another active relation of the person and insurance
/// exists is [`DbError::Conflict`] ([`ACTIVE_RELATION_KEY`]).
pub fn set_employment_state(
    conn: &mut DbConn,
    id: i64,
    from: &str,
    status: &str,
    stop_date: Option<Date>,
    stop_reason: Option<&str>,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        employments::table
            .filter(employments::id.eq(id))
            .filter(employments::status.eq(from)),
    )
    .set((
        employments::status.eq(status),
        employments::stop_date.eq(stop_date),
        employments::stop_reason.eq(stop_reason),
        employments::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes relations (only for undoing the item that created them).
pub fn delete_employments(conn: &mut DbConn, ids: &[i64]) -> Result<usize, DbError> {
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(diesel::delete(employments::table.filter(employments::id.eq_any(ids))).execute(conn)?)
}

/// Moves every relation of person `from` to `to` (a merge). Two active
/// relations of one insurance are [`DbError::Conflict`] ([`ACTIVE_RELATION_KEY`]).
pub fn move_employments(
    conn: &mut DbConn,
    from: i64,
    to: i64,
    now: PrimitiveDateTime,
) -> Result<usize, DbError> {
    Ok(
        diesel::update(employments::table.filter(employments::person_id.eq(from)))
            .set((
                employments::person_id.eq(to),
                employments::updated_at.eq(now),
            ))
            .execute(conn)?,
    )
}

/// Status records of these persons, by from_period.
pub fn list_statuses(
    conn: &mut DbConn,
    person_ids: &[i64],
) -> Result<Vec<PersonStatusRow>, DbError> {
    if person_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(person_statuses::table
        .filter(person_statuses::person_id.eq_any(person_ids))
        .order((person_statuses::from_period, person_statuses::id))
        .select(PersonStatusRow::as_select())
        .load(conn)?)
}

pub fn insert_status(
    conn: &mut DbConn,
    status: &NewPersonStatus,
) -> Result<PersonStatusRow, DbError> {
    Ok(diesel::insert_into(person_statuses::table)
        .values(status)
        .returning(person_statuses::all_columns)
        .get_result(conn)?)
}

/// Moves the status records of person `from` to `to` (a merge).
pub fn move_statuses(conn: &mut DbConn, from: i64, to: i64) -> Result<usize, DbError> {
    Ok(
        diesel::update(person_statuses::table.filter(person_statuses::person_id.eq(from)))
            .set(person_statuses::person_id.eq(to))
            .execute(conn)?,
    )
}

/// Records a merge. Merging the same person twice is [`DbError::Conflict`]
/// (`person_merges_merge_person_id_key`).
pub fn insert_merge(conn: &mut DbConn, merge: &NewPersonMerge) -> Result<PersonMerge, DbError> {
    Ok(diesel::insert_into(person_merges::table)
        .values(merge)
        .returning(person_merges::all_columns)
        .get_result(conn)?)
}

/// Merges in which the person took part (kept or merged), oldest first.
pub fn merges_of_person(conn: &mut DbConn, person_id: i64) -> Result<Vec<PersonMerge>, DbError> {
    Ok(person_merges::table
        .filter(
            person_merges::keep_person_id
                .eq(person_id)
                .or(person_merges::merge_person_id.eq(person_id)),
        )
        .order(person_merges::id)
        .select(PersonMerge::as_select())
        .load(conn)?)
}
