//! The pension parameters by year (R-PEN-1; maintained like the other
//! policy parameters, R-POL-4): the province's average monthly wage of
//! on-post employees (全省在岗职工月平均工资) and the transitional
//! coefficient (过渡系数). A year is added once; every addition is audited
//! as a `policy_change` business item. A pension already approved keeps the
//! figures it was approved with (its calculation is frozen).

use qibao_core::pension_record::PensionYear;
use qibao_db::pension::{self as store, PensionYearRow};
use qibao_db::{DbConn, DbError};
use serde_json::json;
use time::PrimitiveDateTime;

use crate::actor::AsActor;
use crate::error::{AppError, ErrorCode};
use crate::items::{self, ItemRecord};
use crate::policy::admin::{POLICY_CHANGE, PolicyChangeDto, change_dto};
use crate::tx::{read_transaction, transaction};

/// Every year's parameters, ascending.
pub fn list(conn: &mut DbConn) -> Result<Vec<PensionYear>, AppError> {
    read_transaction(conn, |c| Ok(super::load_years(c)?.all().to_vec()))
}

/// Adds the parameters of `y.year`, audited; a year that has them already
/// is 422 `POLICY_OVERLAP`.
pub fn add(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    y: PensionYear,
    now: PrimitiveDateTime,
) -> Result<PolicyChangeDto, AppError> {
    let year = y.year;
    let overlap = || {
        AppError::new(ErrorCode::PolicyOverlap)
            .with_detail(format!("{year}年度的养老金计发参数已存在，不能重复设置。"))
    };
    let item = transaction(conn, |c| {
        store::insert_pension_year(
            c,
            &PensionYearRow {
                year,
                average_wage_fen: y.average_wage.fen(),
                transitional_ppm: y.transitional_coefficient.ppm(),
                source: y.source.document.clone(),
                illustrative: y.source.illustrative,
                created_at: now,
            },
        )
        .map_err(|e| match e {
            DbError::Conflict { .. } => overlap(),
            other => other.into(),
        })?;
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: None,
                kind: POLICY_CHANGE,
                status: "done",
                before: None,
                after: Some(json!({ "parameter": "pension_year", "added": y })),
            },
            now,
        )
    })?;
    Ok(change_dto(item))
}
