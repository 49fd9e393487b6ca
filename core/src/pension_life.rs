//! The life of an approved pension (R-PEN-4): which months are payable
//! and which are owed, suspension and resumption, the end at death, and
//! the lump sums paid then (丧葬补助金, 抚恤金, 个人账户余额继承), for a retiree
//! or an employee who dies in service.
//!
//! Decisions where DOMAIN.md is silent:
//! - The pension is paid for the month of death and stops from the month
//!   after. Months paid after the death month are overpaid and recovered
//!   from the lump sums (多发追回); what the lump sums cannot cover is shown
//!   as still owed.
//! - Resumption pays every suspended month as arrears (补发), as R-PEN-4
//!   says, whatever the reason of the suspension.
//! - A payroll for month M pays every payable month up to M not yet paid:
//!   normally M alone; after a late approval or a resumption also the
//!   months owed before it (arrears).
//! - The inheritable balance of a retiree is the account at retirement less
//!   the account part (个人账户养老金) of every month payable through the
//!   death month, never below zero; of an employee in service, the whole
//!   account at the death month.
//! - 丧葬补助金 is a fixed amount and 抚恤金 a number of months — of the
//!   retiree's pension, or for a death in service of the province's average
//!   monthly wage of the previous year — the province's standards as
//!   parameters from a year.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::Serialize;
use thiserror::Error;

use crate::money::Money;
use crate::period::Period;
use crate::retirement::PeriodZh;

/// Why a pension is suspended (暂停发放).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SuspendReason {
    /// 未按规定参加领取待遇资格认证.
    QualificationMissing,
    /// 服刑.
    Imprisonment,
    /// 其他 (the note says why).
    Other,
}

impl SuspendReason {
    pub const ALL: [SuspendReason; 3] = [
        SuspendReason::QualificationMissing,
        SuspendReason::Imprisonment,
        SuspendReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SuspendReason::QualificationMissing => "qualification_missing",
            SuspendReason::Imprisonment => "imprisonment",
            SuspendReason::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SuspendReason::QualificationMissing => "未按规定参加领取待遇资格认证",
            SuspendReason::Imprisonment => "服刑",
            SuspendReason::Other => "其他原因",
        }
    }

    pub fn parse(s: &str) -> Option<SuspendReason> {
        SuspendReason::ALL
            .into_iter()
            .find(|r| r.code() == s.trim())
    }
}

/// A suspension: months `from..=to` (`to` None: still suspended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Suspension {
    pub from: Period,
    pub to: Option<Period>,
    pub reason: SuspendReason,
}

impl Suspension {
    /// Whether it withholds `month` now: only an open suspension does, as a
    /// resumption pays every suspended month back.
    pub fn withholds(&self, month: Period) -> bool {
        self.to.is_none() && month >= self.from
    }
}

/// What decides whether a month of an approved pension is payable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PensionFacts {
    /// The first pension month (the month after retirement, R-RET-4).
    pub first_month: Period,
    pub monthly: Money,
    pub suspensions: Vec<Suspension>,
    /// The month of death: paid through it, ended after it.
    pub death_month: Option<Period>,
}

/// Why a month is not payable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum NotPayable {
    #[error("{}起领取基本养老金，{}尚未开始领取。", PeriodZh(*.first_month), PeriodZh(*.month))]
    BeforeFirstMonth { month: Period, first_month: Period },
    #[error("自{}起暂停发放（{}），恢复发放后补发。", PeriodZh(*.from), .reason.label_zh())]
    Suspended { from: Period, reason: SuspendReason },
    #[error("已于{}死亡，自次月起停止发放。", PeriodZh(*.death_month))]
    Ended { death_month: Period },
}

impl NotPayable {
    pub fn code(self) -> &'static str {
        match self {
            NotPayable::BeforeFirstMonth { .. } => "before_first_month",
            NotPayable::Suspended { .. } => "suspended",
            NotPayable::Ended { .. } => "ended",
        }
    }
}

/// Whether `month` is payable.
pub fn payable(f: &PensionFacts, month: Period) -> Result<(), NotPayable> {
    if month < f.first_month {
        return Err(NotPayable::BeforeFirstMonth {
            month,
            first_month: f.first_month,
        });
    }
    if let Some(d) = f.death_month
        && month > d
    {
        return Err(NotPayable::Ended { death_month: d });
    }
    if let Some(s) = f.suspensions.iter().find(|s| s.withholds(month)) {
        return Err(NotPayable::Suspended {
            from: s.from,
            reason: s.reason,
        });
    }
    Ok(())
}

/// What a payroll for `month` pays one pension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    /// `month` itself, when payable and not paid yet.
    pub current: Option<Period>,
    /// Earlier months payable and not paid (补发), ascending.
    pub arrears: Vec<Period>,
    pub current_amount: Money,
    pub arrears_amount: Money,
    /// Why `month` itself is not paid, if it is not.
    pub not_paid: Option<NotPayable>,
}

