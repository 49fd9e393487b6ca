//! Per-unit deferral (缓缴, R-BACK-5 as amended): the region's policy allows
//! months (a [`Deferral`] scheme with its repay-by date), and a unit is
//! deferred only for the months it confirmed (2022年定向阶段缓缴期确认). A
//! unit that never confirmed, and every line of a month the unit did not
//! confirm, bears the normal late fee (R-LATE-1).
//!
//! The one way to waive a late fee is a [`Waiver`], and only
//! [`UnitDeferrals::waiver`] makes one: the region's scheme alone cannot.
//!
//! The confirmation rules ([`plan_confirmation`]):
//! - only months inside a scheme the region allows;
//! - a month is confirmed for the unit as a whole and covers the insurances
//!   the policy defers ([`is_deferrable`]: pension, unemployment, work
//!   injury; never medical or maternity, which this system does not assess);
//! - made at the latest on the scheme's repay-by date (after it: refused);
//! - confirming a month already confirmed is idempotent: it is reported as
//!   already confirmed and nothing is written;
//! - a confirmation is final. It can only ever lower the unit's late fees
//!   (a waiver reduces a fee, never raises it), so a month confirmed by
//!   mistake costs the unit nothing, while withdrawing one would change the
//!   terms of lines already billed with the waiver.

use std::collections::BTreeSet;

use thiserror::Error;
use time::Date;

use crate::error_code::ErrorCode;
use crate::insurance::Insurance;
use crate::period::Period;
use crate::policy::Deferral;

/// Whether a deferral scheme covers `insurance` (R-BACK-5): pension,
/// unemployment and work injury; medical and maternity are not deferred.
pub fn is_deferrable(insurance: Insurance) -> bool {
    matches!(
        insurance,
        Insurance::Pension | Insurance::Unemployment | Insurance::WorkInjury
    )
}

/// The waiver of one line's late fee: the scheme of a month the region
/// allows and the unit confirmed, for an insurance the scheme defers. Only
/// [`UnitDeferrals::waiver`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiver<'a> {
    scheme: &'a Deferral,
}

impl<'a> Waiver<'a> {
    /// The scheme the month was deferred under.
    pub fn scheme(self) -> &'a Deferral {
        self.scheme
    }

    /// No late fee accrues up to and including this date.
    pub fn repay_by(self) -> Date {
        self.scheme.repay_by
    }
}

/// The region's deferral schemes and the months one unit confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitDeferrals {
    schemes: Vec<Deferral>,
    confirmed: BTreeSet<Period>,
}

impl UnitDeferrals {
    /// The region's `schemes` and the months the unit `confirmed`.
    pub fn new(schemes: Vec<Deferral>, confirmed: impl IntoIterator<Item = Period>) -> Self {
        UnitDeferrals {
            schemes,
            confirmed: confirmed.into_iter().collect(),
        }
    }

    /// The region's schemes.
    pub fn schemes(&self) -> &[Deferral] {
        &self.schemes
    }

    /// The scheme of the region that allows `period`, if any.
    pub fn scheme_of(&self, period: Period) -> Option<&Deferral> {
        self.schemes.iter().find(|d| d.range.contains(period))
    }

    /// Whether the unit is deferred for `period`: the region allows it and
    /// the unit confirmed it.
    pub fn is_deferred(&self, period: Period) -> bool {
        self.confirmed.contains(&period) && self.scheme_of(period).is_some()
    }

    /// The months of `scheme` the unit confirmed, oldest first.
    pub fn confirmed_in(&self, scheme: &Deferral) -> Vec<Period> {
        self.confirmed
            .iter()
            .copied()
            .filter(|p| scheme.range.contains(*p))
            .collect()
    }

    /// The waiver of a line of `period` and `insurance`, if the line is
    /// deferred: the region allows the month, the unit confirmed it and the
    /// scheme defers the insurance. Otherwise `None`: the normal late fee.
    pub fn waiver(&self, period: Period, insurance: Insurance) -> Option<Waiver<'_>> {
        if !is_deferrable(insurance) || !self.confirmed.contains(&period) {
            return None;
        }
        self.scheme_of(period).map(|scheme| Waiver { scheme })
    }
}

/// Why a month cannot be confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfirmationRefusal {
    #[error("{period}不在本地区缓缴政策允许的月份内，不能确认缓缴")]
    NotAllowed { period: Period },
    #[error("{period}所属缓缴政策的补缴截止日{repay_by}已过，不能再确认缓缴")]
    PastRepayBy { period: Period, repay_by: Date },
}

impl ConfirmationRefusal {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ConfirmationRefusal::NotAllowed { .. } => ErrorCode::DeferralNotAllowed,
            ConfirmationRefusal::PastRepayBy { .. } => ErrorCode::DeferralPastRepayBy,
        }
    }
}

