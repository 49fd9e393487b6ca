//! Per-unit deferral (缓缴, R-BACK-5 as amended) as use cases: the unit
//! confirms the months it defers online ([`confirm`], 2022年定向阶段缓缴期
//! 确认), staff record a unit's confirmation at the counter
//! ([`confirm_at_counter`]), the unit's confirmations are listed
//! ([`confirmations`]), and the deferral list (缓缴单位职工社会保险补缴,
//! [`deferrals`]) shows, per scheme, the months the unit confirmed, what is
//! still owed in them, the repay-by date and the late fee if billed today.
//!
//! The rules are `qibao_core::deferral`: only a confirmed month of a scheme
//! the region allows waives a late fee ([`unit_deferrals`] is what every
//! late-fee computation asks), a month is confirmed at the latest on the
//! repay-by date, a month confirmed twice is written once (the second time
//! is reported as `already_confirmed`), and a confirmation is final. Each
//! confirmation that writes is one business item (办件, 缓缴期确认) with the
//! months before and after, and one `unit_deferrals` row per month, whose
//! unique index makes two concurrent confirmations of a month end with one
//! row (the loser's second run finds it confirmed).

use std::collections::BTreeSet;

use qibao_core::back_pay::deferral_standing;
use qibao_core::business_item::BusinessItemKind;
use qibao_core::deferral::{ConfirmationRefusal, UnitDeferrals, plan_confirmation};
use qibao_core::ids::UnitNo;
use qibao_core::late::late_fee;
use qibao_core::policy::Deferral;
use qibao_core::{Money, Period};
use qibao_db::deferrals::{self as store, NewUnitDeferral, UnitDeferral};
use qibao_db::ids::UnitId;
use qibao_db::{DbConn, DbError, repo};
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::actor::{Actor, Channel};
use crate::business_items::actor_parts;
use crate::context::UnitContext;
use crate::employees::{LineDto, LineTotals};
use crate::error::{AppError, ErrorCode, corrupt};
use crate::items::{self, DONE, ItemRecord};
use crate::tx::{conflict_as_retry, read_transaction, transaction_with_retry};
use crate::units::unit_not_found;

/// The business item kind of a confirmation.
pub const KIND_CONFIRMATION: BusinessItemKind = BusinessItemKind::DeferralConfirmation;

/// The deferral of the unit: its region's schemes and the months it
/// confirmed. Every late fee of the unit's lines is computed with its
/// [`UnitDeferrals::waiver`], never with the region's scheme alone.
pub fn unit_deferrals(
    conn: &mut DbConn,
    unit_id: UnitId,
    schemes: &[Deferral],
) -> Result<UnitDeferrals, AppError> {
    let confirmed = store::confirmed_periods(conn, unit_id)?
        .into_iter()
        .map(|p| Period::from_yyyymm(p).map_err(|e| corrupt("deferral period", e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(UnitDeferrals::new(schemes.to_vec(), confirmed))
}

/// One month the unit confirmed it defers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeferralConfirmationDto {
    /// The deferred month (YYYYMM).
    #[cfg_attr(feature = "openapi", schema(example = "202208"))]
    pub period: String,
    /// Repay by this date without late fees; none when the region no
    /// longer allows the month (the confirmation then waives nothing).
    #[cfg_attr(feature = "openapi", schema(required = true, example = "2023-12-31"))]
    pub repay_by: Option<Date>,
    /// Who confirmed it (经办人): the name.
    #[cfg_attr(feature = "openapi", schema(example = "甲经办"))]
    pub actor_name: String,
    /// legal_rep, agent or staff.
    #[cfg_attr(feature = "openapi", schema(example = "agent"))]
    pub actor_role: String,
    /// portal, counter or api.
    #[cfg_attr(feature = "openapi", schema(example = "portal"))]
    pub channel: String,
    /// When (RFC 3339, China time).
    #[serde(with = "crate::clock::rfc3339")]
    pub confirmed_at: OffsetDateTime,
    /// The business item (办件) that recorded it.
    #[cfg_attr(feature = "openapi", schema(example = 57))]
    pub business_item_id: i64,
}

/// The months a unit confirmed it defers, oldest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeferralConfirmationList {
    pub items: Vec<DeferralConfirmationDto>,
}

/// What a confirmation did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeferralConfirmationResult {
    /// The months this request confirmed, oldest first; empty when every
    /// month asked for was confirmed already (then nothing was written).
    #[cfg_attr(feature = "openapi", schema(example = json!(["202208", "202209"])))]
    pub confirmed: Vec<String>,
    /// The months asked for that the unit had confirmed before.
    #[cfg_attr(feature = "openapi", schema(example = json!([])))]
    pub already_confirmed: Vec<String>,
    /// The business item (办件, 缓缴期确认) that records it; none when
    /// nothing was written.
    #[cfg_attr(feature = "openapi", schema(required = true, example = 57))]
    pub business_item_id: Option<i64>,
    /// Every month the unit has confirmed, after this request.
    pub confirmations: Vec<DeferralConfirmationDto>,
}

