//! Project-based work-injury insurance for construction and mining (按项目
//! 参保, issue 16): R-PROJ-1 (the premium at registration and the
//! difference when the project is extended or its value rises) and R-PROJ-2
//! (the real-name roster and who is covered on a day).
//!
//! Decisions where DOMAIN.md is silent:
//! - the premium is the total contract value × the rate of the project's
//!   type in force in the region in the year of registration, rounded
//!   half-up to the fen;
//! - a higher value bills (new value − old value) × the rate in force at
//!   the change;
//! - an extension bills the premium of the added days pro rata to the
//!   registered term: new value × rate × added days ÷ registered days (the
//!   term the registration premium paid for, start to first end date,
//!   inclusive);
//! - a lower value or an earlier end date is refused: premiums paid are not
//!   refunded by a change (a project stopped early is closed, not shrunk);
//! - a roster entry covers from its day of entry, which is today or later
//!   (never back-dated, so that no one is put on the roster after an
//!   accident), within the project's term; it ends the day of removal, or
//!   with the project's end date.

use serde::Serialize;
use thiserror::Error;
use time::Date;

use crate::money::{Money, Rate, round_half_up};

/// The kind of project (项目类型), which decides its rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectKind {
    /// 建筑工程项目.
    Construction,
    /// 矿山项目.
    Mining,
}

impl ProjectKind {
    pub const ALL: [ProjectKind; 2] = [ProjectKind::Construction, ProjectKind::Mining];

    pub fn code(self) -> &'static str {
        match self {
            ProjectKind::Construction => "construction",
            ProjectKind::Mining => "mining",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProjectKind::Construction => "建筑工程项目",
            ProjectKind::Mining => "矿山项目",
        }
    }

    pub fn parse(s: &str) -> Option<ProjectKind> {
        ProjectKind::ALL.into_iter().find(|k| k.code() == s.trim())
    }
}

/// A project's term and value as registered or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProjectTerms {
    pub start: Date,
    pub end: Date,
    /// 工程总造价.
    pub value: Money,
}

/// Why a registration or a change is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProjectRefusal {
    #[error("工程总造价应大于0。")]
    NoValue,
    #[error("项目结束日期（{end}）不能早于开始日期（{start}）。")]
    EndBeforeStart { start: Date, end: Date },
    #[error("项目已于{end}结束，不能再登记。")]
    Ended { end: Date },
    #[error(
        "变更后的工程总造价（{new}元）低于原工程总造价（{old}元）；已缴纳的工伤保险费不因变更退还。"
    )]
    LowerValue { old: Money, new: Money },
    #[error("变更后的结束日期（{new}）早于原结束日期（{old}）；项目提前结束请办理项目终止。")]
    EarlierEnd { old: Date, new: Date },
    #[error("变更内容与原登记信息相同，无需变更。")]
    NoChange,
    #[error("工程总造价{value}元按费率计算的工伤保险费不足1分钱，请核对工程总造价。")]
    NoPremium { value: Money },
}

/// Checks the terms of a new project registered on `today`.
pub fn check_registration(t: &ProjectTerms, today: Date) -> Result<(), ProjectRefusal> {
    if t.value <= Money::ZERO {
        return Err(ProjectRefusal::NoValue);
    }
    if t.end < t.start {
        return Err(ProjectRefusal::EndBeforeStart {
            start: t.start,
            end: t.end,
        });
    }
    if t.end < today {
        return Err(ProjectRefusal::Ended { end: t.end });
    }
    Ok(())
}

/// The premium of a registration (R-PROJ-1): value × rate, half-up to the fen.
pub fn premium(value: Money, rate: Rate) -> Money {
    value.times_rate(rate)
}

/// The premium of a registration, refused when it rounds to nothing (a
/// value of a few yuan is a mistake, and a project must pay something).
pub fn registration_premium(value: Money, rate: Rate) -> Result<Money, ProjectRefusal> {
    let p = premium(value, rate);
    if p > Money::ZERO {
        Ok(p)
    } else {
        Err(ProjectRefusal::NoPremium { value })
    }
}

