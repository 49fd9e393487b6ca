//! Webhooks (事件推送, issue 14): the legal representative registers
//! addresses that receive the unit's events (the same events as the feed,
//! [`crate::events`]) as signed HTTPS POSTs, instead of polling.
//!
//! The management use cases ([`register`], [`list`], [`get`], [`remove`],
//! [`deliveries`], [`redeliver`]) and the worker's ([`fan_out_all`],
//! [`claim`], [`record`]); the rules (signature, back-off, the 24-hour
//! window, which targets are allowed) are [`qibao_core::webhook`]'s, the
//! HTTP sending is the server's.
//!
//! Delivery is at least once: an event is turned into exactly one delivery
//! per endpoint, and a delivery is retried until an answer 2xx; a node that
//! stops after the receiver answered but before it wrote the answer down
//! sends it again (same `Qibao-Event-Id`), so a receiver drops repeats by
//! that id.

use std::collections::BTreeMap;

use qibao_core::event::UnitEventType;
use qibao_core::webhook::{
    self as rules, AfterFailure, DeliveryState, MAX_ENDPOINTS_PER_UNIT, TargetPolicy,
};
use qibao_db::DbConn;
use qibao_db::ids::{UnitId, WebhookDeliveryId, WebhookEndpointId};
use qibao_db::webhooks::{self as db, AttemptRecord, Delivery, Endpoint, NewEndpoint};
use serde::{Deserialize, Serialize};
use time::{Duration, PrimitiveDateTime};

use crate::actor::Actor;
use crate::clock::china_timestamp;
use crate::error::{AppError, ErrorCode};
use crate::events::UnitEventDto;
use crate::tx::{read_transaction, transaction};

/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 100;
/// How long a node holds a delivery it is sending before another may.
pub const LEASE: Duration = Duration::seconds(60);
/// Events turned into deliveries per endpoint and pass.
pub const FAN_OUT_BATCH: i64 = 500;

/// What the legal representative registers.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterWebhook {
    /// Where to POST the events: `https://…` (in production https only, and
    /// never an internal address).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "https://hr.example.com/qibao/events")
    )]
    pub url: String,
    /// The event types to send; omitted or empty: every type, also those
    /// added later.
    #[serde(default)]
    pub event_types: Vec<UnitEventType>,
    /// What the address is for, at most 100 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "薪资系统到账通知"))]
    pub description: String,
}

/// A registered address, never with its secret.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookView {
    #[cfg_attr(feature = "openapi", schema(example = 3))]
    pub id: i64,
    #[cfg_attr(
        feature = "openapi",
        schema(example = "https://hr.example.com/qibao/events")
    )]
    pub url: String,
    /// The types sent; empty: every type.
    pub event_types: Vec<UnitEventType>,
    #[cfg_attr(feature = "openapi", schema(example = "薪资系统到账通知"))]
    pub description: String,
    /// Who registered it (`role:subject:name`).
    pub created_by: String,
    /// RFC 3339, China time.
    pub created_at: String,
    /// When it was removed (RFC 3339, China time); a removed address gets
    /// nothing more.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub removed_at: Option<String>,
}

/// A new address: the only time its signing secret is shown.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    /// The signing secret (`whsec_…`): keep it; it cannot be shown again.
    /// Each POST carries `Qibao-Signature: t=<unix seconds>,v1=<hex
    /// HMAC-SHA256 of "<t>.<raw body>" under this secret>`.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "whsec_9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8")
    )]
    pub secret: String,
    #[serde(flatten)]
    pub webhook: WebhookView,
}

/// The unit's addresses.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptView {
    /// 1 for the first.
    pub n: i32,
    /// RFC 3339, China time.
    pub at: String,
    /// The HTTP status answered; null when none came.
    #[cfg_attr(feature = "openapi", schema(required = true, example = 503))]
    pub status: Option<i32>,
    /// Why it failed; null when delivered.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, example = "接收方返回 HTTP 503")
    )]
    pub error: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = 84))]
    pub duration_ms: i64,
}

