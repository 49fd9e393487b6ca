//! The payment lifecycle with the tax bureau (R-PAY-1…4): which tax events an
//! order accepts, the five progress steps, the unit's paid-up period and the
//! daily reconciliation.
//!
//! The tax bureau collects the money; social insurance books it. Each tax
//! message carries a serial; the storage layer keeps the first answer per
//! serial, so a replay answers the same (R-PAY-4). This module decides the
//! answer of a first delivery from the facts of the order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::Date;

use crate::error_code::ErrorCode;
use crate::{Money, Period};

/// The status of a payment order as the tax side sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    /// Issued, unpaid, within its due date.
    Live,
    Paid,
    Expired,
    Revoked,
}

impl OrderState {
    pub fn parse(s: &str) -> Option<OrderState> {
        Some(match s {
            "live" => OrderState::Live,
            "paid" => OrderState::Paid,
            "expired" => OrderState::Expired,
            "revoked" => OrderState::Revoked,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            OrderState::Live => "live",
            OrderState::Paid => "paid",
            OrderState::Expired => "expired",
            OrderState::Revoked => "revoked",
        }
    }

    /// The state a reader is shown on `today` (R-DECL-4: "after the due date
    /// it expires by itself"): a live order past its due date is expired,
    /// whether or not a write has closed it yet. Closing it (and freeing its
    /// lines, R-DECL-5) is the writers' and the expiry job's work; a read
    /// never shows an overdue order as live.
    pub fn as_of(self, due_date: Date, today: Date) -> OrderState {
        match self {
            OrderState::Live if due_date < today => OrderState::Expired,
            other => other,
        }
    }

    /// 有效、已缴费、已过期、已撤销.
    pub fn name_zh(self) -> &'static str {
        match self {
            OrderState::Live => "有效（待缴费）",
            OrderState::Paid => "已缴费",
            OrderState::Expired => "已过期",
            OrderState::Revoked => "已撤销",
        }
    }
}

/// What the tax side knows of an order when an event arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFacts {
    pub state: OrderState,
    pub total: Money,
    pub issue_date: Date,
    pub due_date: Date,
    pub invoiced: bool,
    /// For an expired order: none of its lines was billed again or paid
    /// since it expired.
    pub lines_free: bool,
}

/// What an accepted payment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentAction {
    /// Book the live order.
    Book,
    /// The bank took the money by the due date but the message came after
    /// the order expired, and its lines are still free: bring it back and
    /// book it.
    ReopenAndBook,
}

/// Why a tax event is refused. The message is what the tax bureau's operator
/// and the reconciliation report read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventRefusal {
    #[error("认定单{order_no}不存在")]
    OrderNotFound { order_no: String },
    #[error("认定单{order_no}已撤销，不能开票或缴费，款项应退回缴费单位")]
    OrderRevoked { order_no: String },
    #[error("认定单{order_no}已超过有效期（{due_date}），不能开票或缴费，单位应重新开具认定单")]
    OrderExpired { order_no: String, due_date: Date },
    #[error("认定单{order_no}已缴费登账，不能重复缴费")]
    AlreadyPaid { order_no: String },
    #[error("认定单{order_no}已开票，不能重复开票")]
    AlreadyInvoiced { order_no: String },
    #[error("认定单{order_no}尚未开票，不能登账")]
    NotInvoiced { order_no: String },
    #[error("金额不符：认定单{order_no}应缴{expected}元，报文金额{got}元")]
    AmountMismatch {
        order_no: String,
        expected: Money,
        got: Money,
    },
    #[error("认定单{order_no}已过期，其明细已重新开具或缴费，该笔缴费不能登账，款项应退回缴费单位")]
    Reissued { order_no: String },
    #[error("银行扣款日期{bank_date}早于认定单{order_no}的开具日期（{issue_date}）")]
    PaidBeforeIssue {
        order_no: String,
        bank_date: Date,
        issue_date: Date,
    },
    #[error("银行扣款时间{bank_date}晚于认定单{order_no}的有效期（{due_date}）")]
    PaidAfterDue {
        order_no: String,
        bank_date: Date,
        due_date: Date,
    },
    #[error("被冲正的缴费流水{serial}不存在或未登账")]
    ReversalUnknown { serial: String },
    #[error("缴费流水{serial}已被冲正，不能重复冲正")]
    AlreadyReversed { serial: String },
    #[error("冲正报文与原缴费流水{serial}不符（认定单号或金额不一致）")]
    ReversalMismatch { serial: String },
    #[error("认定单{order_no}已有退费申请，不能冲正，请先处理退费")]
    RefundExists { order_no: String },
}