/// Days of a term, both ends included.
pub fn term_days(start: Date, end: Date) -> i64 {
    (end - start).whole_days() + 1
}

/// What a change bills (R-PROJ-1), each part with its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChangeBill {
    /// (new value − old value) × rate.
    pub value_part: Money,
    /// Days added to the term.
    pub added_days: i64,
    /// The registered term's days the extension is pro rata to.
    pub registered_days: i64,
    /// new value × rate × added days ÷ registered days.
    pub extension_part: Money,
    pub total: Money,
}

/// The bill of changing `old` to `new` at `rate`, where the registration
/// paid for `registered_days`. Refused: a lower value, an earlier end date,
/// or nothing changed.
pub fn change(
    old: &ProjectTerms,
    new: &ProjectTerms,
    registered_days: i64,
    rate: Rate,
) -> Result<ChangeBill, ProjectRefusal> {
    if new.value < old.value {
        return Err(ProjectRefusal::LowerValue {
            old: old.value,
            new: new.value,
        });
    }
    if new.end < old.end {
        return Err(ProjectRefusal::EarlierEnd {
            old: old.end,
            new: new.end,
        });
    }
    if new.value == old.value && new.end == old.end {
        return Err(ProjectRefusal::NoChange);
    }
    let value_part = (new.value - old.value).times_rate(rate);
    let added_days = (new.end - old.end).whole_days();
    let extension_part = if added_days > 0 && registered_days > 0 {
        Money::from_yuan(round_half_up(
            new.value.as_decimal() * rate.as_decimal() * rust_decimal::Decimal::from(added_days)
                / rust_decimal::Decimal::from(registered_days),
            2,
        ))
    } else {
        Money::ZERO
    };
    Ok(ChangeBill {
        value_part,
        added_days,
        registered_days,
        extension_part,
        total: value_part + extension_part,
    })
}

/// Why a roster entry or removal is refused (R-PROJ-2).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RosterRefusal {
    #[error(
        "进场日期（{entered}）不能早于今天（{today}）：名册登记之日起才有工伤保险保障，不能补登。"
    )]
    BackDated { entered: Date, today: Date },
    #[error("进场日期（{entered}）应在项目工期内（{start}至{end}）。")]
    OutsideTerm {
        entered: Date,
        start: Date,
        end: Date,
    },
    #[error("离场日期（{left}）不能早于进场日期（{entered}）。")]
    LeftBeforeEntry { entered: Date, left: Date },
    #[error("离场日期（{left}）不能早于今天（{today}）：已发生的保障不能事后撤销。")]
    LeftBackDated { left: Date, today: Date },
}

/// Checks an entry on `entered` (R-PROJ-2).
pub fn check_entry(
    entered: Date,
    project_start: Date,
    project_end: Date,
    today: Date,
) -> Result<(), RosterRefusal> {
    if entered < today {
        return Err(RosterRefusal::BackDated { entered, today });
    }
    if entered < project_start || entered > project_end {
        return Err(RosterRefusal::OutsideTerm {
            entered,
            start: project_start,
            end: project_end,
        });
    }
    Ok(())
}

/// Checks a removal on `left` of an entry of `entered`: today or later
/// (cover already given is never withdrawn afterwards, as an entry is
/// never back-dated), not before the entry (an entry not started yet is
/// removed on its entry day).
pub fn check_removal(entered: Date, left: Date, today: Date) -> Result<(), RosterRefusal> {
    if left < entered {
        return Err(RosterRefusal::LeftBeforeEntry { entered, left });
    }
    if left < today {
        return Err(RosterRefusal::LeftBackDated { left, today });
    }
    Ok(())
}

/// The days a roster entry covers: from the entry to the removal, or to
/// the project's end while on the roster.
pub fn coverage(entered: Date, left: Option<Date>, project_end: Date) -> (Date, Date) {
    (entered, left.map_or(project_end, |l| l.min(project_end)))
}

