//! Persons and their relations with units (R-EMP-1…9): lookups by the
//! spellings of an ID number, active relations, dated statuses, merges of
//! one person's numbers and the claim of an ID number by a new person.
//!
//! A merged person (the second number of a merge) stays in `persons` for the
//! record but is hidden from every lookup here except [`get_person_any`].
//!
//! The insured-persons list of a unit ([`roster_page`]) is filtered, ordered
//! and paged in SQL; what its rows show is then read for just those persons
//! ([`employments_at_unit`], [`line_facts_at_unit`], [`list_statuses`]), one
//! query per kind of data. Every helper taking a list of ids binds at most
//! [`IN_CHUNK`] of them per statement ([`in_chunks`]).

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use qibao_core::Period;
use qibao_core::employment::PersonStatusKind;
use time::{Date, PrimitiveDateTime};

use crate::assessments::Assessment;
use crate::ids::{EmploymentId, PersonId, UnitId};
use crate::rows::{Employment, Person, Unit, UnitInjuryFactor, UnitInsurance};
use crate::schema::{
    assessments, employments, person_id_keys, person_merges, person_statuses, persons,
    unit_injury_factors, unit_insurances, unit_roster, unit_roster_sizes, units,
};
use crate::{DbConn, DbError};

/// The most ids one statement binds in an `IN` list: SQLite refuses more
/// than 32,766 bind parameters per statement, PostgreSQL more than 65,535.
pub const IN_CHUNK: usize = 10_000;

/// Runs `load` once per [`IN_CHUNK`] of `ids` (none when `ids` is empty)
/// and concatenates the rows. Each call's rows come in the order of its
/// query; a caller needing one overall order sorts afterwards.
pub fn in_chunks<K, T, F>(ids: &[K], mut load: F) -> Result<Vec<T>, DbError>
where
    F: FnMut(&[K]) -> QueryResult<Vec<T>>,
{
    let mut out = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        out.extend(load(chunk)?);
    }
    Ok(out)
}

diesel::define_sql_function! {
    /// SQLite: the 1-based position of `needle` in `haystack`, 0 if absent.
    fn instr(haystack: diesel::sql_types::Text, needle: diesel::sql_types::Text) -> diesel::sql_types::Integer;
}

diesel::define_sql_function! {
    /// PostgreSQL: the 1-based position of `needle` in `haystack`, 0 if absent.
    fn strpos(haystack: diesel::sql_types::Text, needle: diesel::sql_types::Text) -> diesel::sql_types::Integer;
}

/// What the insured-persons list of a unit is filtered by, in terms of
/// stored rows. Every person with a relation at the unit (any insurance,
/// any status) is listed; each `Some` narrows the list. The api layer
/// derives these conditions from the rules of `qibao_core::employment`
/// (the rows' fields are computed by those rules from the same rows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterFilter {
    /// This person number, exactly.
    pub person_no: Option<String>,
    /// The ID number stored as one of these spellings.
    pub id_spellings: Option<Vec<String>>,
    /// The name contains this text (case-sensitive; no wildcards).
    pub name_part: Option<String>,
    /// A relation at the unit in one of these insurances (codes).
    pub related_in: Option<Vec<String>>,
    /// An active relation at the unit in one of these insurances: `true`
    /// there is one, `false` there is none.
    pub active_in: Option<(bool, Vec<String>)>,
    /// The person's lines at the unit whose status is one of `statuses`.
    pub unpaid: Option<UnpaidCondition>,
    /// A status record of `kind` from `period` or earlier: `true` there is
    /// one, `false` there is none.
    pub status_since: Option<(bool, String, i32)>,
}

/// Conditions on a person's unpaid lines at the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpaidCondition {
    /// The line statuses that count as unpaid.
    pub statuses: Vec<String>,
    /// Whether there is such a line.
    pub any: bool,
    /// Whether there is such a line of a period before `current`.
    pub before_current: bool,
    /// The current period (YYYYMM).
    pub current: i32,
}

