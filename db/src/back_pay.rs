//! Queries of the back-pay applications (R-BACK-2, R-BACK-3) and the
//! deferral list (R-BACK-5: the unpaid lines of a unit's confirmed months). The applications themselves are review
//! tasks (`review_tasks`) and business items; the lines they create are
//! `assessments` rows whose `source_item_id` is the application's item.

use diesel::prelude::*;

use crate::assessments::Assessment;
use crate::ids::{BusinessItemId, UnitId};
use crate::review::{PageReq, ReviewTask};
use crate::schema::{assessments, persons, review_tasks};
use crate::{DbConn, DbError};

/// The tasks of a unit of any of `kinds`, newest first, and how many in all.
pub fn list_unit_tasks_of_kinds(
    conn: &mut DbConn,
    unit_id: UnitId,
    kinds: &[&str],
    page: PageReq,
) -> Result<(Vec<ReviewTask>, i64), DbError> {
    let q = || {
        review_tasks::table
            .filter(review_tasks::unit_id.eq(unit_id))
            .filter(review_tasks::kind.eq_any(kinds))
    };
    let total: i64 = q().count().get_result(conn)?;
    let rows = q()
        .order(review_tasks::id.desc())
        .limit(page.page_size)
        .offset((page.page.max(1) - 1) * page.page_size)
        .select(ReviewTask::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The live lines a business item created, by period and insurance.
pub fn lines_of_item(
    conn: &mut DbConn,
    item_id: BusinessItemId,
) -> Result<Vec<Assessment>, DbError> {
    Ok(assessments::table
        .filter(assessments::source_item_id.eq(item_id))
        .filter(assessments::live.eq(true))
        .order((assessments::period, assessments::insurance, assessments::id))
        .select(Assessment::as_select())
        .load(conn)?)
}

/// The unit's pending and billed lines of `periods` (YYYYMM), with the
/// person's number and name, by period, person and insurance.
pub fn unpaid_lines_of_periods(
    conn: &mut DbConn,
    unit_id: UnitId,
    periods: &[i32],
) -> Result<Vec<(Assessment, String, String)>, DbError> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    Ok(assessments::table
        .inner_join(persons::table)
        .filter(assessments::unit_id.eq(unit_id))
        .filter(assessments::unpaid.eq(true))
        .filter(assessments::period.eq_any(periods))
        .order((
            assessments::period,
            persons::person_no,
            assessments::insurance,
        ))
        .select((Assessment::as_select(), persons::person_no, persons::name))
        .load(conn)?)
}

/// Records what an approval did in the application's business item
/// (`after_json`).
pub fn set_item_after(
    conn: &mut DbConn,
    item_id: BusinessItemId,
    after_json: &str,
    now: time::PrimitiveDateTime,
) -> Result<(), DbError> {
    use crate::schema::business_items;
    let changed: Option<crate::rows::BusinessItem> =
        diesel::update(business_items::table.find(item_id))
            .set((
                business_items::after_json.eq(Some(after_json)),
                business_items::updated_at.eq(now),
            ))
            .returning(business_items::all_columns)
            .get_result(conn)
            .optional()?;
    match changed {
        Some(item) => crate::business_items::chained(conn, Some(&item)),
        None => Err(DbError::NotFound),
    }
}
