//! The transfer of a pension relation across provinces (issue 16; R-TRANS-1,
//! 2, 国办发〔2009〕66号): what moves (the individual account in full, and
//! from the pooled fund 12% of the contribution bases paid since 1998-01,
//! a year not paid in full counting its months), what the receiving side
//! checks of what arrives, and the transfer's clock and steps: the old
//! place transfers within 15 working days of the request (the State
//! Council calendar).
//!
//! Decisions where DOMAIN.md is silent:
//! - The receiving side accepts an answer only when its pooled amount is
//!   exactly 12% of the bases it lists (rounded once, half-up): a figure
//!   that does not rest on the listed years is refused so that the two
//!   agencies settle it, rather than recorded.
//! - Months listed as paid elsewhere must lie before the month of the
//!   request and not overlap each other.
//! - The 15 working days count from the day after the request; the
//!   transfer is on time when it is done on or before the 15th.

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;
use time::Date;

use crate::calendar::{CalendarError, WorkCalendar};
use crate::money::{Money, Rate};
use crate::period::Period;

/// The share of the bases the pooled fund moves.
pub const POOLED_SHARE_PPM: i64 = 120_000;

/// The first month the pooled part counts (YYYYMM).
pub const POOLED_FROM: i32 = 199801;

/// One paid month of the pension insurance with its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PaidMonth {
    pub period: Period,
    pub base: Money,
}

/// One year of the 参保缴费凭证: months paid and their bases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TransferYear {
    pub year: i32,
    pub months: i32,
    /// The year's contribution wage (the sum of its monthly bases).
    pub bases: Money,
}

/// The amounts a transfer-out moves, with what they rest on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferAmounts {
    /// Years from 1998 with paid months.
    pub years: Vec<TransferYear>,
    pub months: i32,
    pub bases: Money,
    /// 12%.
    pub pooled_share: Rate,
    /// 统筹基金转移额: 12% × the bases, rounded half-up to the fen once.
    pub pooled: Money,
    /// 个人账户储存额, in full.
    pub account: Money,
    pub total: Money,
}

/// The transfer amounts of a person's paid months and account balance
/// (R-TRANS-2); months before 1998-01 move no pooled part.
pub fn amounts(paid: &[PaidMonth], account: Money) -> TransferAmounts {
    let mut by_year: BTreeMap<i32, (i32, Money)> = BTreeMap::new();
    for m in paid.iter().filter(|m| m.period.yyyymm() >= POOLED_FROM) {
        let e = by_year.entry(m.period.year()).or_insert((0, Money::ZERO));
        e.0 += 1;
        e.1 += m.base;
    }
    let years: Vec<TransferYear> = by_year
        .into_iter()
        .map(|(year, (months, bases))| TransferYear {
            year,
            months,
            bases,
        })
        .collect();
    let bases: Money = years.iter().map(|y| y.bases).sum();
    let share = Rate::from_ppm(POOLED_SHARE_PPM);
    let pooled = bases.times_rate(share);
    TransferAmounts {
        months: years.iter().map(|y| y.months).sum(),
        years,
        bases,
        pooled_share: share,
        pooled,
        account,
        total: pooled + account,
    }
}

/// The most months an answer may list (70 years): more than a working life.
pub const MAX_MONTHS: i64 = 840;

/// Working days the old place has to transfer after the request (R-TRANS-1).
pub const ANSWER_WORKING_DAYS: u32 = 15;

/// Which way a transfer goes, seen from this province.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 转入: the person came from another province; this side asked.
    In,
    /// 转出: another province asked for a person who left.
    Out,
}

impl Direction {
    pub const ALL: [Direction; 2] = [Direction::In, Direction::Out];

    pub fn code(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Direction::In => "养老保险关系转入",
            Direction::Out => "养老保险关系转出",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        Direction::ALL.into_iter().find(|d| d.code() == s.trim())
    }
}

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// The request is made (联系函已发出 / 已收到).
    Requested,
    /// The old place has accepted it (转出地已受理).
    Accepted,
    /// Transferred and, for a transfer in, recorded here (已办结).
    Completed,
    /// The old place refused it, with its reason (不予转移).
    Refused,
}