/// One page of the unit's insured persons matching `filter`, by person
/// number (`offset`, `limit`; `None`: every matching person), and the
/// number of matches (counted only for a page). The list is driven by the
/// unit's roster (`unit_roster`, one row per person with a relation at the
/// unit, kept by triggers): an unfiltered page reads the roster's size
/// (`unit_roster_sizes`, kept by triggers too), skips along its
/// `(unit_id, person_no)` index and then reads just its persons (three
/// statements whatever the unit's size); a filtered one joins the persons
/// and applies the conditions (two statements).
pub fn roster_page(
    conn: &mut DbConn,
    unit_id: UnitId,
    filter: &RosterFilter,
    page: Option<(i64, i64)>,
) -> Result<(Vec<Person>, Option<i64>), DbError> {
    if let (true, Some((offset, limit))) = (*filter == RosterFilter::default(), page) {
        let total: i64 = unit_roster_sizes::table
            .find(unit_id)
            .select(unit_roster_sizes::persons)
            .first(conn)
            .optional()?
            .unwrap_or(0);
        let ids: Vec<PersonId> = unit_roster::table
            .filter(unit_roster::unit_id.eq(unit_id))
            .order((unit_roster::person_no, unit_roster::person_id))
            .select(unit_roster::person_id)
            .offset(offset)
            .limit(limit)
            .load(conn)?;
        let mut rows: Vec<Person> = persons::table
            .filter(persons::id.eq_any(&ids))
            .select(Person::as_select())
            .load(conn)?;
        rows.sort_by_key(|p| ids.iter().position(|id| *id == p.id));
        return Ok((rows, Some(total)));
    }
    let pg = matches!(conn, DbConn::Pg(_));
    let query = || {
        let mut q = unit_roster::table
            .inner_join(persons::table)
            .filter(unit_roster::unit_id.eq(unit_id))
            .into_boxed();
        if let Some(no) = &filter.person_no {
            q = q.filter(persons::person_no.eq(no.clone()));
        }
        if let Some(spellings) = &filter.id_spellings {
            q = q.filter(persons::id_number.eq_any(spellings.clone()));
        }
        if let Some(part) = &filter.name_part {
            q = if pg {
                q.filter(strpos(persons::name, part.clone()).gt(0))
            } else {
                q.filter(instr(persons::name, part.clone()).gt(0))
            };
        }
        if let Some(codes) = &filter.related_in {
            q = q.filter(exists(
                employments::table
                    .filter(employments::person_id.eq(persons::id))
                    .filter(employments::unit_id.eq(unit_id))
                    .filter(employments::insurance.eq_any(codes.clone())),
            ));
        }
        if let Some((wanted, codes)) = &filter.active_in {
            let active = exists(
                employments::table
                    .filter(employments::person_id.eq(persons::id))
                    .filter(employments::unit_id.eq(unit_id))
                    .filter(employments::status.eq(crate::repo::ACTIVE))
                    .filter(employments::insurance.eq_any(codes.clone())),
            );
            q = if *wanted {
                q.filter(active)
            } else {
                q.filter(not(active))
            };
        }
        if let Some(c) = &filter.unpaid {
            let unpaid = || {
                assessments::table
                    .filter(assessments::person_id.eq(persons::id))
                    .filter(assessments::unit_id.eq(unit_id))
                    .filter(assessments::status.eq_any(c.statuses.clone()))
            };
            let any = exists(unpaid());
            q = if c.any {
                q.filter(any)
            } else {
                q.filter(not(any))
            };
            let before = exists(unpaid().filter(assessments::period.lt(c.current)));
            q = if c.before_current {
                q.filter(before)
            } else {
                q.filter(not(before))
            };
        }
        if let Some((wanted, kind, period)) = &filter.status_since {
            let since = exists(
                person_statuses::table
                    .filter(person_statuses::person_id.eq(persons::id))
                    .filter(person_statuses::kind.eq(kind.clone()))
                    .filter(person_statuses::from_period.le(*period)),
            );
            q = if *wanted {
                q.filter(since)
            } else {
                q.filter(not(since))
            };
        }
        q
    };
    let ordered = query()
        .order((unit_roster::person_no, unit_roster::person_id))
        .select(Person::as_select());
    match page {
        Some((offset, limit)) => {
            let total: i64 = query().count().get_result(conn)?;
            let rows = ordered.offset(offset).limit(limit).load(conn)?;
            Ok((rows, Some(total)))
        }
        None => Ok((ordered.load(conn)?, None)),
    }
}

