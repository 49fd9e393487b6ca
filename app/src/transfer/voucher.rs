//! 基本养老保险参保缴费凭证 (issue 16, part; R-TRANS-1, 2): what a person
//! leaving the province takes to the new place, and what a transfer of
//! their pension relation would move: the individual account in full, and
//! from the pooled fund 12% of the contribution bases paid since 1998
//! (`qibao_core::transfer`). Drawn from the data on request; a read.
//!
//! The periods are the months paid in this system and the recognised
//! history (with its place), each month once; the account is valued at the
//! end of the month before the current one, as the estimate values it
//! (R-PEN-3). Within Hubei no transfer is needed (R-TRANS-1): a person
//! still paying pension insurance anywhere in the system gets no voucher.

use qibao_core::Money;
use qibao_core::Period;
use qibao_core::Rate;
use qibao_core::insurance::Insurance;
use qibao_core::pension_record::statement;
use qibao_core::transfer::{PaidMonth, amounts};
use qibao_core::unit::mask_id_number;
use qibao_db::ids::UnitId;
use qibao_db::rows::Person;
use qibao_db::{DbConn, employees as emp_db, repo};
use serde::Serialize;
use time::Date;

use crate::certificates::CertUnit;
use crate::context::UnitContext;
use crate::error::{AppError, ErrorCode};
use crate::pension::{load, record_error};
use crate::persons::{same_person_ids, unit_person};
use crate::tx::read_transaction;

/// The voucher's title.
pub const TITLE: &str = "基本养老保险参保缴费凭证";

/// Where the months of this system are kept, as printed.
pub const HERE: &str = "湖北省";

/// Contiguous months with one base and place.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoucherSpan {
    pub from: Period,
    pub to: Period,
    pub months: i32,
    /// The monthly contribution base.
    pub base: Money,
    /// Where they were paid: this province, or the recognised history's place.
    pub place: String,
}

/// One year from 1998 as the pooled part counts it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoucherYear {
    pub year: i32,
    pub months: i32,
    /// The year's contribution wage (the sum of its monthly bases).
    pub bases: Money,
    /// 12% of it (each year rounded on its own; the total is rounded once).
    pub pooled: Money,
}

/// The account at the end of a year (or of the valuation month).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoucherAccountYear {
    pub year: i32,
    pub opening: Money,
    pub credited: Money,
    pub interest: Money,
    pub closing: Money,
}

/// 基本养老保险参保缴费凭证.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContributionVoucher {
    pub title: &'static str,
    /// 凭证编号: PZ, the person number and the issue date.
    #[cfg_attr(feature = "openapi", schema(example = "PZ1000372600020260310"))]
    pub voucher_no: String,
    /// The unit that prints it.
    pub unit: CertUnit,
    pub agency: String,
    pub person_no: String,
    pub name: String,
    /// The ID number with its middle hidden.
    pub id_number: String,
    pub birth_date: Date,
    pub spans: Vec<VoucherSpan>,
    /// Months paid in all.
    pub months: i32,
    /// From 1998, what the pooled part counts.
    pub years: Vec<VoucherYear>,
    /// The account is valued at the end of this month.
    pub valued_at: Period,
    pub account_years: Vec<VoucherAccountYear>,
    /// 个人账户储存额: moves in full.
    pub account: Money,
    /// Of the bases since 1998.
    pub pooled_share: Rate,
    /// 统筹基金转移额: 12% × the bases since 1998.
    pub pooled: Money,
    pub total: Money,
    pub total_in_capitals: String,
    pub issued_on: Date,
    pub notes: Vec<String>,
}

/// The voucher of the unit's (former) employee `person_no` on `today`,
/// issued by the unit where the person last paid pension insurance in the
/// province (an earlier employer gets `TRANSFER_NOT_LAST_UNIT`: the
/// months at later units are not its to print).
pub fn voucher(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_no: &str,
    today: Date,
) -> Result<ContributionVoucher, AppError> {
    read_transaction(conn, |c| {
        let (person, _) = unit_person(c, unit_id, person_no)?;
        let same = same_person_ids(c, &person)?;
        let last = super::last_pension_unit(c, &same)?;
        if last.is_some_and(|u| u != unit_id) {
            return Err(AppError::new(ErrorCode::TransferNotLastUnit));
        }
        voucher_of(c, unit_id, &person, today)
    })
}

