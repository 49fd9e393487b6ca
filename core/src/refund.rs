//! Refund applications of over-payment (多缴退费, R-REF-1…5): which of one
//! person's lines a unit may have refunded online, how much, and the plan of
//! a whole application.
//!
//! Each line is judged by [`crate::rules::refundable`] (suspended first, not
//! the stop month nor earlier months, inside the refund window, not the
//! work-injury line of a transfer month, paid), then by the state of refunds
//! (a line under a live refund is not applied for twice) and the amount
//! asked for. What can be refunded is the principal paid — unit part plus
//! individual part — less what was refunded already; interest and late fees
//! never (R-LATE-3).
//!
//! An application selects lines three ways (see [`RefundRequest`]): whole
//! months (`periods`, optionally narrowed by `insurances`), single lines
//! with an amount (`lines`), or — when neither names a month — every line
//! that is refundable now. Lines a unit names explicitly must all be
//! refundable; one that is not refuses the whole application, naming it.

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;
use time::Date;

use crate::error_code::{ErrorCode, ErrorKind};
use crate::insurance::Insurance;
use crate::money::{Money, round_half_up};
use crate::period::Period;
use crate::rules::{LineKind, PaidLine, RefundRefusal, refundable};

/// One assessment line of the person at the unit, as a refund candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundCandidate {
    /// The stored line's id (opaque here).
    pub line_id: i64,
    pub period: Period,
    pub insurance: Insurance,
    pub kind: LineKind,
    /// Paid to the agency (实收到账).
    pub paid: bool,
    /// The unit part paid (单位缴费).
    pub unit_paid: Money,
    /// The individual part paid (个人缴费, withheld by the unit).
    pub individual_paid: Money,
    /// Refunded already, per part.
    pub unit_refunded: Money,
    pub individual_refunded: Money,
    /// The stop date of the relation the line belongs to; `None` while the
    /// person still pays that insurance at the unit (R-REF-2).
    pub stop_date: Option<Date>,
    /// The line is on a live refund application (pending, approved or paid
    /// out): never applied for twice.
    pub under_refund: bool,
}

impl RefundCandidate {
    /// The view of [`crate::rules::refundable`].
    pub fn paid_line(&self) -> PaidLine {
        PaidLine {
            period: self.period,
            kind: self.kind,
            paid: self.paid,
            principal_paid: self.unit_paid + self.individual_paid,
            refunded: self.unit_refunded + self.individual_refunded,
        }
    }
}

/// What may be refunded of one line now, per part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refundable {
    pub unit: Money,
    pub individual: Money,
    pub total: Money,
}

/// Why a line (or a month asked for) cannot be refunded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LineRefusal {
    /// R-REF-1, R-REF-2, R-REF-4 and not paid.
    #[error(transparent)]
    Rule(#[from] RefundRefusal),
    #[error("{period}{name}已在退费申请中，不能重复申请退费", name = .insurance.name_zh())]
    UnderRefund {
        period: Period,
        insurance: Insurance,
    },
    #[error("{period}{name}的缴费本金已全部退还，没有可退金额", name = .insurance.name_zh())]
    AlreadyRefunded {
        period: Period,
        insurance: Insurance,
    },
    #[error(
        "{period}{name}申请退费{requested}元，超过可退本金{refundable}元：只退还多缴的单位和个人缴费本金，利息和滞纳金不予退费",
        name = .insurance.name_zh()
    )]
    AboveRefundable {
        period: Period,
        insurance: Insurance,
        requested: Money,
        refundable: Money,
    },
    #[error("{period}{what}没有核定缴费记录，不能退费", what = .insurance.map_or("", |i| i.name_zh()))]
    NoLine {
        period: Period,
        insurance: Option<Insurance>,
    },
}

impl LineRefusal {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            LineRefusal::Rule(r) => refusal_code(r),
            LineRefusal::UnderRefund { .. } => ErrorCode::LineUnderRefund,
            LineRefusal::AlreadyRefunded { .. } => ErrorCode::AlreadyRefunded,
            LineRefusal::AboveRefundable { .. } => ErrorCode::AmountAbovePrincipal,
            LineRefusal::NoLine { .. } => ErrorCode::NotPaid,
        }
    }

    /// A conflict with the current state of refunds (409) rather than a
    /// rule refusing the request (422): what its code says.
    pub fn is_conflict(&self) -> bool {
        self.code().kind() == ErrorKind::Conflict
    }
}

