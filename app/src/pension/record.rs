//! What staff recognise of a person's pension record before the system's
//! own data, each from a document (R-RET-2, R-PEN-3): months of history
//! with their base and place (档案记载的缴费历史), deemed months (视同缴费年限)
//! and the account's opening balance at the start of a year. Each change
//! is audited as a `pension_record_change` business item (who, when,
//! before/after) of the person's current unit.
//!
//! Decisions where DOMAIN.md is silent: the opening balance's year must be
//! one that has a bookkeeping rate (the national unified rate starts in
//! 2016) and not in the future; a history month may not be one the person
//! paid in this system, nor one entered already (the primary key), nor the
//! current month or later.

use qibao_core::business_item::BusinessItemKind;
use qibao_core::pension_record::Opening;
use qibao_core::{Money, Period};
use qibao_db::DbConn;
use qibao_db::DbError;
use qibao_db::employees as emp_db;
use qibao_db::pension::{self as store, HistoryMonthRow, PensionRecordRow};
use qibao_db::rows::Person;
use serde::Serialize;
use serde_json::{Value, json};
use time::PrimitiveDateTime;

use super::{Loaded, spans_of};
use crate::actor::AsActor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::items::{self, ItemRecord};
use crate::persons::same_person_ids;
use crate::tx::{read_transaction, transaction};

/// The business item kind of the audit trail.
pub const KIND: BusinessItemKind = BusinessItemKind::PensionRecordChange;

/// The longest document reference or place accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// One span of history months at one base.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistorySpanDto {
    pub from: Period,
    pub to: Period,
    pub months: i32,
    /// The monthly contribution base of the span.
    pub base: Money,
    /// Where the person worked and paid (单位或地区).
    pub place: String,
    /// The document it was entered from (档案、缴费记录等).
    pub document: String,
    pub entered_by: String,
    /// When (RFC 3339, China time).
    pub entered_at: String,
    /// The months came with a transfer in (R-TRANS-2): their account
    /// arrived as a sum (`account_arrivals`) and they credit nothing.
    pub account_moved: bool,
}

/// An account balance that arrived with a transfer in (R-TRANS-2).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountArrivalDto {
    /// Credited to the account in this month; it earns interest from it.
    pub period: Period,
    pub amount: Money,
}

/// The opening balance of the individual account.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpeningDto {
    /// The balance is at 1 January of this year; it covers every month before.
    pub year: i32,
    pub balance: Money,
    pub document: String,
}

/// Deemed months (视同缴费).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeemedDto {
    pub months: i32,
    /// Null when there are none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub document: Option<String>,
}

/// Months paid in this system (实缴到账, pension), as a summary.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedDto {
    pub months: i32,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub first: Option<Period>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last: Option<Period>,
}

/// A person's pension record as staff maintain it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PensionRecordDto {
    pub person_no: String,
    pub name: String,
    /// Null until staff enter one.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub opening: Option<OpeningDto>,
    pub deemed: DeemedDto,
    pub history: Vec<HistorySpanDto>,
    /// Account balances that arrived with transfers in.
    pub account_arrivals: Vec<AccountArrivalDto>,
    pub recorded: RecordedDto,
    /// Who last changed the opening balance or deemed months, and when;
    /// null when never.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub updated_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub updated_at: Option<String>,
}

