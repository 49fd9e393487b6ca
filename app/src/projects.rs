//! Project-based work-injury insurance for construction and mining (按项目
//! 参保, issue 16; R-PROJ-1, 2): a unit (the general contractor) registers
//! a project and its premium is billed on a payment order (应缴认定单) the
//! tax bureau collects like any other; a change that extends the project
//! or raises its value bills the difference on a new order; the real-name
//! roster of its workers is kept at any time, each covered from the day of
//! entry. The rules are `qibao_core::project`'s.
//!
//! Each premium (the registration's, each change's) is a charge; an order
//! bills one charge. The charge is paid when its order is, billed while it
//! is live; an order that expires or is revoked leaves the charge to be
//! billed again (`bill_outstanding`). The project's row is locked before a
//! change or a billing, so that two requests at once never bill a charge
//! twice.

use qibao_core::Money;
use qibao_core::Period;
use qibao_core::Rate;
use qibao_core::business_item::BusinessItemKind;
use qibao_core::employment::{AssessmentKind, parse_name};
use qibao_core::insurance::Insurance;
use qibao_core::order::agency_name;
use qibao_core::payment::OrderState;
use qibao_core::policy::Source;
use qibao_core::project::{
    self as rule, ProjectKind, ProjectRefusal, ProjectTerms, RosterRefusal, term_days,
};
use qibao_db::ids::{OrderId, UnitId};
use qibao_db::orders::{self as orders_db, NewOrder};
/// Which roster entries a page shows (the API parses it).
pub use qibao_db::projects::RosterFilter;
use qibao_db::projects::{
    self as store, Charge, NewCharge, NewProject, NewWorker, Project, Worker,
};
use qibao_db::review::PageReq;
use qibao_db::{DbConn, DbError, OptionalExt, repo};
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::actor::Actor;
use crate::clock::china_timestamp;
use crate::context::UnitContext;
use crate::employees::fields::Identity;
use crate::error::{AppError, ErrorCode, FieldError, corrupt};
use crate::items::{self, DONE, ItemRecord};
use crate::review::PageInfo;
use crate::tx::{read_transaction, transaction_with_retry};

/// A project as the API parsed it.
#[derive(Debug, Clone)]
pub struct ProjectInput {
    pub project_no: String,
    pub name: String,
    pub kind: ProjectKind,
    pub site: String,
    /// The site's region; `None`: the unit's.
    pub region: Option<String>,
    pub start_date: Date,
    pub end_date: Date,
    pub contract_value: Money,
}

/// A change of a project's end date and/or value.
#[derive(Debug, Clone, Copy)]
pub struct ChangeInput {
    pub end_date: Option<Date>,
    pub contract_value: Option<Money>,
}

/// An order that billed a charge, with its state today.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChargeOrderDto {
    pub order_no: String,
    /// `live`, `paid`, `expired` or `revoked`.
    #[cfg_attr(feature = "openapi", schema(example = "live"))]
    pub status: String,
    pub due_date: Date,
}

/// A premium a project owes: the registration's or a change's.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChargeDto {
    pub id: i64,
    /// `registration` or `change`.
    #[cfg_attr(feature = "openapi", schema(example = "registration"))]
    pub reason: String,
    /// The value and end date the charge was computed on.
    pub contract_value: Money,
    pub end_date: Date,
    pub rate: Rate,
    /// The added value's part (the whole value at registration).
    pub value_part: Money,
    /// The extension's part.
    pub extension_part: Money,
    pub amount: Money,
    /// How it was computed, in Chinese.
    pub formula: String,
    /// `paid`, `billed` (on a live order) or `unbilled` (its order expired
    /// or was revoked: bill it again).
    #[cfg_attr(feature = "openapi", schema(example = "billed"))]
    pub billing: String,
    pub orders: Vec<ChargeOrderDto>,
    pub created_at: String,
}