/// The stable machine code of a rule refusal.
pub fn refusal_code(r: &RefundRefusal) -> ErrorCode {
    match r {
        RefundRefusal::NotSuspended => ErrorCode::NotSuspended,
        RefundRefusal::StopMonth { .. } => ErrorCode::StopMonth,
        RefundRefusal::BeforeStop { .. } => ErrorCode::BeforeStop,
        RefundRefusal::OutsideWindow { .. } => ErrorCode::OutsideRefundWindow,
        RefundRefusal::NotPaid { .. } => ErrorCode::NotPaid,
        RefundRefusal::InjuryOnly { .. } => ErrorCode::InjuryOnlyNotRefundable,
    }
}

/// The months a unit may claim online in `today`'s month (R-REF-1):
/// the `window_months` before the current one.
pub fn refund_window(today: Date, window_months: u8) -> (Period, Period) {
    let current = Period::of(today);
    (
        current.add_months(-i32::from(window_months)),
        current.prev(),
    )
}

/// The last month still payable of a relation stopped on `stop_date`
/// (R-REF-2): the stop date's month; only the months after it are
/// refundable.
pub fn last_payable_period(stop_date: Date) -> Period {
    Period::of(stop_date)
}

/// The first month of a unit's list of refund candidates: the earlier of
/// the stops' last payable months (R-REF-2, shown as not refundable) and
/// the window's first month (R-REF-1).
pub fn candidates_from(stop_dates: impl IntoIterator<Item = Date>, window_from: Period) -> Period {
    stop_dates
        .into_iter()
        .map(last_payable_period)
        .fold(window_from, Period::min)
}

/// Judges one line: what may be refunded now, or why not.
pub fn evaluate(
    today: Date,
    window_months: u8,
    c: &RefundCandidate,
) -> Result<Refundable, LineRefusal> {
    let total = refundable(today, window_months, c.stop_date, &c.paid_line())?;
    if c.under_refund {
        return Err(LineRefusal::UnderRefund {
            period: c.period,
            insurance: c.insurance,
        });
    }
    if total.is_zero() {
        return Err(LineRefusal::AlreadyRefunded {
            period: c.period,
            insurance: c.insurance,
        });
    }
    let unit = (c.unit_paid - c.unit_refunded).max(Money::ZERO);
    let individual = (c.individual_paid - c.individual_refunded).max(Money::ZERO);
    // `refundable` clamps at zero; the parts do too, and sum to the total
    // unless a part was over-refunded, which the split below absorbs.
    Ok(split(total, unit, individual))
}

/// Splits `amount` (≤ `unit + individual`) into a unit part ≤ `unit` and an
/// individual part ≤ `individual`, in proportion, half-up to the fen; the
/// parts always sum to `amount`.
pub fn split(amount: Money, unit: Money, individual: Money) -> Refundable {
    let rest = unit + individual;
    if amount >= rest {
        return Refundable {
            unit,
            individual,
            total: rest,
        };
    }
    let share = if rest.is_zero() {
        Money::ZERO
    } else {
        Money::from_yuan(round_half_up(
            amount.as_decimal() * unit.as_decimal() / rest.as_decimal(),
            2,
        ))
    };
    // Keep both parts within what is left of each.
    let unit_part = share.min(unit).max(amount - individual).max(Money::ZERO);
    Refundable {
        unit: unit_part,
        individual: amount - unit_part,
        total: amount,
    }
}

/// One line asked for with an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestedLine {
    pub period: Period,
    pub insurance: Insurance,
    /// `None`: all that is refundable.
    pub amount: Option<Money>,
}

/// What a unit asks to have refunded for one person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundRequest {
    /// Whole months; each must have lines, all of them refundable.
    pub periods: Option<Vec<Period>>,
    /// Narrows `periods` (each named insurance must have a line in each
    /// month), or, without `periods`, selects every refundable line of
    /// these insurances.
    pub insurances: Option<Vec<Insurance>>,
    /// Single lines, each refundable, with an optional amount.
    pub lines: Vec<RequestedLine>,
}