/// Whether an entry covers `day` (what a work-injury claim checks).
pub fn covers(entered: Date, left: Option<Date>, project_end: Date, day: Date) -> bool {
    let (from, to) = coverage(entered, left, project_end);
    from <= day && day <= to
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn rate(ppm: i64) -> Rate {
        Rate::from_ppm(ppm)
    }

    fn yuan(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn the_premium_is_the_value_times_the_rate() {
        // 12,345,678.90 × 0.15% = 18,518.518… → 18,518.52.
        assert_eq!(premium(yuan("12345678.90"), rate(1500)), yuan("18518.52"));
        // 50,000,000 × 0.3% = 150,000.00 (mining).
        assert_eq!(premium(yuan("50000000"), rate(3000)), yuan("150000.00"));
    }

    #[test]
    fn registration_is_refused_without_value_or_term() {
        let today = date!(2026 - 03 - 10);
        let ok = ProjectTerms {
            start: date!(2026 - 03 - 01),
            end: date!(2027 - 02 - 28),
            value: yuan("1000000"),
        };
        assert_eq!(check_registration(&ok, today), Ok(()));
        assert_eq!(
            check_registration(
                &ProjectTerms {
                    value: Money::ZERO,
                    ..ok
                },
                today
            ),
            Err(ProjectRefusal::NoValue)
        );
        assert!(matches!(
            check_registration(
                &ProjectTerms {
                    end: date!(2026 - 02 - 01),
                    ..ok
                },
                today
            ),
            Err(ProjectRefusal::EndBeforeStart { .. })
        ));
        assert!(matches!(
            check_registration(
                &ProjectTerms {
                    start: date!(2025 - 01 - 01),
                    end: date!(2026 - 03 - 09),
                    ..ok
                },
                today
            ),
            Err(ProjectRefusal::Ended { .. })
        ));
    }

    #[test]
    fn a_change_bills_the_added_value_and_the_added_days() {
        let old = ProjectTerms {
            start: date!(2026 - 01 - 01),
            end: date!(2026 - 12 - 31),
            value: yuan("10000000"),
        };
        let days = term_days(old.start, old.end);
        assert_eq!(days, 365);
        // Value up by 2,000,000 at 0.15%: 3,000.00.
        let b = change(
            &old,
            &ProjectTerms {
                value: yuan("12000000"),
                ..old
            },
            days,
            rate(1500),
        )
        .unwrap();
        assert_eq!(b.value_part, yuan("3000.00"));
        assert_eq!(b.extension_part, Money::ZERO);
        // 73 days more: 10,000,000 × 0.15% × 73 / 365 = 3,000.00.
        let b = change(
            &old,
            &ProjectTerms {
                end: date!(2027 - 03 - 14),
                ..old
            },
            days,
            rate(1500),
        )
        .unwrap();
        assert_eq!(b.added_days, 73);
        assert_eq!(b.extension_part, yuan("3000.00"));
        assert_eq!(b.total, yuan("3000.00"));
        // Lower, earlier, the same: refused.
        assert!(matches!(
            change(
                &old,
                &ProjectTerms {
                    value: yuan("9000000"),
                    ..old
                },
                days,
                rate(1500)
            ),
            Err(ProjectRefusal::LowerValue { .. })
        ));
        assert!(matches!(
            change(
                &old,
                &ProjectTerms {
                    end: date!(2026 - 12 - 30),
                    ..old
                },
                days,
                rate(1500)
            ),
            Err(ProjectRefusal::EarlierEnd { .. })
        ));
        assert_eq!(
            change(&old, &old, days, rate(1500)),
            Err(ProjectRefusal::NoChange)
        );
    }

    #[test]
    fn the_roster_covers_from_entry_to_removal_within_the_term() {
        let (start, end, today) = (
            date!(2026 - 03 - 01),
            date!(2026 - 12 - 31),
            date!(2026 - 03 - 10),
        );
        assert_eq!(check_entry(today, start, end, today), Ok(()));
        assert!(matches!(
            check_entry(date!(2026 - 03 - 09), start, end, today),
            Err(RosterRefusal::BackDated { .. })
        ));
        assert!(matches!(
            check_entry(date!(2027 - 01 - 01), start, end, today),
            Err(RosterRefusal::OutsideTerm { .. })
        ));
        assert!(matches!(
            check_removal(today, date!(2026 - 03 - 09), today),
            Err(RosterRefusal::LeftBeforeEntry { .. })
        ));
        // Not back-dated: entered 03-01, removed on 03-09 when it is 03-10.
        assert!(matches!(
            check_removal(date!(2026 - 03 - 01), date!(2026 - 03 - 09), today),
            Err(RosterRefusal::LeftBackDated { .. })
        ));
        // A planned leaving day, and an entry not started yet.
        assert_eq!(check_removal(today, date!(2026 - 03 - 11), today), Ok(()));
        let later = date!(2026 - 04 - 01);
        assert_eq!(check_removal(later, later, today), Ok(()));
        assert_eq!(
            registration_premium(Money::parse("3.33").unwrap(), rate(1500)),
            Err(ProjectRefusal::NoPremium {
                value: Money::parse("3.33").unwrap()
            })
        );
        assert!(covers(today, None, end, date!(2026 - 12 - 31)));
        assert!(!covers(today, None, end, date!(2027 - 01 - 01)));
        assert!(!covers(today, None, end, date!(2026 - 03 - 09)));
        assert!(covers(
            today,
            Some(date!(2026 - 05 - 31)),
            end,
            date!(2026 - 05 - 31)
        ));
        assert!(!covers(
            today,
            Some(date!(2026 - 05 - 31)),
            end,
            date!(2026 - 06 - 01)
        ));
    }

    proptest! {
        #[test]
        fn the_premium_grows_with_the_value(a in 1i64..10_000_000_000, b in 1i64..10_000_000_000, ppm in 1i64..10_000) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(premium(Money::from_fen(lo), rate(ppm)) <= premium(Money::from_fen(hi), rate(ppm)));
        }

        #[test]
        fn raising_the_value_in_steps_bills_what_registering_it_would(
            v0 in 1i64..1_000_000_000, steps in proptest::collection::vec(0i64..100_000_000, 1..5), ppm in 1i64..10_000,
        ) {
            // Each step's bill, rounded on its own, stays within a fen a
            // step of the premium of the final value.
            let start = date!(2026 - 01 - 01);
            let end = date!(2026 - 12 - 31);
            let mut terms = ProjectTerms { start, end, value: Money::from_fen(v0) };
            let mut billed = premium(terms.value, rate(ppm));
            let mut n = 0i64;
            for s in steps {
                let next = ProjectTerms { value: terms.value + Money::from_fen(s + 1), ..terms };
                let b = change(&terms, &next, term_days(start, end), rate(ppm)).unwrap();
                prop_assert_eq!(b.extension_part, Money::ZERO);
                billed += b.total;
                terms = next;
                n += 1;
            }
            let exact = premium(terms.value, rate(ppm));
            let diff = (billed - exact).fen().abs();
            prop_assert!(diff <= n + 1, "billed {} exact {}", billed, exact);
        }

        #[test]
        fn an_extension_by_the_whole_term_bills_the_premium_again(v in 1i64..1_000_000_000, ppm in 1i64..10_000) {
            let start = date!(2026 - 01 - 01);
            let end = date!(2026 - 12 - 31);
            let t = ProjectTerms { start, end, value: Money::from_fen(v) };
            let longer = ProjectTerms { end: date!(2027 - 12 - 31), ..t };
            let b = change(&t, &longer, term_days(start, end), rate(ppm)).unwrap();
            prop_assert_eq!(b.added_days, 365);
            prop_assert_eq!(b.extension_part, premium(t.value, rate(ppm)));
        }
    }
}
