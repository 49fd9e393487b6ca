//! Time rules of the employment and declaration cycle: the enrolment back-pay
//! window and its labour-contract months (R-EMP-3), a new person's
//! first-work date (R-EMP-1, R-EMP-9), the stop month (R-EMP-5), the declaration guard
//! (R-DECL-3), the order's due date (R-DECL-4) and refund eligibility
//! (R-REF-1, R-REF-2, R-REF-4).

use serde::Serialize;
use thiserror::Error;
use time::Date;

use crate::calendar::{CalendarError, WorkCalendar, WorkingDayResult};
use crate::ids::age_on;
use crate::money::Money;
use crate::period::Period;

/// The minimum legal working age.
pub const MIN_WORKING_AGE: i32 = 16;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnrolmentError {
    #[error("本次参工时间{start}晚于今天，不能预先参保")]
    StartInFuture { start: Date },
    #[error("本次参工时间{start}时该人员未满16周岁")]
    UnderAge { start: Date },
    #[error("本次参工时间{start}早于首次参工时间{first_work}")]
    BeforeFirstWork { start: Date, first_work: Date },
}

/// Which months an enrolment assesses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolmentPlan {
    /// The month of the employment start date.
    pub start_period: Period,
    /// The current month: always assessed.
    pub current_period: Period,
    /// Earlier months back-paid automatically, oldest first (at most the
    /// window's months before the current one).
    pub back_pay_periods: Vec<Period>,
    /// Months older than the window, which need a labour-contract back-pay
    /// application (劳动合同补缴, R-BACK-3): `[from, to]`.
    pub labour_contract_periods: Option<(Period, Period)>,
}

/// R-EMP-3: a start date within the current month or the `window_months`
/// before it is back-paid automatically; an earlier one enrols from the current
/// month and names the months that need a labour-contract back-pay.
pub fn enrolment_plan(
    start: Date,
    today: Date,
    birth: Date,
    first_work: Option<Date>,
    window_months: u8,
) -> Result<EnrolmentPlan, EnrolmentError> {
    if start > today {
        return Err(EnrolmentError::StartInFuture { start });
    }
    if age_on(birth, start) < MIN_WORKING_AGE {
        return Err(EnrolmentError::UnderAge { start });
    }
    if let Some(fw) = first_work
        && start < fw
    {
        return Err(EnrolmentError::BeforeFirstWork {
            start,
            first_work: fw,
        });
    }
    let current = Period::of(today);
    let start_period = Period::of(start);
    let earliest_auto = current.add_months(-i32::from(window_months));
    if start_period >= earliest_auto {
        Ok(EnrolmentPlan {
            start_period,
            current_period: current,
            back_pay_periods: Period::range_inclusive(start_period, current.prev()),
            labour_contract_periods: None,
        })
    } else {
        Ok(EnrolmentPlan {
            start_period,
            current_period: current,
            back_pay_periods: Vec::new(),
            labour_contract_periods: Some((start_period, current.prev())),
        })
    }
}

/// R-EMP-1: a person new to the province needs a first-work date
/// (首次参工时间); a continued person keeps the one registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("新参保人员须填写首次参工时间")]
pub struct FirstWorkDateMissing;

/// R-EMP-1: refuses a new person (`known_person` false) without a
/// first-work date.
pub fn check_first_work_date(
    known_person: bool,
    first_work: Option<Date>,
) -> Result<(), FirstWorkDateMissing> {
    if !known_person && first_work.is_none() {
        Err(FirstWorkDateMissing)
    } else {
        Ok(())
    }
}

/// Why a first-work date (首次参工时间) is refused (R-EMP-1, R-EMP-9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FirstWorkError {
    #[error("首次参工时间不能晚于今天")]
    InFuture,
    #[error("首次参工时间时该人员未满16周岁")]
    UnderAge,
    #[error("首次参工时间不能晚于本次参工时间{start}")]
    AfterStart { start: Date },
}