/// The relations at the unit of these persons (any status), oldest first.
pub fn employments_at_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_ids: &[PersonId],
) -> Result<Vec<Employment>, DbError> {
    let mut rows = in_chunks(person_ids, |ids| {
        employments::table
            .filter(employments::unit_id.eq(unit_id))
            .filter(employments::person_id.eq_any(ids))
            .order(employments::id)
            .select(Employment::as_select())
            .load(conn)
    })?;
    rows.sort_by_key(|e| e.id);
    Ok(rows)
}

/// What the insured-persons list needs of one line: its person and month,
/// whether it is live (not cancelled) and unpaid (pending or billed). All
/// four are in the `(person_id, period, unit_id, live, unpaid)` index, so
/// PostgreSQL reads them without visiting the table (migration `000025`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable)]
pub struct LineFact {
    pub person_id: PersonId,
    #[diesel(deserialize_as = i32)]
    pub period: Period,
    pub live: bool,
    pub unpaid: bool,
}

impl LineFact {
    /// Paid: live and no longer owed.
    pub fn paid(&self) -> bool {
        self.live && !self.unpaid
    }
}

impl From<&Assessment> for LineFact {
    fn from(l: &Assessment) -> LineFact {
        LineFact {
            person_id: l.person_id,
            period: l.period,
            live: l.status != qibao_core::employment::LineStatus::Cancelled,
            unpaid: l.status.is_unpaid(),
        }
    }
}

/// The line facts at the unit of these persons, by person and period.
pub fn line_facts_at_unit(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_ids: &[PersonId],
) -> Result<Vec<LineFact>, DbError> {
    let mut rows = in_chunks(person_ids, |ids| {
        assessments::table
            .filter(assessments::person_id.eq_any(ids))
            .filter(assessments::unit_id.eq(unit_id))
            .order((assessments::person_id, assessments::period))
            .select((
                assessments::person_id,
                assessments::period,
                assessments::live,
                assessments::unpaid,
            ))
            .load::<LineFact>(conn)
    })?;
    rows.sort_by_key(|l| (l.person_id, l.period));
    Ok(rows)
}

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
    pub person_id: PersonId,
    #[diesel(deserialize_as = String)]
    pub kind: PersonStatusKind,
    #[diesel(deserialize_as = i32)]
    pub from_period: Period,
    #[diesel(deserialize_as = crate::typed::NullablePeriod)]
    pub to_period: Option<Period>,
    pub note: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = person_statuses)]
pub struct NewPersonStatus {
    pub person_id: PersonId,
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
    pub keep_person_id: PersonId,
    pub merge_person_id: PersonId,
    pub reason: String,
    pub decided_by: String,
    pub moved_json: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = person_merges)]
pub struct NewPersonMerge {
    pub keep_person_id: PersonId,
    pub merge_person_id: PersonId,
    pub reason: String,
    pub decided_by: String,
    pub moved_json: String,
    pub created_at: PrimitiveDateTime,
}