/// Where in a request a refusal comes from, to name the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestPart {
    /// `periods[i]`.
    Period(usize),
    /// `lines[i]`.
    Line(usize),
    /// A line the request selected implicitly (every refundable line).
    Selected,
}

/// A refused line or month of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub part: RequestPart,
    pub refusal: LineRefusal,
}

/// One line of a planned application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlannedRefundLine {
    pub line_id: i64,
    pub period: Period,
    pub insurance: Insurance,
    /// The refund, per part.
    pub unit: Money,
    pub individual: Money,
    pub amount: Money,
    /// What was refundable of the line (≥ `amount`).
    pub refundable: Money,
}

/// A whole application: its lines by period and insurance, and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefundPlan {
    pub lines: Vec<PlannedRefundLine>,
    pub unit: Money,
    pub individual: Money,
    pub total: Money,
}

/// Why an application cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    /// R-REF-2: the person pays every insurance at the unit still.
    #[error("{}", RefundRefusal::NotSuspended)]
    NotSuspended,
    /// Nothing asked for, and nothing refundable now.
    #[error(
        "该人员没有可以网上申请退费的月份：可退费的月份须在停保时间所在月份之后、在{earliest}至{latest}期间内且已缴费到账"
    )]
    NothingToRefund { earliest: Period, latest: Period },
    /// Lines or months asked for that cannot be refunded.
    #[error("{}", join_messages(.0))]
    Refused(Vec<Refused>),
}

fn join_messages(refused: &[Refused]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for r in refused {
        let m = r.refusal.to_string();
        if !seen.contains(&m) {
            seen.push(m);
        }
    }
    seen.join("；")
}

impl PlanError {
    /// The stable machine code: the first refusal's (preferring a rule
    /// refusal over a conflict, so a request that is wrong anyway says so).
    pub fn code(&self) -> ErrorCode {
        match self {
            PlanError::NotSuspended => ErrorCode::NotSuspended,
            PlanError::NothingToRefund { .. } => ErrorCode::NothingToRefund,
            PlanError::Refused(list) => list
                .iter()
                .find(|r| !r.refusal.is_conflict())
                .or_else(|| list.first())
                .map_or(ErrorCode::NothingToRefund, |r| r.refusal.code()),
        }
    }

    /// Whether it is a conflict with refunds in progress (409): every
    /// refusal is a line under a live refund.
    pub fn is_conflict(&self) -> bool {
        matches!(self, PlanError::Refused(list)
            if !list.is_empty() && list.iter().all(|r| r.refusal.is_conflict()))
    }
}

/// The facts a plan is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundFacts<'a> {
    pub today: Date,
    /// `windows.refund_months` of the current period (R-REF-1).
    pub window_months: u8,
    /// Whether any of the person's relations at the unit is suspended.
    pub suspended: bool,
    /// Every live (not cancelled) line of the person at the unit.
    pub candidates: &'a [RefundCandidate],
}