impl DeferralConfirmationResult {
    /// Whether the request wrote anything (201) or not (200).
    pub fn created(&self) -> bool {
        self.business_item_id.is_some()
    }
}

fn dto(row: &UnitDeferral, book: &UnitDeferrals) -> Result<DeferralConfirmationDto, AppError> {
    let period = row.period;
    let (role, name) = actor_parts(&row.confirmed_by);
    Ok(DeferralConfirmationDto {
        period: period.to_string(),
        repay_by: book.scheme_of(period).map(|d| d.repay_by),
        actor_name: name,
        actor_role: role,
        channel: row.channel.clone(),
        confirmed_at: row.confirmed_at.assume_utc(),
        business_item_id: row.business_item_id.0,
    })
}

fn list_of(
    conn: &mut DbConn,
    unit_id: UnitId,
    book: &UnitDeferrals,
) -> Result<Vec<DeferralConfirmationDto>, AppError> {
    store::list_for_unit(conn, unit_id)?
        .iter()
        .map(|r| dto(r, book))
        .collect()
}

/// 422 for the refused months: `DEFERRAL_NOT_ALLOWED` or
/// `DEFERRAL_PAST_REPAY_BY` (the first refusal's code), each month named
/// as `periods[i]`.
fn refusal(refused: Vec<(usize, ConfirmationRefusal)>) -> AppError {
    let code = refused
        .first()
        .map_or(ErrorCode::DeferralNotAllowed, |(_, r)| r.code());
    let detail = refused
        .iter()
        .map(|(_, r)| r.to_string())
        .collect::<Vec<_>>()
        .join("；");
    let errors = refused
        .into_iter()
        .map(|(i, r)| crate::error::FieldError::new(format!("periods[{i}]"), r.to_string()))
        .collect();
    AppError::new(code)
        .with_detail(format!("{detail}。"))
        .with_errors(errors)
}

/// Confirms `periods` for the unit in the caller's transaction.
fn confirm_in(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    periods: &[Period],
    today: Date,
    now: PrimitiveDateTime,
) -> Result<DeferralConfirmationResult, AppError> {
    let ctx = UnitContext::load(conn, unit_id)?;
    let book = unit_deferrals(conn, unit_id, &ctx.policy.deferrals)?;
    let before_rows = store::list_for_unit(conn, unit_id)?;
    let before: BTreeSet<Period> = before_rows.iter().map(|r| r.period).collect();
    let plan = plan_confirmation(book.schemes(), &before, periods, today).map_err(refusal)?;
    let names = |ps: &mut dyn Iterator<Item = &Period>| -> Vec<String> {
        ps.map(Period::to_string).collect()
    };
    let already = names(&mut plan.already.iter());
    if plan.new.is_empty() {
        return Ok(DeferralConfirmationResult {
            confirmed: Vec::new(),
            already_confirmed: already,
            business_item_id: None,
            confirmations: list_of(conn, unit_id, &book)?,
        });
    }
    let channel = match who.channel {
        Channel::Portal | Channel::Counter | Channel::Api => who.channel.as_str(),
        Channel::System => {
            return Err(AppError::internal_cause(
                "a deferral confirmed by the system",
            ));
        }
    };
    let after: BTreeSet<Period> = before.iter().chain(plan.new.iter()).copied().collect();
    let confirmed = names(&mut plan.new.iter());
    let item = items::record(
        conn,
        who,
        ItemRecord {
            unit_id: Some(unit_id),
            kind: KIND_CONFIRMATION,
            status: DONE,
            before: Some(json!({ "periods": names(&mut before.iter()) })),
            after: Some(json!({
                "periods": names(&mut after.iter()),
                "confirmed": confirmed,
                "channel": channel,
            })),
        },
        now,
    )?;
    let rows: Vec<NewUnitDeferral> = plan
        .new
        .iter()
        .map(|p| NewUnitDeferral {
            unit_id,
            period: p.yyyymm(),
            business_item_id: item.id,
            confirmed_by: who.name.clone(),
            channel: channel.to_owned(),
            confirmed_at: now,
        })
        .collect();
    store::insert(conn, &rows)
        .map_err(|e| conflict_as_retry(e, "该月份正在被其他请求确认缓缴，请刷新后核对。"))?;
    let book = unit_deferrals(conn, unit_id, &ctx.policy.deferrals)?;
    Ok(DeferralConfirmationResult {
        confirmed,
        already_confirmed: already,
        business_item_id: Some(item.id.0),
        confirmations: list_of(conn, unit_id, &book)?,
    })
}