/// A project with what it owes and its roster's size.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectDto {
    pub id: i64,
    pub unit_no: String,
    pub unit_name: String,
    pub project_no: String,
    pub name: String,
    /// `construction` or `mining`.
    #[cfg_attr(feature = "openapi", schema(example = "construction"))]
    pub kind: String,
    pub kind_label: &'static str,
    pub site: String,
    pub region: String,
    pub start_date: Date,
    pub end_date: Date,
    /// The end date the registration premium paid for.
    pub registered_end_date: Date,
    pub contract_value: Money,
    /// Every charge's amount.
    pub premium_total: Money,
    pub paid: Money,
    /// On live orders.
    pub billed: Money,
    /// Neither paid nor on a live order.
    pub unbilled: Money,
    pub charges: Vec<ChargeDto>,
    /// Workers on the roster now.
    pub workers_on_roster: i64,
    pub registered_at: String,
}

/// A page of projects, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectPage {
    pub items: Vec<ProjectDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

/// The project premium an order bills: the order's one line of the
/// project type, as the tax bureau's feed carries it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PremiumLine {
    pub project_no: String,
    pub project_name: String,
    /// `construction` or `mining`.
    #[cfg_attr(feature = "openapi", schema(example = "construction"))]
    pub kind: String,
    /// Work injury (410).
    #[cfg_attr(feature = "openapi", schema(example = "410"))]
    pub insurance: String,
    /// `project_premium`.
    #[cfg_attr(feature = "openapi", schema(example = "project_premium"))]
    pub data_type: String,
    /// `registration` or `change`.
    #[cfg_attr(feature = "openapi", schema(example = "registration"))]
    pub reason: String,
    pub contract_value: Money,
    pub rate: Rate,
    pub amount: Money,
}

/// A worker on (or once on) a project's roster.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerDto {
    pub id: i64,
    pub name: String,
    /// `resident`, `passport` or `residence_permit`.
    #[cfg_attr(feature = "openapi", schema(example = "resident"))]
    pub id_type: String,
    pub id_number: String,
    /// The insured person's number, when the worker is one.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub person_no: Option<String>,
    /// 进场日期: covered from this day.
    pub entered_on: Date,
    /// 离场日期.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub left_on: Option<Date>,
    pub on_roster: bool,
    /// The days covered: from the entry to the removal or the project's end.
    pub covered_from: Date,
    pub covered_to: Date,
}

/// A page of a roster, in entry order.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerPage {
    pub project_no: String,
    pub items: Vec<WorkerDto>,
    #[serde(flatten)]
    pub page: PageInfo,
}

/// The worker as the API parsed them.
pub struct WorkerInput {
    pub identity: Identity,
    pub name: String,
    /// `None`: today.
    pub entered_on: Option<Date>,
}

/// A project's rate of a kind in a region from a year (R-POL-4).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectRateDto {
    #[cfg_attr(feature = "openapi", schema(example = "420500"))]
    pub region: String,
    /// `construction` or `mining`.
    #[cfg_attr(feature = "openapi", schema(example = "construction"))]
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(example = 2016))]
    pub from_year: i32,
    /// Of the total contract value ("0.0015" = 0.15%).
    pub rate: Rate,
    pub source: Source,
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::ProjectNotFound)
}

fn refused(e: &ProjectRefusal, field: &str) -> AppError {
    let msg = e.to_string();
    AppError::new(ErrorCode::ProjectRefused)
        .with_detail(msg.clone())
        .with_errors(vec![FieldError::new(field, msg)])
}

fn roster_refused(e: &RosterRefusal, field: &str) -> AppError {
    let msg = e.to_string();
    AppError::new(ErrorCode::RosterRefused)
        .with_detail(msg.clone())
        .with_errors(vec![FieldError::new(field, msg)])
}

fn kind_of(p: &Project) -> Result<ProjectKind, AppError> {
    ProjectKind::parse(&p.kind).ok_or_else(|| corrupt("project kind", &p.kind))
}