/// One event's delivery to the address, with its attempts.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryView {
    #[cfg_attr(feature = "openapi", schema(example = 120))]
    pub id: i64,
    /// The event's id (`evt_<unit>_<seq>`), as sent in `Qibao-Event-Id`.
    #[cfg_attr(feature = "openapi", schema(example = "evt_1_57"))]
    pub event_id: String,
    /// The event's `seq` in the unit's feed.
    pub seq: i64,
    pub event_type: UnitEventType,
    pub state: DeliveryState,
    /// The state's Chinese name.
    #[cfg_attr(feature = "openapi", schema(example = "已送达"))]
    pub state_label: &'static str,
    pub attempts: i32,
    /// When the next attempt is due (pending only; RFC 3339, China time).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_attempt_at: Option<String>,
    /// Retries stop at this time (RFC 3339, China time).
    pub give_up_at: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub delivered_at: Option<String>,
    pub created_at: String,
    pub attempt_log: Vec<AttemptView>,
}

/// A page of an address's deliveries, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// The body POSTed to an address: the event as the feed shows it, with
/// its stable id and unit.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEvent {
    /// Stable per event (`evt_<unit>_<seq>`; also the `Qibao-Event-Id`
    /// header): drop a repeat with an id already processed.
    #[cfg_attr(feature = "openapi", schema(example = "evt_1_57"))]
    pub id: String,
    /// The unit whose event it is.
    pub unit_id: i64,
    #[serde(flatten)]
    pub event: UnitEventDto,
}

/// A fresh signing secret: `whsec_` and 32 random bytes in hex.
pub fn fresh_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("whsec_{hex}")
}

fn view(e: &Endpoint) -> WebhookView {
    WebhookView {
        id: e.id.0,
        url: e.url.clone(),
        event_types: parse_types(&e.event_types),
        description: e.description.clone(),
        created_by: e.created_by.clone(),
        created_at: china_timestamp(e.created_at),
        removed_at: e.removed_at.map(china_timestamp),
    }
}

fn parse_types(stored: &str) -> Vec<UnitEventType> {
    stored.split(',').filter_map(UnitEventType::parse).collect()
}

fn delivery_view(d: &Delivery, attempts: Vec<AttemptView>) -> Result<DeliveryView, AppError> {
    let state = DeliveryState::parse(&d.state)
        .ok_or_else(|| AppError::internal_cause(format!("delivery state {}", d.state)))?;
    let event_type = UnitEventType::parse(&d.event_type)
        .ok_or_else(|| AppError::internal_cause(format!("event type {}", d.event_type)))?;
    Ok(DeliveryView {
        id: d.id.0,
        event_id: rules::event_id(d.unit_id.0, d.seq),
        seq: d.seq,
        event_type,
        state,
        state_label: state.label_zh(),
        attempts: d.attempts,
        next_attempt_at: (state == DeliveryState::Pending)
            .then(|| china_timestamp(d.next_attempt_at)),
        give_up_at: china_timestamp(d.give_up_at),
        delivered_at: d.delivered_at.map(china_timestamp),
        created_at: china_timestamp(d.created_at),
        attempt_log: attempts,
    })
}

/// Registers an address for the unit's events from now on, with `secret`
/// (freshly generated by the caller) as its signing secret.
pub fn register(
    conn: &mut DbConn,
    who: &Actor,
    unit_id: UnitId,
    req: RegisterWebhook,
    policy: TargetPolicy,
    secret: String,
    now: PrimitiveDateTime,
) -> Result<CreatedWebhook, AppError> {
    let url = req.url.trim().to_owned();
    rules::check_url(&url, policy).map_err(|p| AppError::invalid_field("url", p.message_zh()))?;
    let description = req.description.trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(AppError::invalid_field(
            "description",
            format!("说明最多{MAX_DESCRIPTION_CHARS}个字符"),
        ));
    }
    let mut types = req.event_types;
    types.sort();
    types.dedup();
    let event_types = types.iter().map(|t| t.code()).collect::<Vec<_>>().join(",");
    transaction(conn, |c| {
        // The unit's counter row orders this against the unit's writers:
        // the cursor is the last event committed before the address exists.
        let cursor_seq = qibao_db::events::head(c, unit_id)?;
        if db::endpoints_of(c, unit_id)?.len() >= MAX_ENDPOINTS_PER_UNIT {
            return Err(AppError::new(ErrorCode::WebhookLimitReached));
        }
        let row = db::insert_endpoint(
            c,
            &NewEndpoint {
                unit_id,
                url,
                event_types,
                description,
                secret: secret.clone(),
                cursor_seq,
                created_by: who.name.clone(),
                created_at: now,
            },
        )?;
        Ok(CreatedWebhook {
            secret,
            webhook: view(&row),
        })
    })
}