/// The unit confirms the months it defers (2022年定向阶段缓缴期确认,
/// R-BACK-5), in one transaction (run again once when a concurrent request
/// confirmed a month meanwhile: the second run finds it confirmed). A month
/// outside every scheme the region allows is 422 `DEFERRAL_NOT_ALLOWED`, a
/// month whose repay-by date has passed 422 `DEFERRAL_PAST_REPAY_BY`, each
/// naming `periods[i]`, and nothing is written.
pub fn confirm(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    periods: &[Period],
    today: Date,
    now: PrimitiveDateTime,
) -> Result<DeferralConfirmationResult, AppError> {
    transaction_with_retry(conn, |c| confirm_in(c, who, unit_id, periods, today, now))
}

/// Staff record a unit's confirmation at the counter (channel `counter`
/// whatever the session's), for the unit with number `unit_no` (404
/// `UNIT_NOT_FOUND`); otherwise as [`confirm`].
pub fn confirm_at_counter(
    conn: &mut DbConn,
    who: &Actor,
    unit_no: &UnitNo,
    periods: &[Period],
    today: Date,
    now: PrimitiveDateTime,
) -> Result<DeferralConfirmationResult, AppError> {
    let who = Actor {
        name: who.name.clone(),
        channel: Channel::Counter,
    };
    transaction_with_retry(conn, |c| {
        let unit = repo::get_unit_by_no(c, unit_no.as_str()).map_err(|e| match e {
            DbError::NotFound => unit_not_found(),
            other => other.into(),
        })?;
        confirm_in(c, &who, unit.id, periods, today, now)
    })
}

/// The unit's confirmed months, oldest first, in one read snapshot.
pub fn confirmations(
    conn: &mut DbConn,
    unit_id: UnitId,
) -> Result<DeferralConfirmationList, AppError> {
    read_transaction(conn, |c| {
        let ctx = UnitContext::load(c, unit_id)?;
        let book = unit_deferrals(c, unit_id, &ctx.policy.deferrals)?;
        Ok(DeferralConfirmationList {
            items: list_of(c, unit_id, &book)?,
        })
    })
}

/// The confirmed months of the unit with number `unit_no` (staff; 404
/// `UNIT_NOT_FOUND`).
pub fn confirmations_by_number(
    conn: &mut DbConn,
    unit_no: &UnitNo,
) -> Result<DeferralConfirmationList, AppError> {
    let unit = read_transaction(conn, |c| {
        repo::get_unit_by_no(c, unit_no.as_str()).map_err(|e| match e {
            DbError::NotFound => unit_not_found(),
            other => other.into(),
        })
    })?;
    confirmations(conn, unit.id)
}

// ------------------------------------------------------ the deferral list

