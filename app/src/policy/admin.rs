//! Maintaining policy parameters (R-POL-4) by staff with the policy role
//! (政策参数管理岗): each change adds an effective-dated version of one
//! parameter of a region (or a year's bookkeeping interest rate). A version
//! starting inside an open-ended version of the same parameter closes that
//! one at the month before; the region's whole parameter set is then checked
//! ([`qibao_core::policy_change`]) and an invalid result is refused with 422,
//! writing nothing. Every change is audited as a business item
//! `policy_change` (no unit) with who, when and before/after.
//!
//! A change never rewrites money already assessed: stored assessments keep
//! the amounts computed when they were made; a declaration for period P uses
//! the parameters in force for P (R-POL-3).

use qibao_core::business_item::BusinessItemKind;
use qibao_core::ids::RegionCode;
use qibao_core::policy::{InterestRate, MonthDay, RegionPolicy, Source};
use qibao_core::policy_change::{NewVersion, PlannedChange};
use qibao_core::{Period, Rate};
use qibao_db::review::{self as review_store, PageReq};
use qibao_db::rows::{
    BusinessItem, NewPolicyBaseBound, NewPolicyDeferral, NewPolicyInjuryClassRate,
    NewPolicyLateFeeRule, NewPolicyRate, NewPolicyWindow, PolicyInterestRate,
};
use qibao_db::{DbConn, DbError, OptionalExt, policy_admin as store};
use serde::Serialize;
use serde_json::{Value, json};
use time::PrimitiveDateTime;

use super::{load_policy, region_not_found};
use crate::actor::AsActor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode};
use crate::items::{self, ItemRecord};
use crate::tx::{read_transaction, transaction};

/// The business item kind of the audit trail.
pub const POLICY_CHANGE: BusinessItemKind = BusinessItemKind::PolicyChange;

