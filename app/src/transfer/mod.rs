//! 社会保险关系转移接续 (issue 16; R-TRANS-1, 2): the contribution voucher
//! ([`voucher`]) and the transfer of a pension relation across provinces,
//! both ways, through the inter-province platform (跨省转移接续平台):
//!
//! - transfer in (转入): a unit applies for its employee who came from
//!   another province ([`apply_in`]); the platform carries the request to
//!   the old place ([`platform_feed`]), which accepts it
//!   ([`platform_accept`]) and answers with the months paid there and the
//!   money moved ([`platform_answer`]) or refuses ([`platform_refuse`]).
//!   What arrives is checked (`qibao_core::transfer::check_answer`) and
//!   recorded in one transaction: each month in the person's contribution
//!   history with its place, and the account balance as a sum arriving in
//!   the month it was recorded (R-PEN-3's account then earns on it);
//! - transfer out (转出): another province asks through the platform
//!   ([`platform_request_out`]); staff transfer what the voucher lists
//!   ([`staff_transfer_out`]) or refuse ([`staff_refuse_out`]); the
//!   platform reads the answer ([`platform_out`]).
//!
//! The old place has 15 working days from the request (the State Council
//! calendar); every transfer shows its steps with their dates and the
//! working days they took (转移进度), to the unit and to staff.

mod voucher;

pub use voucher::*;

use std::collections::{BTreeMap, BTreeSet};

use qibao_core::business_item::BusinessItemKind;
use qibao_core::calendar::WorkCalendar;
use qibao_core::employment::parse_name;
use qibao_core::insurance::Insurance;
use qibao_core::pension::Credit;
use qibao_core::transfer::{
    self as rule, ArrivingSpan, Direction, TransferDates, TransferProgress, TransferStatus,
};
use qibao_core::unit::mask_id_number;
use qibao_core::{Money, Period};
use qibao_db::ids::{PersonId, UnitId};
use qibao_db::pension::HistoryMonthRow;
use qibao_db::review::PageReq;
use qibao_db::rows::Person;
/// Which transfers a page shows (the API parses it).
pub use qibao_db::transfers::TransferFilter;
use qibao_db::transfers::{self as store, Completion, NewTransfer, Transfer};
use qibao_db::{DbConn, DbError, OptionalExt, employees as emp_db, repo};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Date, PrimitiveDateTime};

use crate::actor::Actor;
use crate::error::{AppError, ErrorCode, FieldError, corrupt};
use crate::items::{self, DONE, ItemRecord};
use crate::persons::{same_person_ids, unit_person};
use crate::review::PageInfo;
use crate::tx::{read_transaction, transaction_with_retry};

/// Months that moved at one monthly base and place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MovedSpan {
    pub from: Period,
    pub to: Period,
    pub months: i32,
    /// The monthly contribution base.
    pub base: Money,
    /// Where the months were paid.
    #[cfg_attr(feature = "openapi", schema(example = "广东省深圳市"))]
    pub place: String,
}

/// What a completed transfer moved (R-TRANS-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Moved {
    pub spans: Vec<MovedSpan>,
    /// Months paid in all.
    pub months: i32,
    /// 个人账户储存额, moved in full.
    pub account: Money,
    /// 统筹基金转移额: 12% of the bases since 1998.
    pub pooled: Money,
    pub total: Money,
    /// A transfer in: the month the account was credited here.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub arrived_period: Option<Period>,
}

/// A transfer of a pension relation across provinces, with its progress.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferDto {
    pub id: i64,
    /// 转移编号: ours (ZR…) for a transfer in, the platform's request
    /// number for a transfer out.
    #[cfg_attr(feature = "openapi", schema(example = "ZR0000000042"))]
    pub transfer_no: String,
    /// `in` (转入) or `out` (转出).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "in"))]
    pub direction: Direction,
    pub direction_label: &'static str,
    /// `requested`, `accepted`, `completed` or `refused`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "completed"))]
    pub status: TransferStatus,
    pub status_label: &'static str,
    pub person_no: String,
    pub name: String,
    /// The ID number with its middle hidden.
    pub id_number: String,
    /// The unit that applied (in) or where the person last paid (out).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub unit_no: Option<String>,
    /// The other province's place (转出地 for in, 转入地 for out).
    #[cfg_attr(feature = "openapi", schema(example = "广东省深圳市"))]
    pub other_place: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub other_agency: Option<String>,
    pub requested_on: Date,
    pub progress: TransferProgress,
    /// The old place's reason, when refused.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub refusal: Option<String>,
    /// What moved, once completed.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub moved: Option<Moved>,
}