impl TransferStatus {
    pub const ALL: [TransferStatus; 4] = [
        TransferStatus::Requested,
        TransferStatus::Accepted,
        TransferStatus::Completed,
        TransferStatus::Refused,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TransferStatus::Requested => "requested",
            TransferStatus::Accepted => "accepted",
            TransferStatus::Completed => "completed",
            TransferStatus::Refused => "refused",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TransferStatus::Requested => "已发联系函",
            TransferStatus::Accepted => "转出地已受理",
            TransferStatus::Completed => "已办结",
            TransferStatus::Refused => "不予转移",
        }
    }

    pub fn parse(s: &str) -> Option<TransferStatus> {
        TransferStatus::ALL
            .into_iter()
            .find(|d| d.code() == s.trim())
    }

    /// Nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, TransferStatus::Completed | TransferStatus::Refused)
    }
}

/// The dates a transfer reached each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransferDates {
    pub requested_on: Option<Date>,
    pub accepted_on: Option<Date>,
    /// The old place's transfer (funds sent).
    pub transferred_on: Option<Date>,
    /// Recorded at the new place (a transfer in: here).
    pub recorded_on: Option<Date>,
    pub refused_on: Option<Date>,
}

/// One step of 转移进度 as the unit sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferStep {
    #[cfg_attr(feature = "openapi", schema(example = "transferred"))]
    pub step: &'static str,
    #[cfg_attr(feature = "openapi", schema(example = "转出地已办结转出，基金已划转"))]
    pub label: &'static str,
    /// The day the step was reached; null while it is still to come.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub on: Option<Date>,
    /// Working days from the request to that day (the request's day not
    /// counted); null while it is still to come.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub working_days: Option<u32>,
}

/// 转移进度: the steps, the deadline and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferProgress {
    pub steps: Vec<TransferStep>,
    /// The old place transfers by this day: 15 working days after the
    /// request (R-TRANS-1).
    pub due_on: Date,
    /// Years the deadline crosses with no official calendar loaded
    /// (counted Monday–Friday only).
    pub years_without_calendar: Vec<i32>,
    /// Working days the old place took (request → transfer or refusal);
    /// null while open.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub working_days_taken: Option<u32>,
    /// Open after `due_on`.
    pub overdue: bool,
}

/// The day the old place must transfer by: [`ANSWER_WORKING_DAYS`]
/// working days after `requested_on`.
pub fn due_on(
    cal: &WorkCalendar,
    requested_on: Date,
) -> Result<crate::calendar::WorkingDayResult, CalendarError> {
    cal.add_working_days(requested_on, ANSWER_WORKING_DAYS)
}

/// The progress of a transfer going `direction` with these dates, on
/// `today`.
pub fn progress(
    cal: &WorkCalendar,
    direction: Direction,
    requested_on: Date,
    dates: &TransferDates,
    today: Date,
) -> Result<TransferProgress, CalendarError> {
    let due = due_on(cal, requested_on)?;
    let days = |on: Option<Date>| on.map(|d| cal.working_days_after(requested_on, d));
    let step = |step: &'static str, label: &'static str, on: Option<Date>| TransferStep {
        step,
        label,
        on,
        working_days: days(on),
    };
    let mut steps = vec![match direction {
        Direction::In => step(
            "requested",
            "转入申请已受理，联系函已发往转出地",
            Some(requested_on),
        ),
        Direction::Out => step("requested", "收到转入地联系函", Some(requested_on)),
    }];
    if let Some(refused) = dates.refused_on {
        steps.push(step("refused", "转出地不予转移", Some(refused)));
    } else {
        if direction == Direction::In {
            steps.push(step("accepted", "转出地已受理", dates.accepted_on));
        }
        steps.push(step(
            "transferred",
            "转出地已办结转出，基金已划转",
            dates.transferred_on,
        ));
        if direction == Direction::In {
            steps.push(step(
                "recorded",
                "转入地已接收，缴费记录和个人账户已记入",
                dates.recorded_on,
            ));
        }
    }
    let answered = dates.refused_on.or(dates.transferred_on);
    Ok(TransferProgress {
        steps,
        due_on: due.date,
        years_without_calendar: due.years_without_calendar,
        working_days_taken: days(answered),
        overdue: answered.is_none() && today > due.date,
    })
}

