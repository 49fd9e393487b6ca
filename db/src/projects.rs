//! Project-based work-injury insurance (按项目参保, issue 16; R-PROJ-1, 2):
//! the rates, the projects, what they owe and the orders that billed it,
//! and the real-name rosters. Tables in [`crate::schema`], see
//! `migrations/*/2026-12-02-000041_projects`.

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use crate::ids::{BusinessItemId, OrderId, PersonId, UnitId};
use crate::schema::{
    orders, policy_project_rates, project_charge_orders, project_charges, project_workers, projects,
};
use crate::{DbConn, DbError};

/// A second project with the same number.
pub const PROJECT_NO_KEY: &str = "projects_project_no_key";
/// A worker already on the project's roster.
pub const ON_ROSTER_KEY: &str = "project_workers_project_id_id_number_key";

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = policy_project_rates)]
pub struct RateRow {
    pub region_code: String,
    pub kind: String,
    pub from_year: i32,
    pub rate_ppm: i64,
    pub source: String,
    pub illustrative: bool,
    pub created_at: PrimitiveDateTime,
}

/// The rate of `kind` in `region` in force in `year`.
pub fn rate_for(
    conn: &mut DbConn,
    region: &str,
    kind: &str,
    year: i32,
) -> Result<Option<RateRow>, DbError> {
    Ok(policy_project_rates::table
        .filter(policy_project_rates::region_code.eq(region))
        .filter(policy_project_rates::kind.eq(kind))
        .filter(policy_project_rates::from_year.le(year))
        .order(policy_project_rates::from_year.desc())
        .select(RateRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every rate, by region, kind and year.
pub fn all_rates(conn: &mut DbConn) -> Result<Vec<RateRow>, DbError> {
    Ok(policy_project_rates::table
        .order((
            policy_project_rates::region_code,
            policy_project_rates::kind,
            policy_project_rates::from_year,
        ))
        .select(RateRow::as_select())
        .load(conn)?)
}

/// Adds a rate; one that exists is [`DbError::Conflict`].
pub fn insert_rate(conn: &mut DbConn, row: &RateRow) -> Result<(), DbError> {
    diesel::insert_into(policy_project_rates::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = projects)]
pub struct Project {
    pub id: i64,
    pub unit_id: UnitId,
    pub project_no: String,
    pub name: String,
    pub kind: String,
    pub site: String,
    pub region_code: String,
    pub start_date: Date,
    pub end_date: Date,
    pub registered_end_date: Date,
    pub contract_value_fen: i64,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = projects)]
pub struct NewProject {
    pub unit_id: UnitId,
    pub project_no: String,
    pub name: String,
    pub kind: String,
    pub site: String,
    pub region_code: String,
    pub start_date: Date,
    pub end_date: Date,
    pub registered_end_date: Date,
    pub contract_value_fen: i64,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A project whose number exists is [`DbError::Conflict`] ([`PROJECT_NO_KEY`]).
pub fn insert_project(conn: &mut DbConn, p: &NewProject) -> Result<Project, DbError> {
    Ok(diesel::insert_into(projects::table)
        .values(p)
        .returning(projects::all_columns)
        .get_result(conn)?)
}

/// Project `id`, of `unit_id` when given.
pub fn get_project(
    conn: &mut DbConn,
    id: i64,
    unit_id: Option<UnitId>,
) -> Result<Option<Project>, DbError> {
    let mut q = projects::table.filter(projects::id.eq(id)).into_boxed();
    if let Some(u) = unit_id {
        q = q.filter(projects::unit_id.eq(u));
    }
    Ok(q.select(Project::as_select()).first(conn).optional()?)
}

/// Locks a project's row until commit (a no-op update): two requests that
/// bill or change it run one after the other.
pub fn lock_project(conn: &mut DbConn, id: i64) -> Result<(), DbError> {
    diesel::update(projects::table.filter(projects::id.eq(id)))
        .set(projects::project_no.eq(projects::project_no))
        .execute(conn)?;
    Ok(())
}

/// A page of projects, newest first: of one unit, or every unit's; with
/// the total.
pub fn page(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Project>, i64), DbError> {
    let filtered = || {
        let mut q = projects::table.into_boxed();
        if let Some(u) = unit_id {
            q = q.filter(projects::unit_id.eq(u));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(projects::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Project::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Sets a project's end date and value after a change.
pub fn set_terms(
    conn: &mut DbConn,
    id: i64,
    end_date: Date,
    contract_value_fen: i64,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::update(projects::table.filter(projects::id.eq(id)))
        .set((
            projects::end_date.eq(end_date),
            projects::contract_value_fen.eq(contract_value_fen),
            projects::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = project_charges)]
pub struct Charge {
    pub id: i64,
    pub project_id: i64,
    pub business_item_id: BusinessItemId,
    pub reason: String,
    pub contract_value_fen: i64,
    pub end_date: Date,
    pub rate_ppm: i64,
    pub value_part_fen: i64,
    pub extension_part_fen: i64,
    pub amount_fen: i64,
    pub calculation: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = project_charges)]
pub struct NewCharge {
    pub project_id: i64,
    pub business_item_id: BusinessItemId,
    pub reason: String,
    pub contract_value_fen: i64,
    pub end_date: Date,
    pub rate_ppm: i64,
    pub value_part_fen: i64,
    pub extension_part_fen: i64,
    pub amount_fen: i64,
    pub calculation: String,
    pub created_at: PrimitiveDateTime,
}

pub fn insert_charge(conn: &mut DbConn, c: &NewCharge) -> Result<Charge, DbError> {
    Ok(diesel::insert_into(project_charges::table)
        .values(c)
        .returning(project_charges::all_columns)
        .get_result(conn)?)
}

/// A project's charges, oldest first.
pub fn charges_of(conn: &mut DbConn, project_id: i64) -> Result<Vec<Charge>, DbError> {
    Ok(project_charges::table
        .filter(project_charges::project_id.eq(project_id))
        .order(project_charges::id)
        .select(Charge::as_select())
        .load(conn)?)
}

/// An order that billed a charge: (charge id, order id, order number,
/// order status, due date).
pub type ChargeOrder = (i64, OrderId, String, String, Date);

/// The orders that billed the charges of a project, oldest first.
pub fn charge_orders(conn: &mut DbConn, project_id: i64) -> Result<Vec<ChargeOrder>, DbError> {
    Ok(project_charge_orders::table
        .inner_join(project_charges::table)
        .inner_join(orders::table)
        .filter(project_charges::project_id.eq(project_id))
        .order(project_charge_orders::order_id)
        .select((
            project_charge_orders::charge_id,
            orders::id,
            orders::order_no,
            orders::status,
            orders::due_date,
        ))
        .load(conn)?)
}

/// Links an order to the charge it bills.
pub fn link_order(
    conn: &mut DbConn,
    order_id: OrderId,
    charge_id: i64,
    now: PrimitiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(project_charge_orders::table)
        .values((
            project_charge_orders::order_id.eq(order_id),
            project_charge_orders::charge_id.eq(charge_id),
            project_charge_orders::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The project and charge an order billed, if it billed one.
pub fn charge_of_order(
    conn: &mut DbConn,
    order_id: OrderId,
) -> Result<Option<(Project, Charge)>, DbError> {
    Ok(project_charge_orders::table
        .inner_join(project_charges::table.inner_join(projects::table))
        .filter(project_charge_orders::order_id.eq(order_id))
        .select((Project::as_select(), Charge::as_select()))
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = project_workers)]
pub struct Worker {
    pub id: i64,
    pub project_id: i64,
    pub person_id: Option<PersonId>,
    pub id_type: String,
    pub id_number: String,
    pub name: String,
    pub entered_on: Date,
    pub left_on: Option<Date>,
    pub added_by: String,
    pub removed_by: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = project_workers)]
pub struct NewWorker {
    pub project_id: i64,
    pub person_id: Option<PersonId>,
    pub id_type: String,
    pub id_number: String,
    pub name: String,
    pub entered_on: Date,
    pub added_by: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A worker on the roster already is [`DbError::Conflict`] ([`ON_ROSTER_KEY`]).
pub fn insert_worker(conn: &mut DbConn, w: &NewWorker) -> Result<Worker, DbError> {
    Ok(diesel::insert_into(project_workers::table)
        .values(w)
        .returning(project_workers::all_columns)
        .get_result(conn)?)
}

pub fn get_worker(conn: &mut DbConn, project_id: i64, id: i64) -> Result<Option<Worker>, DbError> {
    Ok(project_workers::table
        .filter(project_workers::project_id.eq(project_id))
        .filter(project_workers::id.eq(id))
        .select(Worker::as_select())
        .first(conn)
        .optional()?)
}

/// Takes a worker off the roster; false when off already.
pub fn remove_worker(
    conn: &mut DbConn,
    id: i64,
    left_on: Date,
    by: &str,
    now: PrimitiveDateTime,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        project_workers::table
            .filter(project_workers::id.eq(id))
            .filter(project_workers::left_on.is_null()),
    )
    .set((
        project_workers::left_on.eq(left_on),
        project_workers::removed_by.eq(by),
        project_workers::updated_at.eq(now),
    ))
    .execute(conn)?
        == 1)
}

/// Which roster entries a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterFilter {
    /// Every entry.
    All,
    /// On the roster now.
    Current,
    /// Covering this day (entered on or before it, not left before it).
    CoveredOn(Date),
}

/// A page of a project's roster, in entry order, with the total; an id
/// number narrows it to that worker.
pub fn workers_page(
    conn: &mut DbConn,
    project_id: i64,
    filter: RosterFilter,
    id_number: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Worker>, i64), DbError> {
    let filtered = || {
        let mut q = project_workers::table
            .filter(project_workers::project_id.eq(project_id))
            .into_boxed();
        match filter {
            RosterFilter::All => {}
            RosterFilter::Current => q = q.filter(project_workers::left_on.is_null()),
            RosterFilter::CoveredOn(day) => {
                q = q.filter(project_workers::entered_on.le(day)).filter(
                    project_workers::left_on
                        .is_null()
                        .or(project_workers::left_on.ge(day)),
                );
            }
        }
        if let Some(n) = id_number {
            q = q.filter(project_workers::id_number.eq(n.to_owned()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(project_workers::id)
        .offset(offset)
        .limit(limit)
        .select(Worker::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// How many workers are on a project's roster now.
pub fn current_headcount(conn: &mut DbConn, project_id: i64) -> Result<i64, DbError> {
    Ok(project_workers::table
        .filter(project_workers::project_id.eq(project_id))
        .filter(project_workers::left_on.is_null())
        .count()
        .get_result(conn)?)
}

/// For an order that billed a project's charge: whether the charge is free
/// for it again, i.e. no other order of the charge is live or paid (an
/// expired premium order paid in time can then still be booked). The
/// project's row is locked first, so that a re-billing of the charge and
/// the booking run one after the other. `None`: not a project's order.
pub fn charge_free(conn: &mut DbConn, order_id: OrderId) -> Result<Option<bool>, DbError> {
    let Some((p, ch)) = charge_of_order(conn, order_id)? else {
        return Ok(None);
    };
    lock_project(conn, p.id)?;
    let others: i64 = project_charge_orders::table
        .inner_join(orders::table)
        .filter(project_charge_orders::charge_id.eq(ch.id))
        .filter(project_charge_orders::order_id.ne(order_id))
        .filter(orders::status.eq_any([crate::orders::LIVE, crate::orders::PAID]))
        .count()
        .get_result(conn)?;
    Ok(Some(others == 0))
}