/// The voucher of `person`, printed by `unit_id` (whose parameters give
/// the individual rate of history months), in the caller's transaction:
/// refused while the person pays pension insurance in the province, and
/// once the relation has been transferred out.
pub fn voucher_of(
    c: &mut DbConn,
    unit_id: UnitId,
    person: &Person,
    today: Date,
) -> Result<ContributionVoucher, AppError> {
    let same = same_person_ids(c, person)?;
    let insured = emp_db::employments_of_persons(c, &same)?
        .into_iter()
        .any(|e| e.insurance == Insurance::Pension && e.status == repo::ACTIVE);
    if insured {
        return Err(AppError::new(ErrorCode::TransferStillInsured));
    }
    super::refuse_if_transferred_out(c, &same)?;
    let mut ctx = UnitContext::load(c, unit_id)?;
    let current = Period::of(today);
    let individual_rate = ctx
        .params(current)?
        .rate(Insurance::Pension)
        .map_err(|e| AppError::new(ErrorCode::PolicyNotInForce).with_detail(e.to_string()))?
        .individual_rate;
    let loaded = load(c, &same)?;
    let until = current.prev();
    let st = statement(&loaded.core(), until, &loaded.rates, individual_rate)
        .map_err(|e| record_error(&e))?;
    if st.months.is_empty() {
        return Err(AppError::new(ErrorCode::TransferNothingPaid));
    }
    let place_of = |p: Period, recorded: bool| -> String {
        if recorded {
            return HERE.to_owned();
        }
        loaded
            .history_rows
            .iter()
            .find(|r| r.period == p.yyyymm())
            .map_or_else(|| HERE.to_owned(), |r| r.place.clone())
    };
    let mut spans: Vec<VoucherSpan> = Vec::new();
    for m in &st.months {
        let place = place_of(m.period, m.recorded);
        match spans.last_mut() {
            Some(s) if s.to.add_months(1) == m.period && s.base == m.base && s.place == place => {
                s.to = m.period;
                s.months += 1;
            }
            _ => spans.push(VoucherSpan {
                from: m.period,
                to: m.period,
                months: 1,
                base: m.base,
                place,
            }),
        }
    }
    let paid: Vec<PaidMonth> = st
        .months
        .iter()
        .map(|m| PaidMonth {
            period: m.period,
            base: m.base,
        })
        .collect();
    let a = amounts(&paid, st.account_balance);
    let unit = emp_db::get_unit(c, unit_id)?;
    let region = repo::get_region(c, &unit.region_code)?;
    Ok(ContributionVoucher {
        title: TITLE,
        voucher_no: format!(
            "PZ{}{:04}{:02}{:02}",
            person.person_no,
            today.year(),
            u8::from(today.month()),
            today.day()
        ),
        unit: CertUnit {
            unit_no: unit.unit_no,
            name: unit.name,
        },
        agency: qibao_core::order::agency_name(&region.name),
        person_no: person.person_no.clone(),
        name: person.name.clone(),
        id_number: mask_id_number(&person.id_number),
        birth_date: person.birth_date,
        spans,
        months: i32::try_from(st.months.len()).unwrap_or(i32::MAX),
        years: a
            .years
            .iter()
            .map(|y| VoucherYear {
                year: y.year,
                months: y.months,
                bases: y.bases,
                pooled: y.bases.times_rate(a.pooled_share),
            })
            .collect(),
        valued_at: until,
        account_years: st
            .account_years
            .iter()
            .map(|y| VoucherAccountYear {
                year: y.year,
                opening: y.opening,
                credited: y.credited,
                interest: y.interest,
                closing: y.closing,
            })
            .collect(),
        account: a.account,
        pooled_share: a.pooled_share,
        pooled: a.pooled,
        total: a.total,
        total_in_capitals: a.total.to_capitals(),
        issued_on: today,
        notes: vec![
            "本凭证用于跨省流动就业人员办理基本养老保险关系转移接续（国办发〔2009〕66号）；省内流动无需办理转移。".to_owned(),
            "统筹基金转移额按1998年1月起各年度实际缴费工资之和的12%计算，不足一年的按实际缴费月数计算。".to_owned(),
            "个人账户储存额为截至计值月份末的本息合计，实际转移时按转出时的储存额全额转移。".to_owned(),
        ],
    })
}