/// Plans one person's application (R-REF-1…4, R-LATE-3). See the module
/// docs for how lines are selected.
pub fn plan(facts: &RefundFacts<'_>, request: &RefundRequest) -> Result<RefundPlan, PlanError> {
    if !facts.suspended {
        return Err(PlanError::NotSuspended);
    }
    let eval = |c: &RefundCandidate| evaluate(facts.today, facts.window_months, c);
    // line index → (amount asked for, or all)
    let mut chosen: BTreeMap<usize, Option<Money>> = BTreeMap::new();
    let mut refused: Vec<Refused> = Vec::new();
    let wants = |c: &RefundCandidate| {
        request
            .insurances
            .as_ref()
            .is_none_or(|list| list.contains(&c.insurance))
    };
    let mut implicit = false;
    match &request.periods {
        Some(periods) => {
            for (i, &period) in periods.iter().enumerate() {
                let part = RequestPart::Period(i);
                if let Some(list) = &request.insurances {
                    for &ins in list {
                        if !facts
                            .candidates
                            .iter()
                            .any(|c| c.period == period && c.insurance == ins)
                        {
                            refused.push(Refused {
                                part,
                                refusal: LineRefusal::NoLine {
                                    period,
                                    insurance: Some(ins),
                                },
                            });
                        }
                    }
                }
                let mut any = false;
                for (idx, c) in facts.candidates.iter().enumerate() {
                    if c.period != period || !wants(c) {
                        continue;
                    }
                    any = true;
                    match eval(c) {
                        Ok(_) => {
                            chosen.entry(idx).or_insert(None);
                        }
                        Err(refusal) => refused.push(Refused { part, refusal }),
                    }
                }
                if !any && request.insurances.is_none() {
                    refused.push(Refused {
                        part,
                        refusal: LineRefusal::NoLine {
                            period,
                            insurance: None,
                        },
                    });
                }
            }
        }
        None if request.insurances.is_some() || request.lines.is_empty() => {
            implicit = true;
            for (idx, c) in facts.candidates.iter().enumerate() {
                if wants(c) && eval(c).is_ok() {
                    chosen.insert(idx, None);
                }
            }
        }
        None => {}
    }
    for (j, l) in request.lines.iter().enumerate() {
        let part = RequestPart::Line(j);
        let Some(idx) = facts
            .candidates
            .iter()
            .position(|c| c.period == l.period && c.insurance == l.insurance)
        else {
            refused.push(Refused {
                part,
                refusal: LineRefusal::NoLine {
                    period: l.period,
                    insurance: Some(l.insurance),
                },
            });
            continue;
        };
        let c = &facts.candidates[idx];
        match eval(c) {
            Ok(r) => match l.amount {
                Some(a) if a > r.total => refused.push(Refused {
                    part,
                    refusal: LineRefusal::AboveRefundable {
                        period: c.period,
                        insurance: c.insurance,
                        requested: a,
                        refundable: r.total,
                    },
                }),
                amount => {
                    chosen.insert(idx, amount);
                }
            },
            Err(refusal) => refused.push(Refused { part, refusal }),
        }
    }
    if !refused.is_empty() {
        return Err(PlanError::Refused(refused));
    }
    if chosen.is_empty() {
        // Asked for nothing in particular: say so, unless lines are only
        // held up by refunds in progress (a second click of the same
        // application), which is a conflict.
        let taken: Vec<Refused> = facts
            .candidates
            .iter()
            .filter(|c| implicit && wants(c))
            .filter_map(|c| match eval(c) {
                Err(refusal @ LineRefusal::UnderRefund { .. }) => Some(Refused {
                    part: RequestPart::Selected,
                    refusal,
                }),
                _ => None,
            })
            .collect();
        if !taken.is_empty() {
            return Err(PlanError::Refused(taken));
        }
        let (earliest, latest) = refund_window(facts.today, facts.window_months);
        return Err(PlanError::NothingToRefund { earliest, latest });
    }
    let mut lines = Vec::with_capacity(chosen.len());
    for (idx, amount) in chosen {
        let c = &facts.candidates[idx];
        let r = eval(c).map_err(|refusal| {
            PlanError::Refused(vec![Refused {
                part: RequestPart::Selected,
                refusal,
            }])
        })?;
        let part = split(amount.unwrap_or(r.total).min(r.total), r.unit, r.individual);
        lines.push(PlannedRefundLine {
            line_id: c.line_id,
            period: c.period,
            insurance: c.insurance,
            unit: part.unit,
            individual: part.individual,
            amount: part.total,
            refundable: r.total,
        });
    }
    lines.sort_by_key(|l| (l.period, l.insurance, l.line_id));
    let unit = lines.iter().map(|l| l.unit).sum();
    let individual = lines.iter().map(|l| l.individual).sum();
    let total = lines.iter().map(|l| l.amount).sum();
    Ok(RefundPlan {
        lines,
        unit,
        individual,
        total,
    })
}

/// The refund document's number (退费单号): `TF`, the application date
/// (YYYYMMDD) and a six-digit sequence, e.g. `TF20230420000001`.
pub fn refund_number(date: Date, seq: i64) -> String {
    format!(
        "TF{:04}{:02}{:02}{:06}",
        date.year(),
        u8::from(date.month()),
        date.day(),
        seq.rem_euclid(1_000_000)
    )
}