impl EventRefusal {
    /// The stable machine code; its status is the answer's (404 unknown,
    /// 409 the order's state, 422 the message's content).
    pub fn code(&self) -> ErrorCode {
        match self {
            EventRefusal::OrderNotFound { .. } => ErrorCode::OrderNotFound,
            EventRefusal::OrderRevoked { .. } => ErrorCode::OrderRevoked,
            EventRefusal::OrderExpired { .. } => ErrorCode::OrderExpired,
            EventRefusal::AlreadyPaid { .. } => ErrorCode::OrderAlreadyPaid,
            EventRefusal::AlreadyInvoiced { .. } => ErrorCode::OrderAlreadyInvoiced,
            EventRefusal::NotInvoiced { .. } => ErrorCode::OrderNotInvoiced,
            EventRefusal::AmountMismatch { .. } => ErrorCode::AmountMismatch,
            EventRefusal::PaidAfterDue { .. } => ErrorCode::PaidAfterDueDate,
            EventRefusal::Reissued { .. } => ErrorCode::OrderReissued,
            EventRefusal::PaidBeforeIssue { .. } => ErrorCode::PaidBeforeIssueDate,
            EventRefusal::ReversalUnknown { .. } => ErrorCode::PaymentNotFound,
            EventRefusal::AlreadyReversed { .. } => ErrorCode::PaymentAlreadyReversed,
            EventRefusal::ReversalMismatch { .. } => ErrorCode::ReversalMismatch,
            EventRefusal::RefundExists { .. } => ErrorCode::RefundExists,
        }
    }
}

fn check_open(order_no: &str, o: &OrderFacts) -> Result<(), EventRefusal> {
    let order_no = order_no.to_owned();
    match o.state {
        OrderState::Live => Ok(()),
        OrderState::Paid => Err(EventRefusal::AlreadyPaid { order_no }),
        OrderState::Expired => Err(EventRefusal::OrderExpired {
            order_no,
            due_date: o.due_date,
        }),
        OrderState::Revoked => Err(EventRefusal::OrderRevoked { order_no }),
    }
}

fn check_amount(order_no: &str, o: &OrderFacts, amount: Money) -> Result<(), EventRefusal> {
    if amount == o.total {
        Ok(())
    } else {
        Err(EventRefusal::AmountMismatch {
            order_no: order_no.to_owned(),
            expected: o.total,
            got: amount,
        })
    }
}

/// 税务开票: the order must be live, not invoiced yet, and the amount its total.
pub fn check_invoice(order_no: &str, o: &OrderFacts, amount: Money) -> Result<(), EventRefusal> {
    check_open(order_no, o)?;
    if o.invoiced {
        return Err(EventRefusal::AlreadyInvoiced {
            order_no: order_no.to_owned(),
        });
    }
    check_amount(order_no, o, amount)
}

/// 税务登账: the order must be invoiced, the amount its total, and the bank
/// must have taken the money between the issue date and the due date. A
/// payment made in time whose message arrives after the order expired is
/// booked when the order's lines are still free (R-PAY-2: messages may
/// arrive hours later); otherwise it is refused and goes back.
pub fn check_payment(
    order_no: &str,
    o: &OrderFacts,
    amount: Money,
    bank_date: Date,
) -> Result<PaymentAction, EventRefusal> {
    let no = || order_no.to_owned();
    match o.state {
        OrderState::Paid => return Err(EventRefusal::AlreadyPaid { order_no: no() }),
        OrderState::Revoked => return Err(EventRefusal::OrderRevoked { order_no: no() }),
        OrderState::Live | OrderState::Expired => {}
    }
    if bank_date < o.issue_date {
        return Err(EventRefusal::PaidBeforeIssue {
            order_no: no(),
            bank_date,
            issue_date: o.issue_date,
        });
    }
    if bank_date > o.due_date {
        return Err(EventRefusal::PaidAfterDue {
            order_no: no(),
            bank_date,
            due_date: o.due_date,
        });
    }
    if !o.invoiced {
        return Err(EventRefusal::NotInvoiced { order_no: no() });
    }
    check_amount(order_no, o, amount)?;
    match o.state {
        OrderState::Expired if o.lines_free => Ok(PaymentAction::ReopenAndBook),
        OrderState::Expired => Err(EventRefusal::Reissued { order_no: no() }),
        _ => Ok(PaymentAction::Book),
    }
}

