//! The tax bureau's events (R-PAY-1…4), booked the moment they arrive
//! (R-PAY-2): 税务开票 records the invoice, 税务登账 books the payment and
//! allocates it at once (lines paid, the unit's paid-up period advanced), and
//! a reversal (冲正) undoes a booked payment.
//!
//! Each message is idempotent by its serial: the first delivery is decided
//! by `qibao_core::payment` and stored with the answer it got (accepted or
//! refused), and any later delivery of the same message gets that answer
//! again and changes nothing. The unique index on the serial makes 20
//! concurrent deliveries book once: the losers' transactions fail on it,
//! run again and find the stored answer. The answer's body is the HTTP
//! response as the API renders it: a refusal's problem document is rendered
//! by the caller ([`RenderProblem`]), so that this crate knows no HTTP.

use qibao_core::Money;
use qibao_core::Period;
use qibao_core::business_item::BusinessItemKind;
use qibao_core::payment::{
    self, BookedPayment, EventRefusal, OrderFacts, OrderState, PaymentAction, paid_up_period,
};
use qibao_db::DbConn;
use qibao_db::ids::{OrderId, UnitId};
use qibao_db::orders::Order;
use qibao_db::tax::{self as tax_db, NewTaxEvent};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::actor::Actor;
use crate::clock::CHINA_OFFSET;
use crate::error::{AppError, ErrorCode, FieldError, corrupt};
use crate::items::{self, ItemRecord};
use crate::tx::{retry, transaction_with_retry};

/// Renders a refusal as the stored response body: `(code, detail)` → the
/// problem document's JSON (its status is the code's).
pub type RenderProblem<'a> = &'a dyn Fn(ErrorCode, &str) -> Result<String, AppError>;

pub const KIND_PAYMENT_BOOKED: BusinessItemKind = BusinessItemKind::PaymentBooked;
pub const KIND_PAYMENT_REVERSED: BusinessItemKind = BusinessItemKind::PaymentReversed;

/// A message from the tax bureau. `type` decides which fields it needs:
/// `invoiced` (税务开票: amount, optional invoice_no), `paid` (税务登账:
/// amount, bank_time) or `reversed` (冲正: amount, original_serial).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaxEventRequest {
    /// The tax bureau's serial (税务流水号), unique per message; a message
    /// sent again with the same serial gets the first answer.
    #[cfg_attr(feature = "openapi", schema(example = "TX2023042100001"))]
    pub serial: String,
    /// `invoiced`, `paid` or `reversed`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schema(example = "paid"))]
    pub kind: String,
    /// The order number (征集通知单据号), 16 digits.
    #[cfg_attr(feature = "openapi", schema(example = "2023042009301501"))]
    pub order_no: String,
    /// The amount: the order's total (invoiced, paid) or the reversed
    /// payment's amount.
    pub amount: Money,
    /// The invoice number (票据号), for `invoiced`.
    #[serde(default)]
    pub invoice_no: Option<String>,
    /// When the bank took the money (RFC 3339), for `paid`; its China date
    /// is the reconciliation day.
    #[serde(default, with = "crate::clock::rfc3339::option")]
    pub bank_time: Option<OffsetDateTime>,
    /// The serial of the payment reversed, for `reversed`.
    #[serde(default)]
    pub original_serial: Option<String>,
}

/// The answer to an accepted message.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxEventReceipt {
    pub serial: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub order_no: String,
    /// `accepted`.
    pub outcome: String,
    /// The order's status after the message.
    pub order_status: String,
    /// Lines allocated (paid) or released (reversed).
    pub lines: i64,
    pub amount: Money,
    #[serde(with = "crate::clock::rfc3339")]
    pub received_at: OffsetDateTime,
}

/// What a delivery answers: the status and body, and whether it was a replay.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub replay: bool,
}

impl Answer {
    pub fn is_problem(&self) -> bool {
        self.status >= 400
    }
}

fn visible(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_graphic())
}