/// R-EMP-1, R-EMP-9: a first-work date is not after today, not before the
/// person's 16th birthday and not after the start of any employment; each
/// check runs when its fact is known (`today`, `birth`, the earliest
/// employment start), in that order.
pub fn check_first_work(
    first_work: Date,
    today: Option<Date>,
    birth: Option<Date>,
    earliest_start: Option<Date>,
) -> Result<(), FirstWorkError> {
    if today.is_some_and(|t| first_work > t) {
        return Err(FirstWorkError::InFuture);
    }
    if birth.is_some_and(|b| age_on(b, first_work) < MIN_WORKING_AGE) {
        return Err(FirstWorkError::UnderAge);
    }
    if let Some(start) = earliest_start
        && first_work > start
    {
        return Err(FirstWorkError::AfterStart { start });
    }
    Ok(())
}

/// R-EMP-3, R-BACK-3: the labour-contract months of a plan, from the unit's
/// earliest insurance start at the earliest (a unit owes nothing before it
/// was insured); none when nothing is left.
pub fn clamp_labour_contract(
    plan: &EnrolmentPlan,
    earliest_unit_start: Option<Period>,
) -> Option<(Period, Period)> {
    let (from, to) = plan.labour_contract_periods?;
    let from = earliest_unit_start.map_or(from, |start| from.max(start));
    (from <= to).then_some((from, to))
}

/// The months a suspension leaves payable (R-EMP-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StopPlan {
    /// The month containing the stop date: still paid.
    pub last_payable: Period,
    /// Contributions stop from this month.
    pub first_stopped: Period,
}