impl Due {
    pub fn total(&self) -> Money {
        self.current_amount + self.arrears_amount
    }
    pub fn is_empty(&self) -> bool {
        self.current.is_none() && self.arrears.is_empty()
    }
}

/// The months a payroll for `month` pays (those payable through `month`
/// and not in `paid`) and why `month` itself is not paid, if not.
pub fn due(f: &PensionFacts, month: Period, paid: &BTreeSet<Period>) -> Due {
    let mut arrears = Vec::new();
    let mut current = None;
    if f.first_month <= month {
        for m in Period::range_inclusive(f.first_month, month) {
            if paid.contains(&m) || payable(f, m).is_err() {
                continue;
            }
            if m == month {
                current = Some(m);
            } else {
                arrears.push(m);
            }
        }
    }
    let times = |n: usize| Money::from_yuan(f.monthly.as_decimal() * Decimal::from(n));
    Due {
        current,
        current_amount: times(usize::from(current.is_some())),
        arrears_amount: times(arrears.len()),
        arrears,
        not_paid: payable(f, month).err(),
    }
}

/// The suspended months a resumption from `resume` makes payable, and
/// their amount (R-PEN-4: 恢复, 补发).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resumption {
    pub suspended_from: Period,
    pub suspended_to: Period,
    pub months: i32,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResumptionError {
    #[error("该人员的养老金没有暂停发放。")]
    NotSuspended,
    #[error("恢复发放月份{}不能早于暂停月份{}。", PeriodZh(*.resume), PeriodZh(*.from))]
    BeforeSuspension { resume: Period, from: Period },
}

/// Resumes the open suspension from `resume`: the suspension ends with the
/// month before, every suspended month is owed.
pub fn resume(f: &PensionFacts, resume: Period) -> Result<Resumption, ResumptionError> {
    let open = f
        .suspensions
        .iter()
        .find(|s| s.to.is_none())
        .ok_or(ResumptionError::NotSuspended)?;
    if resume <= open.from {
        return Err(ResumptionError::BeforeSuspension {
            resume,
            from: open.from,
        });
    }
    let to = resume.add_months(-1);
    let months = open.from.months_until(to) + 1;
    Ok(Resumption {
        suspended_from: open.from,
        suspended_to: to,
        months,
        amount: Money::from_yuan(f.monthly.as_decimal() * Decimal::from(months)),
    })
}

/// The province's standards of the lump sums at death (parameters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeathStandards {
    /// In force from January of this year.
    #[cfg_attr(feature = "openapi", schema(example = 2016))]
    pub from_year: i32,
    /// 丧葬补助金, yuan.
    pub funeral_grant: Money,
    /// 抚恤金 in months: of the retiree's monthly pension, or for a death in
    /// service of the province's average monthly wage of the previous year.
    #[cfg_attr(feature = "openapi", schema(example = 10))]
    pub survivor_months: i32,
    pub source: crate::policy::Source,
}

/// Who died: a retiree with an approved pension, or an employee in service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deceased {
    Retiree {
        facts: PensionFacts,
        /// The individual account at retirement (the frozen calculation).
        account_at_retirement: Money,
        /// The monthly 个人账户养老金 part.
        account_part: Money,
        /// Months already paid by payroll.
        paid: BTreeSet<Period>,
    },
    InService {
        /// The individual account valued at the death month.
        account_balance: Money,
        /// The province's average monthly wage of the year before death.
        average_wage: Money,
    },
}

/// One computed amount with its formula.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub name: &'static str,
    pub amount: Money,
    pub formula: String,
}

/// The lump sums at death and what is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeathBenefits {
    pub death_month: Period,
    pub in_service: bool,
    pub funeral_grant: Item,
    pub survivor_benefit: Item,
    pub inheritance: Item,
    /// Months paid after the death month, recovered (多发追回).
    pub overpaid_months: Vec<Period>,
    pub overpaid: Item,
    /// What is paid: the three sums less the overpaid, never below zero.
    pub payable: Money,
    pub payable_in_capitals: String,
    /// The overpaid amount the sums could not cover (still owed).
    pub still_owed: Money,
}