/// A page of transfers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferPage {
    pub items: Vec<TransferDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

/// A unit's transfer-in application as the API parsed it.
#[derive(Debug, Clone)]
pub struct TransferInInput {
    pub person_no: String,
    /// 转出地: the province and city the person came from.
    pub from_place: String,
    pub from_agency: Option<String>,
}

/// An answer of the old place as the API parsed it.
#[derive(Debug, Clone)]
pub struct AnswerInput {
    pub transferred_on: Date,
    /// Months with their base and place (the place defaults to the
    /// transfer's other place).
    pub spans: Vec<(ArrivingSpan, Option<String>)>,
    pub account: Money,
    pub pooled: Money,
}

/// Another province's request for a person who left, as the API parsed it.
#[derive(Debug, Clone)]
pub struct OutRequestInput {
    pub request_no: String,
    pub id_number: String,
    pub name: String,
    /// 转入地.
    pub to_place: String,
    pub to_agency: Option<String>,
}

/// One of this side's requests as the platform carries it to the old place.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformRequest {
    /// The feed's cursor.
    pub id: i64,
    pub transfer_no: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "requested"))]
    pub status: TransferStatus,
    /// The person in full: the old place looks them up by it.
    pub id_number: String,
    pub name: String,
    /// 转出地 as the unit named it.
    pub from_place: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub from_agency: Option<String>,
    /// 转入地: this side's agency.
    pub to_agency: String,
    pub requested_on: Date,
    pub due_on: Date,
}

/// The platform's page of requests.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformFeed {
    pub items: Vec<PlatformRequest>,
    /// Pass as `after` for the next page (the last id; the same `after`
    /// when nothing is new).
    pub next_after: i64,
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::TransferNotFound)
}

fn closed(t: &Transfer) -> AppError {
    let status = TransferStatus::parse(&t.status).map_or("已办结", TransferStatus::label_zh);
    AppError::new(ErrorCode::TransferClosed).with_detail(format!(
        "转移{}当前状态为“{}”，不能再办理此步骤。",
        t.transfer_no, status
    ))
}

/// 422 `TRANSFERRED_OUT` while the relation of `persons` is out of the
/// province: their latest completed transfer went out (one back in since
/// brought it home).
pub fn refuse_if_transferred_out(c: &mut DbConn, persons: &[PersonId]) -> Result<(), AppError> {
    let out = store::of_persons(c, persons)?
        .into_iter()
        .rfind(|t| t.status == store::COMPLETED)
        .filter(|t| t.direction == Direction::Out.code());
    match out {
        Some(t) => Err(
            AppError::new(ErrorCode::TransferredOut).with_detail(format!(
                "该人员的养老保险关系已于{}转出至{}（转移编号{}），本省不再出具参保缴费凭证。",
                t.transferred_on.map_or_else(String::new, |d| d.to_string()),
                t.other_place,
                t.transfer_no
            )),
        ),
        None => Ok(()),
    }
}

/// The account sums that arrived with completed transfers in of these
/// persons (the same human's numbers), for the pension record.
pub fn arrivals(c: &mut DbConn, persons: &[PersonId]) -> Result<Vec<Credit>, AppError> {
    let mut out = Vec::new();
    for t in store::of_persons(c, persons)? {
        if t.direction != Direction::In.code() || t.status != store::COMPLETED {
            continue;
        }
        let (Some(period), Some(fen)) = (t.arrived_period, t.account_fen) else {
            return Err(corrupt("transfer arrival", t.id));
        };
        out.push(Credit {
            period: Period::from_yyyymm(period).map_err(|e| corrupt("arrived period", e))?,
            amount: Money::from_fen(fen),
        });
    }
    Ok(out)
}