/// Months paid at the old place at one monthly base, as an answer lists
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ArrivingSpan {
    pub from: Period,
    pub to: Period,
    pub base: Money,
}

/// Why the receiving side refuses what arrives (R-TRANS-2).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AnswerRefusal {
    #[error("转移信息没有任何缴费期间。")]
    NoMonths,
    #[error("转移信息所列缴费月数合计{months}个月，超过一个人可能的缴费月数（{MAX_MONTHS}个月）。")]
    TooManyMonths { months: i64 },
    #[error("缴费期间{from}至{to}的起止顺序不正确。")]
    Order { from: Period, to: Period },
    #[error("缴费期间{from}至{to}的缴费基数应大于0。")]
    NoBase { from: Period, to: Period },
    #[error("缴费期间与其他期间重叠（{period}）。")]
    Overlap { period: Period },
    #[error("缴费期间{period}不早于转移申请的月份{requested}，转出地不可能已有该月缴费。")]
    NotBeforeRequest { period: Period, requested: Period },
    #[error("个人账户储存额不能为负数。")]
    NegativeAccount,
    #[error(
        "统筹基金转移额{stated}与所列1998年以来缴费基数之和的12%（{expected}）不符，请与转出地核对后重新发送。"
    )]
    PooledMismatch { stated: Money, expected: Money },
    #[error(
        "转入的缴费期间{period}（缴费基数{base}）已按缴费基数{recognised}记入该人员核定的缴费历史，请由经办机构与转出地核对后处理。"
    )]
    Recognised {
        period: Period,
        base: Money,
        recognised: Money,
    },
}

/// The months of each arriving span to record in the person's history
/// (R-TRANS-2): a month known here already — paid in this system, or in
/// the recognised history at the same base (a relation coming back) — is
/// kept as it is; one recognised at another base is refused, for staff
/// to settle with the old place.
pub fn months_to_record(
    spans: &[ArrivingSpan],
    recognised: &BTreeMap<Period, Money>,
    paid_here: &std::collections::BTreeSet<Period>,
) -> Result<Vec<Vec<Period>>, AnswerRefusal> {
    let mut out = Vec::with_capacity(spans.len());
    for s in spans {
        let mut new = Vec::new();
        for period in Period::range_inclusive(s.from, s.to) {
            match recognised.get(&period) {
                Some(&r) if r != s.base => {
                    return Err(AnswerRefusal::Recognised {
                        period,
                        base: s.base,
                        recognised: r,
                    });
                }
                Some(_) => {}
                None if paid_here.contains(&period) => {}
                None => new.push(period),
            }
        }
        out.push(new);
    }
    Ok(out)
}

