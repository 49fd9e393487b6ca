//! 多缴退费 candidates (R-REF-1…4): what a unit looks at before applying —
//! each of the person's lines from the stop month on, judged by
//! `qibao_core::refund::evaluate`, the refund window and the unit's refund
//! bank account. A read; nothing is written.

use qibao_core::Money;
use qibao_core::refund::{candidates_from, evaluate, last_payable_period, refund_window};
use qibao_db::ids::UnitId;
use qibao_db::units::{self as unit_db, PURPOSE_REFUND};
use qibao_db::{DbConn, employees as emp_db};
use time::Date;

use super::{RefundCandidateDto, RefundCandidates, RefundStopDto, account_dto, load_person};
use crate::error::AppError;

/// The person's lines from the earlier of the stop month and the refund
/// window's first month, each with its refundable amount (principal paid
/// less what was refunded; interest and late fees never, R-LATE-3) or the
/// reason it is not refundable online (R-REF-1…4), with the window and the
/// unit's refund bank account (R-REF-3).
pub fn list(
    conn: &mut DbConn,
    unit_id: UnitId,
    person_no: &str,
    today: Date,
) -> Result<RefundCandidates, AppError> {
    let l = load_person(conn, unit_id, person_no, today)?;
    let (window_from, window_to) = refund_window(today, l.window_months);
    let mut stops: Vec<RefundStopDto> = Vec::new();
    for e in l.relations.iter().filter(|e| e.status == emp_db::SUSPENDED) {
        if let Some(stop_date) = e.stop_date {
            let insurance = e.insurance;
            stops.push(RefundStopDto {
                insurance,
                stop_date,
                last_payable_period: last_payable_period(stop_date),
            });
        }
    }
    stops.sort_by_key(|s| (s.insurance, s.stop_date));
    let from = candidates_from(stops.iter().map(|s| s.stop_date), window_from);
    let mut lines = Vec::new();
    let mut total = Money::ZERO;
    for (a, c) in l.rows.iter().zip(&l.candidates) {
        if c.period < from {
            continue;
        }
        let kind = a.kind;
        let (interest, late_fee) = l.charges.get(&a.id).copied().unwrap_or((0, 0));
        let judged = evaluate(today, l.window_months, c);
        let (ok, amount, unit, individual, code, reason) = match &judged {
            Ok(r) => (true, r.total, r.unit, r.individual, None, None),
            Err(e) => (
                false,
                Money::ZERO,
                Money::ZERO,
                Money::ZERO,
                Some(e.code()),
                Some(e.to_string()),
            ),
        };
        total += amount;
        lines.push(RefundCandidateDto {
            period: c.period,
            insurance: c.insurance,
            insurance_name: c.insurance.name_zh().to_owned(),
            kind: kind.code().to_owned(),
            kind_label: kind.label_zh().to_owned(),
            status: a.status.code().to_owned(),
            unit_amount: c.unit_paid,
            individual_amount: c.individual_paid,
            principal: c.unit_paid + c.individual_paid,
            interest: Money::from_fen(interest),
            late_fee: Money::from_fen(late_fee),
            refunded: c.unit_refunded + c.individual_refunded,
            refundable: ok,
            refundable_amount: amount,
            refundable_unit: unit,
            refundable_individual: individual,
            refusal_code: code,
            refusal_reason: reason,
            refund_no: l.live.get(&a.id).cloned(),
        });
    }
    let bank_account =
        unit_db::active_bank_account(conn, unit_id, PURPOSE_REFUND)?.map(|a| account_dto(&a));
    let suspended = l.suspended();
    Ok(RefundCandidates {
        person_no: l.person.person_no,
        name: l.person.name,
        suspended,
        stops,
        window_from,
        window_to,
        lines,
        total_refundable: total,
        bank_account,
    })
}