/// The unit's addresses (removed ones are not listed).
pub fn list(conn: &mut DbConn, unit_id: UnitId) -> Result<WebhookList, AppError> {
    let rows = read_transaction(conn, |c| db::endpoints_of(c, unit_id))?;
    Ok(WebhookList {
        items: rows.iter().map(view).collect(),
    })
}

fn endpoint_of(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: WebhookEndpointId,
) -> Result<Endpoint, AppError> {
    db::endpoint(conn, unit_id, id)?.ok_or_else(|| AppError::new(ErrorCode::WebhookNotFound))
}

/// One of the unit's addresses (a removed one too).
pub fn get(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: WebhookEndpointId,
) -> Result<WebhookView, AppError> {
    read_transaction(conn, |c| endpoint_of(c, unit_id, id).map(|e| view(&e)))
}

/// Removes an address: nothing more is sent to it, its pending deliveries
/// are cancelled; its log stays readable.
pub fn remove(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: WebhookEndpointId,
    now: PrimitiveDateTime,
) -> Result<WebhookView, AppError> {
    transaction(conn, |c| {
        endpoint_of(c, unit_id, id)?;
        if !db::remove_endpoint(c, id, now)? {
            return Err(AppError::new(ErrorCode::WebhookRemoved));
        }
        endpoint_of(c, unit_id, id).map(|e| view(&e))
    })
}