/// A line of a deferred month not yet paid.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeferredLineDto {
    /// Person number (个人编号, AAC001).
    pub person_no: String,
    /// Name (姓名, AAC003).
    pub person_name: String,
    pub line: LineDto,
    /// The late fee if an order were issued today: nothing until the
    /// repay-by date, normal fees after it (R-LATE-1, R-BACK-5).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub late_fee_if_billed_today: Money,
}

/// A deferral scheme (缓缴) of the unit's region, the months of it the unit
/// confirmed and what is still owed in them.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeferralDto {
    /// First month the region allows (YYYYMM).
    #[cfg_attr(feature = "openapi", schema(example = "202204"))]
    pub from_period: String,
    /// Last month the region allows (YYYYMM); none when open-ended.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "202212"))]
    pub to_period: Option<String>,
    /// Repay the confirmed months by this date without late fees.
    #[cfg_attr(feature = "openapi", schema(example = "2023-12-31"))]
    pub repay_by: Date,
    /// Whether the repay-by date has passed (late fees apply again).
    pub passed: bool,
    /// Days from today to the repay-by date inclusive; 0 once passed.
    #[cfg_attr(feature = "openapi", schema(example = 256))]
    pub days_left: i64,
    /// The policy document.
    pub source: String,
    /// Whether months of the scheme can still be confirmed (until the
    /// repay-by date inclusive).
    pub can_confirm: bool,
    /// The months of the scheme the unit confirmed (缓缴期确认), oldest
    /// first. Only these are deferred; every other month bears normal late
    /// fees.
    #[cfg_attr(feature = "openapi", schema(example = json!(["202208", "202209"])))]
    pub confirmed_periods: Vec<String>,
    /// Pending (`pending`) and billed but unpaid (`billed`) lines of the
    /// unit in the confirmed months.
    pub lines: Vec<DeferredLineDto>,
    pub totals: LineTotals,
    /// The sum of the lines' late fees if billed today.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub late_fee_if_billed_today: Money,
}

/// The deferral schemes of the unit's region.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeferralList {
    /// Today, as the standing is computed.
    pub today: Date,
    pub items: Vec<DeferralDto>,
}

/// The deferral list (缓缴单位职工社会保险补缴, R-BACK-5): per scheme of the
/// unit's region, the months the unit confirmed, its unpaid lines in them
/// with the late fee each would bear if billed `today`, the repay-by date
/// and the days left; in one read snapshot.
pub fn deferrals(
    conn: &mut DbConn,
    unit_id: UnitId,
    today: Date,
) -> Result<DeferralList, AppError> {
    read_transaction(conn, |conn| {
        let mut ctx = UnitContext::load(conn, unit_id)?;
        let book = unit_deferrals(conn, unit_id, &ctx.policy.deferrals)?;
        let mut items = Vec::new();
        for d in book.schemes() {
            let months = book.confirmed_in(d);
            let periods: Vec<i32> = months.iter().map(|p| p.yyyymm()).collect();
            let rows = qibao_db::back_pay::unpaid_lines_of_periods(conn, unit_id, &periods)?;
            let mut lines = Vec::new();
            let mut fees = Money::ZERO;
            for (a, person_no, person_name) in rows {
                let line = LineDto::of(&a)?;
                let rule = ctx.params(line.period)?.late_fee.clone();
                let waiver = book.waiver(line.period, line.insurance);
                let fee = late_fee(line.total, line.period, today, &rule, waiver);
                fees += fee.amount;
                lines.push(DeferredLineDto {
                    person_no,
                    person_name,
                    late_fee_if_billed_today: fee.amount,
                    line,
                });
            }
            let standing = deferral_standing(d.repay_by, today);
            let line_dtos: Vec<LineDto> = lines.iter().map(|l| l.line.clone()).collect();
            items.push(DeferralDto {
                from_period: d.range.from.to_string(),
                to_period: d.range.to.map(|p| p.to_string()),
                repay_by: d.repay_by,
                passed: standing.passed,
                days_left: standing.days_left,
                source: d.source.document.clone(),
                can_confirm: !standing.passed,
                confirmed_periods: months.iter().map(Period::to_string).collect(),
                totals: LineTotals::of(&line_dtos),
                late_fee_if_billed_today: fees,
                lines,
            });
        }
        Ok(DeferralList { today, items })
    })
}