/// Checks what the old place sends against R-TRANS-2 and answers the
/// amounts it rests on: the spans are ordered, apart, paid before the
/// request's month, with a base; the account is not negative; the pooled
/// amount is 12% of the bases since 1998.
pub fn check_answer(
    spans: &[ArrivingSpan],
    account: Money,
    pooled: Money,
    requested: Period,
) -> Result<TransferAmounts, AnswerRefusal> {
    if spans.is_empty() {
        return Err(AnswerRefusal::NoMonths);
    }
    if account.is_negative() {
        return Err(AnswerRefusal::NegativeAccount);
    }
    // Counted before any month is expanded, so no answer costs more than
    // a working life's months.
    let listed: i64 = spans
        .iter()
        .map(|s| i64::from(s.from.months_until(s.to).max(-1)) + 1)
        .sum();
    if listed > MAX_MONTHS {
        return Err(AnswerRefusal::TooManyMonths { months: listed });
    }
    let mut seen: BTreeMap<Period, ()> = BTreeMap::new();
    let mut paid = Vec::new();
    for s in spans {
        if s.from > s.to {
            return Err(AnswerRefusal::Order {
                from: s.from,
                to: s.to,
            });
        }
        if s.base.is_negative() || s.base.is_zero() {
            return Err(AnswerRefusal::NoBase {
                from: s.from,
                to: s.to,
            });
        }
        if s.to >= requested {
            return Err(AnswerRefusal::NotBeforeRequest {
                period: s.to,
                requested,
            });
        }
        for period in Period::range_inclusive(s.from, s.to) {
            if seen.insert(period, ()).is_some() {
                return Err(AnswerRefusal::Overlap { period });
            }
            paid.push(PaidMonth {
                period,
                base: s.base,
            });
        }
    }
    let a = amounts(&paid, account);
    if a.pooled != pooled {
        return Err(AnswerRefusal::PooledMismatch {
            stated: pooled,
            expected: a.pooled,
        });
    }
    Ok(a)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(y: i32, m: u8) -> Period {
        Period::new(y, m).unwrap()
    }

    #[test]
    fn twelve_percent_of_the_bases_since_1998_and_the_account() {
        // 1997-07…1999-06 at 4,000.00: only the 18 months from 1998 count.
        let paid: Vec<PaidMonth> = (0..24)
            .map(|i| PaidMonth {
                period: p(1997, 7).add_months(i),
                base: Money::yuan(4000),
            })
            .collect();
        let t = amounts(&paid, Money::from_fen(345_678));
        assert_eq!(t.months, 18);
        assert_eq!(
            t.years,
            [
                TransferYear {
                    year: 1998,
                    months: 12,
                    bases: Money::yuan(48_000)
                },
                TransferYear {
                    year: 1999,
                    months: 6,
                    bases: Money::yuan(24_000)
                },
            ]
        );
        // 72,000.00 × 12% = 8,640.00, plus the account 3,456.78.
        assert_eq!(t.pooled, Money::yuan(8640));
        assert_eq!(t.total, Money::from_fen(1_209_678));
        // Odd bases: rounded once, not per month.
        let odd = [
            PaidMonth {
                period: p(2023, 1),
                base: Money::from_fen(523_456),
            },
            PaidMonth {
                period: p(2023, 2),
                base: Money::from_fen(523_456),
            },
        ];
        // 10,469.12 × 12% = 1,256.2944 → 1,256.29.
        assert_eq!(amounts(&odd, Money::ZERO).pooled, Money::from_fen(125_629));
    }

    #[test]
    fn the_old_place_has_fifteen_working_days_by_the_state_council_calendar() {
        use time::macros::date;
        let cal = WorkCalendar::bundled();
        // Requested Monday 2026-09-21: 中秋 (09-25), 国庆 (10-01…07) and
        // the adjusted Saturday 10-10 → due Monday 10-19, a week later
        // than Monday–Friday counting would say.
        let d = due_on(&cal, date!(2026 - 09 - 21)).unwrap();
        assert_eq!(d.date, date!(2026 - 10 - 19));
        assert!(d.years_without_calendar.is_empty());
        assert_eq!(
            cal.working_days_after(date!(2026 - 09 - 21), date!(2026 - 10 - 19)),
            15
        );
        // Steps of a transfer in, accepted the next day, transferred on
        // the 12th working day, recorded the day after.
        let dates = TransferDates {
            requested_on: Some(date!(2026 - 09 - 21)),
            accepted_on: Some(date!(2026 - 09 - 22)),
            transferred_on: Some(date!(2026 - 10 - 14)),
            recorded_on: Some(date!(2026 - 10 - 15)),
            refused_on: None,
        };
        let p = progress(
            &cal,
            Direction::In,
            date!(2026 - 09 - 21),
            &dates,
            date!(2026 - 11 - 01),
        )
        .unwrap();
        let got: Vec<(&str, Option<u32>)> =
            p.steps.iter().map(|s| (s.step, s.working_days)).collect();
        assert_eq!(
            got,
            [
                ("requested", Some(0)),
                ("accepted", Some(1)),
                ("transferred", Some(12)),
                ("recorded", Some(13))
            ]
        );
        assert_eq!(p.working_days_taken, Some(12));
        assert!(!p.overdue);
        // Still open the day after the deadline: overdue; on it: not yet.
        let open = TransferDates {
            requested_on: Some(date!(2026 - 09 - 21)),
            ..TransferDates::default()
        };
        let on_due = progress(
            &cal,
            Direction::Out,
            date!(2026 - 09 - 21),
            &open,
            date!(2026 - 10 - 19),
        )
        .unwrap();
        assert!(!on_due.overdue);
        assert_eq!(on_due.steps.len(), 2);
        assert_eq!(on_due.steps[1].on, None);
        let late = progress(
            &cal,
            Direction::Out,
            date!(2026 - 09 - 21),
            &open,
            date!(2026 - 10 - 20),
        )
        .unwrap();
        assert!(late.overdue);
        // A refusal replaces the steps after the request.
        let refused = TransferDates {
            refused_on: Some(date!(2026 - 09 - 23)),
            ..open
        };
        let r = progress(
            &cal,
            Direction::In,
            date!(2026 - 09 - 21),
            &refused,
            date!(2026 - 12 - 01),
        )
        .unwrap();
        assert_eq!(
            r.steps.iter().map(|s| s.step).collect::<Vec<_>>(),
            ["requested", "refused"]
        );
        assert_eq!(r.working_days_taken, Some(2));
    }

    #[test]
    fn what_arrives_is_checked_against_twelve_percent_of_its_bases() {
        let span = |from: Period, to: Period, yuan: i64| ArrivingSpan {
            from,
            to,
            base: Money::yuan(yuan),
        };
        let spans = [span(p(2021, 1), p(2023, 12), 6000)];
        // 216,000.00 × 12% = 25,920.00.
        let a = check_answer(&spans, Money::yuan(17_280), Money::yuan(25_920), p(2026, 9)).unwrap();
        assert_eq!(a.months, 36);
        assert_eq!(a.total, Money::yuan(43_200));
        assert_eq!(
            check_answer(&spans, Money::yuan(17_280), Money::yuan(25_000), p(2026, 9)),
            Err(AnswerRefusal::PooledMismatch {
                stated: Money::yuan(25_000),
                expected: Money::yuan(25_920)
            })
        );
        assert_eq!(
            check_answer(&[], Money::ZERO, Money::ZERO, p(2026, 9)),
            Err(AnswerRefusal::NoMonths)
        );
        let overlapping = [spans[0], span(p(2023, 12), p(2024, 2), 6000)];
        assert_eq!(
            check_answer(&overlapping, Money::ZERO, Money::ZERO, p(2026, 9)),
            Err(AnswerRefusal::Overlap {
                period: p(2023, 12)
            })
        );
        assert_eq!(
            check_answer(
                &[span(p(2026, 8), p(2026, 9), 6000)],
                Money::ZERO,
                Money::ZERO,
                p(2026, 9)
            ),
            Err(AnswerRefusal::NotBeforeRequest {
                period: p(2026, 9),
                requested: p(2026, 9)
            })
        );
        assert_eq!(
            check_answer(
                &[span(p(2024, 3), p(2024, 1), 6000)],
                Money::ZERO,
                Money::ZERO,
                p(2026, 9)
            ),
            Err(AnswerRefusal::Order {
                from: p(2024, 3),
                to: p(2024, 1)
            })
        );
        assert_eq!(
            check_answer(
                &[span(p(2024, 1), p(2024, 1), 0)],
                Money::ZERO,
                Money::ZERO,
                p(2026, 9)
            ),
            Err(AnswerRefusal::NoBase {
                from: p(2024, 1),
                to: p(2024, 1)
            })
        );
        assert_eq!(
            check_answer(&spans, -Money::yuan(1), Money::yuan(25_920), p(2026, 9)),
            Err(AnswerRefusal::NegativeAccount)
        );
        // 1950-01…2026-08 is more than a working life.
        assert_eq!(
            check_answer(
                &[span(p(1950, 1), p(2026, 8), 100)],
                Money::ZERO,
                Money::ZERO,
                p(2026, 9)
            ),
            Err(AnswerRefusal::TooManyMonths { months: 920 })
        );
    }

    #[test]
    fn months_known_here_are_kept_and_another_base_is_refused() {
        let span = |from: Period, to: Period, yuan: i64| ArrivingSpan {
            from,
            to,
            base: Money::yuan(yuan),
        };
        let spans = [span(p(2024, 11), p(2025, 2), 5000)];
        let paid_here: std::collections::BTreeSet<Period> = [p(2025, 1), p(2025, 2)].into();
        let same: BTreeMap<Period, Money> = [(p(2024, 11), Money::yuan(5000))].into();
        // 2024-11 recognised at the same base, 2025-01/02 paid here: only
        // 2024-12 is new.
        assert_eq!(
            months_to_record(&spans, &same, &paid_here).unwrap(),
            [vec![p(2024, 12)]]
        );
        let other: BTreeMap<Period, Money> = [(p(2024, 12), Money::yuan(4000))].into();
        assert_eq!(
            months_to_record(&spans, &other, &paid_here),
            Err(AnswerRefusal::Recognised {
                period: p(2024, 12),
                base: Money::yuan(5000),
                recognised: Money::yuan(4000)
            })
        );
        // Nothing known: every month is new.
        let all = months_to_record(&spans, &BTreeMap::new(), &Default::default()).unwrap();
        assert_eq!(all[0].len(), 4);
    }

    proptest! {
        #[test]
        fn the_pooled_part_is_twelve_percent_of_the_bases(
            months in proptest::collection::vec((0i32..400, 0i64..5_000_000), 0..80),
        ) {
            let paid: Vec<PaidMonth> = months
                .iter()
                .map(|(i, fen)| PaidMonth { period: p(1995, 1).add_months(*i), base: Money::from_fen(*fen) })
                .collect();
            let t = amounts(&paid, Money::ZERO);
            let counted: Money = paid.iter().filter(|m| m.period >= p(1998, 1)).map(|m| m.base).sum();
            prop_assert_eq!(t.bases, counted);
            prop_assert_eq!(t.pooled, counted.times_rate(Rate::parse("0.12").unwrap()));
            prop_assert_eq!(t.years.iter().map(|y| y.months).sum::<i32>(), t.months);
        }

        /// The deadline is exactly 15 working days on, whatever the day.
        #[test]
        fn the_deadline_is_fifteen_working_days_on(day in 0i64..4000) {
            let cal = WorkCalendar::bundled();
            let from = time::macros::date!(2016 - 01 - 01) + time::Duration::days(day);
            let due = due_on(&cal, from).unwrap().date;
            prop_assert_eq!(cal.working_days_after(from, due), ANSWER_WORKING_DAYS);
            prop_assert!(cal.is_working_day(due));
        }

        /// An answer whose pooled part is computed by the rule is accepted
        /// with the same amounts; one fen off is refused.
        #[test]
        fn an_answer_made_by_the_rule_is_accepted(
            start in 0i32..300, len in 1i32..60, fen in 1i64..5_000_000, account in 0i64..100_000_000,
        ) {
            let from = p(1996, 1).add_months(start);
            let spans = [ArrivingSpan { from, to: from.add_months(len - 1), base: Money::from_fen(fen) }];
            let paid: Vec<PaidMonth> = Period::range_inclusive(spans[0].from, spans[0].to)
                .into_iter()
                .map(|period| PaidMonth { period, base: spans[0].base })
                .collect();
            let want = amounts(&paid, Money::from_fen(account));
            let got = check_answer(&spans, Money::from_fen(account), want.pooled, p(2027, 1)).unwrap();
            prop_assert_eq!(&got, &want);
            prop_assert!(check_answer(&spans, Money::from_fen(account), want.pooled + Money::from_fen(1), p(2027, 1)).is_err());
        }
    }
}