/// Page `page` of an address's deliveries, newest first, with their
/// attempts; `state` filters.
pub fn deliveries(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: WebhookEndpointId,
    state: Option<DeliveryState>,
    page: i64,
    page_size: i64,
) -> Result<DeliveryPage, AppError> {
    read_transaction(conn, |c| {
        endpoint_of(c, unit_id, id)?;
        let (rows, total) = db::deliveries_of(
            c,
            id,
            state.map(DeliveryState::code),
            (page - 1).saturating_mul(page_size),
            page_size,
        )?;
        let ids: Vec<WebhookDeliveryId> = rows.iter().map(|d| d.id).collect();
        let mut by_delivery: BTreeMap<WebhookDeliveryId, Vec<AttemptView>> = BTreeMap::new();
        for a in db::attempts_of(c, &ids)? {
            by_delivery
                .entry(a.delivery_id)
                .or_default()
                .push(AttemptView {
                    n: a.n,
                    at: china_timestamp(a.at),
                    status: a.status,
                    error: a.error,
                    duration_ms: a.duration_ms,
                });
        }
        let items = rows
            .iter()
            .map(|d| delivery_view(d, by_delivery.remove(&d.id).unwrap_or_default()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(DeliveryPage {
            items,
            total,
            page,
            page_size,
        })
    })
}

/// Sends a delivery again now (after it died, or to replay one delivered),
/// with a new 24-hour window.
pub fn redeliver(
    conn: &mut DbConn,
    unit_id: UnitId,
    id: WebhookEndpointId,
    delivery_id: WebhookDeliveryId,
    now: PrimitiveDateTime,
) -> Result<DeliveryView, AppError> {
    transaction(conn, |c| {
        let endpoint = endpoint_of(c, unit_id, id)?;
        if endpoint.removed_at.is_some() {
            return Err(AppError::new(ErrorCode::WebhookRemoved));
        }
        db::delivery(c, id, delivery_id)?
            .ok_or_else(|| AppError::new(ErrorCode::WebhookDeliveryNotFound))?;
        let d = db::redeliver(c, delivery_id, now, rules::give_up_at(now))?
            .ok_or_else(|| AppError::new(ErrorCode::WebhookRemoved))?;
        let attempts = db::attempts_of(c, &[delivery_id])?
            .into_iter()
            .map(|a| AttemptView {
                n: a.n,
                at: china_timestamp(a.at),
                status: a.status,
                error: a.error,
                duration_ms: a.duration_ms,
            })
            .collect();
        delivery_view(&d, attempts)
    })
}

/// Turns every endpoint's new events into deliveries; returns how many.
pub fn fan_out_all(conn: &mut DbConn, now: PrimitiveDateTime) -> Result<usize, AppError> {
    let behind = db::endpoints_behind(conn, 100)?;
    let mut made = 0;
    let wants = |e: &Endpoint, code: &str| {
        e.event_types.is_empty() || e.event_types.split(',').any(|t| t == code)
    };
    for id in behind {
        made += db::fan_out(conn, id, FAN_OUT_BATCH, &wants, &rules::give_up_at, now)?;
    }
    Ok(made)
}

/// A leased delivery, ready to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub delivery_id: WebhookDeliveryId,
    /// This attempt's number (1 for the first).
    pub attempt: i32,
    pub url: String,
    pub secret: String,
    pub event_id: String,
    pub event_type: String,
    /// The JSON body ([`WebhookEvent`]), signed as sent.
    pub body: String,
    give_up_at: PrimitiveDateTime,
}

impl Outgoing {
    /// The [`rules::SIGNATURE_HEADER`] value for sending at `unix_seconds`.
    pub fn signature(&self, unix_seconds: i64) -> String {
        rules::signature_header(self.secret.as_bytes(), unix_seconds, self.body.as_bytes())
    }
}

/// Leases up to `limit` due deliveries to `node`.
pub fn claim(
    conn: &mut DbConn,
    node: &str,
    now: PrimitiveDateTime,
    limit: i64,
) -> Result<Vec<Outgoing>, AppError> {
    let claimed = db::claim(conn, node, now, now + LEASE, limit)?;
    let mut out = Vec::with_capacity(claimed.len());
    for c in claimed {
        let unit_id = c.event.unit_id.0;
        let event_id = rules::event_id(unit_id, c.event.seq);
        let event_type = c.event.event_type.clone();
        let body = serde_json::to_string(&WebhookEvent {
            id: event_id.clone(),
            unit_id,
            event: crate::events::to_dto(c.event)?,
        })
        .map_err(AppError::internal_cause)?;
        out.push(Outgoing {
            delivery_id: c.delivery.id,
            attempt: c.delivery.attempts + 1,
            url: c.url,
            secret: c.secret,
            event_id,
            event_type,
            body,
            give_up_at: c.delivery.give_up_at,
        });
    }
    Ok(out)
}

/// What an attempt got.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The HTTP status answered, if any.
    pub status: Option<u16>,
    /// Why no answer came (refused, timed out, a forbidden address).
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// Logs the attempt and moves the delivery on (delivered on a 2xx, else a
/// retry after the back-off or dead after its window); `None` when the
/// lease was lost meanwhile (nothing written).
pub fn record(
    conn: &mut DbConn,
    sent: &Outgoing,
    node: &str,
    outcome: Outcome,
    now: PrimitiveDateTime,
) -> Result<Option<DeliveryState>, AppError> {
    let delivered = outcome.status.is_some_and(rules::is_delivered);
    let (state, next) = if delivered {
        (DeliveryState::Delivered, now)
    } else {
        let failed = u32::try_from(sent.attempt).unwrap_or(1);
        match rules::after_failure(failed, now, sent.give_up_at) {
            AfterFailure::RetryAt(t) => (DeliveryState::Pending, t),
            AfterFailure::Dead => (DeliveryState::Dead, now),
        }
    };
    let error = if delivered {
        None
    } else {
        Some(match (outcome.status, outcome.error) {
            (_, Some(e)) => e,
            (Some(s), None) => format!("接收方返回 HTTP {s}"),
            (None, None) => "接收方没有应答".to_owned(),
        })
    };
    let rec = AttemptRecord {
        attempt: db::Attempt {
            delivery_id: sent.delivery_id,
            n: sent.attempt,
            at: now,
            node: node.to_owned(),
            status: outcome.status.map(i32::from),
            error,
            duration_ms: outcome.duration_ms.max(0),
        },
        state: state.code(),
        next_attempt_at: next,
    };
    Ok(db::record(conn, &rec)?.then_some(state))
}