/// The rate of `kind` in `region` in force on `today`.
fn rate(c: &mut DbConn, region: &str, kind: ProjectKind, today: Date) -> Result<Rate, AppError> {
    let row = store::rate_for(c, region, kind.code(), today.year())?.ok_or_else(|| {
        AppError::new(ErrorCode::PolicyNotInForce).with_detail(format!(
            "参保地{region}缺少{}年的{}工伤保险费率，请联系经办机构。",
            today.year(),
            kind.label_zh()
        ))
    })?;
    Ok(Rate::from_ppm(row.rate_ppm))
}

fn billing_of(
    charge: &Charge,
    orders: &[store::ChargeOrder],
    today: Date,
) -> Result<(String, Vec<ChargeOrderDto>), AppError> {
    let mut billing = "unbilled";
    let mut out = Vec::new();
    for (_, _, no, status, due) in orders.iter().filter(|o| o.0 == charge.id) {
        let stored = OrderState::parse(status).ok_or_else(|| corrupt("order status", status))?;
        let state = stored.as_of(*due, today);
        match state {
            OrderState::Paid => billing = "paid",
            OrderState::Live if billing != "paid" => billing = "billed",
            _ => {}
        }
        out.push(ChargeOrderDto {
            order_no: no.clone(),
            status: state.code().to_owned(),
            due_date: *due,
        });
    }
    Ok((billing.to_owned(), out))
}

fn dto(c: &mut DbConn, p: &Project, today: Date) -> Result<ProjectDto, AppError> {
    let unit = qibao_db::employees::get_unit(c, p.unit_id)?;
    let kind = kind_of(p)?;
    let orders = store::charge_orders(c, p.id)?;
    let mut charges = Vec::new();
    let (mut total, mut paid, mut billed) = (Money::ZERO, Money::ZERO, Money::ZERO);
    for ch in store::charges_of(c, p.id)? {
        let (billing, ch_orders) = billing_of(&ch, &orders, today)?;
        let amount = Money::from_fen(ch.amount_fen);
        total += amount;
        match billing.as_str() {
            "paid" => paid += amount,
            "billed" => billed += amount,
            _ => {}
        }
        charges.push(ChargeDto {
            id: ch.id,
            reason: ch.reason.clone(),
            contract_value: Money::from_fen(ch.contract_value_fen),
            end_date: ch.end_date,
            rate: Rate::from_ppm(ch.rate_ppm),
            value_part: Money::from_fen(ch.value_part_fen),
            extension_part: Money::from_fen(ch.extension_part_fen),
            amount,
            formula: ch.calculation.clone(),
            billing,
            orders: ch_orders,
            created_at: china_timestamp(ch.created_at),
        });
    }
    Ok(ProjectDto {
        id: p.id,
        unit_no: unit.unit_no,
        unit_name: unit.name,
        project_no: p.project_no.clone(),
        name: p.name.clone(),
        kind: kind.code().to_owned(),
        kind_label: kind.label_zh(),
        site: p.site.clone(),
        region: p.region_code.clone(),
        start_date: p.start_date,
        end_date: p.end_date,
        registered_end_date: p.registered_end_date,
        contract_value: Money::from_fen(p.contract_value_fen),
        premium_total: total,
        paid,
        billed,
        unbilled: total - paid - billed,
        charges,
        workers_on_roster: store::current_headcount(c, p.id)?,
        registered_at: china_timestamp(p.created_at),
    })
}