/// The unit where these persons (one human's numbers) last paid pension
/// insurance in the province: the relation that started last.
pub fn last_pension_unit(c: &mut DbConn, persons: &[PersonId]) -> Result<Option<UnitId>, AppError> {
    Ok(emp_db::employments_of_persons(c, persons)?
        .into_iter()
        .filter(|e| e.insurance == Insurance::Pension)
        .max_by_key(|e| (e.start_date, e.id.0))
        .map(|e| e.unit_id))
}

fn person_of(c: &mut DbConn, id: PersonId) -> Result<Person, AppError> {
    emp_db::get_persons(c, &[id])?
        .into_iter()
        .next()
        .ok_or_else(|| corrupt("transfer person", id.0))
}

/// The month the account of these persons was last valued for a transfer
/// out (the month before the transfer's): every credit up to it left with
/// the account (R-TRANS-2).
pub fn moved_out_until(c: &mut DbConn, persons: &[PersonId]) -> Result<Option<Period>, AppError> {
    Ok(store::of_persons(c, persons)?
        .into_iter()
        .filter(|t| t.direction == Direction::Out.code() && t.status == store::COMPLETED)
        .filter_map(|t| t.transferred_on)
        .max()
        .map(|d| Period::of(d).prev()))
}

fn dates(t: &Transfer) -> TransferDates {
    TransferDates {
        requested_on: Some(t.requested_on),
        accepted_on: t.accepted_on,
        transferred_on: t.transferred_on,
        recorded_on: t.recorded_on,
        refused_on: t.refused_on,
    }
}

fn dto(c: &mut DbConn, t: &Transfer, today: Date) -> Result<TransferDto, AppError> {
    let calendar = qibao_db::policy::load_calendar(c)?;
    dto_with(c, &calendar, t, today)
}

/// [`dto`] with the calendar loaded once (a page).
fn dto_with(
    c: &mut DbConn,
    calendar: &WorkCalendar,
    t: &Transfer,
    today: Date,
) -> Result<TransferDto, AppError> {
    let direction =
        Direction::parse(&t.direction).ok_or_else(|| corrupt("direction", &t.direction))?;
    let status = TransferStatus::parse(&t.status).ok_or_else(|| corrupt("status", &t.status))?;
    let progress = rule::progress(calendar, direction, t.requested_on, &dates(t), today)?;
    let person = person_of(c, t.person_id)?;
    let unit_no = match t.unit_id {
        Some(u) => Some(emp_db::get_unit(c, u)?.unit_no),
        None => None,
    };
    let moved = match &t.answer_json {
        Some(j) => Some(serde_json::from_str::<Moved>(j).map_err(|e| corrupt("answer", e))?),
        None => None,
    };
    Ok(TransferDto {
        id: t.id,
        transfer_no: t.transfer_no.clone(),
        direction,
        direction_label: direction.label_zh(),
        status,
        status_label: status.label_zh(),
        person_no: person.person_no,
        name: t.name.clone(),
        id_number: mask_id_number(&t.id_number),
        unit_no,
        other_place: t.other_place.clone(),
        other_agency: t.other_agency.clone(),
        requested_on: t.requested_on,
        progress,
        refusal: t.refusal.clone(),
        moved,
    })
}

fn place_field(field: &str, value: &str) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 100 {
        return Err(AppError::invalid_field(
            field,
            "请填写1至100个字的地区名称，如“广东省深圳市”。",
        ));
    }
    Ok(v.to_owned())
}