/// Whether `s` is shaped like a refund number (`TF` and 14 digits).
pub fn is_refund_number(s: &str) -> bool {
    s.len() == 16 && s.starts_with("TF") && s[2..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::policy::fixtures::p;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2023 - 04 - 20);
    const STOP: Date = date!(2023 - 01 - 15);

    #[test]
    fn the_candidates_start_at_the_stop_month_or_the_window() {
        let (window_from, _) = refund_window(TODAY, 3);
        assert_eq!(window_from, p("202301"));
        assert_eq!(last_payable_period(STOP), p("202301"));
        // Stopped in the window: from the window's first month.
        assert_eq!(candidates_from([STOP], window_from), p("202301"));
        // Stopped before it: from the stop month (shown, not refundable).
        assert_eq!(
            candidates_from([date!(2022 - 11 - 30), STOP], window_from),
            p("202211")
        );
        // Stopped after the window's first month, or no stop: the window.
        assert_eq!(
            candidates_from([date!(2023 - 03 - 01)], window_from),
            p("202301")
        );
        assert_eq!(candidates_from([], window_from), p("202301"));
    }

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    /// A paid regular line of the R-MON-2 worked example (floor base 3450).
    fn line(id: i64, period: &str, ins: Insurance) -> RefundCandidate {
        let (unit, individual) = match ins {
            Insurance::Pension => (m("552.00"), m("276.00")),
            Insurance::Unemployment => (m("24.15"), m("10.35")),
            _ => (m("6.90"), Money::ZERO),
        };
        RefundCandidate {
            line_id: id,
            period: p(period),
            insurance: ins,
            kind: LineKind::Regular,
            paid: true,
            unit_paid: unit,
            individual_paid: individual,
            unit_refunded: Money::ZERO,
            individual_refunded: Money::ZERO,
            stop_date: Some(STOP),
            under_refund: false,
        }
    }

    /// Jan (stop month) … Apr (current), three insurances each.
    fn person() -> Vec<RefundCandidate> {
        let mut out = Vec::new();
        let mut id = 0;
        for period in ["202301", "202302", "202303", "202304"] {
            for ins in Insurance::COLLECTED {
                id += 1;
                out.push(line(id, period, ins));
            }
        }
        out
    }

    fn facts(c: &[RefundCandidate]) -> RefundFacts<'_> {
        RefundFacts {
            today: TODAY,
            window_months: 3,
            suspended: true,
            candidates: c,
        }
    }

    fn periods(list: &[&str]) -> RefundRequest {
        RefundRequest {
            periods: Some(list.iter().map(|s| p(s)).collect()),
            ..RefundRequest::default()
        }
    }

    #[test]
    fn worked_example_two_months_after_the_stop() {
        // Stopped 2023-01-15, applied in 2023-04: Feb and Mar are refunded,
        // 869.40 each (583.05 unit + 286.35 individual).
        let c = person();
        let plan = plan(&facts(&c), &RefundRequest::default()).unwrap();
        let got: Vec<(String, &str, String)> = plan
            .lines
            .iter()
            .map(|l| {
                (
                    l.period.to_string(),
                    l.insurance.code(),
                    l.amount.to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("202302".into(), "110", "828.00".into()),
                ("202302".into(), "210", "34.50".into()),
                ("202302".into(), "410", "6.90".into()),
                ("202303".into(), "110", "828.00".into()),
                ("202303".into(), "210", "34.50".into()),
                ("202303".into(), "410", "6.90".into()),
            ]
        );
        assert_eq!(plan.unit, m("1166.10"));
        assert_eq!(plan.individual, m("572.70"));
        assert_eq!(plan.total, m("1738.80"));
        assert_eq!(plan.total.to_capitals(), "壹仟柒佰叁拾捌元捌角整");
        // The same, asked for by month.
        let by_month = super::plan(&facts(&c), &periods(&["202302", "202303"])).unwrap();
        assert_eq!(by_month, plan);
    }

    #[test]
    fn each_refusal_names_the_month() {
        let c = person();
        let code = |req: RefundRequest| super::plan(&facts(&c), &req).unwrap_err().code();
        assert_eq!(code(periods(&["202301"])), ErrorCode::StopMonth);
        assert_eq!(code(periods(&["202304"])), ErrorCode::OutsideRefundWindow);
        assert_eq!(code(periods(&["202212"])), ErrorCode::NotPaid);
        let err = super::plan(&facts(&c), &periods(&["202302", "202301"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "202301为停保时间所在月份，应正常缴费，不能退费"
        );
        match err {
            PlanError::Refused(list) => {
                assert_eq!(list.len(), 3);
                assert!(list.iter().all(|r| r.part == RequestPart::Period(1)));
            }
            other => panic!("{other:?}"),
        }
        // Before the stop (a later stop date).
        let mut late = person();
        for l in &mut late {
            l.stop_date = Some(date!(2023 - 02 - 10));
        }
        assert_eq!(
            super::plan(&facts(&late), &periods(&["202301"]))
                .unwrap_err()
                .code(),
            ErrorCode::BeforeStop
        );
    }

    #[test]
    fn not_suspended_unpaid_and_injury_only() {
        let c = person();
        let mut f = facts(&c);
        f.suspended = false;
        assert_eq!(
            plan(&f, &RefundRequest::default()).unwrap_err(),
            PlanError::NotSuspended
        );
        // One relation still paying: its lines say so.
        let mut partly = person();
        for l in partly
            .iter_mut()
            .filter(|l| l.insurance == Insurance::Pension)
        {
            l.stop_date = None;
        }
        let err = plan(&facts(&partly), &periods(&["202302"])).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotSuspended);
        // Without naming months, only the stopped insurances are planned.
        let ok = plan(&facts(&partly), &RefundRequest::default()).unwrap();
        assert!(ok.lines.iter().all(|l| l.insurance != Insurance::Pension));

        let mut unpaid = person();
        unpaid[3].paid = false; // 202302 110
        assert_eq!(
            plan(&facts(&unpaid), &periods(&["202302"]))
                .unwrap_err()
                .code(),
            ErrorCode::NotPaid
        );
        let mut transfer = person();
        transfer[5].kind = LineKind::InjuryOnlyTransfer; // 202302 410
        let err = plan(&facts(&transfer), &periods(&["202302"])).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InjuryOnlyNotRefundable);
        assert_eq!(
            err.to_string(),
            "202302的工伤保险费为转入人员当月工伤缴费，不予退费"
        );
        // Narrowed to the other insurances, the month is fine.
        let req = RefundRequest {
            periods: Some(vec![p("202302")]),
            insurances: Some(vec![Insurance::Pension, Insurance::Unemployment]),
            lines: Vec::new(),
        };
        assert_eq!(plan(&facts(&transfer), &req).unwrap().total, m("862.50"));
        // And the implicit selection leaves it out.
        let all = plan(&facts(&transfer), &RefundRequest::default()).unwrap();
        assert_eq!(all.total, m("1731.90"));
    }

    #[test]
    fn amounts_asked_for_are_at_most_the_principal() {
        let c = person();
        let one = |amount: &str| RefundRequest {
            lines: vec![RequestedLine {
                period: p("202302"),
                insurance: Insurance::Pension,
                amount: Some(m(amount)),
            }],
            ..RefundRequest::default()
        };
        // Only the line named.
        let plan = super::plan(&facts(&c), &one("414.00")).unwrap();
        assert_eq!(plan.lines.len(), 1);
        // 414.00 of 552.00 + 276.00: two thirds unit, one third individual.
        assert_eq!(
            (plan.lines[0].unit, plan.lines[0].individual),
            (m("276.00"), m("138.00"))
        );
        assert_eq!(plan.lines[0].refundable, m("828.00"));
        let err = super::plan(&facts(&c), &one("829.80")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::AmountAbovePrincipal);
        assert_eq!(
            err.to_string(),
            "202302企业职工基本养老保险申请退费829.80元，超过可退本金828.00元：只退还多缴的单位和个人缴费本金，利息和滞纳金不予退费"
        );
        // A month plus one line with an amount.
        let req = RefundRequest {
            periods: Some(vec![p("202303")]),
            insurances: None,
            lines: vec![RequestedLine {
                period: p("202302"),
                insurance: Insurance::WorkInjury,
                amount: Some(m("1.00")),
            }],
        };
        assert_eq!(super::plan(&facts(&c), &req).unwrap().total, m("870.40"));
    }

    #[test]
    fn lines_under_refund_are_a_conflict() {
        let mut c = person();
        for l in c.iter_mut().filter(|l| l.period == p("202302")) {
            l.under_refund = true;
        }
        let err = plan(&facts(&c), &periods(&["202302"])).unwrap_err();
        assert_eq!(err.code(), ErrorCode::LineUnderRefund);
        assert!(err.is_conflict());
        // Mixed with a rule refusal, the rule speaks.
        let err = plan(&facts(&c), &periods(&["202302", "202301"])).unwrap_err();
        assert_eq!(err.code(), ErrorCode::StopMonth);
        assert!(!err.is_conflict());
        // Nothing named: what is left is planned.
        assert_eq!(
            plan(&facts(&c), &RefundRequest::default()).unwrap().total,
            m("869.40")
        );
        // Everything taken: the second click is a conflict too.
        for l in &mut c {
            l.under_refund = true;
        }
        assert!(
            plan(&facts(&c), &RefundRequest::default())
                .unwrap_err()
                .is_conflict()
        );
    }

    #[test]
    fn nothing_to_refund_and_already_refunded() {
        let mut c = person();
        c.retain(|l| l.period == p("202301"));
        let err = plan(&facts(&c), &RefundRequest::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NothingToRefund);
        assert!(err.to_string().contains("202301至202303"));
        let mut done = vec![line(1, "202302", Insurance::WorkInjury)];
        done[0].unit_refunded = m("6.90");
        assert_eq!(
            plan(&facts(&done), &periods(&["202302"]))
                .unwrap_err()
                .code(),
            ErrorCode::AlreadyRefunded
        );
    }

    #[test]
    fn split_keeps_parts_within_what_is_left() {
        assert_eq!(
            split(m("0.01"), m("552.00"), m("276.00")),
            Refundable {
                unit: m("0.01"),
                individual: Money::ZERO,
                total: m("0.01")
            }
        );
        assert_eq!(
            split(m("10.00"), Money::ZERO, m("276.00")).individual,
            m("10.00")
        );
        assert_eq!(split(m("10.00"), m("6.90"), Money::ZERO).total, m("6.90"));
    }

    #[test]
    fn refund_numbers() {
        assert_eq!(refund_number(TODAY, 1), "TF20230420000001");
        assert!(is_refund_number("TF20230420000001"));
        assert!(!is_refund_number("TF2023042000000"));
        assert!(!is_refund_number("2023042000000123"));
        assert!(!is_refund_number("TF2023042000000X"));
    }

    fn arb_candidate() -> impl Strategy<Value = RefundCandidate> {
        (
            (0i64..1_000_000, 0i64..500_000, 0i64..600_000, 0i64..600_000),
            (
                0usize..8,
                0usize..3,
                0usize..3,
                any::<bool>(),
                any::<bool>(),
            ),
            proptest::option::of(0i64..200),
        )
            .prop_map(
                |((unit, ind, ur, ir), (month, ins, kind, paid, taken), stop_days)| {
                    RefundCandidate {
                        line_id: 0,
                        period: p("202210").add_months(i32::try_from(month).unwrap_or(0)),
                        insurance: Insurance::COLLECTED[ins],
                        kind: [
                            LineKind::Regular,
                            LineKind::BackPay,
                            LineKind::InjuryOnlyTransfer,
                        ][kind],
                        paid,
                        unit_paid: Money::from_fen(unit),
                        individual_paid: Money::from_fen(ind),
                        unit_refunded: Money::from_fen(ur.min(unit)),
                        individual_refunded: Money::from_fen(ir.min(ind)),
                        stop_date: stop_days
                            .map(|d| date!(2022 - 10 - 01) + time::Duration::days(d)),
                        under_refund: taken,
                    }
                },
            )
    }

    fn arb_person() -> impl Strategy<Value = Vec<RefundCandidate>> {
        proptest::collection::vec(arb_candidate(), 0..24).prop_map(|mut v| {
            // One line per month and insurance, as stored.
            let mut seen = Vec::new();
            v.retain(|c| {
                let k = (c.period, c.insurance);
                let fresh = !seen.contains(&k);
                seen.push(k);
                fresh
            });
            for (i, c) in v.iter_mut().enumerate() {
                c.line_id = i64::try_from(i).unwrap_or(0) + 1;
            }
            v
        })
    }

    proptest! {
        #[test]
        fn a_refund_never_exceeds_what_was_paid(c in arb_person(), asks in proptest::collection::vec((0usize..24, 1i64..2_000_000), 0..4)) {
            let lines: Vec<RequestedLine> = asks
                .iter()
                .filter_map(|(i, fen)| c.get(*i).map(|x| RequestedLine {
                    period: x.period,
                    insurance: x.insurance,
                    amount: Some(Money::from_fen(*fen)),
                }))
                .collect();
            for req in [RefundRequest::default(), RefundRequest { lines, ..RefundRequest::default() }] {
                if let Ok(plan) = plan(&facts(&c), &req) {
                    for l in &plan.lines {
                        let x = c.iter().find(|x| x.line_id == l.line_id).unwrap();
                        prop_assert!(l.amount > Money::ZERO);
                        prop_assert!(l.amount <= l.refundable);
                        prop_assert!(l.unit >= Money::ZERO && l.individual >= Money::ZERO);
                        prop_assert_eq!(l.unit + l.individual, l.amount);
                        prop_assert!(l.unit + x.unit_refunded <= x.unit_paid);
                        prop_assert!(l.individual + x.individual_refunded <= x.individual_paid);
                        prop_assert!(l.amount + x.unit_refunded + x.individual_refunded
                            <= x.unit_paid + x.individual_paid);
                    }
                }
            }
        }

        #[test]
        fn the_total_is_the_sum_of_the_lines(c in arb_person()) {
            if let Ok(plan) = plan(&facts(&c), &RefundRequest::default()) {
                let sum: Money = plan.lines.iter().map(|l| l.amount).sum();
                prop_assert_eq!(plan.total, sum);
                prop_assert_eq!(plan.unit + plan.individual, plan.total);
                let unit: Money = plan.lines.iter().map(|l| l.unit).sum();
                prop_assert_eq!(plan.unit, unit);
            }
        }

        #[test]
        fn refused_lines_contribute_nothing(c in arb_person()) {
            // Implicitly, the plan is exactly the refundable lines, in full.
            let expected: Money = c
                .iter()
                .filter_map(|x| evaluate(TODAY, 3, x).ok())
                .map(|r| r.total)
                .sum();
            match plan(&facts(&c), &RefundRequest::default()) {
                Ok(plan) => {
                    prop_assert_eq!(plan.total, expected);
                    for l in &plan.lines {
                        let x = c.iter().find(|x| x.line_id == l.line_id).unwrap();
                        prop_assert!(evaluate(TODAY, 3, x).is_ok());
                    }
                }
                Err(_) => prop_assert_eq!(expected, Money::ZERO),
            }
            // Naming every month: either every line is refundable (and
            // all are planned), or nothing is planned at all.
            let mut months: Vec<Period> = c.iter().map(|x| x.period).collect();
            months.sort();
            months.dedup();
            if !months.is_empty() {
                let req = RefundRequest { periods: Some(months), ..RefundRequest::default() };
                let all_ok = c.iter().all(|x| evaluate(TODAY, 3, x).is_ok());
                match plan(&facts(&c), &req) {
                    Ok(plan) => {
                        prop_assert!(all_ok);
                        prop_assert_eq!(plan.lines.len(), c.len());
                    }
                    Err(PlanError::Refused(list)) => {
                        prop_assert!(!all_ok);
                        prop_assert!(!list.is_empty());
                    }
                    Err(other) => prop_assert!(false, "unexpected {:?}", other),
                }
            }
        }
    }
}