fn dto(p: &Person, loaded: &Loaded) -> Result<PensionRecordDto, AppError> {
    let history = spans_of(&loaded.history_rows)?
        .into_iter()
        .map(|(from, to, r)| HistorySpanDto {
            from,
            to,
            months: from.months_until(to) + 1,
            base: Money::from_fen(r.base_fen),
            place: r.place.clone(),
            document: r.document.clone(),
            entered_by: r.created_by.clone(),
            entered_at: china_timestamp(r.created_at),
            account_moved: r.transfer_id.is_some(),
        })
        .collect();
    let r = loaded.record.as_ref();
    Ok(PensionRecordDto {
        person_no: p.person_no.clone(),
        name: p.name.clone(),
        opening: r.and_then(|r| {
            Some(OpeningDto {
                year: r.opening_year?,
                balance: Money::from_fen(r.opening_balance_fen?),
                document: r.opening_document.clone()?,
            })
        }),
        deemed: DeemedDto {
            months: loaded.deemed_months(),
            document: r.and_then(|r| r.deemed_document.clone()),
        },
        history,
        account_arrivals: loaded
            .arrivals
            .iter()
            .map(|a| AccountArrivalDto {
                period: a.period,
                amount: a.amount,
            })
            .collect(),
        recorded: RecordedDto {
            months: i32::try_from(loaded.recorded.len()).unwrap_or(i32::MAX),
            first: loaded.recorded.first().map(|m| m.period),
            last: loaded.last_recorded(),
        },
        updated_by: r.map(|r| r.updated_by.clone()),
        updated_at: r.map(|r| china_timestamp(r.updated_at)),
    })
}

fn load_in(c: &mut DbConn, person_no: &str) -> Result<(Person, Loaded), AppError> {
    let p = crate::staff::persons::live_person(c, person_no)?;
    let same = same_person_ids(c, &p)?;
    let loaded = super::load(c, &same)?;
    Ok((p, loaded))
}

/// The person's record.
pub fn get(conn: &mut DbConn, person_no: &str) -> Result<PensionRecordDto, AppError> {
    read_transaction(conn, |c| {
        let (p, loaded) = load_in(c, person_no)?;
        dto(&p, &loaded)
    })
}

/// The opening balance and deemed months as staff set them.
#[derive(Debug, Clone)]
pub struct RecordInput {
    pub opening: Option<(Opening, String)>,
    pub deemed_months: i32,
    pub deemed_document: Option<String>,
}

fn audit(
    c: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    p: &Person,
    before: Value,
    after: Value,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    let unit_id = emp_db::employments_of_persons(c, &[p.id])?
        .into_iter()
        .max_by_key(|e| e.id)
        .map(|e| e.unit_id);
    items::record(
        c,
        who,
        ItemRecord {
            unit_id,
            kind: KIND,
            status: "done",
            before: Some(before),
            after: Some(after),
        },
        now,
    )?;
    Ok(())
}