/// A booked payment as a reversal (冲正) finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedPayment {
    pub serial: String,
    pub order_no: String,
    pub amount: Money,
    pub reversed: bool,
}

/// 冲正: the original payment must be booked and not reversed, the message
/// must name the same order and amount, and no refund may rest on its lines.
pub fn check_reversal(
    original_serial: &str,
    original: Option<&BookedPayment>,
    order_no: &str,
    amount: Money,
    refund_exists: bool,
) -> Result<(), EventRefusal> {
    let p = original.ok_or_else(|| EventRefusal::ReversalUnknown {
        serial: original_serial.to_owned(),
    })?;
    if p.reversed {
        return Err(EventRefusal::AlreadyReversed {
            serial: p.serial.clone(),
        });
    }
    if p.order_no != order_no || p.amount != amount {
        return Err(EventRefusal::ReversalMismatch {
            serial: p.serial.clone(),
        });
    }
    if refund_exists {
        return Err(EventRefusal::RefundExists {
            order_no: order_no.to_owned(),
        });
    }
    Ok(())
}

/// The state an order returns to when its payment is reversed: live again
/// within its due date, otherwise expired (its lines free for a new order).
pub fn state_after_reversal(due_date: Date, today: Date) -> OrderState {
    if today <= due_date {
        OrderState::Live
    } else {
        OrderState::Expired
    }
}

/// The five progress steps of an order (R-PAY-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProgressStep {
    /// 缴费认定: the order was issued.
    Issued,
    /// 税务开票: the tax bureau invoiced it.
    TaxInvoiced,
    /// 税务登账: the tax bureau booked the money (the bank's time).
    TaxBooked,
    /// 社保登账: social insurance booked the arrival.
    SiBooked,
    /// 实收分配: the money was allocated to persons and months.
    Allocated,
}

impl ProgressStep {
    pub const ALL: [ProgressStep; 5] = [
        ProgressStep::Issued,
        ProgressStep::TaxInvoiced,
        ProgressStep::TaxBooked,
        ProgressStep::SiBooked,
        ProgressStep::Allocated,
    ];

    pub fn name_zh(self) -> &'static str {
        match self {
            ProgressStep::Issued => "缴费认定",
            ProgressStep::TaxInvoiced => "税务开票",
            ProgressStep::TaxBooked => "税务登账",
            ProgressStep::SiBooked => "社保登账",
            ProgressStep::Allocated => "实收分配",
        }
    }
}

/// The unit's paid-up period of one insurance (单位最大核止期号, R-PAY-3):
/// the latest month up to which every assessed month is paid.
///
/// `months`: each assessed month with whether all its lines are paid;
/// `stored`: the period stored so far (it carries history from before the
/// lines kept here, e.g. a migrated unit). It never reaches the earliest
/// month with an unpaid line, and otherwise advances to the latest fully
/// paid month before it.
pub fn paid_up_period(stored: Option<Period>, months: &[(Period, bool)]) -> Option<Period> {
    let mut by: BTreeMap<Period, bool> = BTreeMap::new();
    for &(p, paid) in months {
        let slot = by.entry(p).or_insert(true);
        *slot = *slot && paid;
    }
    let earliest_unpaid = by.iter().find(|(_, paid)| !**paid).map(|(p, _)| *p);
    let latest_paid = by
        .iter()
        .filter(|(p, paid)| **paid && earliest_unpaid.is_none_or(|u| **p < u))
        .map(|(p, _)| *p)
        .max();
    let candidate = stored.max(latest_paid);
    match earliest_unpaid {
        None => candidate,
        Some(u) => candidate.map(|c| c.min(u.prev())),
    }
}