/// What a confirmation does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfirmationPlan {
    /// Months to record, oldest first.
    pub new: Vec<Period>,
    /// Months asked for that the unit had confirmed already, oldest first.
    pub already: Vec<Period>,
}

/// Checks a unit's confirmation of `requested` months on `today` against
/// the region's `schemes` and the months it `confirmed` before. Every
/// refused month is returned with its index in `requested`; a month asked
/// twice counts once.
pub fn plan_confirmation(
    schemes: &[Deferral],
    confirmed: &BTreeSet<Period>,
    requested: &[Period],
    today: Date,
) -> Result<ConfirmationPlan, Vec<(usize, ConfirmationRefusal)>> {
    let mut refused = Vec::new();
    let mut new = BTreeSet::new();
    let mut already = BTreeSet::new();
    for (i, &period) in requested.iter().enumerate() {
        let Some(scheme) = schemes.iter().find(|d| d.range.contains(period)) else {
            refused.push((i, ConfirmationRefusal::NotAllowed { period }));
            continue;
        };
        if confirmed.contains(&period) {
            already.insert(period);
        } else if today > scheme.repay_by {
            refused.push((
                i,
                ConfirmationRefusal::PastRepayBy {
                    period,
                    repay_by: scheme.repay_by,
                },
            ));
        } else {
            new.insert(period);
        }
    }
    if refused.is_empty() {
        Ok(ConfirmationPlan {
            new: new.into_iter().collect(),
            already: already.into_iter().collect(),
        })
    } else {
        Err(refused)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::late::late_fee;
    use crate::money::Money;
    use crate::policy::fixtures::{p, yichang};
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;

    fn book(confirmed: &[&str]) -> UnitDeferrals {
        UnitDeferrals::new(yichang().deferrals, confirmed.iter().map(|s| p(s)))
    }

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn only_confirmed_months_of_an_allowed_scheme_are_waived() {
        let b = book(&["202208", "202301"]);
        assert!(b.waiver(p("202208"), Insurance::Pension).is_some());
        assert!(b.waiver(p("202208"), Insurance::Unemployment).is_some());
        assert!(b.waiver(p("202208"), Insurance::WorkInjury).is_some());
        // Medical is never deferred.
        assert!(b.waiver(p("202208"), Insurance::Medical).is_none());
        // Allowed but not confirmed.
        assert!(b.waiver(p("202209"), Insurance::Pension).is_none());
        // Confirmed (a stale row) but the region no longer allows it.
        assert!(b.waiver(p("202301"), Insurance::Pension).is_none());
        assert!(!b.is_deferred(p("202301")));
        assert!(b.is_deferred(p("202208")));
        // A unit that never confirmed.
        assert!(book(&[]).waiver(p("202208"), Insurance::Pension).is_none());
        let scheme = &b.schemes()[0];
        assert_eq!(b.confirmed_in(scheme), vec![p("202208")]);
    }

    /// The finding: a unit that never confirmed 202208 pays 0.05 %/day on
    /// a line billed in 2023; one that confirmed pays nothing until
    /// 2023-12-31 and normal fees from 2024-01-01.
    #[test]
    fn the_waiver_is_per_unit() {
        let pol = yichang();
        let rule = &pol.late_fees[0];
        let never = book(&[]);
        let confirmed = book(&["202208"]);
        let issued = date!(2023 - 04 - 10);
        // 2022-09-01 … 2023-04-10 = 222 days; 828.00 × 0.0005 × 222 = 91.908.
        let w = never.waiver(p("202208"), Insurance::Pension);
        let f = late_fee(m("828.00"), p("202208"), issued, rule, w);
        assert_eq!((f.days, f.amount, f.waiver), (222, m("91.91"), None));
        let w = confirmed.waiver(p("202208"), Insurance::Pension);
        let f = late_fee(m("828.00"), p("202208"), issued, rule, w);
        assert_eq!((f.days, f.amount), (0, Money::ZERO));
        assert!(f.waiver.is_some());
        let f = late_fee(m("828.00"), p("202208"), date!(2023 - 12 - 31), rule, w);
        assert_eq!(f.amount, Money::ZERO);
        let f = late_fee(m("828.00"), p("202208"), date!(2024 - 01 - 10), rule, w);
        assert_eq!((f.from, f.days), (Some(date!(2024 - 01 - 01)), 10));
        assert_eq!(f.amount, m("4.14"));
    }

    #[test]
    fn confirmation_rules() {
        let schemes = yichang().deferrals;
        let none = BTreeSet::new();
        let today = date!(2023 - 04 - 20);
        let plan = plan_confirmation(
            &schemes,
            &none,
            &[p("202209"), p("202208"), p("202209")],
            today,
        )
        .unwrap();
        assert_eq!(plan.new, vec![p("202208"), p("202209")]);
        assert!(plan.already.is_empty());
        // Twice: idempotent.
        let before: BTreeSet<Period> = plan.new.iter().copied().collect();
        let again = plan_confirmation(&schemes, &before, &[p("202208"), p("202210")], today);
        assert_eq!(
            again.unwrap(),
            ConfirmationPlan {
                new: vec![p("202210")],
                already: vec![p("202208")],
            }
        );
        // Outside the scheme: every refused month is named by its index.
        let err = plan_confirmation(
            &schemes,
            &none,
            &[p("202203"), p("202208"), p("202301")],
            today,
        )
        .unwrap_err();
        assert_eq!(
            err,
            vec![
                (
                    0,
                    ConfirmationRefusal::NotAllowed {
                        period: p("202203")
                    }
                ),
                (
                    2,
                    ConfirmationRefusal::NotAllowed {
                        period: p("202301")
                    }
                ),
            ]
        );
        assert_eq!(err[0].1.code(), ErrorCode::DeferralNotAllowed);
        // On the repay-by date: still allowed; the day after: refused.
        assert!(plan_confirmation(&schemes, &none, &[p("202212")], date!(2023 - 12 - 31)).is_ok());
        let err =
            plan_confirmation(&schemes, &none, &[p("202212")], date!(2024 - 01 - 01)).unwrap_err();
        assert_eq!(err[0].1.code(), ErrorCode::DeferralPastRepayBy);
        assert!(err[0].1.to_string().contains("2023-12-31"));
        // A month confirmed in time stays confirmed: asking again later
        // writes nothing and is not refused.
        let plan = plan_confirmation(&schemes, &before, &[p("202208")], date!(2024 - 01 - 01));
        assert_eq!(plan.unwrap().already, vec![p("202208")]);
        // No scheme at all.
        assert!(plan_confirmation(&[], &none, &[p("202208")], today).is_err());
    }

    fn period_in(offset: i32) -> Period {
        p("202201").add_months(offset)
    }

    fn insurance(i: u8) -> Insurance {
        [
            Insurance::Pension,
            Insurance::Unemployment,
            Insurance::WorkInjury,
            Insurance::Medical,
        ][usize::from(i % 4)]
    }

    proptest! {
        /// A line of a month the unit did not confirm always bears the
        /// normal late fee, whatever else it confirmed.
        #[test]
        fn an_unconfirmed_month_bears_the_normal_fee(
            fen in 0i64..100_000_000,
            period in 0i32..24,
            others in proptest::collection::vec(0i32..24, 0..12),
            issue in 0i64..1200,
            ins in 0u8..4,
        ) {
            let pol = yichang();
            let rule = &pol.late_fees[0];
            let period = period_in(period);
            let confirmed: Vec<Period> = others
                .into_iter()
                .map(period_in)
                .filter(|o| *o != period)
                .collect();
            let b = UnitDeferrals::new(pol.deferrals.clone(), confirmed);
            let w = b.waiver(period, insurance(ins));
            prop_assert!(w.is_none());
            let issued = date!(2022 - 01 - 01) + Duration::days(issue);
            let principal = Money::from_fen(fen);
            prop_assert_eq!(
                late_fee(principal, period, issued, rule, w),
                late_fee(principal, period, issued, rule, None)
            );
        }

        /// A waiver only ever reduces the fee: to zero up to the repay-by
        /// date, and after it to the fee of the days after that date.
        #[test]
        fn a_waiver_only_reduces_the_fee_to_zero_up_to_repay_by(
            fen in 0i64..100_000_000,
            period in 0i32..24,
            issue in 0i64..1200,
            ins in 0u8..4,
        ) {
            let pol = yichang();
            let rule = &pol.late_fees[0];
            let period = period_in(period);
            let ins = insurance(ins);
            let b = UnitDeferrals::new(pol.deferrals.clone(), [period]);
            let issued = date!(2022 - 01 - 01) + Duration::days(issue);
            let principal = Money::from_fen(fen);
            let normal = late_fee(principal, period, issued, rule, None);
            let w = b.waiver(period, ins);
            let waived = late_fee(principal, period, issued, rule, w);
            prop_assert!(waived.amount <= normal.amount);
            prop_assert!(waived.days <= normal.days);
            match w {
                None => {
                    prop_assert!(ins == Insurance::Medical || b.scheme_of(period).is_none());
                    prop_assert_eq!(waived, normal);
                }
                Some(w) if issued <= w.repay_by() => {
                    prop_assert_eq!((waived.amount, waived.days), (Money::ZERO, 0));
                }
                Some(w) => {
                    let from = (w.repay_by() + Duration::days(1)).max(
                        crate::late::late_fee_start(period, rule),
                    );
                    prop_assert_eq!(waived.days, crate::late::days_inclusive(from, issued));
                }
            }
        }
    }
}