/// Issues the payment order of one charge, in the caller's transaction: one
/// line of the project type (work injury, `project_premium`), the feed's
/// `issued` entry and the unit's business record.
fn bill(
    c: &mut DbConn,
    who: &Actor,
    p: &Project,
    charge: &Charge,
    today: Date,
    local_now: OffsetDateTime,
    now: PrimitiveDateTime,
) -> Result<String, AppError> {
    let mut ctx = UnitContext::load(c, p.unit_id)?;
    let due = crate::orders::due_date(c, &mut ctx, today)?;
    let amount = charge.amount_fen;
    let order_no = crate::orders::new_order_no(c, today, local_now)?;
    let order = orders_db::insert_order(
        c,
        &NewOrder {
            order_no,
            unit_id: p.unit_id,
            status: orders_db::LIVE.to_owned(),
            agency: agency_name(&ctx.policy.name),
            issue_date: today,
            due_date: due,
            unit_fen: amount,
            individual_fen: 0,
            interest_fen: 0,
            late_fee_fen: 0,
            total_fen: amount,
            issued_by: who.name.clone(),
            created_at: now,
            closed_at: None,
        },
    )?;
    qibao_db::bulk::insert_order_sums(
        c,
        &[orders_db::NewOrderSum {
            order_id: order.id,
            insurance: Insurance::WorkInjury.code().to_owned(),
            kind: AssessmentKind::ProjectPremium.code().to_owned(),
            period: Period::of(today).yyyymm(),
            lines: 1,
            unit_fen: amount,
            individual_fen: 0,
            interest_fen: 0,
            late_fee_fen: 0,
        }],
    )?;
    store::link_order(c, order.id, charge.id, now)?;
    qibao_db::feed::append_feed(c, order.id, qibao_db::feed::FEED_ISSUED, now)?;
    items::record(
        c,
        who,
        ItemRecord {
            unit_id: Some(p.unit_id),
            kind: crate::orders::KIND_ORDER_ISSUED,
            status: DONE,
            before: None,
            after: Some(json!({
                "order_no": order.order_no, "project_no": p.project_no,
                "lines": 1, "total": Money::from_fen(amount),
            })),
        },
        now,
    )?;
    Ok(order.order_no)
}

/// 建筑工程（矿山）项目登记 (R-PROJ-1): registers the project, computes its
/// premium and bills it on a payment order, in one transaction. Refused
/// with the reason, nothing written.
pub fn register(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    input: &ProjectInput,
    today: Date,
    local_now: OffsetDateTime,
    now: PrimitiveDateTime,
) -> Result<ProjectDto, AppError> {
    let terms = ProjectTerms {
        start: input.start_date,
        end: input.end_date,
        value: input.contract_value,
    };
    rule::check_registration(&terms, today).map_err(|e| {
        let field = match e {
            ProjectRefusal::NoValue => "contract_value",
            _ => "end_date",
        };
        refused(&e, field)
    })?;
    transaction_with_retry(conn, |c| {
        let unit = qibao_db::employees::get_unit(c, unit_id)?;
        let region = input.region.clone().unwrap_or(unit.region_code);
        if repo::get_region(c, &region).optional()?.is_none() {
            return Err(crate::policy::region_not_found(&region));
        }
        let rate = rate(c, &region, input.kind, today)?;
        let premium = rule::registration_premium(input.contract_value, rate)
            .map_err(|e| refused(&e, "contract_value"))?;
        let item = items::record(
            c,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::ProjectRegistration,
                status: DONE,
                before: None,
                after: Some(json!({
                    "project_no": input.project_no, "name": input.name,
                    "kind": input.kind.code(), "contract_value": input.contract_value,
                    "rate": rate, "premium": premium,
                })),
            },
            now,
        )?;
        let p = store::insert_project(
            c,
            &NewProject {
                unit_id,
                project_no: input.project_no.clone(),
                name: input.name.clone(),
                kind: input.kind.code().to_owned(),
                site: input.site.clone(),
                region_code: region,
                start_date: input.start_date,
                end_date: input.end_date,
                registered_end_date: input.end_date,
                contract_value_fen: input.contract_value.fen(),
                created_by: who.name.clone(),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| match e {
            DbError::Conflict { constraint } if constraint == store::PROJECT_NO_KEY => {
                AppError::new(ErrorCode::ProjectExists).with_detail(format!(
                    "项目编号{}已登记，不能重复登记；工期或造价有变化请办理项目信息变更。",
                    input.project_no
                ))
            }
            other => other.into(),
        })?;
        let charge = store::insert_charge(
            c,
            &NewCharge {
                project_id: p.id,
                business_item_id: item.id,
                reason: "registration".to_owned(),
                contract_value_fen: input.contract_value.fen(),
                end_date: input.end_date,
                rate_ppm: rate.ppm(),
                value_part_fen: premium.fen(),
                extension_part_fen: 0,
                amount_fen: premium.fen(),
                calculation: format!(
                    "工程总造价 {} × 费率 {} = {}",
                    input.contract_value,
                    rate.percent_text(),
                    premium
                ),
                created_at: now,
            },
        )?;
        bill(c, who, &p, &charge, today, local_now, now)?;
        dto(c, &p, today)
    })
}