/// Paid months as contiguous spans (paid-from / paid-to, R-CERT-1), in order.
pub fn contiguous_spans(months: &[Period]) -> Vec<(Period, Period)> {
    let mut sorted = months.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out: Vec<(Period, Period)> = Vec::new();
    for p in sorted {
        match out.last_mut() {
            Some((_, to)) if to.next() == p => *to = p,
            _ => out.push((p, p)),
        }
    }
    out
}

/// One money message of tax for a day, as received: a payment, or a
/// reversal (冲正) with a negative amount on the day it was received, so a
/// later reversal never reopens a day already reconciled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedPayment {
    pub serial: String,
    pub order_no: String,
    pub amount: Money,
    /// Booked (or, for a reversal, applied) by social insurance.
    pub booked: bool,
    /// Why it was not booked: the refusal code and message.
    pub refusal: Option<(String, String)>,
}

/// One line of the tax bureau's own statement of a day (对账单).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    pub serial: String,
    pub order_no: String,
    pub amount: Money,
}

/// What differs between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// Tax reported a payment that was refused (wrong amount, revoked or
    /// expired order, …): the money must go back.
    Refused,
    /// On the tax statement, but no payment message was received.
    MissingMessage,
    /// Booked here, but absent from the tax statement.
    NotInStatement,
    /// On both, with different amounts or orders.
    Mismatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub kind: DifferenceKind,
    pub serial: String,
    pub order_no: String,
    /// The amount tax reported (statement or message).
    pub reported: Money,
    /// The amount booked here for that serial.
    pub booked: Money,
    pub code: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub count: u64,
    pub sum: Money,
}