/// One audited change of policy parameters.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyChangeDto {
    /// The audit record's (business item's) id.
    #[cfg_attr(feature = "openapi", schema(example = 40))]
    pub id: i64,
    /// `base_bounds`, `rate`, `injury_class_rate`, `late_fee_rule`,
    /// `windows`, `deferral`, `interest_rate`, `pension_year` or
    /// `death_benefits`, `unemployment_benefits`, `project_rate` or
    /// `stabilisation_year`.
    #[cfg_attr(feature = "openapi", schema(example = "rate"))]
    pub parameter: String,
    /// The region code; null for national interest rates.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "420500"))]
    pub region: Option<String>,
    /// Who changed it (`role:account:name`).
    #[cfg_attr(feature = "openapi", schema(example = "staff:pol1:政策管理员"))]
    pub actor: String,
    pub channel: String,
    /// When (RFC 3339, China time).
    pub created_at: String,
    /// The version closed by this change, as it was (`closed`); null when none.
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub before: Option<Value>,
    /// The version added (`added`) and the closed version as it is now (`closed`).
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Object>))]
    pub after: Option<Value>,
}

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn json_of(text: Option<&str>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

/// The closed version before and after, found by `same` in the old and new sets.
fn closed_pair<T: Serialize>(
    old: &[T],
    new: &[T],
    same: impl Fn(&T) -> bool,
) -> (Option<Value>, Option<Value>) {
    (
        old.iter().find(|x| same(x)).map(to_json),
        new.iter().find(|x| same(x)).map(to_json),
    )
}

struct Written {
    parameter: &'static str,
    added: Value,
    closed_before: Option<Value>,
    closed_after: Option<Value>,
}

fn to_i32(p: Period) -> i32 {
    p.yyyymm()
}

/// Writes the planned change: closes the version it closes, inserts the new one.
fn write(
    c: &mut DbConn,
    region: &str,
    old: &RegionPolicy,
    plan: &PlannedChange,
    version: &NewVersion,
    now: PrimitiveDateTime,
) -> Result<Written, AppError> {
    let new = &plan.policy;
    let mut closed = (None, None);
    let (parameter, added) = match version {
        NewVersion::BaseBounds(b) => {
            store::insert_base_bound(
                c,
                &NewPolicyBaseBound {
                    region_code: region.to_owned(),
                    si_year: b.si_year.0,
                    standard_fen: b.standard.fen(),
                    floor_fen: b.floor.fen(),
                    ceiling_fen: b.ceiling.fen(),
                    source: b.source.document.clone(),
                    illustrative: b.source.illustrative,
                    created_at: now,
                },
            )?;
            ("base_bounds", to_json(b))
        }
        NewVersion::Rate(r) => {
            if let Some(cl) = plan.closed {
                store::close_rate(
                    c,
                    region,
                    r.insurance.code(),
                    to_i32(cl.from),
                    to_i32(cl.to),
                )?;
                closed = closed_pair(&old.rates, &new.rates, |x| {
                    x.insurance == r.insurance && x.range.from == cl.from
                });
            }
            store::insert_rate(
                c,
                &NewPolicyRate {
                    region_code: region.to_owned(),
                    insurance: r.insurance.code().to_owned(),
                    from_period: to_i32(r.range.from),
                    to_period: r.range.to.map(to_i32),
                    unit_rate_ppm: r.unit_rate.ppm(),
                    individual_rate_ppm: r.individual_rate.ppm(),
                    source: r.source.document.clone(),
                    illustrative: r.source.illustrative,
                    created_at: now,
                },
            )?;
            ("rate", to_json(r))
        }
        NewVersion::InjuryRate(r) => {
            let class = i16::from(r.risk_class.get());
            if let Some(cl) = plan.closed {
                store::close_injury_rate(c, region, class, to_i32(cl.from), to_i32(cl.to))?;
                closed = closed_pair(&old.injury_rates, &new.injury_rates, |x| {
                    x.risk_class == r.risk_class && x.range.from == cl.from
                });
            }
            store::insert_injury_rate(
                c,
                &NewPolicyInjuryClassRate {
                    region_code: region.to_owned(),
                    risk_class: class,
                    from_period: to_i32(r.range.from),
                    to_period: r.range.to.map(to_i32),
                    rate_ppm: r.rate.ppm(),
                    source: r.source.document.clone(),
                    illustrative: r.source.illustrative,
                    created_at: now,
                },
            )?;
            ("injury_class_rate", to_json(r))
        }
        NewVersion::LateFee(r) => {
            if let Some(cl) = plan.closed {
                store::close_late_fee_rule(c, region, to_i32(cl.from), to_i32(cl.to))?;
                closed = closed_pair(&old.late_fees, &new.late_fees, |x| x.range.from == cl.from);
            }
            store::insert_late_fee_rule(
                c,
                &NewPolicyLateFeeRule {
                    region_code: region.to_owned(),
                    from_period: to_i32(r.range.from),
                    to_period: r.range.to.map(to_i32),
                    daily_rate_ppm: r.daily_rate.ppm(),
                    due_day_of_next_month: r.due_day_of_next_month.map(i16::from),
                    cap: r.cap.code().to_owned(),
                    source: r.source.document.clone(),
                    illustrative: r.source.illustrative,
                    created_at: now,
                },
            )?;
            ("late_fee_rule", to_json(r))
        }
        NewVersion::Windows(w) => {
            if let Some(cl) = plan.closed {
                store::close_window(c, region, to_i32(cl.from), to_i32(cl.to))?;
                closed = closed_pair(&old.windows, &new.windows, |x| x.range.from == cl.from);
            }
            let md = |m: MonthDay| format!("{:02}-{:02}", m.month, m.day);
            store::insert_window(
                c,
                &NewPolicyWindow {
                    region_code: region.to_owned(),
                    from_period: to_i32(w.range.from),
                    to_period: w.range.to.map(to_i32),
                    back_pay_months: i16::from(w.back_pay_months),
                    refund_months: i16::from(w.refund_months),
                    order_validity_working_days: i16::from(w.order_validity_working_days),
                    wage_window_start: md(w.wage_window_start),
                    wage_window_end: md(w.wage_window_end),
                    source: w.source.document.clone(),
                    illustrative: w.source.illustrative,
                    created_at: now,
                },
            )?;
            ("windows", to_json(w))
        }
        NewVersion::Deferral(d) => {
            store::insert_deferral(
                c,
                &NewPolicyDeferral {
                    region_code: region.to_owned(),
                    from_period: to_i32(d.range.from),
                    to_period: to_i32(d.range.to.unwrap_or(d.range.from)),
                    repay_by: d.repay_by,
                    source: d.source.document.clone(),
                    illustrative: d.source.illustrative,
                    created_at: now,
                },
            )?;
            ("deferral", to_json(d))
        }
    };
    Ok(Written {
        parameter,
        added,
        closed_before: closed.0,
        closed_after: closed.1,
    })
}

/// Adds a parameter set that stands alone (a year's or a region's from a
/// year, closing nothing) in one transaction: `insert` writes it, a unique
/// conflict is 422 `POLICY_OVERLAP` with `overlap`'s words; audited as a
/// policy change of `parameter` with `added` (and `region` when it has one;
/// province-wide parameters name none).
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_audited(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    parameter: &str,
    region: Option<&str>,
    added: Value,
    overlap: &str,
    now: PrimitiveDateTime,
    insert: impl FnOnce(&mut DbConn) -> Result<(), DbError>,
) -> Result<PolicyChangeDto, AppError> {
    let item = transaction(conn, |c| {
        if let Some(code) = region
            && qibao_db::repo::get_region(c, code).optional()?.is_none()
        {
            return Err(region_not_found(code));
        }
        insert(c).map_err(|e| match e {
            DbError::Conflict { .. } => {
                AppError::new(ErrorCode::PolicyOverlap).with_detail(overlap.to_owned())
            }
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
                after: Some(match region {
                    Some(r) => json!({ "parameter": parameter, "region": r, "added": added }),
                    None => json!({ "parameter": parameter, "added": added }),
                }),
            },
            now,
        )
    })?;
    Ok(change_dto(item))
}

pub(crate) fn change_dto(item: BusinessItem) -> PolicyChangeDto {
    let after = json_of(item.after_json.as_deref());
    let field = |name: &str| {
        after
            .as_ref()
            .and_then(|a| a.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    PolicyChangeDto {
        id: item.id.0,
        parameter: field("parameter").unwrap_or_default(),
        region: field("region"),
        actor: item.actor,
        channel: item.channel,
        created_at: china_timestamp(item.created_at),
        before: json_of(item.before_json.as_deref()),
        after,
    }
}

/// Adds `version` to the region's parameters in one transaction, audited;
/// an invalid resulting set is refused (422) and nothing is written.
pub fn add_version(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    region: &RegionCode,
    version: &NewVersion,
    now: PrimitiveDateTime,
) -> Result<PolicyChangeDto, AppError> {
    let item = transaction(conn, |c| {
        if !store::lock_region(c, region.as_str())? {
            return Err(region_not_found(region.as_str()));
        }
        let old = load_policy(c, region)?;
        let plan = old.with_version(version.clone())?;
        let w = write(c, region.as_str(), &old, &plan, version, now)?;
        let base = json!({ "region": region.as_str(), "parameter": w.parameter });
        let mut after = base.clone();
        after["added"] = w.added;
        let before = w.closed_before.map(|b| {
            let mut v = base.clone();
            v["closed"] = b;
            v
        });
        if let Some(a) = w.closed_after {
            after["closed"] = a;
        }
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: None,
                kind: POLICY_CHANGE,
                status: "done",
                before,
                after: Some(after),
            },
            now,
        )
    })?;
    Ok(change_dto(item))
}

/// Adds the national bookkeeping interest rate of `year` (R-LATE-2), audited;
/// a year that has one already is refused (`POLICY_OVERLAP`).
pub fn add_interest_rate(
    conn: &mut DbConn,
    who: &(impl AsActor + ?Sized),
    year: i32,
    rate: Rate,
    source: Source,
    now: PrimitiveDateTime,
) -> Result<PolicyChangeDto, AppError> {
    let item = transaction(conn, |c| {
        if store::get_interest_rate(c, year).optional()?.is_some() {
            return Err(AppError::new(ErrorCode::PolicyOverlap)
                .with_detail(format!("{year}年的记账利率已存在，不能重复设置。")));
        }
        store::insert_interest_rate(
            c,
            &PolicyInterestRate {
                year,
                rate_ppm: rate.ppm(),
                source: source.document.clone(),
                illustrative: source.illustrative,
                created_at: now,
            },
        )?;
        let added = InterestRate {
            year,
            rate,
            source: source.clone(),
        };
        items::record(
            c,
            who,
            ItemRecord {
                unit_id: None,
                kind: POLICY_CHANGE,
                status: "done",
                before: None,
                after: Some(json!({ "parameter": "interest_rate", "added": to_json(&added) })),
            },
            now,
        )
    })?;
    Ok(change_dto(item))
}

/// One page of the audit trail of policy changes, newest first, and the
/// total (`page` from 1).
pub fn list_changes(
    conn: &mut DbConn,
    page: i64,
    page_size: i64,
) -> Result<(Vec<PolicyChangeDto>, i64), AppError> {
    read_transaction(conn, |c| {
        let (rows, total) = review_store::list_business_items_by_kind(
            c,
            POLICY_CHANGE.code(),
            PageReq { page, page_size },
        )?;
        Ok((rows.into_iter().map(change_dto).collect(), total))
    })
}