pub fn stop_plan(stop_date: Date) -> StopPlan {
    let last = Period::of(stop_date);
    StopPlan {
        last_payable: last,
        first_stopped: last.next(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeclarationError {
    /// The system's own message (R-DECL-3).
    #[error("该单位的最大做账期号不等于上一月或者当前月！")]
    PeriodGap {
        latest_accounted: Option<Period>,
        missing: Vec<Period>,
    },
    #[error("单位尚未办理{si_year}社保年度的缴费工资申报，请先申报缴费工资")]
    WageDeclarationMissing { si_year: i32 },
    #[error("单位该险种自{start}起参保，{current}期尚不能申报")]
    NotStarted { start: Period, current: Period },
}

/// R-DECL-3: the unit may declare `current` only when its latest accounted
/// period is last month or this month (or its insurance starts this month),
/// and its wage-base declaration for the year exists.
pub fn check_declaration(
    current: Period,
    latest_accounted: Option<Period>,
    insurance_start: Period,
    wage_declared: bool,
) -> Result<(), DeclarationError> {
    if insurance_start > current {
        return Err(DeclarationError::NotStarted {
            start: insurance_start,
            current,
        });
    }
    let ok = match latest_accounted {
        Some(latest) => latest == current || latest == current.prev() || latest > current,
        None => insurance_start == current,
    };
    if !ok {
        let first_missing = match latest_accounted {
            Some(l) => l.next(),
            None => insurance_start,
        };
        return Err(DeclarationError::PeriodGap {
            latest_accounted,
            missing: Period::range_inclusive(first_missing, current.prev()),
        });
    }
    if !wage_declared {
        return Err(DeclarationError::WageDeclarationMissing {
            si_year: current.si_year().0,
        });
    }
    Ok(())
}

/// The months a unit may back-pay online (R-BACK-1): undeclared months within
/// `window_months` before the current one.
pub fn unit_back_pay_window(current: Period, window_months: u8) -> (Period, Period) {
    (
        current.add_months(-i32::from(window_months)),
        current.prev(),
    )
}

/// The order's due date: `validity` working days after the issue date
/// (R-DECL-4); an issue date outside the supported range is refused.
pub fn order_due_date(
    calendar: &WorkCalendar,
    issue_date: Date,
    validity: u8,
) -> Result<WorkingDayResult, CalendarError> {
    calendar.add_working_days(issue_date, u32::from(validity))
}

/// What kind of assessment a paid line was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// The monthly declaration (单位整体核定).
    Regular,
    /// Back-pay of any kind (补缴).
    BackPay,
    /// Work-injury premium of a person who already paid the month at a
    /// previous unit (R-EMP-4): never refundable.
    InjuryOnlyTransfer,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RefundRefusal {
    #[error("该人员尚未办理停保，请先办理停保后再申请退费")]
    NotSuspended,
    #[error("{period}为停保时间所在月份，应正常缴费，不能退费")]
    StopMonth { period: Period },
    #[error("{period}在停保时间之前，应正常缴费，不能退费")]
    BeforeStop { period: Period },
    #[error("网上只能申请{earliest}至{latest}期间的退费，{period}不在此范围内")]
    OutsideWindow {
        period: Period,
        earliest: Period,
        latest: Period,
    },
    #[error("{period}尚未缴费到账，不能退费")]
    NotPaid { period: Period },
    #[error("{period}的工伤保险费为转入人员当月工伤缴费，不予退费")]
    InjuryOnly { period: Period },
}

/// A paid line of one person, insurance and period, as a refund candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaidLine {
    pub period: Period,
    pub kind: LineKind,
    pub paid: bool,
    /// Unit + individual principal paid (interest and late fees excluded).
    pub principal_paid: Money,
    /// Already refunded for this line.
    pub refunded: Money,
}

/// R-REF-1, R-REF-2, R-REF-4: whether a line may be refunded online, and how
/// much: the principal paid less what was already refunded; interest and late
/// fees never (R-LATE-3).
pub fn refundable(
    today: Date,
    window_months: u8,
    stop_date: Option<Date>,
    line: &PaidLine,
) -> Result<Money, RefundRefusal> {
    let period = line.period;
    let stop = stop_date.ok_or(RefundRefusal::NotSuspended)?;
    let stop_period = Period::of(stop);
    if period == stop_period {
        return Err(RefundRefusal::StopMonth { period });
    }
    if period < stop_period {
        return Err(RefundRefusal::BeforeStop { period });
    }
    let current = Period::of(today);
    let earliest = current.add_months(-i32::from(window_months));
    let latest = current.prev();
    if period < earliest || period > latest {
        return Err(RefundRefusal::OutsideWindow {
            period,
            earliest,
            latest,
        });
    }
    if line.kind == LineKind::InjuryOnlyTransfer {
        return Err(RefundRefusal::InjuryOnly { period });
    }
    if !line.paid {
        return Err(RefundRefusal::NotPaid { period });
    }
    Ok((line.principal_paid - line.refunded).max(Money::ZERO))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::policy::fixtures::p;
    use proptest::prelude::*;
    use time::macros::date;

    const BIRTH: Date = date!(1990 - 05 - 01);

    #[test]
    fn a_new_person_needs_a_first_work_date() {
        assert_eq!(
            check_first_work_date(false, None),
            Err(FirstWorkDateMissing)
        );
        assert_eq!(
            FirstWorkDateMissing.to_string(),
            "新参保人员须填写首次参工时间"
        );
        assert_eq!(
            check_first_work_date(false, Some(date!(2005 - 07 - 01))),
            Ok(())
        );
        assert_eq!(check_first_work_date(true, None), Ok(()));
    }

    #[test]
    fn a_first_work_date_is_past_adult_and_before_any_employment() {
        let fw = date!(2008 - 05 - 01);
        let today = Some(date!(2023 - 04 - 10));
        assert_eq!(check_first_work(fw, today, Some(BIRTH), None), Ok(()));
        assert_eq!(
            check_first_work(date!(2023 - 04 - 11), today, Some(BIRTH), None),
            Err(FirstWorkError::InFuture)
        );
        // The 16th birthday is 2006-05-01: the day before is too young.
        assert_eq!(
            check_first_work(date!(2006 - 04 - 30), today, Some(BIRTH), None),
            Err(FirstWorkError::UnderAge)
        );
        assert_eq!(
            check_first_work(date!(2006 - 05 - 01), today, Some(BIRTH), None),
            Ok(())
        );
        let start = date!(2008 - 04 - 30);
        let refused = check_first_work(fw, None, Some(BIRTH), Some(start));
        assert_eq!(refused, Err(FirstWorkError::AfterStart { start }));
        assert_eq!(
            refused.unwrap_err().to_string(),
            "首次参工时间不能晚于本次参工时间2008-04-30"
        );
        assert_eq!(check_first_work(fw, None, None, Some(fw)), Ok(()));
        // Unknown facts are not checked.
        assert_eq!(
            check_first_work(date!(2030 - 01 - 01), None, None, None),
            Ok(())
        );
    }

    #[test]
    fn labour_contract_months_start_at_the_unit_insurance() {
        let plan =
            enrolment_plan(date!(2022 - 06 - 15), date!(2023 - 04 - 10), BIRTH, None, 3).unwrap();
        assert_eq!(
            plan.labour_contract_periods,
            Some((p("202206"), p("202303")))
        );
        assert_eq!(
            clamp_labour_contract(&plan, None),
            Some((p("202206"), p("202303")))
        );
        assert_eq!(
            clamp_labour_contract(&plan, Some(p("202209"))),
            Some((p("202209"), p("202303")))
        );
        assert_eq!(clamp_labour_contract(&plan, Some(p("202304"))), None);
        let auto =
            enrolment_plan(date!(2023 - 02 - 15), date!(2023 - 04 - 10), BIRTH, None, 3).unwrap();
        assert_eq!(clamp_labour_contract(&auto, Some(p("202001"))), None);
    }

    #[test]
    fn enrolment_two_months_back() {
        let plan =
            enrolment_plan(date!(2023 - 02 - 15), date!(2023 - 04 - 20), BIRTH, None, 3).unwrap();
        assert_eq!(plan.back_pay_periods, vec![p("202302"), p("202303")]);
        assert_eq!(plan.current_period, p("202304"));
        assert_eq!(plan.labour_contract_periods, None);
        // Exactly three months back is still inside the window.
        let plan =
            enrolment_plan(date!(2023 - 01 - 01), date!(2023 - 04 - 20), BIRTH, None, 3).unwrap();
        assert_eq!(plan.back_pay_periods.len(), 3);
        // This month: nothing to back-pay.
        let plan =
            enrolment_plan(date!(2023 - 04 - 01), date!(2023 - 04 - 20), BIRTH, None, 3).unwrap();
        assert!(plan.back_pay_periods.is_empty());
    }

    #[test]
    fn enrolment_five_months_back_needs_labour_contract() {
        let plan =
            enrolment_plan(date!(2022 - 11 - 10), date!(2023 - 04 - 20), BIRTH, None, 3).unwrap();
        assert!(plan.back_pay_periods.is_empty());
        assert_eq!(
            plan.labour_contract_periods,
            Some((p("202211"), p("202303")))
        );
    }

    #[test]
    fn enrolment_refusals() {
        let today = date!(2023 - 04 - 20);
        assert!(matches!(
            enrolment_plan(date!(2023 - 04 - 21), today, BIRTH, None, 3),
            Err(EnrolmentError::StartInFuture { .. })
        ));
        assert!(matches!(
            enrolment_plan(date!(2023 - 04 - 01), today, date!(2007 - 04 - 02), None, 3),
            Err(EnrolmentError::UnderAge { .. })
        ));
        assert!(
            enrolment_plan(date!(2023 - 04 - 02), today, date!(2007 - 04 - 02), None, 3).is_ok()
        );
        assert!(matches!(
            enrolment_plan(
                date!(2023 - 04 - 01),
                today,
                BIRTH,
                Some(date!(2023 - 04 - 10)),
                3
            ),
            Err(EnrolmentError::BeforeFirstWork { .. })
        ));
    }

    #[test]
    fn stop_month_rule() {
        let s = stop_plan(date!(2023 - 03 - 01));
        assert_eq!(
            (s.last_payable, s.first_stopped),
            (p("202303"), p("202304"))
        );
        // The last day of the previous month stops from the current month.
        let s = stop_plan(date!(2023 - 03 - 31));
        assert_eq!(s.first_stopped, p("202304"));
    }

    #[test]
    fn declaration_guard() {
        let cur = p("202304");
        assert!(check_declaration(cur, Some(p("202303")), p("202001"), true).is_ok());
        assert!(check_declaration(cur, Some(p("202304")), p("202001"), true).is_ok());
        assert!(check_declaration(cur, None, p("202304"), true).is_ok());
        let err = check_declaration(cur, Some(p("202301")), p("202001"), true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "该单位的最大做账期号不等于上一月或者当前月！"
        );
        assert_eq!(
            err,
            DeclarationError::PeriodGap {
                latest_accounted: Some(p("202301")),
                missing: vec![p("202302"), p("202303")]
            }
        );
        assert!(matches!(
            check_declaration(cur, None, p("202302"), true),
            Err(DeclarationError::PeriodGap { .. })
        ));
        assert!(matches!(
            check_declaration(cur, Some(p("202303")), p("202001"), false),
            Err(DeclarationError::WageDeclarationMissing { si_year: 2022 })
        ));
        assert!(matches!(
            check_declaration(cur, None, p("202305"), true),
            Err(DeclarationError::NotStarted { .. })
        ));
    }

    fn paid(period: &str, kind: LineKind) -> PaidLine {
        PaidLine {
            period: p(period),
            kind,
            paid: true,
            principal_paid: Money::yuan(869),
            refunded: Money::ZERO,
        }
    }

    #[test]
    fn refund_rules() {
        let today = date!(2023 - 04 - 20);
        let stop = Some(date!(2023 - 01 - 15));
        assert!(matches!(
            refundable(today, 3, None, &paid("202302", LineKind::Regular)),
            Err(RefundRefusal::NotSuspended)
        ));
        assert!(matches!(
            refundable(today, 3, stop, &paid("202301", LineKind::Regular)),
            Err(RefundRefusal::StopMonth { .. })
        ));
        assert_eq!(
            refundable(today, 3, stop, &paid("202302", LineKind::Regular)).unwrap(),
            Money::yuan(869)
        );
        assert!(refundable(today, 3, stop, &paid("202303", LineKind::BackPay)).is_ok());
        assert!(matches!(
            refundable(today, 3, stop, &paid("202304", LineKind::Regular)),
            Err(RefundRefusal::OutsideWindow { .. })
        ));
        assert!(matches!(
            refundable(
                today,
                3,
                Some(date!(2022 - 10 - 15)),
                &paid("202212", LineKind::Regular)
            ),
            Err(RefundRefusal::OutsideWindow { .. })
        ));
        assert!(matches!(
            refundable(
                today,
                3,
                stop,
                &paid("202302", LineKind::InjuryOnlyTransfer)
            ),
            Err(RefundRefusal::InjuryOnly { .. })
        ));
        let mut unpaid = paid("202302", LineKind::Regular);
        unpaid.paid = false;
        assert!(matches!(
            refundable(today, 3, stop, &unpaid),
            Err(RefundRefusal::NotPaid { .. })
        ));
    }

    proptest! {
        #[test]
        fn refund_never_exceeds_what_was_paid(paid_fen in 0i64..10_000_000, refunded_fen in 0i64..10_000_000) {
            let line = PaidLine {
                period: p("202303"),
                kind: LineKind::Regular,
                paid: true,
                principal_paid: Money::from_fen(paid_fen),
                refunded: Money::from_fen(refunded_fen),
            };
            let r = refundable(date!(2023 - 04 - 20), 3, Some(date!(2023 - 01 - 15)), &line).unwrap();
            prop_assert!(r <= line.principal_paid);
            prop_assert!(r >= Money::ZERO);
            prop_assert!(r + line.refunded.min(line.principal_paid) <= line.principal_paid);
        }

        #[test]
        fn plan_never_exceeds_window(offset in 0i64..3000) {
            let today = date!(2023 - 04 - 20);
            let start = today - time::Duration::days(offset);
            let plan = enrolment_plan(start, today, BIRTH, None, 3).unwrap();
            prop_assert!(plan.back_pay_periods.len() <= 3);
            prop_assert!(plan.back_pay_periods.iter().all(|q| *q < plan.current_period));
            if let Some((from, to)) = plan.labour_contract_periods {
                prop_assert_eq!(from, Period::of(start));
                prop_assert_eq!(to, plan.current_period.prev());
                prop_assert!(plan.back_pay_periods.is_empty());
            }
        }
    }
}