impl TaxEventRequest {
    /// Field checks: a message that fails them is not a tax event at all
    /// (400, nothing stored but the message itself).
    pub fn validate(&self) -> Result<(), AppError> {
        let mut errors = Vec::new();
        if !visible(&self.serial) {
            errors.push(FieldError::new("serial", "流水号应为1至64个可见字符"));
        }
        if !(self.order_no.len() == 16 && self.order_no.bytes().all(|b| b.is_ascii_digit())) {
            errors.push(FieldError::new("order_no", "认定单号应为16位数字"));
        }
        if self.amount <= Money::ZERO {
            errors.push(FieldError::new("amount", "金额应大于0"));
        }
        match self.kind.as_str() {
            tax_db::INVOICED => {
                if let Some(n) = &self.invoice_no
                    && !visible(n)
                {
                    errors.push(FieldError::new("invoice_no", "票据号应为1至64个可见字符"));
                }
            }
            tax_db::PAID_EVENT => match self.bank_time {
                None => errors.push(FieldError::new("bank_time", "缴费报文应包含银行扣款时间")),
                Some(t) if !(2000..=2100).contains(&t.year()) => {
                    errors.push(FieldError::new("bank_time", "银行扣款时间超出范围"));
                }
                Some(_) => {}
            },
            tax_db::REVERSED => match &self.original_serial {
                Some(s) if visible(s) => {}
                _ => errors.push(FieldError::new(
                    "original_serial",
                    "冲正报文应包含被冲正的缴费流水号",
                )),
            },
            _ => errors.push(FieldError::new(
                "type",
                "报文类型应为 invoiced、paid 或 reversed",
            )),
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(errors))
        }
    }

    /// The hash that tells a replay from a different message with a
    /// reused serial: over the parsed message, so spacing and key order
    /// do not matter.
    pub fn hash(&self) -> Result<String, AppError> {
        let mut normal = self.clone();
        normal.bank_time = self
            .bank_time
            .and_then(|t| t.checked_to_offset(time::UtcOffset::UTC));
        let canonical = serde_json::to_vec(&normal).map_err(AppError::internal_cause)?;
        Ok(hex::encode(Sha256::digest(&canonical)))
    }
}

/// The outcome of deciding a first delivery.
struct Decided {
    order_id: Option<OrderId>,
    result: Result<(String, i64), EventRefusal>,
}

/// The order as the rules see it today: a live order past its due date is
/// expired (whether or not a read has closed it yet).
fn facts(c: &mut DbConn, o: &Order, today: Date) -> Result<OrderFacts, AppError> {
    let state = o.status.as_of(o.due_date, today);
    // Still live in storage (not closed yet): its lines are its own.
    let lines_free = o.status == OrderState::Live
        || (state == OrderState::Expired && tax_db::order_free(c, o.id)?);
    Ok(OrderFacts {
        state,
        total: Money::from_fen(o.total_fen),
        issue_date: o.issue_date,
        due_date: o.due_date,
        invoiced: o.invoiced_at.is_some(),
        lines_free,
    })
}

/// The order named by the message, locked until commit so that the decision
/// is not made on a stale read. Nothing else is locked before it.
fn current_order(c: &mut DbConn, order_no: &str) -> Result<Option<Order>, AppError> {
    let Some(o) = tax_db::order_by_no(c, order_no)? else {
        return Ok(None);
    };
    tax_db::lock_order(c, o.id)?;
    Ok(Some(tax_db::order_by_id(c, o.id)?))
}

/// Recomputes the unit's paid-up period of each insurance on the order.
pub fn refresh_paid_up(c: &mut DbConn, unit_id: UnitId, order_id: OrderId) -> Result<(), AppError> {
    // Two payments of one unit at once: the second waits here and reads
    // the first one's lines paid.
    tax_db::lock_unit_insurances(c, unit_id)?;
    for ins in tax_db::insurances_of_order(c, order_id)? {
        let months: Vec<(Period, bool)> = tax_db::unit_months(c, unit_id, &ins)?
            .into_iter()
            .map(|(p, paid)| Period::from_yyyymm(p).map(|p| (p, paid)))
            .collect::<Result<_, _>>()
            .map_err(|e| corrupt("period", e))?;
        let stored = tax_db::latest_paid_period(c, unit_id, &ins)?
            .map(Period::from_yyyymm)
            .transpose()
            .map_err(|e| corrupt("period", e))?;
        let through = paid_up_period(stored, &months);
        tax_db::set_latest_paid_period(c, unit_id, &ins, through.map(Period::yyyymm))?;
    }
    Ok(())
}

/// The China date of a time from a message (validated to be in range).
fn china_date(t: OffsetDateTime) -> Result<Date, AppError> {
    t.checked_to_offset(CHINA_OFFSET)
        .map(OffsetDateTime::date)
        .ok_or_else(|| AppError::invalid_field("bank_time", "银行扣款时间超出范围"))
}

fn utc_primitive(t: OffsetDateTime) -> Result<PrimitiveDateTime, AppError> {
    t.checked_to_offset(time::UtcOffset::UTC)
        .map(|u| PrimitiveDateTime::new(u.date(), u.time()))
        .ok_or_else(|| AppError::invalid_field("bank_time", "银行扣款时间超出范围"))
}