/// Sets the opening balance and the deemed months (replacing what was
/// there), audited. The opening year must have a bookkeeping rate and not
/// be after `today`'s year; deemed months need their document.
pub fn put(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    person_no: &str,
    input: &RecordInput,
    today_year: i32,
    now: PrimitiveDateTime,
) -> Result<PensionRecordDto, AppError> {
    transaction(conn, |c| {
        let (p, loaded) = load_in(c, person_no)?;
        let mut errors = Vec::new();
        if let Some((o, _)) = &input.opening {
            let first_rate = loaded.rates.rates().first().map(|r| r.year);
            match first_rate {
                Some(first) if o.year >= first && o.year <= today_year => {}
                Some(first) => errors.push(FieldError::new(
                    "opening.year",
                    format!(
                        "期初余额年度应在{first}年（有记账利率的第一年）至{today_year}年之间。"
                    ),
                )),
                None => errors.push(FieldError::new(
                    "opening.year",
                    "尚未设置任何年度的记账利率，不能录入期初余额。",
                )),
            }
        }
        if input.deemed_months > 0 && input.deemed_document.is_none() {
            errors.push(FieldError::new(
                "deemed.document",
                "视同缴费年限须注明认定依据的文件或档案。",
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        let before = serde_json::to_value(dto(&p, &loaded)?).unwrap_or(Value::Null);
        store::put_pension_record(
            c,
            &PensionRecordRow {
                person_id: p.id,
                opening_year: input.opening.as_ref().map(|(o, _)| o.year),
                opening_balance_fen: input.opening.as_ref().map(|(o, _)| o.balance.fen()),
                opening_document: input.opening.as_ref().map(|(_, d)| d.clone()),
                deemed_months: input.deemed_months,
                deemed_document: input
                    .deemed_document
                    .clone()
                    .filter(|_| input.deemed_months > 0),
                updated_by: who.as_actor().name,
                updated_at: now,
            },
        )?;
        let (_, loaded) = load_in(c, person_no)?;
        let out = dto(&p, &loaded)?;
        let after = serde_json::to_value(&out).unwrap_or(Value::Null);
        audit(c, who, &p, before, after, now)?;
        Ok(out)
    })
}

/// Months of history as staff enter them.
#[derive(Debug, Clone)]
pub struct HistoryInput {
    pub from: Period,
    pub to: Period,
    pub base: Money,
    pub place: String,
    pub document: String,
}

/// Adds history months, audited. A month the person paid in this system,
/// a month entered already (409 `HISTORY_OVERLAP`, naming the months), or
/// a month from `today`'s on is refused; nothing is written then.
pub fn add_history(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    person_no: &str,
    input: &HistoryInput,
    current: Period,
    now: PrimitiveDateTime,
) -> Result<PensionRecordDto, AppError> {
    if input.to < input.from {
        return Err(AppError::invalid_field("to", "截止月份不能早于起始月份。"));
    }
    if input.to >= current {
        return Err(AppError::invalid_field(
            "to",
            format!(
                "缴费历史只能录入本月（{}）以前的月份；本系统的缴费由申报产生。",
                current
            ),
        ));
    }
    if input.base <= Money::ZERO {
        return Err(AppError::invalid_field("base", "缴费基数应大于0。"));
    }
    transaction(conn, |c| {
        let (p, loaded) = load_in(c, person_no)?;
        let months = Period::range_inclusive(input.from, input.to);
        let clash = |taken: &dyn Fn(Period) -> bool| -> Vec<Period> {
            months.iter().copied().filter(|m| taken(*m)).collect()
        };
        let recorded = clash(&|m| loaded.recorded.iter().any(|r| r.period == m));
        if let (Some(first), Some(last)) = (recorded.first(), recorded.last()) {
            return Err(
                AppError::new(ErrorCode::HistoryOverlap).with_detail(format!(
                    "{first}至{last}中有{}个月已在本系统缴费到账，不能再作为缴费历史录入。",
                    recorded.len()
                )),
            );
        }
        let entered = clash(&|m| loaded.history_rows.iter().any(|r| r.period == m.yyyymm()));
        if let (Some(first), Some(last)) = (entered.first(), entered.last()) {
            return Err(
                AppError::new(ErrorCode::HistoryOverlap).with_detail(format!(
                    "{first}至{last}中有{}个月已录入缴费历史，请核对后再录入。",
                    entered.len()
                )),
            );
        }
        let before = serde_json::to_value(dto(&p, &loaded)?).unwrap_or(Value::Null);
        let actor = who.as_actor().name;
        let rows: Vec<HistoryMonthRow> = months
            .iter()
            .map(|m| HistoryMonthRow {
                person_id: p.id,
                period: m.yyyymm(),
                base_fen: input.base.fen(),
                place: input.place.clone(),
                document: input.document.clone(),
                created_by: actor.clone(),
                created_at: now,
                transfer_id: None,
            })
            .collect();
        qibao_db::bulk::insert_history_months(c, &rows).map_err(|e| match e {
            DbError::Conflict { .. } => {
                crate::tx::retry("缴费历史正在被其他人员录入，请刷新后核对。")
            }
            other => other.into(),
        })?;
        let (_, loaded) = load_in(c, person_no)?;
        let out = dto(&p, &loaded)?;
        audit(
            c,
            who,
            &p,
            before,
            json!({ "added": { "from": input.from, "to": input.to, "base": input.base,
                "place": input.place, "document": input.document }, "record": out }),
            now,
        )?;
        Ok(out)
    })
}
