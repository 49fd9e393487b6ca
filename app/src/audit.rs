//! Verifying the tamper-evident business record (R-UNDO-1, issue 13): walks
//! a unit's hash chain (or every chain) in one read snapshot and names the
//! first item changed, removed or added by hand in the database. The chain
//! is written by `qibao_db::item_chain`; the rule is `qibao_core::audit`.

use qibao_core::ids::UnitNo;
use qibao_db::ids::UnitId;
use qibao_db::{DbConn, DbError, item_chain, repo};
use serde::Serialize;

use crate::error::AppError;
use crate::tx::read_transaction;
use crate::units::unit_not_found;

/// The first problem found on a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainProblem {
    /// `item_changed`, `item_removed`, `item_unrecorded`, `link_altered`,
    /// `link_missing`, `chain_truncated` or `head_mismatch`.
    #[cfg_attr(feature = "openapi", schema(example = "item_changed"))]
    pub code: String,
    /// The business item it names, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub business_item_id: Option<i64>,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "办件1234的内容与第17个环节记录的不一致，被人为修改")
    )]
    pub message: String,
}

/// The outcome of walking one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainReport {
    /// The unit (null: the chain of items of no unit).
    #[cfg_attr(feature = "openapi", schema(required = true, example = "100047500"))]
    pub unit_no: Option<String>,
    /// Links walked (one per version of an item).
    pub links: i64,
    /// Items stored in the chain now.
    pub items: i64,
    /// Whether every link and item fits.
    pub intact: bool,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub first_problem: Option<ChainProblem>,
}

fn report(conn: &mut DbConn, chain: i64, unit_no: Option<String>) -> Result<ChainReport, DbError> {
    let check = item_chain::verify(conn, chain)?;
    Ok(ChainReport {
        unit_no,
        links: i64::try_from(check.links).unwrap_or(i64::MAX),
        items: i64::try_from(check.items).unwrap_or(i64::MAX),
        intact: check.first_break.is_none(),
        first_problem: check.first_break.map(|b| ChainProblem {
            code: b.code().to_owned(),
            business_item_id: b.item_id(),
            message: b.message_zh(),
        }),
    })
}

/// Walks one unit's chain.
pub fn verify_unit(conn: &mut DbConn, unit_no: &UnitNo) -> Result<ChainReport, AppError> {
    read_transaction(conn, |c| {
        let unit = match repo::get_unit_by_no(c, unit_no.as_str()) {
            Ok(u) => u,
            Err(DbError::NotFound) => return Err(unit_not_found()),
            Err(e) => return Err(e.into()),
        };
        Ok(report(
            c,
            item_chain::chain_of(Some(unit.id)),
            Some(unit.unit_no),
        )?)
    })
}

/// Walks every chain (the command line's `qibao audit verify`).
pub fn verify_all(conn: &mut DbConn) -> Result<Vec<ChainReport>, AppError> {
    read_transaction(conn, |c| {
        let mut out = Vec::new();
        for chain in item_chain::chains(c)? {
            let unit_no = if chain == 0 {
                None
            } else {
                Some(match qibao_db::units::get_unit(c, UnitId(chain)) {
                    Ok(u) => u.unit_no,
                    Err(DbError::NotFound) => format!("(unit id {chain})"),
                    Err(e) => return Err(e.into()),
                })
            };
            out.push(report(c, chain, unit_no)?);
        }
        Ok(out)
    })
}