impl Tally {
    fn add(&mut self, m: Money) {
        self.count += 1;
        self.sum += m;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    /// What tax reported: its statement when it sent one, else its messages.
    pub reported: Tally,
    /// What was booked here (not reversed).
    pub booked: Tally,
    pub differences: Vec<Difference>,
}

impl Reconciliation {
    /// Both sides agree: same count and sum and nothing listed.
    pub fn balanced(&self) -> bool {
        self.reported == self.booked && self.differences.is_empty()
    }
}

/// R-PAY-4: per day, what tax reported against what was booked, with each
/// difference listed. Without a statement, every paid message of the day is
/// what tax reported; with one, the statement is, and each message is
/// matched to it by serial.
pub fn reconcile(
    messages: &[ReportedPayment],
    statement: Option<&[StatementLine]>,
) -> Reconciliation {
    let mut booked = Tally::default();
    let mut reported = Tally::default();
    let mut differences = Vec::new();
    for m in messages {
        if m.booked {
            booked.add(m.amount);
        }
    }
    let not_booked = |m: &ReportedPayment| {
        let (code, detail) = m.refusal.clone().unwrap_or_default();
        Difference {
            kind: DifferenceKind::Refused,
            serial: m.serial.clone(),
            order_no: m.order_no.clone(),
            reported: m.amount,
            booked: Money::ZERO,
            code: (!code.is_empty()).then_some(code),
            detail,
        }
    };
    match statement {
        None => {
            for m in messages {
                reported.add(m.amount);
                if !m.booked {
                    differences.push(not_booked(m));
                }
            }
        }
        Some(lines) => {
            let by_serial: BTreeMap<&str, &ReportedPayment> =
                messages.iter().map(|m| (m.serial.as_str(), m)).collect();
            let mut seen = std::collections::BTreeSet::new();
            for l in lines {
                reported.add(l.amount);
                seen.insert(l.serial.as_str());
                match by_serial.get(l.serial.as_str()) {
                    None => differences.push(Difference {
                        kind: DifferenceKind::MissingMessage,
                        serial: l.serial.clone(),
                        order_no: l.order_no.clone(),
                        reported: l.amount,
                        booked: Money::ZERO,
                        code: None,
                        detail: "税务对账单有该笔缴费，但社保未收到缴费报文".to_owned(),
                    }),
                    Some(m) if !m.booked => {
                        let mut d = not_booked(m);
                        d.reported = l.amount;
                        differences.push(d);
                    }
                    Some(m) if m.amount != l.amount || m.order_no != l.order_no => {
                        differences.push(Difference {
                            kind: DifferenceKind::Mismatch,
                            serial: l.serial.clone(),
                            order_no: l.order_no.clone(),
                            reported: l.amount,
                            booked: m.amount,
                            code: None,
                            detail: format!(
                                "对账单为认定单{}金额{}元，社保登账为认定单{}金额{}元",
                                l.order_no, l.amount, m.order_no, m.amount
                            ),
                        });
                    }
                    Some(_) => {}
                }
            }
            for m in messages {
                if seen.contains(m.serial.as_str()) {
                    continue;
                }
                if m.booked {
                    differences.push(Difference {
                        kind: DifferenceKind::NotInStatement,
                        serial: m.serial.clone(),
                        order_no: m.order_no.clone(),
                        reported: Money::ZERO,
                        booked: m.amount,
                        code: None,
                        detail: "社保已登账，但税务对账单没有该笔缴费".to_owned(),
                    });
                } else {
                    differences.push(not_booked(m));
                }
            }
        }
    }
    Reconciliation {
        reported,
        booked,
        differences,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::policy::fixtures::p;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn a_live_order_expires_by_itself_after_its_due_date() {
        let due = date!(2023 - 04 - 27);
        assert_eq!(
            OrderState::Live.as_of(due, date!(2023 - 04 - 27)),
            OrderState::Live
        );
        assert_eq!(
            OrderState::Live.as_of(due, date!(2023 - 04 - 28)),
            OrderState::Expired
        );
        for s in [OrderState::Paid, OrderState::Expired, OrderState::Revoked] {
            assert_eq!(s.as_of(due, date!(2023 - 05 - 30)), s);
            assert_eq!(s.as_of(due, date!(2023 - 04 - 01)), s);
        }
    }

    fn live(total: &str, invoiced: bool) -> OrderFacts {
        OrderFacts {
            state: OrderState::Live,
            total: Money::parse(total).unwrap(),
            issue_date: date!(2023 - 04 - 13),
            due_date: date!(2023 - 04 - 27),
            invoiced,
            lines_free: false,
        }
    }

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    #[test]
    fn invoice_then_payment() {
        let o = live("1737.60", false);
        assert!(check_invoice("A", &o, m("1737.60")).is_ok());
        let e = check_invoice("A", &o, m("1737.50")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::AmountMismatch);
        assert_eq!(e.code().status(), 422);
        assert!(e.to_string().contains("应缴1737.60元"));
        assert_eq!(
            check_payment("A", &o, m("1737.60"), date!(2023 - 04 - 21))
                .unwrap_err()
                .code(),
            ErrorCode::OrderNotInvoiced
        );
        let o = live("1737.60", true);
        assert_eq!(
            check_invoice("A", &o, m("1737.60")).unwrap_err().code(),
            ErrorCode::OrderAlreadyInvoiced
        );
        assert_eq!(
            check_payment("A", &o, m("1737.60"), date!(2023 - 04 - 27)),
            Ok(PaymentAction::Book)
        );
        assert_eq!(
            check_payment("A", &o, m("1737.60"), date!(2023 - 04 - 28))
                .unwrap_err()
                .code(),
            ErrorCode::PaidAfterDueDate
        );
        assert_eq!(
            check_payment("A", &o, m("1737.60"), date!(2023 - 04 - 12))
                .unwrap_err()
                .code(),
            ErrorCode::PaidBeforeIssueDate
        );
        // Paid in time, the message after the order expired.
        let late = OrderFacts {
            state: OrderState::Expired,
            lines_free: true,
            ..o
        };
        assert_eq!(
            check_payment("A", &late, m("1737.60"), date!(2023 - 04 - 26)),
            Ok(PaymentAction::ReopenAndBook)
        );
        let reissued = OrderFacts {
            lines_free: false,
            ..late
        };
        assert_eq!(
            check_payment("A", &reissued, m("1737.60"), date!(2023 - 04 - 26))
                .unwrap_err()
                .code(),
            ErrorCode::OrderReissued
        );
    }

    #[test]
    fn closed_orders_refuse() {
        for (state, code) in [
            (OrderState::Paid, ErrorCode::OrderAlreadyPaid),
            (OrderState::Expired, ErrorCode::OrderReissued),
            (OrderState::Revoked, ErrorCode::OrderRevoked),
        ] {
            let o = OrderFacts {
                state,
                ..live("10.00", true)
            };
            let e = check_payment("A", &o, m("10.00"), date!(2023 - 04 - 21)).unwrap_err();
            assert_eq!(e.code(), code);
            assert_eq!(e.code().status(), 409);
        }
        for (state, code) in [
            (OrderState::Paid, ErrorCode::OrderAlreadyPaid),
            (OrderState::Expired, ErrorCode::OrderExpired),
            (OrderState::Revoked, ErrorCode::OrderRevoked),
        ] {
            let o = OrderFacts {
                state,
                ..live("10.00", true)
            };
            assert_eq!(check_invoice("A", &o, m("10.00")).unwrap_err().code(), code);
        }
    }

    #[test]
    fn reversal_rules() {
        let p = BookedPayment {
            serial: "S1".into(),
            order_no: "A".into(),
            amount: m("10.00"),
            reversed: false,
        };
        assert!(check_reversal("S1", Some(&p), "A", m("10.00"), false).is_ok());
        assert_eq!(
            check_reversal("S1", None, "A", m("10.00"), false)
                .unwrap_err()
                .code(),
            ErrorCode::PaymentNotFound
        );
        assert_eq!(
            check_reversal("S1", Some(&p), "A", m("9.00"), false)
                .unwrap_err()
                .code(),
            ErrorCode::ReversalMismatch
        );
        assert_eq!(
            check_reversal("S1", Some(&p), "A", m("10.00"), true)
                .unwrap_err()
                .code(),
            ErrorCode::RefundExists
        );
        let r = BookedPayment {
            reversed: true,
            ..p.clone()
        };
        assert_eq!(
            check_reversal("S1", Some(&r), "A", m("10.00"), false)
                .unwrap_err()
                .code(),
            ErrorCode::PaymentAlreadyReversed
        );
        assert_eq!(
            state_after_reversal(date!(2023 - 04 - 27), date!(2023 - 04 - 27)),
            OrderState::Live
        );
        assert_eq!(
            state_after_reversal(date!(2023 - 04 - 27), date!(2023 - 04 - 28)),
            OrderState::Expired
        );
    }

    #[test]
    fn paid_up_examples() {
        assert_eq!(paid_up_period(None, &[]), None);
        assert_eq!(paid_up_period(Some(p("202207")), &[]), Some(p("202207")));
        // A month paid advances it.
        assert_eq!(
            paid_up_period(Some(p("202207")), &[(p("202208"), true)]),
            Some(p("202208"))
        );
        // A month with one unpaid line stops it, even if later months are paid.
        assert_eq!(
            paid_up_period(
                None,
                &[
                    (p("202302"), true),
                    (p("202303"), false),
                    (p("202303"), true),
                    (p("202304"), true)
                ]
            ),
            Some(p("202302"))
        );
        // A reversed payment takes it back below the unpaid month.
        assert_eq!(
            paid_up_period(Some(p("202208")), &[(p("202208"), false)]),
            Some(p("202207"))
        );
        // Undeclared months in between do not count as paid.
        assert_eq!(
            paid_up_period(
                Some(p("202207")),
                &[(p("202208"), true), (p("202211"), false)]
            ),
            Some(p("202208"))
        );
        assert_eq!(paid_up_period(None, &[(p("202302"), false)]), None);
    }

    #[test]
    fn spans_of_paid_months() {
        assert_eq!(contiguous_spans(&[]), vec![]);
        assert_eq!(
            contiguous_spans(&[
                p("202301"),
                p("202212"),
                p("202302"),
                p("202305"),
                p("202302")
            ]),
            vec![(p("202212"), p("202302")), (p("202305"), p("202305"))]
        );
    }

    fn pay(serial: &str, amount: &str, booked: bool) -> ReportedPayment {
        ReportedPayment {
            serial: serial.into(),
            order_no: format!("O{serial}"),
            amount: m(amount),
            booked,
            refusal: (!booked).then(|| ("AMOUNT_MISMATCH".to_owned(), "金额不符".to_owned())),
        }
    }

    #[test]
    fn reconciliation_from_messages() {
        let r = reconcile(&[pay("1", "10.00", true), pay("2", "5.00", true)], None);
        assert!(r.balanced());
        assert_eq!(r.reported.count, 2);
        assert_eq!(r.booked.sum, m("15.00"));
        let r = reconcile(&[pay("1", "10.00", true), pay("2", "5.00", false)], None);
        assert!(!r.balanced());
        assert_eq!(r.reported.sum, m("15.00"));
        assert_eq!(r.booked.sum, m("10.00"));
        assert_eq!(r.differences.len(), 1);
        assert_eq!(r.differences[0].kind, DifferenceKind::Refused);
        assert_eq!(r.differences[0].code.as_deref(), Some("AMOUNT_MISMATCH"));
    }

    #[test]
    fn reconciliation_against_statement() {
        let stmt = [
            StatementLine {
                serial: "1".into(),
                order_no: "O1".into(),
                amount: m("10.00"),
            },
            StatementLine {
                serial: "3".into(),
                order_no: "O3".into(),
                amount: m("7.00"),
            },
            StatementLine {
                serial: "4".into(),
                order_no: "O4".into(),
                amount: m("9.00"),
            },
        ];
        let r = reconcile(
            &[
                pay("1", "10.00", true),
                pay("2", "5.00", true),
                pay("4", "8.00", true),
            ],
            Some(&stmt),
        );
        let kinds: Vec<_> = r
            .differences
            .iter()
            .map(|d| (d.kind, d.serial.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (DifferenceKind::MissingMessage, "3"),
                (DifferenceKind::Mismatch, "4"),
                (DifferenceKind::NotInStatement, "2"),
            ]
        );
        assert_eq!(r.reported.sum, m("26.00"));
        assert_eq!(r.booked.sum, m("23.00"));
    }

    proptest! {
        /// It never reaches an unpaid month, never falls below a fully
        /// paid month before the first unpaid one, and with nothing unpaid
        /// never goes back.
        #[test]
        fn paid_up_bounds(
            stored in proptest::option::of(0i32..24),
            months in proptest::collection::vec((0i32..24, any::<bool>()), 0..40),
        ) {
            let base = p("202201");
            let stored = stored.map(|o| base.add_months(o));
            let ms: Vec<(Period, bool)> = months.iter().map(|&(o, b)| (base.add_months(o), b)).collect();
            let got = paid_up_period(stored, &ms);
            let unpaid = ms.iter().filter(|(_, b)| !*b).map(|(q, _)| *q).min();
            let fully = |q: Period| ms.iter().filter(|(x, _)| *x == q).all(|(_, b)| *b);
            match unpaid {
                Some(u) => {
                    prop_assert!(got.is_none_or(|g| g < u));
                    for (q, _) in &ms {
                        if *q < u && fully(*q) {
                            prop_assert!(got.is_some_and(|g| g >= *q));
                        }
                    }
                }
                None => {
                    prop_assert!(got >= stored);
                    prop_assert!(ms.iter().all(|(q, _)| got.is_some_and(|g| g >= *q)));
                }
            }
        }

        /// Without a statement, reported = booked + every difference, in
        /// count and sum.
        #[test]
        fn reconciliation_adds_up(rows in proptest::collection::vec((1i64..100_000, any::<bool>()), 0..30)) {
            let msgs: Vec<ReportedPayment> = rows.iter().enumerate().map(|(i, &(f, b))| ReportedPayment {
                serial: i.to_string(),
                order_no: format!("O{i}"),
                amount: Money::from_fen(f),
                booked: b,
                refusal: None,
            }).collect();
            let r = reconcile(&msgs, None);
            let diff: Money = r.differences.iter().map(|d| d.reported).sum();
            prop_assert_eq!(r.reported.sum, r.booked.sum + diff);
            prop_assert_eq!(r.reported.count, r.booked.count + r.differences.len() as u64);
            prop_assert_eq!(r.balanced(), rows.iter().all(|&(_, b)| b));
        }
    }
}