fn invoice(
    c: &mut DbConn,
    req: &TaxEventRequest,
    o: &Order,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<Decided, AppError> {
    let result = payment::check_invoice(&o.order_no, &facts(c, o, today)?, req.amount);
    if result.is_ok() && !tax_db::set_invoiced(c, o.id, req.invoice_no.as_deref(), now)? {
        return Err(retry("认定单状态已变化，请重发报文。"));
    }
    Ok(Decided {
        order_id: Some(o.id),
        result: result.map(|()| (o.status.code().to_owned(), 0)),
    })
}

fn pay(
    c: &mut DbConn,
    who: &Actor,
    req: &TaxEventRequest,
    o: &Order,
    bank_time: OffsetDateTime,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<Decided, AppError> {
    let bank_date = china_date(bank_time)?;
    let facts = facts(c, o, today)?;
    let action = match payment::check_payment(&o.order_no, &facts, req.amount, bank_date) {
        Ok(a) => a,
        Err(r) => {
            return Ok(Decided {
                order_id: Some(o.id),
                result: Err(r),
            });
        }
    };
    match action {
        PaymentAction::ReopenAndBook if o.status == OrderState::Expired => {
            // Paid in time, told late: the expired order comes back.
            let reopened = tax_db::reopen_expired(c, o.id, now).map_err(|e| {
                crate::tx::conflict_as_retry(e, "认定单明细已重新开具，请重发报文。")
            })?;
            if !reopened {
                return Err(retry("认定单状态已变化，请重发报文。"));
            }
        }
        PaymentAction::ReopenAndBook | PaymentAction::Book => {}
    }
    let booked_at = utc_primitive(bank_time)?;
    let lines = tax_db::book_and_allocate(c, o.id, &req.serial, booked_at, now)?
        .ok_or_else(|| retry("认定单状态已变化，请重发报文。"))?;
    refresh_paid_up(c, o.unit_id, o.id)?;
    items::record(
        c,
        who,
        ItemRecord {
            unit_id: Some(o.unit_id),
            kind: KIND_PAYMENT_BOOKED,
            status: items::DONE,
            before: Some(json!({"order_no": o.order_no, "status": o.status.code()})),
            after: Some(json!({
                "order_no": o.order_no, "status": qibao_db::orders::PAID,
                "serial": req.serial, "amount": req.amount, "lines": lines,
            })),
        },
        now,
    )?;
    Ok(Decided {
        order_id: Some(o.id),
        result: Ok((
            qibao_db::orders::PAID.to_owned(),
            i64::try_from(lines).unwrap_or(i64::MAX),
        )),
    })
}

#[allow(clippy::too_many_arguments)]
fn reverse(
    c: &mut DbConn,
    who: &Actor,
    req: &TaxEventRequest,
    original_serial: &str,
    today: Date,
    now: PrimitiveDateTime,
) -> Result<Decided, AppError> {
    let original = tax_db::find_event(c, original_serial)?
        .filter(|e| e.kind == tax_db::PAID_EVENT && e.outcome == tax_db::ACCEPTED);
    let booked = original.as_ref().map(|e| BookedPayment {
        serial: e.serial.clone(),
        order_no: e.order_no.clone(),
        amount: Money::from_fen(e.amount_fen),
        reversed: e.reversed_by.is_some(),
    });
    let order_id = original.as_ref().and_then(|e| e.order_id);
    let refund = match order_id {
        Some(id) => {
            tax_db::lock_paid_lines(c, id)?;
            let ids = tax_db::assessment_ids_of_order(c, id)?;
            qibao_db::refunds::live_refund_exists(c, &ids)?
        }
        None => false,
    };
    if let Err(r) = payment::check_reversal(
        original_serial,
        booked.as_ref(),
        &req.order_no,
        req.amount,
        refund,
    ) {
        return Ok(Decided {
            order_id,
            result: Err(r),
        });
    }
    let id = order_id.ok_or_else(|| corrupt("paid event without order", original_serial))?;
    let o = tax_db::order_by_id(c, id)?;
    let to = payment::state_after_reversal(o.due_date, today);
    let released = tax_db::assessment_ids_of_order(c, id)?.len();
    if !tax_db::unbook(c, id, to.code(), now)?
        || !tax_db::mark_reversed(c, original_serial, &req.serial)?
    {
        return Err(retry("缴费流水状态已变化，请重发报文。"));
    }
    refresh_paid_up(c, o.unit_id, id)?;
    items::record(
        c,
        who,
        ItemRecord {
            unit_id: Some(o.unit_id),
            kind: KIND_PAYMENT_REVERSED,
            status: items::DONE,
            before: Some(
                json!({"order_no": o.order_no, "status": o.status.code(), "serial": original_serial}),
            ),
            after: Some(json!({"order_no": o.order_no, "status": to.code(), "serial": req.serial})),
        },
        now,
    )?;
    Ok(Decided {
        order_id: Some(id),
        result: Ok((
            to.code().to_owned(),
            i64::try_from(released).unwrap_or(i64::MAX),
        )),
    })
}

/// Delivers one (validated) tax message: the stored answer for a serial seen
/// before, or the decision of a first delivery, stored with it. A serial
/// reused for a different message is 409 `SERIAL_REUSED`.
///
/// The message as received (`raw`) is kept in the same transaction as its
/// answer; when delivery fails (rolled back), the caller keeps it.
pub fn deliver(
    conn: &mut DbConn,
    who: &Actor,
    req: &TaxEventRequest,
    raw: &str,
    today: Date,
    now: PrimitiveDateTime,
    render: RenderProblem<'_>,
) -> Result<Answer, AppError> {
    let hash = req.hash()?;
    let keep = |c: &mut DbConn, status: u16, replay: bool| {
        tax_db::log_message(
            c,
            &who.name,
            "events",
            Some(&req.serial),
            raw,
            i32::from(status),
            replay,
            now,
        )
    };
    transaction_with_retry(conn, |c| {
        if let Some(e) = tax_db::find_event(c, &req.serial)? {
            if e.request_hash != hash {
                return Err(AppError::new(ErrorCode::SerialReused).with_detail(format!(
                    "流水号{}已用于另一笔内容不同的报文，请使用新的流水号",
                    req.serial
                )));
            }
            let status = u16::try_from(e.response_status).unwrap_or(500);
            keep(c, status, true)?;
            return Ok(Answer {
                status,
                body: e.response_json,
                replay: true,
            });
        }
        let decided = match req.kind.as_str() {
            tax_db::INVOICED | tax_db::PAID_EVENT => match current_order(c, &req.order_no)? {
                None => Decided {
                    order_id: None,
                    result: Err(EventRefusal::OrderNotFound {
                        order_no: req.order_no.clone(),
                    }),
                },
                Some(o) if req.kind == tax_db::INVOICED => invoice(c, req, &o, today, now)?,
                Some(o) => {
                    let bank = req.bank_time.ok_or_else(|| {
                        AppError::invalid_field("bank_time", "缴费报文应包含银行扣款时间")
                    })?;
                    pay(c, who, req, &o, bank, today, now)?
                }
            },
            _ => {
                let orig = req.original_serial.as_deref().ok_or_else(|| {
                    AppError::invalid_field("original_serial", "冲正报文应包含被冲正的缴费流水号")
                })?;
                reverse(c, who, req, orig, today, now)?
            }
        };
        let business_date = match (req.kind.as_str(), req.bank_time) {
            (tax_db::PAID_EVENT, Some(t)) => china_date(t)?,
            _ => today,
        };
        let (status, body, outcome, code, detail) = match &decided.result {
            Ok((order_status, lines)) => {
                let receipt = TaxEventReceipt {
                    serial: req.serial.clone(),
                    kind: req.kind.clone(),
                    order_no: req.order_no.clone(),
                    outcome: tax_db::ACCEPTED.to_owned(),
                    order_status: order_status.clone(),
                    lines: *lines,
                    amount: req.amount,
                    received_at: now.assume_utc().to_offset(CHINA_OFFSET),
                };
                let body = serde_json::to_string(&receipt).map_err(AppError::internal_cause)?;
                (201u16, body, tax_db::ACCEPTED, None, None)
            }
            Err(r) => {
                let detail = r.to_string();
                let code = r.code();
                let body = render(code, &detail)?;
                (
                    code.status(),
                    body,
                    tax_db::REFUSED,
                    Some(code.as_str().to_owned()),
                    Some(detail),
                )
            }
        };
        let bank_time = req.bank_time.map(utc_primitive).transpose()?;
        tax_db::insert_event(
            c,
            &NewTaxEvent {
                serial: req.serial.clone(),
                kind: req.kind.clone(),
                order_no: req.order_no.clone(),
                order_id: decided.order_id,
                amount_fen: req.amount.fen(),
                invoice_no: req.invoice_no.clone(),
                bank_time,
                original_serial: req.original_serial.clone(),
                business_date,
                outcome: outcome.to_owned(),
                code,
                detail,
                request_hash: hash.clone(),
                response_status: i32::from(status),
                response_json: body.clone(),
                client: who.name.clone(),
                received_at: now,
                reversed_by: None,
            },
        )
        .map_err(|e| crate::tx::conflict_as_retry(e, "同一流水号的报文正在处理，请稍后重发。"))?;
        keep(c, status, false)?;
        Ok(Answer {
            status,
            body,
            replay: false,
        })
    })
}

/// Keeps a message the tax bureau sent that was not delivered (malformed,
/// or its delivery rolled back), with the answer it got: one statement.
#[allow(clippy::too_many_arguments)]
pub fn log_message(
    conn: &mut DbConn,
    client: &str,
    endpoint: &str,
    serial: Option<&str>,
    body: &str,
    status: u16,
    replay: bool,
    now: PrimitiveDateTime,
) -> Result<(), AppError> {
    Ok(tax_db::log_message(
        conn,
        client,
        endpoint,
        serial,
        body,
        i32::from(status),
        replay,
        now,
    )?)
}