fn optional_text(field: &str, value: Option<&str>) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        Some(v) if v.chars().count() > 100 => {
            Err(AppError::invalid_field(field, "不能超过100个字。"))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

fn due_on(c: &mut DbConn, requested_on: Date) -> Result<Date, AppError> {
    let calendar = qibao_db::policy::load_calendar(c)?;
    Ok(rule::due_on(&calendar, requested_on)?.date)
}

/// 养老保险关系转入申请 (R-TRANS-1): the unit applies for its employee, who
/// must pay pension insurance at the unit now; the request goes to the
/// platform at once. One open transfer in per person.
pub fn apply_in(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    input: &TransferInInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<TransferDto, AppError> {
    let from_place = place_field("from_place", &input.from_place)?;
    let from_agency = optional_text("from_agency", input.from_agency.as_deref())?;
    transaction_with_retry(conn, |c| {
        let (person, relations) = unit_person(c, unit_id, &input.person_no)?;
        let insured = relations
            .iter()
            .any(|e| e.insurance == Insurance::Pension && e.status == repo::ACTIVE);
        if !insured {
            return Err(AppError::new(ErrorCode::TransferNotInsuredHere));
        }
        let due = due_on(c, today)?;
        let item = items::record(
            c,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::PensionTransferIn,
                status: DONE,
                before: None,
                after: Some(json!({
                    "person_no": person.person_no, "name": person.name,
                    "from_place": from_place, "from_agency": from_agency,
                    "requested_on": today, "due_on": due,
                })),
            },
            now,
        )?;
        let t = store::insert(
            c,
            &NewTransfer {
                direction: Direction::In.code().to_owned(),
                transfer_no: format!("ZR{:010}", item.id.0),
                status: store::REQUESTED.to_owned(),
                person_id: person.id,
                unit_id: Some(unit_id),
                business_item_id: Some(item.id),
                other_place: from_place.clone(),
                other_agency: from_agency.clone(),
                id_number: person.id_number.clone(),
                name: person.name.clone(),
                requested_on: today,
                due_on: due,
                created_by: who.name.clone(),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| open_conflict(e, &person))?;
        dto(c, &t, today)
    })
}

fn open_conflict(e: DbError, person: &Person) -> AppError {
    match e {
        DbError::Conflict { constraint } if constraint == store::OPEN_KEY => {
            AppError::new(ErrorCode::TransferOpen).with_detail(format!(
                "{}（个人编号{}）已有正在办理的养老保险关系转移，请待其办结后再申请。",
                person.name, person.person_no
            ))
        }
        other => other.into(),
    }
}

/// One transfer: the unit's own (applied by it, or of its former
/// employee), or any for staff (`unit_id` = `None`).
pub fn get(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    id: i64,
    today: Date,
) -> Result<TransferDto, AppError> {
    read_transaction(conn, |c| {
        let t = store::get(c, id)?
            .filter(|t| unit_id.is_none() || t.unit_id == unit_id)
            .ok_or_else(not_found)?;
        dto(c, &t, today)
    })
}

/// A page of transfers, newest first.
pub fn list(
    conn: &mut DbConn,
    filter: &TransferFilter,
    page: PageReq,
    today: Date,
) -> Result<TransferPage, AppError> {
    read_transaction(conn, |c| {
        let (rows, total) = store::page(c, filter, page.offset(), page.page_size)?;
        let calendar = qibao_db::policy::load_calendar(c)?;
        let items = rows
            .iter()
            .map(|t| dto_with(c, &calendar, t, today))
            .collect::<Result<_, _>>()?;
        Ok(TransferPage {
            items,
            page: PageInfo::new(page, total),
        })
    })
}

/// The platform's feed of this side's requests (transfers in) after
/// `after`, oldest first, each in its current state.
pub fn platform_feed(conn: &mut DbConn, after: i64, limit: i64) -> Result<PlatformFeed, AppError> {
    read_transaction(conn, |c| {
        let rows = store::feed(c, Direction::In.code(), after, limit)?;
        let mut items = Vec::with_capacity(rows.len());
        for t in &rows {
            let status =
                TransferStatus::parse(&t.status).ok_or_else(|| corrupt("status", &t.status))?;
            let to_agency = match t.unit_id {
                Some(u) => {
                    let unit = emp_db::get_unit(c, u)?;
                    let region = repo::get_region(c, &unit.region_code)?;
                    qibao_core::order::agency_name(&region.name)
                }
                None => String::new(),
            };
            items.push(PlatformRequest {
                id: t.id,
                transfer_no: t.transfer_no.clone(),
                status,
                id_number: t.id_number.clone(),
                name: t.name.clone(),
                from_place: t.other_place.clone(),
                from_agency: t.other_agency.clone(),
                to_agency,
                requested_on: t.requested_on,
                due_on: t.due_on,
            });
        }
        Ok(PlatformFeed {
            next_after: rows.last().map_or(after, |t| t.id),
            items,
        })
    })
}

/// Loads and locks this side's request `no` (a transfer in).
fn locked_in(c: &mut DbConn, no: &str) -> Result<Transfer, AppError> {
    let t = store::by_no(c, Direction::In.code(), no)?.ok_or_else(not_found)?;
    store::lock(c, t.id)?;
    store::get(c, t.id)?.ok_or_else(not_found)
}

/// The old place accepted this side's request (转出地受理). Accepting twice
/// answers the same.
pub fn platform_accept(
    conn: &mut DbConn,
    no: &str,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<TransferDto, AppError> {
    transaction_with_retry(conn, |c| {
        let t = locked_in(c, no)?;
        match t.status.as_str() {
            store::REQUESTED => store::accept(c, t.id, today, now)?,
            store::ACCEPTED => {}
            _ => return Err(closed(&t)),
        }
        let t = store::get(c, t.id)?.ok_or_else(not_found)?;
        dto(c, &t, today)
    })
}

fn refusal_text(reason: &str) -> Result<String, AppError> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 500 {
        return Err(AppError::invalid_field(
            "reason",
            "请填写不予转移的原因（1至500字）。",
        ));
    }
    Ok(r.to_owned())
}

/// The old place refused this side's request, with its reason.
pub fn platform_refuse(
    conn: &mut DbConn,
    no: &str,
    reason: &str,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<TransferDto, AppError> {
    let reason = refusal_text(reason)?;
    transaction_with_retry(conn, |c| {
        let t = locked_in(c, no)?;
        if TransferStatus::parse(&t.status).is_none_or(TransferStatus::is_final) {
            return Err(closed(&t));
        }
        store::refuse(c, t.id, today, &reason, now)?;
        let t = store::get(c, t.id)?.ok_or_else(not_found)?;
        dto(c, &t, today)
    })
}

fn answer_refused(e: &rule::AnswerRefusal) -> AppError {
    AppError::new(ErrorCode::TransferAnswerInvalid)
        .with_detail(e.to_string())
        .with_errors(vec![FieldError::new("spans", e.to_string())])
}

/// The old place transferred (R-TRANS-2): what it sends is checked and
/// recorded here in one transaction: each month in the person's history
/// with its place (crediting nothing of its own; a month known here
/// already is kept as it is, one recognised at another base refused), the
/// account balance as a sum arriving this month. A refused answer writes
/// nothing.
pub fn platform_answer(
    conn: &mut DbConn,
    who: &Actor,
    no: &str,
    input: &AnswerInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<TransferDto, AppError> {
    let mut places = Vec::with_capacity(input.spans.len());
    for (i, (_, place)) in input.spans.iter().enumerate() {
        places.push(match place {
            Some(p) => Some(place_field(&format!("spans[{i}].place"), p)?),
            None => None,
        });
    }
    transaction_with_retry(conn, |c| {
        let t = locked_in(c, no)?;
        if TransferStatus::parse(&t.status).is_none_or(TransferStatus::is_final) {
            return Err(closed(&t));
        }
        if input.transferred_on < t.requested_on || input.transferred_on > today {
            return Err(AppError::invalid_field(
                "transferred_on",
                format!(
                    "转出日期应在申请日期{}至今天{}之间。",
                    t.requested_on, today
                ),
            ));
        }
        let spans: Vec<ArrivingSpan> = input.spans.iter().map(|(s, _)| *s).collect();
        let amounts = rule::check_answer(
            &spans,
            input.account,
            input.pooled,
            Period::of(t.requested_on),
        )
        .map_err(|e| answer_refused(&e))?;
        let person = person_of(c, t.person_id)?;
        let same = same_person_ids(c, &person)?;
        let recognised: BTreeMap<Period, Money> = qibao_db::pension::history(c, person.id)?
            .into_iter()
            .map(|r| {
                Period::from_yyyymm(r.period)
                    .map(|p| (p, Money::from_fen(r.base_fen)))
                    .map_err(|e| corrupt("history period", e))
            })
            .collect::<Result<_, _>>()?;
        let mut paid_here = BTreeSet::new();
        for (period, _, _) in qibao_db::pension::paid_pension_lines(
            c,
            &same,
            Insurance::Pension.code(),
            qibao_db::assessments::PAID,
        )? {
            paid_here.insert(Period::from_yyyymm(period).map_err(|e| corrupt("line period", e))?);
        }
        let new_months = rule::months_to_record(&spans, &recognised, &paid_here).map_err(|e| {
            AppError::new(ErrorCode::TransferHistoryOverlap).with_detail(e.to_string())
        })?;
        let document = format!("跨省转移接续 {}", t.transfer_no);
        let mut moved_spans = Vec::with_capacity(spans.len());
        let mut rows: Vec<HistoryMonthRow> = Vec::new();
        for ((s, place), new) in spans.iter().zip(&places).zip(&new_months) {
            let place = place.clone().unwrap_or_else(|| t.other_place.clone());
            moved_spans.push(MovedSpan {
                from: s.from,
                to: s.to,
                months: s.from.months_until(s.to) + 1,
                base: s.base,
                place: place.clone(),
            });
            rows.extend(new.iter().map(|m| HistoryMonthRow {
                person_id: person.id,
                period: m.yyyymm(),
                base_fen: s.base.fen(),
                place: place.clone(),
                document: document.clone(),
                created_by: who.name.clone(),
                created_at: now,
                transfer_id: Some(t.id),
            }));
        }
        let arrived = Period::of(today);
        let months_listed: i32 = moved_spans.iter().map(|s| s.months).sum();
        let moved = Moved {
            spans: moved_spans,
            months: months_listed,
            account: amounts.account,
            pooled: amounts.pooled,
            total: amounts.total,
            arrived_period: Some(arrived),
        };
        qibao_db::bulk::insert_history_months(c, &rows).map_err(|e| match e {
            DbError::Conflict { .. } => {
                crate::tx::retry("缴费历史正在被其他人员录入，请稍后重试。")
            }
            other => other.into(),
        })?;
        store::complete(
            c,
            t.id,
            &Completion {
                status: store::COMPLETED.to_owned(),
                transferred_on: Some(input.transferred_on),
                recorded_on: Some(today),
                months: Some(moved.months),
                account_fen: Some(amounts.account.fen()),
                pooled_fen: Some(amounts.pooled.fen()),
                answer_json: Some(serde_json::to_string(&moved).map_err(AppError::internal_cause)?),
                arrived_period: Some(arrived.yyyymm()),
                updated_at: now,
            },
        )?;
        let t = store::get(c, t.id)?.ok_or_else(not_found)?;
        dto(c, &t, today)
    })
}

/// Another province asks for a person who left (转出, R-TRANS-1): the
/// request is registered with its 15-working-day deadline and shown to the
/// unit where the person last paid pension insurance. The same request
/// number sent again answers the request as registered.
pub fn platform_request_out(
    conn: &mut DbConn,
    who: &Actor,
    input: &OutRequestInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<TransferDto, AppError> {
    let no = input.request_no.trim();
    if no.is_empty()
        || no.chars().count() > 40
        || !no.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
    {
        return Err(AppError::invalid_field(
            "request_no",
            "联系函编号应为1至40位字母、数字或“-”。",
        ));
    }
    let name =
        parse_name(&input.name).map_err(|e| AppError::invalid_field("name", e.to_string()))?;
    let to_place = place_field("to_place", &input.to_place)?;
    let to_agency = optional_text("to_agency", input.to_agency.as_deref())?;
    let id = qibao_core::ids::ResidentId::parse(input.id_number.trim(), today)
        .map_err(|e| AppError::invalid_field("id_number", e.to_string()))?;
    let id_number = id.id.as_str().to_owned();
    transaction_with_retry(conn, |c| {
        if let Some(t) = store::by_no(c, Direction::Out.code(), no)? {
            if t.id_number != id_number {
                return Err(AppError::new(ErrorCode::Conflict)
                    .with_detail(format!("联系函编号{no}已用于另一人员的转移申请。")));
            }
            return dto(c, &t, today);
        }
        let person = repo::get_person_by_id_number(c, &id_number)
            .optional()?
            .ok_or_else(|| {
                AppError::new(ErrorCode::PersonNotFound)
                    .with_detail("本省没有该证件号码的参保人员，无法办理转出。")
            })?;
        if person.name != name {
            return Err(AppError::invalid_field(
                "name",
                "姓名与本省登记的参保人员姓名不一致，请按身份证件核对。",
            ));
        }
        let same = same_person_ids(c, &person)?;
        let last_unit = last_pension_unit(c, &same)?;
        let due = due_on(c, today)?;
        let t = store::insert(
            c,
            &NewTransfer {
                direction: Direction::Out.code().to_owned(),
                transfer_no: no.to_owned(),
                status: store::REQUESTED.to_owned(),
                person_id: person.id,
                unit_id: last_unit,
                business_item_id: None,
                other_place: to_place.clone(),
                other_agency: to_agency.clone(),
                id_number: id_number.clone(),
                name: name.clone(),
                requested_on: today,
                due_on: due,
                created_by: who.name.clone(),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| open_conflict(e, &person))?;
        dto(c, &t, today)
    })
}

/// A request of another province as the platform reads its answer.
pub fn platform_out(conn: &mut DbConn, no: &str, today: Date) -> Result<TransferDto, AppError> {
    read_transaction(conn, |c| {
        let t = store::by_no(c, Direction::Out.code(), no)?.ok_or_else(not_found)?;
        dto(c, &t, today)
    })
}

/// Loads and locks transfer out `id` while it is open.
fn open_out(c: &mut DbConn, id: i64) -> Result<Transfer, AppError> {
    let t = store::get(c, id)?
        .filter(|t| t.direction == Direction::Out.code())
        .ok_or_else(not_found)?;
    store::lock(c, t.id)?;
    let t = store::get(c, t.id)?.ok_or_else(not_found)?;
    if TransferStatus::parse(&t.status).is_none_or(TransferStatus::is_final) {
        return Err(closed(&t));
    }
    Ok(t)
}

/// 养老保险关系转出 (R-TRANS-1, 2): staff transfer what the person's
/// 参保缴费凭证 lists (the account in full, 12% of the bases since 1998),
/// valued on the day; the relation here ends (no voucher afterwards).
/// Refused while the person still pays pension insurance in the province.
pub fn staff_transfer_out(
    conn: &mut DbConn,
    who: &Actor,
    id: i64,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<TransferDto, AppError> {
    transaction_with_retry(conn, |c| {
        let t = open_out(c, id)?;
        let person = person_of(c, t.person_id)?;
        let unit_id = t
            .unit_id
            .ok_or_else(|| AppError::new(ErrorCode::TransferNothingPaid))?;
        let v = voucher_of(c, unit_id, &person, today)?;
        let moved = Moved {
            spans: v
                .spans
                .iter()
                .map(|s| MovedSpan {
                    from: s.from,
                    to: s.to,
                    months: s.months,
                    base: s.base,
                    place: s.place.clone(),
                })
                .collect(),
            months: v.months,
            account: v.account,
            pooled: v.pooled,
            total: v.total,
            arrived_period: None,
        };
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: t.unit_id,
                kind: BusinessItemKind::PensionTransferOut,
                status: DONE,
                before: None,
                after: Some(json!({
                    "transfer_no": t.transfer_no, "person_no": person.person_no,
                    "to_place": t.other_place, "months": v.months,
                    "account": v.account, "pooled": v.pooled, "total": v.total,
                })),
            },
            now,
        )?;
        store::complete(
            c,
            t.id,
            &Completion {
                status: store::COMPLETED.to_owned(),
                transferred_on: Some(today),
                recorded_on: None,
                months: Some(v.months),
                account_fen: Some(v.account.fen()),
                pooled_fen: Some(v.pooled.fen()),
                answer_json: Some(serde_json::to_string(&moved).map_err(AppError::internal_cause)?),
                arrived_period: None,
                updated_at: now,
            },
        )?;
        let t = store::get(c, t.id)?.ok_or_else(not_found)?;
        dto(c, &t, today)
    })
}

/// Staff refuse another province's request, with the reason the platform
/// carries back.
pub fn staff_refuse_out(
    conn: &mut DbConn,
    who: &Actor,
    id: i64,
    reason: &str,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<TransferDto, AppError> {
    let reason = refusal_text(reason)?;
    transaction_with_retry(conn, |c| {
        let t = open_out(c, id)?;
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: t.unit_id,
                kind: BusinessItemKind::PensionTransferOut,
                status: DONE,
                before: None,
                after: Some(json!({ "transfer_no": t.transfer_no, "refused": reason })),
            },
            now,
        )?;
        store::refuse(c, t.id, today, &reason, now)?;
        let t = store::get(c, t.id)?.ok_or_else(not_found)?;
        dto(c, &t, today)
    })
}