/// The identity columns of a person, for duplicate detection.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = persons)]
pub struct PersonIdentity {
    pub id: PersonId,
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
pub fn get_unit(conn: &mut DbConn, unit_id: UnitId) -> Result<Unit, DbError> {
    Ok(units::table
        .find(unit_id)
        .select(Unit::as_select())
        .get_result(conn)?)
}

/// Unit numbers of these units, as (id, unit_no).
pub fn unit_nos(conn: &mut DbConn, ids: &[UnitId]) -> Result<Vec<(UnitId, String)>, DbError> {
    in_chunks(ids, |ids| {
        units::table
            .filter(units::id.eq_any(ids))
            .select((units::id, units::unit_no))
            .load(conn)
    })
}

/// The unit's insurance registrations, by insurance.
pub fn list_unit_insurances(
    conn: &mut DbConn,
    unit_id: UnitId,
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
    unit_id: UnitId,
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
    let mut rows = in_chunks(spellings, |spellings| {
        persons::table
            .filter(persons::id_number.eq_any(spellings))
            .filter(not_merged!())
            .order(persons::id)
            .select(Person::as_select())
            .load(conn)
    })?;
    rows.sort_by_key(|p| p.id);
    Ok(rows)
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

/// Persons by id (oldest first), merged ones included.
pub fn get_persons(conn: &mut DbConn, ids: &[PersonId]) -> Result<Vec<Person>, DbError> {
    let mut rows = in_chunks(ids, |ids| {
        persons::table
            .filter(persons::id.eq_any(ids))
            .order(persons::id)
            .select(Person::as_select())
            .load(conn)
    })?;
    rows.sort_by_key(|p| p.id);
    Ok(rows)
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
    person_id: PersonId,
    change: &PersonGeneralChange,
) -> Result<Person, DbError> {
    Ok(diesel::update(persons::table.find(person_id))
        .set(change)
        .returning(persons::all_columns)
        .get_result(conn)?)
}

pub fn update_key(
    conn: &mut DbConn,
    person_id: PersonId,
    change: &PersonKeyChange,
) -> Result<Person, DbError> {
    Ok(diesel::update(persons::table.find(person_id))
        .set(change)
        .returning(persons::all_columns)
        .get_result(conn)?)
}

/// Deletes a person (only for undoing the enrolment that created it, when
/// nothing else refers to it). A reference is [`DbError::Conflict`].
pub fn delete_person(conn: &mut DbConn, person_id: PersonId) -> Result<(), DbError> {
    diesel::delete(person_id_keys::table.filter(person_id_keys::person_id.eq(person_id)))
        .execute(conn)?;
    diesel::delete(persons::table.find(person_id)).execute(conn)?;
    Ok(())
}

/// Whether anything but its ID claim refers to the person: a relation, a
/// status record or a merge.
pub fn person_is_referenced(conn: &mut DbConn, person_id: PersonId) -> Result<bool, DbError> {
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
pub fn claim_id_key(conn: &mut DbConn, id_key: &str, person_id: PersonId) -> Result<(), DbError> {
    diesel::insert_into(person_id_keys::table)
        .values((
            person_id_keys::id_key.eq(id_key),
            person_id_keys::person_id.eq(person_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// The person holding the claim of `id_key`, if any.
pub fn id_key_holder(conn: &mut DbConn, id_key: &str) -> Result<Option<PersonId>, DbError> {
    Ok(person_id_keys::table
        .filter(person_id_keys::id_key.eq(id_key))
        .select(person_id_keys::person_id)
        .first(conn)
        .optional()?)
}

/// Drops the claims of a person.
pub fn release_id_keys(conn: &mut DbConn, person_id: PersonId) -> Result<usize, DbError> {
    Ok(
        diesel::delete(person_id_keys::table.filter(person_id_keys::person_id.eq(person_id)))
            .execute(conn)?,
    )
}

/// Hands the claims of person `from` to person `to` (a merge).
pub fn move_id_keys(conn: &mut DbConn, from: PersonId, to: PersonId) -> Result<usize, DbError> {
    Ok(
        diesel::update(person_id_keys::table.filter(person_id_keys::person_id.eq(from)))
            .set(person_id_keys::person_id.eq(to))
            .execute(conn)?,
    )
}

/// Every relation of these persons (any unit, any status), oldest first.
pub fn employments_of_persons(
    conn: &mut DbConn,
    person_ids: &[PersonId],
) -> Result<Vec<Employment>, DbError> {
    let mut rows = in_chunks(person_ids, |ids| {
        employments::table
            .filter(employments::person_id.eq_any(ids))
            .order(employments::id)
            .select(Employment::as_select())
            .load(conn)
    })?;
    rows.sort_by_key(|e| e.id);
    Ok(rows)
}

/// Every relation of a unit (any status), oldest first.
pub fn employments_of_unit(conn: &mut DbConn, unit_id: UnitId) -> Result<Vec<Employment>, DbError> {
    Ok(employments::table
        .filter(employments::unit_id.eq(unit_id))
        .order(employments::id)
        .select(Employment::as_select())
        .load(conn)?)
}

/// Relations by id (oldest first).
pub fn get_employments(
    conn: &mut DbConn,
    ids: &[EmploymentId],
) -> Result<Vec<Employment>, DbError> {
    let mut rows = in_chunks(ids, |ids| {
        employments::table
            .filter(employments::id.eq_any(ids))
            .order(employments::id)
            .select(Employment::as_select())
            .load(conn)
    })?;
    rows.sort_by_key(|e| e.id);
    Ok(rows)
}

/// How a relation stands apart from its status: when and why it stopped.
#[derive(Debug, Clone, Copy, Default)]
pub struct StopFields<'a> {
    pub stop_date: Option<Date>,
    /// The unit's words (停保原因).
    pub stop_reason: Option<&'a str>,
    /// Why the employment ended, as a code (R-UNEMP-1).
    pub end_reason: Option<&'a str>,
}

/// Sets the status, stop date and reasons of a relation whose status is
/// `from`; returns whether it changed (0 rows: a concurrent change). Making
/// it active while another active relation of the person and insurance
/// exists is [`DbError::Conflict`] ([`ACTIVE_RELATION_KEY`]).
pub fn set_employment_state(
    conn: &mut DbConn,
    id: EmploymentId,
    from: &str,
    status: &str,
    stop: StopFields<'_>,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        employments::table
            .filter(employments::id.eq(id))
            .filter(employments::status.eq(from)),
    )
    .set((
        employments::status.eq(status),
        employments::stop_date.eq(stop.stop_date),
        employments::stop_reason.eq(stop.stop_reason),
        employments::end_reason.eq(stop.end_reason),
        employments::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes relations (only for undoing the item that created them).
pub fn delete_employments(conn: &mut DbConn, ids: &[EmploymentId]) -> Result<usize, DbError> {
    let counts = in_chunks(ids, |ids| {
        diesel::delete(employments::table.filter(employments::id.eq_any(ids)))
            .execute(conn)
            .map(|n| vec![n])
    })?;
    Ok(counts.into_iter().sum())
}

/// Moves every relation of person `from` to `to` (a merge). Two active
/// relations of one insurance are [`DbError::Conflict`] ([`ACTIVE_RELATION_KEY`]).
pub fn move_employments(
    conn: &mut DbConn,
    from: PersonId,
    to: PersonId,
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
    person_ids: &[PersonId],
) -> Result<Vec<PersonStatusRow>, DbError> {
    let mut rows = in_chunks(person_ids, |ids| {
        person_statuses::table
            .filter(person_statuses::person_id.eq_any(ids))
            .order((person_statuses::from_period, person_statuses::id))
            .select(PersonStatusRow::as_select())
            .load(conn)
    })?;
    rows.sort_by_key(|s| (s.from_period, s.id));
    Ok(rows)
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
pub fn move_statuses(conn: &mut DbConn, from: PersonId, to: PersonId) -> Result<usize, DbError> {
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
pub fn merges_of_person(
    conn: &mut DbConn,
    person_id: PersonId,
) -> Result<Vec<PersonMerge>, DbError> {
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