/// 建筑工程（矿山）项目信息变更 (R-PROJ-1): a later end date and/or a higher
/// value; the difference is billed on a new order.
#[allow(clippy::too_many_arguments)]
pub fn change(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    id: i64,
    input: ChangeInput,
    today: Date,
    local_now: OffsetDateTime,
    now: PrimitiveDateTime,
) -> Result<ProjectDto, AppError> {
    transaction_with_retry(conn, |c| {
        let p = store::get_project(c, id, Some(unit_id))?.ok_or_else(not_found)?;
        store::lock_project(c, p.id)?;
        let p = store::get_project(c, id, Some(unit_id))?.ok_or_else(not_found)?;
        let kind = kind_of(&p)?;
        let old = ProjectTerms {
            start: p.start_date,
            end: p.end_date,
            value: Money::from_fen(p.contract_value_fen),
        };
        let new = ProjectTerms {
            end: input.end_date.unwrap_or(old.end),
            value: input.contract_value.unwrap_or(old.value),
            ..old
        };
        let rate = rate(c, &p.region_code, kind, today)?;
        let registered = term_days(p.start_date, p.registered_end_date);
        let b = rule::change(&old, &new, registered, rate).map_err(|e| {
            let field = match e {
                ProjectRefusal::LowerValue { .. } => "contract_value",
                _ => "end_date",
            };
            refused(&e, field)
        })?;
        let item = items::record(
            c,
            who,
            ItemRecord {
                unit_id: Some(unit_id),
                kind: BusinessItemKind::ProjectChange,
                status: DONE,
                before: Some(json!({ "end_date": old.end, "contract_value": old.value })),
                after: Some(json!({
                    "project_no": p.project_no, "end_date": new.end,
                    "contract_value": new.value, "amount": b.total,
                })),
            },
            now,
        )?;
        store::set_terms(c, p.id, new.end, new.value.fen(), now)?;
        if b.total > Money::ZERO {
            let mut formula = Vec::new();
            if b.value_part > Money::ZERO {
                formula.push(format!(
                    "造价增加 ({} − {}) × {} = {}",
                    new.value,
                    old.value,
                    rate.percent_text(),
                    b.value_part
                ));
            }
            if b.extension_part > Money::ZERO {
                formula.push(format!(
                    "工期延长 {} × {} × {}天 ÷ {}天 = {}",
                    new.value,
                    rate.percent_text(),
                    b.added_days,
                    b.registered_days,
                    b.extension_part
                ));
            }
            let charge = store::insert_charge(
                c,
                &NewCharge {
                    project_id: p.id,
                    business_item_id: item.id,
                    reason: "change".to_owned(),
                    contract_value_fen: new.value.fen(),
                    end_date: new.end,
                    rate_ppm: rate.ppm(),
                    value_part_fen: b.value_part.fen(),
                    extension_part_fen: b.extension_part.fen(),
                    amount_fen: b.total.fen(),
                    calculation: formula.join("；"),
                    created_at: now,
                },
            )?;
            bill(c, who, &p, &charge, today, local_now, now)?;
        }
        let p = store::get_project(c, id, Some(unit_id))?.ok_or_else(not_found)?;
        dto(c, &p, today)
    })
}

