//! The daily reconciliation (R-PAY-4): what the tax bureau reported for a
//! day (its statement, or without one its paid messages) against what was
//! booked, with each difference listed. `qibao_core::payment::reconcile`
//! decides; this reads the stored messages and statement and stores a
//! statement the tax bureau sends.

use qibao_core::Money;
use qibao_core::payment::{DifferenceKind, ReportedPayment, StatementLine, reconcile};
use qibao_db::DbConn;
use qibao_db::tax as tax_db;
use serde::{Deserialize, Serialize};
use time::{Date, PrimitiveDateTime};

use crate::error::AppError;

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TallyDto {
    pub count: u64,
    pub sum: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DifferenceDto {
    /// refused, missing_message, not_in_statement, mismatch.
    pub kind: DifferenceKind,
    /// The tax serial.
    pub serial: String,
    pub order_no: String,
    /// What tax reported for it (a reversal is negative).
    pub reported: Money,
    /// What was booked for it.
    pub booked: Money,
    /// The refusal code, for a refused message.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub code: Option<String>,
    pub detail: String,
}

/// One day's reconciliation (R-PAY-4).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReconciliationDto {
    /// The day (China date of the bank's time).
    pub date: Date,
    /// Whether tax sent its own statement of the day; without one, its
    /// paid messages are what it reported.
    pub statement_received: bool,
    pub reported: TallyDto,
    pub booked: TallyDto,
    /// Reported and booked agree and nothing differs.
    pub balanced: bool,
    pub differences: Vec<DifferenceDto>,
}

/// Builds the reconciliation of a day from the stored messages and
/// statement, in the caller's transaction.
fn build(conn: &mut DbConn, day: Date) -> Result<ReconciliationDto, AppError> {
    let messages: Vec<ReportedPayment> = tax_db::payments_of_day(conn, day)?
        .into_iter()
        .map(|e| {
            let amount = Money::from_fen(e.amount_fen);
            ReportedPayment {
                booked: e.outcome == tax_db::ACCEPTED,
                refusal: e.code.map(|code| (code, e.detail.unwrap_or_default())),
                serial: e.serial,
                order_no: e.order_no,
                // A reversal takes money back on the day it is received.
                amount: if e.kind == tax_db::REVERSED {
                    -amount
                } else {
                    amount
                },
            }
        })
        .collect();
    let rows = tax_db::statement_of(conn, day)?;
    let statement: Option<Vec<StatementLine>> = (!rows.is_empty()).then(|| {
        rows.into_iter()
            .map(|r| StatementLine {
                serial: r.serial,
                order_no: r.order_no,
                amount: Money::from_fen(r.amount_fen),
            })
            .collect()
    });
    let r = reconcile(&messages, statement.as_deref());
    Ok(ReconciliationDto {
        date: day,
        statement_received: statement.is_some(),
        balanced: r.balanced(),
        reported: TallyDto {
            count: r.reported.count,
            sum: r.reported.sum,
        },
        booked: TallyDto {
            count: r.booked.count,
            sum: r.booked.sum,
        },
        differences: r
            .differences
            .into_iter()
            .map(|d| DifferenceDto {
                kind: d.kind,
                serial: d.serial,
                order_no: d.order_no,
                reported: d.reported,
                booked: d.booked,
                code: d.code,
                detail: d.detail,
            })
            .collect(),
    })
}

/// The reconciliation of a day, read from one snapshot.
pub fn get(conn: &mut DbConn, day: Date) -> Result<ReconciliationDto, AppError> {
    crate::tx::read_transaction(conn, |c| build(c, day))
}

/// One payment on the tax bureau's statement of a day, as checked by the
/// API (serial unique in the statement, amount positive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementPayment {
    pub serial: String,
    pub order_no: String,
    pub amount: Money,
}

/// Stores (or replaces) the tax bureau's statement of a day and answers the
/// reconciliation against it, in one transaction.
pub fn replace_statement(
    conn: &mut DbConn,
    day: Date,
    lines: &[StatementPayment],
    now: PrimitiveDateTime,
) -> Result<ReconciliationDto, AppError> {
    let rows: Vec<(String, String, i64)> = lines
        .iter()
        .map(|l| (l.serial.clone(), l.order_no.clone(), l.amount.fen()))
        .collect();
    crate::tx::transaction(conn, |c| {
        tax_db::replace_statement(c, day, &rows, now)?;
        build(c, day)
    })
}
