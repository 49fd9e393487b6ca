//! Back-pay applications reviewed by staff (R-BACK-2, R-BACK-3): which
//! months a unit may apply for, for one employee.
//!
//! - Labour-contract back-pay (劳动合同补缴, R-BACK-3): the employment started
//!   earlier than the automatic back-pay window (R-EMP-3), or the start date
//!   was entered wrong (the months lie before the recorded start).
//! - Employee back-pay (职工补缴, R-BACK-2): months further back than the
//!   unit's own online back-pay window (R-BACK-1).
//!
//! In both, the months run from `from` to `to` inclusive, end before the
//! current month (the current month is declared normally), start no earlier
//! than the month of the person's 16th birthday, and none of them may
//! already have a live line of the person and an asked insurance at the unit.

use serde::Serialize;
use thiserror::Error;
use time::Date;

use crate::employment::AssessmentKind;
use crate::ids::age_on;
use crate::insurance::Insurance;
use crate::period::Period;
use crate::rules::MIN_WORKING_AGE;

/// The kind of application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BackPayKind {
    /// 劳动合同补缴 (R-BACK-3).
    LabourContract,
    /// 职工补缴 (R-BACK-2).
    EmployeeBackPay,
}

impl BackPayKind {
    pub fn code(self) -> &'static str {
        match self {
            BackPayKind::LabourContract => "labour_contract",
            BackPayKind::EmployeeBackPay => "employee_back_pay",
        }
    }

    pub fn parse(s: &str) -> Option<BackPayKind> {
        match s {
            "labour_contract" => Some(BackPayKind::LabourContract),
            "employee_back_pay" => Some(BackPayKind::EmployeeBackPay),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BackPayKind::LabourContract => "劳动合同补缴",
            BackPayKind::EmployeeBackPay => "职工补缴",
        }
    }

    /// The kind of the assessment lines an approval creates.
    pub fn line_kind(self) -> AssessmentKind {
        match self {
            BackPayKind::LabourContract => AssessmentKind::LabourContract,
            BackPayKind::EmployeeBackPay => AssessmentKind::BackPay,
        }
    }
}

/// What the application asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackPayRequest {
    pub kind: BackPayKind,
    pub from: Period,
    pub to: Period,
    pub insurances: Vec<Insurance>,
}

/// What the rules need to know about the person and the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackPayFacts {
    pub today: Date,
    pub birth_date: Date,
    /// Months before the current one a unit may back-pay online
    /// (`windows.back_pay_months` of the current month).
    pub window_months: u8,
    /// The month of the earliest recorded start of the person's employment
    /// at the unit (any insurance, any status).
    pub recorded_start: Option<Period>,
    /// Live (not cancelled) lines of the person at the unit.
    pub live_lines: Vec<(Period, Insurance)>,
}

/// Why an application is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BackPayRefusal {
    #[error("补缴起始期号{from}晚于终止期号{to}")]
    FromAfterTo { from: Period, to: Period },
    #[error("补缴期间不能包含未来月份：终止期号{to}晚于当前月{current}")]
    InFuture { to: Period, current: Period },
    #[error("当前月{current}按月正常申报，不需申请补缴；补缴期间须在{last}及以前")]
    CurrentMonth { current: Period, last: Period },
    #[error("该人员{first}以前未满16周岁，补缴期间不能早于{first}")]
    UnderAge { first: Period },
    #[error(
        "{from}至{to}在单位可自行网上补缴的期间内（{earliest}及以后），请办理单位补缴，不需申请{label}"
    )]
    WithinWindow {
        from: Period,
        to: Period,
        earliest: Period,
        label: &'static str,
    },
    #[error("以下月份已在本单位核定，不能重复补缴：{}", list_lines(.lines))]
    AlreadyAssessed { lines: Vec<(Period, Insurance)> },
}

fn list_lines(lines: &[(Period, Insurance)]) -> String {
    lines
        .iter()
        .map(|(p, i)| format!("{p}{}", i.name_zh()))
        .collect::<Vec<_>>()
        .join("、")
}

/// The first month a person born on `birth` may be paid for: the month of
/// the 16th birthday.
pub fn first_working_month(birth: Date) -> Period {
    let mut p = Period::of(birth).add_months(12 * MIN_WORKING_AGE);
    // Guard against the calendar (29 February): step until the age holds.
    while age_on(birth, p.last_day()) < MIN_WORKING_AGE {
        p = p.next();
    }
    p
}