/// Bills again the project's charges whose orders expired or were
/// revoked (one order each); 422 `NOTHING_TO_BILL` when none is left.
pub fn bill_outstanding(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    id: i64,
    today: Date,
    local_now: OffsetDateTime,
    now: PrimitiveDateTime,
) -> Result<ProjectDto, AppError> {
    transaction_with_retry(conn, |c| {
        let p = store::get_project(c, id, Some(unit_id))?.ok_or_else(not_found)?;
        crate::orders::expire_overdue(c, unit_id, today, now)?;
        store::lock_project(c, p.id)?;
        let orders = store::charge_orders(c, p.id)?;
        let mut n = 0;
        for ch in store::charges_of(c, p.id)? {
            if billing_of(&ch, &orders, today)?.0 == "unbilled" {
                bill(c, who, &p, &ch, today, local_now, now)?;
                n += 1;
            }
        }
        if n == 0 {
            return Err(AppError::new(ErrorCode::NothingToBill).with_detail(
                "该项目的工伤保险费均已缴纳或已在有效的应缴认定单上，无需重新开具。",
            ));
        }
        dto(c, &p, today)
    })
}

/// One project: the unit's own, or any (staff, `None`).
pub fn get(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    id: i64,
    today: Date,
) -> Result<ProjectDto, AppError> {
    read_transaction(conn, |c| {
        let p = store::get_project(c, id, unit_id)?.ok_or_else(not_found)?;
        dto(c, &p, today)
    })
}

/// A page of projects, newest first: the unit's own, or every unit's.
pub fn list(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    page: PageReq,
    today: Date,
) -> Result<ProjectPage, AppError> {
    read_transaction(conn, |c| {
        let (rows, total) = store::page(c, unit_id, page.offset(), page.page_size)?;
        let items = rows
            .iter()
            .map(|p| dto(c, p, today))
            .collect::<Result<_, _>>()?;
        Ok(ProjectPage {
            items,
            page: PageInfo::new(page, total),
        })
    })
}

/// The project premium an order bills, if it bills one (the feed's line).
pub fn premium_line(conn: &mut DbConn, order_id: OrderId) -> Result<Option<PremiumLine>, AppError> {
    Ok(
        store::charge_of_order(conn, order_id)?.map(|(p, ch)| PremiumLine {
            project_no: p.project_no,
            project_name: p.name,
            kind: p.kind,
            insurance: Insurance::WorkInjury.code().to_owned(),
            data_type: AssessmentKind::ProjectPremium.code().to_owned(),
            reason: ch.reason,
            contract_value: Money::from_fen(ch.contract_value_fen),
            rate: Rate::from_ppm(ch.rate_ppm),
            amount: Money::from_fen(ch.amount_fen),
        }),
    )
}

/// The project premium of the unit's order `order_no`, if it bills one
/// (what the printed order lists as its line).
pub fn premium_line_of(
    conn: &mut DbConn,
    unit_id: UnitId,
    order_no: &str,
) -> Result<Option<PremiumLine>, AppError> {
    read_transaction(conn, |c| {
        match qibao_db::tax::order_by_no(c, order_no.trim())? {
            Some(o) if o.unit_id == unit_id => premium_line(c, o.id),
            _ => Ok(None),
        }
    })
}

// ---------------------------------------------------------------- roster

fn worker_dto(w: &Worker, person_no: Option<String>, p: &Project) -> WorkerDto {
    let (from, to) = rule::coverage(w.entered_on, w.left_on, p.end_date);
    WorkerDto {
        id: w.id,
        name: w.name.clone(),
        id_type: w.id_type.clone(),
        id_number: w.id_number.clone(),
        person_no,
        entered_on: w.entered_on,
        left_on: w.left_on,
        on_roster: w.left_on.is_none(),
        covered_from: from,
        covered_to: to,
    }
}

