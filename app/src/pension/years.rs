//! The pension parameters by year (R-PEN-1) and the standards of the lump
//! sums at death from a year (R-PEN-4), maintained like the other
//! policy parameters (R-POL-4): the province's average monthly wage of
//! on-post employees (全省在岗职工月平均工资) and the transitional
//! coefficient (过渡系数); 丧葬补助金 and 抚恤金 months. A year is added once; every addition is audited
//! as a `policy_change` business item. A pension already approved keeps the
//! figures it was approved with (its calculation is frozen).

use qibao_core::Money;
use qibao_core::pension_life::DeathStandards;
use qibao_core::pension_record::PensionYear;
use qibao_core::policy::Source;
use qibao_db::DbConn;
use qibao_db::pension::{self as store, DeathStandardsRow, PensionYearRow};
use serde_json::json;
use time::PrimitiveDateTime;

use crate::actor::AsActor;
use crate::error::AppError;
use crate::policy::admin::{PolicyChangeDto, add_audited};
use crate::tx::read_transaction;

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
    let overlap = format!("{year}年度的养老金计发参数已存在，不能重复设置。");
    let added = json!(y);
    add_audited(conn, who, "pension_year", None, added, &overlap, now, |c| {
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
    })
}

/// The standards of the lump sums at death, by the year they start.
pub fn death_standards(conn: &mut DbConn) -> Result<Vec<DeathStandards>, AppError> {
    read_transaction(conn, |c| {
        Ok(store::death_standards(c)?
            .into_iter()
            .map(|r| DeathStandards {
                from_year: r.from_year,
                funeral_grant: Money::from_fen(r.funeral_grant_fen),
                survivor_months: r.survivor_months,
                source: Source {
                    document: r.source,
                    illustrative: r.illustrative,
                },
            })
            .collect())
    })
}

/// Adds the standards from `d.from_year`, audited; a year that has them is
/// 422 `POLICY_OVERLAP`. Applications decided before keep their figures.
pub fn add_death_standards(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    d: DeathStandards,
    now: PrimitiveDateTime,
) -> Result<PolicyChangeDto, AppError> {
    let year = d.from_year;
    let overlap = format!("{year}年起执行的丧葬补助金、抚恤金标准已存在，不能重复设置。");
    let added = json!(d);
    add_audited(
        conn,
        who,
        "death_benefits",
        None,
        added,
        &overlap,
        now,
        |c| {
            store::insert_death_standards(
                c,
                &DeathStandardsRow {
                    from_year: year,
                    funeral_grant_fen: d.funeral_grant.fen(),
                    survivor_months: d.survivor_months,
                    source: d.source.document.clone(),
                    illustrative: d.source.illustrative,
                    created_at: now,
                },
            )
        },
    )
}