/// The earliest month the unit may back-pay online (R-BACK-1): applications
/// are for months before it.
pub fn earliest_online(today: Date, window_months: u8) -> Period {
    Period::of(today).add_months(-i32::from(window_months))
}

/// Checks an application (R-BACK-2, R-BACK-3) and returns its months,
/// oldest first.
pub fn check_request(
    req: &BackPayRequest,
    facts: &BackPayFacts,
) -> Result<Vec<Period>, BackPayRefusal> {
    let current = Period::of(facts.today);
    if req.from > req.to {
        return Err(BackPayRefusal::FromAfterTo {
            from: req.from,
            to: req.to,
        });
    }
    if req.to > current {
        return Err(BackPayRefusal::InFuture {
            to: req.to,
            current,
        });
    }
    if req.to == current {
        return Err(BackPayRefusal::CurrentMonth {
            current,
            last: current.prev(),
        });
    }
    let first = first_working_month(facts.birth_date);
    if req.from < first {
        return Err(BackPayRefusal::UnderAge { first });
    }
    let earliest = earliest_online(facts.today, facts.window_months);
    let beyond_window = req.from < earliest;
    let corrected_start = req.kind == BackPayKind::LabourContract
        && facts.recorded_start.is_some_and(|s| req.from < s);
    if !beyond_window && !corrected_start {
        return Err(BackPayRefusal::WithinWindow {
            from: req.from,
            to: req.to,
            earliest,
            label: req.kind.label_zh(),
        });
    }
    let months = Period::range_inclusive(req.from, req.to);
    let mut taken: Vec<(Period, Insurance)> = facts
        .live_lines
        .iter()
        .filter(|(p, i)| months.contains(p) && req.insurances.contains(i))
        .copied()
        .collect();
    if !taken.is_empty() {
        taken.sort_by_key(|(p, i)| (*p, i.code()));
        taken.dedup();
        return Err(BackPayRefusal::AlreadyAssessed { lines: taken });
    }
    Ok(months)
}

/// Where a deferred line stands (R-BACK-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeferralStanding {
    /// Whether the repay-by date has passed (late fees apply again).
    pub passed: bool,
    /// Days from today to the repay-by date inclusive; 0 once passed.
    pub days_left: i64,
}