/// The person numbers of the workers who are (or were) insured at the
/// project's unit: a roster never shows another unit's person number.
fn unit_person_nos(
    c: &mut DbConn,
    unit_id: UnitId,
    workers: &[&Worker],
) -> Result<Vec<(qibao_db::ids::PersonId, String)>, AppError> {
    let ids: Vec<_> = workers.iter().filter_map(|w| w.person_id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let here: Vec<_> = qibao_db::employees::employments_of_persons(c, &ids)?
        .into_iter()
        .filter(|e| e.unit_id == unit_id)
        .map(|e| e.person_id)
        .collect();
    Ok(qibao_db::employees::get_persons(c, &ids)?
        .into_iter()
        .filter(|p| here.contains(&p.id))
        .map(|p| (p.id, p.person_no))
        .collect())
}

fn person_no_of(c: &mut DbConn, unit_id: UnitId, w: &Worker) -> Result<Option<String>, AppError> {
    Ok(unit_person_nos(c, unit_id, &[w])?
        .into_iter()
        .next()
        .map(|(_, no)| no))
}

fn roster_item(
    c: &mut DbConn,
    who: &Actor,
    p: &Project,
    after: serde_json::Value,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    items::record(
        c,
        who,
        ItemRecord {
            unit_id: Some(p.unit_id),
            kind: BusinessItemKind::ProjectRosterChange,
            status: DONE,
            before: None,
            after: Some(after),
        },
        now,
    )?;
    Ok(())
}

/// 建筑工程项目职工参保名册维护 — adds a worker (R-PROJ-2): covered from the
/// day of entry (today or later, within the project's term). A worker may
/// be insured at a unit at the same time.
pub fn add_worker(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    project_id: i64,
    input: &WorkerInput,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<WorkerDto, AppError> {
    let name =
        parse_name(&input.name).map_err(|e| AppError::invalid_field("name", e.to_string()))?;
    transaction_with_retry(conn, |c| {
        let p = store::get_project(c, project_id, Some(unit_id))?.ok_or_else(not_found)?;
        let entered = input.entered_on.unwrap_or(today);
        rule::check_entry(entered, p.start_date, p.end_date, today)
            .map_err(|e| roster_refused(&e, "entered_on"))?;
        let person = repo::get_person_by_id_number(c, &input.identity.id_number).optional()?;
        if person.as_ref().is_some_and(|p| p.name != name) {
            let msg = "姓名与该证件号码登记的参保人员姓名不一致，请按身份证件核对。".to_owned();
            return Err(AppError::new(ErrorCode::RosterRefused)
                .with_detail(msg.clone())
                .with_errors(vec![FieldError::new("name", msg)]));
        }
        let w = store::insert_worker(
            c,
            &NewWorker {
                project_id: p.id,
                person_id: person.as_ref().map(|p| p.id),
                id_type: input.identity.id_type.code().to_owned(),
                id_number: input.identity.id_number.clone(),
                name: name.clone(),
                entered_on: entered,
                added_by: who.name.clone(),
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|e| match e {
            DbError::Conflict { constraint } if constraint == store::ON_ROSTER_KEY => {
                AppError::new(ErrorCode::WorkerOnRoster).with_detail(format!(
                    "{}（{}）已在项目{}的名册中。",
                    name, input.identity.id_number, p.project_no
                ))
            }
            other => other.into(),
        })?;
        roster_item(
            c,
            who,
            &p,
            json!({ "project_no": p.project_no, "added": { "name": w.name,
                    "id_number": w.id_number, "entered_on": w.entered_on } }),
            now,
        )?;
        let no = person_no_of(c, p.unit_id, &w)?;
        Ok(worker_dto(&w, no, &p))
    })
}

/// Takes a worker off the roster on `left_on` (default today): covered
/// through that day.
#[allow(clippy::too_many_arguments)]
pub fn remove_worker(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    project_id: i64,
    worker_id: i64,
    left_on: Option<Date>,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<WorkerDto, AppError> {
    transaction_with_retry(conn, |c| {
        let p = store::get_project(c, project_id, Some(unit_id))?.ok_or_else(not_found)?;
        let w = store::get_worker(c, p.id, worker_id)?
            .ok_or_else(|| AppError::new(ErrorCode::WorkerNotFound))?;
        let left = left_on.unwrap_or(today);
        rule::check_removal(w.entered_on, left, today)
            .map_err(|e| roster_refused(&e, "left_on"))?;
        if !store::remove_worker(c, w.id, left, &who.name, now)? {
            return Err(AppError::new(ErrorCode::WorkerOffRoster));
        }
        roster_item(
            c,
            who,
            &p,
            json!({ "project_no": p.project_no, "removed": { "name": w.name,
                    "id_number": w.id_number, "left_on": left } }),
            now,
        )?;
        let w = store::get_worker(c, p.id, worker_id)?
            .ok_or_else(|| AppError::new(ErrorCode::WorkerNotFound))?;
        let no = person_no_of(c, p.unit_id, &w)?;
        Ok(worker_dto(&w, no, &p))
    })
}

/// A page of a project's roster (the unit's own, or any for staff): every
/// entry, those on it now, or those covered on a day (what a work-injury
/// claim checks); narrowed to one id number when given.
pub fn workers(
    conn: &mut DbConn,
    unit_id: Option<UnitId>,
    project_id: i64,
    filter: RosterFilter,
    id_number: Option<&str>,
    page: PageReq,
) -> Result<WorkerPage, AppError> {
    read_transaction(conn, |c| {
        let p = store::get_project(c, project_id, unit_id)?.ok_or_else(not_found)?;
        // A day after the project's end is covered by no one.
        let beyond = matches!(filter, RosterFilter::CoveredOn(d) if d > p.end_date);
        let (rows, total) = if beyond {
            (Vec::new(), 0)
        } else {
            store::workers_page(c, p.id, filter, id_number, page.offset(), page.page_size)?
        };
        let mut items = Vec::with_capacity(rows.len());
        let nos = unit_person_nos(c, p.unit_id, &rows.iter().collect::<Vec<_>>())?;
        for w in &rows {
            let no = w
                .person_id
                .and_then(|id| nos.iter().find(|(pid, _)| *pid == id))
                .map(|(_, no)| no.clone());
            items.push(worker_dto(w, no, &p));
        }
        Ok(WorkerPage {
            project_no: p.project_no,
            items,
            page: PageInfo::new(page, total),
        })
    })
}

// ---------------------------------------------------------------- rates

/// Every region's project rates.
pub fn rates(conn: &mut DbConn) -> Result<Vec<ProjectRateDto>, AppError> {
    read_transaction(conn, |c| {
        Ok(store::all_rates(c)?
            .into_iter()
            .map(|r| ProjectRateDto {
                region: r.region_code,
                kind: r.kind,
                from_year: r.from_year,
                rate: Rate::from_ppm(r.rate_ppm),
                source: Source {
                    document: r.source,
                    illustrative: r.illustrative,
                },
            })
            .collect())
    })
}

/// Adds a region's rate of a project type from a year (R-PROJ-1, R-POL-4),
/// audited as a policy change; one that exists is 422 `POLICY_OVERLAP`, an
/// unknown region 404. Projects billed before keep their premium.
pub fn add_rate(
    conn: &mut DbConn,
    who: &Actor,
    r: ProjectRateDto,
    now: PrimitiveDateTime,
) -> Result<crate::policy::admin::PolicyChangeDto, AppError> {
    let overlap = format!(
        "参保地{}自{}年起的{}费率已存在，不能重复设置。",
        r.region,
        r.from_year,
        ProjectKind::parse(&r.kind).map_or("项目", ProjectKind::label_zh)
    );
    let added = json!(r);
    crate::policy::admin::add_audited(
        conn,
        who,
        "project_rate",
        Some(&r.region),
        added,
        &overlap,
        now,
        |c| {
            store::insert_rate(
                c,
                &store::RateRow {
                    region_code: r.region.clone(),
                    kind: r.kind.clone(),
                    from_year: r.from_year,
                    rate_ppm: r.rate.ppm(),
                    source: r.source.document.clone(),
                    illustrative: r.source.illustrative,
                    created_at: now,
                },
            )
        },
    )
}