/// The lump sums when a person dies in `death_month` (R-PEN-4).
pub fn death_benefits(
    who: &Deceased,
    death_month: Period,
    standards: &DeathStandards,
) -> DeathBenefits {
    let funeral = standards.funeral_grant;
    let n = standards.survivor_months.max(0);
    let (survivor, survivor_formula, inheritance, inheritance_formula, overpaid_months, monthly) =
        match who {
            Deceased::Retiree {
                facts,
                account_at_retirement,
                account_part,
                paid,
            } => {
                let survivor = Money::from_yuan(facts.monthly.as_decimal() * Decimal::from(n));
                let drawn = if facts.first_month <= death_month {
                    facts.first_month.months_until(death_month) + 1
                } else {
                    0
                };
                let used = Money::from_yuan(account_part.as_decimal() * Decimal::from(drawn));
                let left = if *account_at_retirement > used {
                    *account_at_retirement - used
                } else {
                    Money::ZERO
                };
                let overpaid: Vec<Period> =
                    paid.iter().copied().filter(|m| *m > death_month).collect();
                (
                    survivor,
                    format!("本人月基本养老金 {} × {n}个月 = {survivor}", facts.monthly),
                    left,
                    format!(
                        "退休时个人账户储存额 {account_at_retirement} − 个人账户养老金 {account_part} × 已领{drawn}个月 = {left}（不低于0）"
                    ),
                    overpaid,
                    facts.monthly,
                )
            }
            Deceased::InService {
                account_balance,
                average_wage,
            } => {
                let survivor = Money::from_yuan(average_wage.as_decimal() * Decimal::from(n));
                (
                    survivor,
                    format!("全省上年度在岗职工月平均工资 {average_wage} × {n}个月 = {survivor}"),
                    *account_balance,
                    format!("死亡当月个人账户储存额 {account_balance}"),
                    Vec::new(),
                    Money::ZERO,
                )
            }
        };
    let overpaid = Money::from_yuan(monthly.as_decimal() * Decimal::from(overpaid_months.len()));
    let gross = funeral + survivor + inheritance;
    let (payable, still_owed) = if gross >= overpaid {
        (gross - overpaid, Money::ZERO)
    } else {
        (Money::ZERO, overpaid - gross)
    };
    DeathBenefits {
        death_month,
        in_service: matches!(who, Deceased::InService { .. }),
        funeral_grant: Item {
            name: "丧葬补助金",
            amount: funeral,
            formula: format!("{}年起执行的丧葬补助金标准 {funeral}", standards.from_year),
        },
        survivor_benefit: Item {
            name: "抚恤金",
            amount: survivor,
            formula: survivor_formula,
        },
        inheritance: Item {
            name: "个人账户余额继承",
            amount: inheritance,
            formula: inheritance_formula,
        },
        overpaid: Item {
            name: "多发养老金追回",
            amount: overpaid,
            formula: format!(
                "死亡次月起已发放{}个月 × 月基本养老金 {monthly} = {overpaid}",
                overpaid_months.len()
            ),
        },
        overpaid_months,
        payable,
        payable_in_capitals: payable.to_capitals(),
        still_owed,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn p(y: i32, m: u8) -> Period {
        Period::new(y, m).unwrap()
    }

    fn facts() -> PensionFacts {
        PensionFacts {
            first_month: p(2026, 11),
            monthly: Money::from_yuan(dec!(3000)),
            suspensions: Vec::new(),
            death_month: None,
        }
    }

    fn standards() -> DeathStandards {
        DeathStandards {
            from_year: 2016,
            funeral_grant: Money::from_yuan(dec!(5000)),
            survivor_months: 10,
            source: crate::policy::Source {
                document: "test".into(),
                illustrative: true,
            },
        }
    }

    #[test]
    fn a_late_first_payroll_pays_the_months_owed() {
        let f = facts();
        let d = due(&f, p(2027, 1), &BTreeSet::new());
        assert_eq!(d.current, Some(p(2027, 1)));
        assert_eq!(d.arrears, vec![p(2026, 11), p(2026, 12)]);
        assert_eq!(d.total(), Money::from_yuan(dec!(9000)));
        // Once paid, nothing again.
        let paid: BTreeSet<Period> = [p(2026, 11), p(2026, 12), p(2027, 1)].into();
        assert!(due(&f, p(2027, 1), &paid).is_empty());
        // Before the first month.
        let d = due(&f, p(2026, 10), &BTreeSet::new());
        assert!(d.is_empty());
        assert!(matches!(
            d.not_paid,
            Some(NotPayable::BeforeFirstMonth { .. })
        ));
    }

    #[test]
    fn suspended_months_are_paid_back_on_resumption() {
        let mut f = facts();
        f.suspensions.push(Suspension {
            from: p(2027, 3),
            to: None,
            reason: SuspendReason::QualificationMissing,
        });
        let paid: BTreeSet<Period> = Period::range_inclusive(p(2026, 11), p(2027, 2))
            .into_iter()
            .collect();
        let d = due(&f, p(2027, 4), &paid);
        assert!(d.is_empty());
        assert!(d.not_paid.unwrap().to_string().contains("资格认证"));
        let r = resume(&f, p(2027, 6)).unwrap();
        assert_eq!((r.months, r.amount), (3, Money::from_yuan(dec!(9000))));
        f.suspensions[0].to = Some(r.suspended_to);
        let d = due(&f, p(2027, 6), &paid);
        assert_eq!(d.arrears, vec![p(2027, 3), p(2027, 4), p(2027, 5)]);
        assert_eq!(d.current, Some(p(2027, 6)));
        assert_eq!(
            resume(&f, p(2027, 7)).unwrap_err(),
            ResumptionError::NotSuspended
        );
    }

    #[test]
    fn a_retiree_dies_paid_through_the_month_overpaid_recovered() {
        let mut f = facts();
        f.death_month = Some(p(2027, 2));
        // Payroll had paid 2026-11 … 2027-04 before the death was known.
        let paid: BTreeSet<Period> = Period::range_inclusive(p(2026, 11), p(2027, 4))
            .into_iter()
            .collect();
        let who = Deceased::Retiree {
            facts: f.clone(),
            account_at_retirement: Money::from_yuan(dec!(60000)),
            account_part: Money::from_yuan(dec!(430.00)),
            paid,
        };
        let b = death_benefits(&who, p(2027, 2), &standards());
        assert_eq!(b.funeral_grant.amount, Money::from_yuan(dec!(5000)));
        assert_eq!(b.survivor_benefit.amount, Money::from_yuan(dec!(30000)));
        // 4 months drawn (2026-11 … 2027-02): 60000 − 430 × 4 = 58280.
        assert_eq!(b.inheritance.amount, Money::from_yuan(dec!(58280)));
        assert_eq!(b.overpaid_months, vec![p(2027, 3), p(2027, 4)]);
        assert_eq!(b.overpaid.amount, Money::from_yuan(dec!(6000)));
        assert_eq!(b.payable, Money::from_yuan(dec!(87280)));
        assert_eq!(b.still_owed, Money::ZERO);
        // Ended after the death month.
        assert!(matches!(
            payable(&f, p(2027, 3)),
            Err(NotPayable::Ended { .. })
        ));
        assert!(payable(&f, p(2027, 2)).is_ok());
    }

    #[test]
    fn a_death_in_service_inherits_the_whole_account() {
        let who = Deceased::InService {
            account_balance: Money::from_yuan(dec!(41234.56)),
            average_wage: Money::from_yuan(dec!(7950)),
        };
        let b = death_benefits(&who, p(2026, 9), &standards());
        assert!(b.in_service);
        assert_eq!(b.survivor_benefit.amount, Money::from_yuan(dec!(79500)));
        assert_eq!(b.inheritance.amount, Money::from_yuan(dec!(41234.56)));
        assert_eq!(b.payable, Money::from_yuan(dec!(125734.56)));
        assert!(
            b.survivor_benefit
                .formula
                .contains("全省上年度在岗职工月平均工资")
        );
    }

    proptest! {
        /// A payroll never pays a month twice nor a month not payable, and
        /// paying every month due leaves nothing due.
        #[test]
        fn payroll_pays_each_payable_month_once(
            susp_from in 0i32..24, susp_len in 0i32..12, resumed in any::<bool>(),
            run in 0i32..30, paid_upto in 0i32..30,
        ) {
            let mut f = facts();
            if susp_len > 0 {
                let from = f.first_month.add_months(susp_from);
                f.suspensions.push(Suspension {
                    from,
                    to: resumed.then(|| from.add_months(susp_len - 1)),
                    reason: SuspendReason::Other,
                });
            }
            let month = f.first_month.add_months(run);
            let paid: BTreeSet<Period> = (0..paid_upto.min(run))
                .map(|i| f.first_month.add_months(i))
                .filter(|m| payable(&f, *m).is_ok())
                .collect();
            let d = due(&f, month, &paid);
            let mut all: Vec<Period> = d.arrears.clone();
            all.extend(d.current);
            for m in &all {
                prop_assert!(!paid.contains(m));
                prop_assert!(payable(&f, *m).is_ok());
            }
            let mut after = paid.clone();
            after.extend(all.iter().copied());
            prop_assert!(due(&f, month, &after).is_empty());
        }

        /// The inheritance never goes below zero and never above the account.
        #[test]
        fn the_inheritance_stays_within_the_account(balance in 0i64..10_000_000, part in 0i64..500_000, months in 0i32..400) {
            let f = facts();
            let who = Deceased::Retiree {
                facts: f.clone(),
                account_at_retirement: Money::from_fen(balance),
                account_part: Money::from_fen(part),
                paid: BTreeSet::new(),
            };
            let b = death_benefits(&who, f.first_month.add_months(months), &standards());
            prop_assert!(b.inheritance.amount >= Money::ZERO);
            prop_assert!(b.inheritance.amount <= Money::from_fen(balance));
        }
    }
}