/// Where a deferral with repay-by date `repay_by` stands on `today`.
pub fn deferral_standing(repay_by: Date, today: Date) -> DeferralStanding {
    if today > repay_by {
        DeferralStanding {
            passed: true,
            days_left: 0,
        }
    } else {
        DeferralStanding {
            passed: false,
            days_left: (repay_by - today).whole_days() + 1,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    fn facts() -> BackPayFacts {
        BackPayFacts {
            today: date!(2023 - 04 - 20),
            birth_date: date!(1990 - 05 - 17),
            window_months: 3,
            recorded_start: Some(p("202208")),
            live_lines: vec![
                (p("202304"), Insurance::Pension),
                (p("202304"), Insurance::WorkInjury),
            ],
        }
    }

    fn req(kind: BackPayKind, from: &str, to: &str) -> BackPayRequest {
        BackPayRequest {
            kind,
            from: p(from),
            to: p(to),
            insurances: vec![
                Insurance::Pension,
                Insurance::Unemployment,
                Insurance::WorkInjury,
            ],
        }
    }

    #[test]
    fn months_older_than_the_window_are_applied_for() {
        let months = check_request(
            &req(BackPayKind::LabourContract, "202208", "202303"),
            &facts(),
        )
        .unwrap();
        assert_eq!(months.len(), 8);
        assert_eq!(months[0], p("202208"));
        assert_eq!(months[7], p("202303"));
        // Employee back-pay likewise, when it reaches beyond the window.
        assert!(
            check_request(
                &req(BackPayKind::EmployeeBackPay, "202212", "202212"),
                &facts()
            )
            .is_ok()
        );
    }

    #[test]
    fn the_window_is_the_units_own_back_pay() {
        // 202301 is the earliest online month on 2023-04-20 (window 3).
        assert_eq!(earliest_online(date!(2023 - 04 - 20), 3), p("202301"));
        let e = check_request(
            &req(BackPayKind::EmployeeBackPay, "202301", "202303"),
            &facts(),
        )
        .unwrap_err();
        assert!(
            matches!(e, BackPayRefusal::WithinWindow { earliest, .. } if earliest == p("202301"))
        );
        assert!(e.to_string().contains("单位补缴"));
        // Labour contract: within the window too, unless before the recorded start.
        let mut f = facts();
        f.recorded_start = Some(p("202303"));
        assert!(check_request(&req(BackPayKind::LabourContract, "202301", "202302"), &f).is_ok());
        assert!(check_request(&req(BackPayKind::EmployeeBackPay, "202301", "202302"), &f).is_err());
        f.recorded_start = Some(p("202301"));
        assert!(check_request(&req(BackPayKind::LabourContract, "202301", "202302"), &f).is_err());
        f.recorded_start = None;
        assert!(check_request(&req(BackPayKind::LabourContract, "202212", "202302"), &f).is_ok());
    }

    #[test]
    fn order_future_and_current_month_are_refused() {
        let f = facts();
        assert!(matches!(
            check_request(&req(BackPayKind::LabourContract, "202303", "202208"), &f),
            Err(BackPayRefusal::FromAfterTo { .. })
        ));
        assert!(matches!(
            check_request(&req(BackPayKind::LabourContract, "202208", "202305"), &f),
            Err(BackPayRefusal::InFuture { .. })
        ));
        assert!(matches!(
            check_request(&req(BackPayKind::LabourContract, "202208", "202304"), &f),
            Err(BackPayRefusal::CurrentMonth { last, .. }) if last == p("202303")
        ));
    }

    #[test]
    fn months_before_the_16th_birthday_are_refused() {
        let mut f = facts();
        f.birth_date = date!(2005 - 09 - 30);
        f.recorded_start = None;
        // 16 on 2021-09-30: 202109 is the first month.
        assert_eq!(first_working_month(f.birth_date), p("202109"));
        assert_eq!(
            check_request(&req(BackPayKind::LabourContract, "202108", "202112"), &f),
            Err(BackPayRefusal::UnderAge { first: p("202109") })
        );
        assert!(check_request(&req(BackPayKind::LabourContract, "202109", "202112"), &f).is_ok());
        // Born on 29 February: 16 in February of a leap year.
        assert_eq!(first_working_month(date!(2004 - 02 - 29)), p("202002"));
    }

    #[test]
    fn months_already_assessed_are_named() {
        let mut f = facts();
        f.live_lines.push((p("202210"), Insurance::Unemployment));
        f.live_lines.push((p("202210"), Insurance::Unemployment));
        f.live_lines.push((p("202107"), Insurance::Pension));
        let e =
            check_request(&req(BackPayKind::LabourContract, "202208", "202303"), &f).unwrap_err();
        assert_eq!(
            e,
            BackPayRefusal::AlreadyAssessed {
                lines: vec![(p("202210"), Insurance::Unemployment)]
            }
        );
        assert!(e.to_string().contains("202210失业保险"), "{e}");
        // An insurance not asked for does not collide.
        let mut only = req(BackPayKind::LabourContract, "202208", "202303");
        only.insurances = vec![Insurance::Pension];
        assert!(check_request(&only, &f).is_ok());
    }

    #[test]
    fn kinds_have_codes_and_line_kinds() {
        for k in [BackPayKind::LabourContract, BackPayKind::EmployeeBackPay] {
            assert_eq!(BackPayKind::parse(k.code()), Some(k));
        }
        assert_eq!(BackPayKind::parse("back_pay"), None);
        assert_eq!(
            BackPayKind::LabourContract.line_kind(),
            AssessmentKind::LabourContract
        );
        assert_eq!(
            BackPayKind::EmployeeBackPay.line_kind(),
            AssessmentKind::BackPay
        );
    }

    #[test]
    fn deferral_standing_counts_days_to_the_repay_by_date() {
        let by = date!(2023 - 12 - 31);
        assert_eq!(
            deferral_standing(by, date!(2023 - 04 - 20)),
            DeferralStanding {
                passed: false,
                days_left: 256
            }
        );
        assert_eq!(
            deferral_standing(by, by),
            DeferralStanding {
                passed: false,
                days_left: 1
            }
        );
        assert_eq!(
            deferral_standing(by, date!(2024 - 01 - 01)),
            DeferralStanding {
                passed: true,
                days_left: 0
            }
        );
    }
}
