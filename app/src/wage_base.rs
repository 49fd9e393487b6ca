//! The wage bases a unit declared for a social-insurance year (缴费工资申报,
//! R-WAGE-1…2), as the monthly declaration reads them.

use std::collections::HashMap;

use qibao_core::{Money, Period};
use qibao_db::DbConn;
use qibao_db::declarations as decl_db;
use qibao_db::ids::{PersonId, UnitId};

use crate::error::AppError;

/// The base of each person declared for the SI year of `period`.
pub fn bases_for(
    conn: &mut DbConn,
    unit_id: UnitId,
    period: Period,
) -> Result<Option<HashMap<PersonId, Money>>, AppError> {
    let Some(d) = decl_db::current_wage_declaration(conn, unit_id, period.si_year().0)? else {
        return Ok(None);
    };
    Ok(Some(
        decl_db::wage_persons(conn, d.id)?
            .into_iter()
            .map(|r| (r.person_id, Money::from_fen(r.declared_fen)))
            .collect(),
    ))
}
