//! Webhooks (事件推送): the legal representative registers addresses that
//! receive the unit's events as signed POSTs, reads each address's delivery
//! log and redelivers by hand. HTTP only: the use cases are
//! [`qibao_app::webhooks`]; the server's workers ([`crate::webhook_worker`])
//! deliver.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use qibao_app::ids::{WebhookDeliveryId, WebhookEndpointId};
use qibao_app::webhooks::{
    self as hooks, CreatedWebhook, DeliveryPage, DeliveryView, RegisterWebhook, WebhookList,
    WebhookView,
};
use qibao_core::webhook::DeliveryState;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{AsActor, LegalRepUser};
use crate::http::blocking::run_db;
use crate::http::extract::{Json, Query};
use crate::http::paging::{self, Page, PageQuery};
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

/// 事件推送地址登记 — register a webhook address
///
/// From now on each event of the unit (of `event_types`, or every type) is
/// POSTed to `url` as JSON (`WebhookEvent`), with the headers
/// `Qibao-Event-Id` (stable per event: drop repeats), `Qibao-Event-Type` and
/// `Qibao-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw
/// body>" under the secret>`; refuse a `t` more than 5 minutes from your
/// clock. Any 2xx answer within 10 s counts as delivered; otherwise the
/// delivery is retried after 30 s, doubling to hourly, for 24 hours, then
/// marked dead (redeliver it by hand). Redirects are not followed. The
/// secret is in this answer only. At most 10 addresses per unit.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "create_webhook",
    security(("bearer" = [])),
    request_body = RegisterWebhook,
    responses(
        (status = 201, description = "Registered; `secret` is shown this once; `Location` names the address.", body = CreatedWebhook),
        (status = 400, description = "A URL that is not http(s), has credentials or a fragment; in production not https or an internal address; an unknown event type; a description over 100 characters (`VALIDATION_FAILED`); a body that is not JSON (`MALFORMED_JSON`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The unit has 10 addresses already (`WEBHOOK_LIMIT_REACHED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    who: LegalRepUser,
    body: Json<RegisterWebhook>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let now = state.clock.now_utc();
    let actor = who.principal.as_actor();
    let unit_id = who.unit_id;
    let policy = state.config.webhook_targets();
    let secret = hooks::fresh_secret();
    let created = run_db(&state, move |conn| {
        Ok(hooks::register(
            conn, &actor, unit_id, req, policy, secret, now,
        )?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/portal/webhooks/{}", created.webhook.id),
        ))
        .json(created))
}

/// 事件推送地址查询 — the unit's webhook addresses
///
/// The unit's registered addresses (never a secret).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, body = WebhookList),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    who: LegalRepUser,
) -> Result<web::Json<WebhookList>, ApiError> {
    let unit_id = who.unit_id;
    let out = run_db(&state, move |conn| Ok(hooks::list(conn, unit_id)?)).await?;
    Ok(web::Json(out))
}

/// 事件推送地址详情 — one webhook address
///
/// One address (a removed one too).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "get_webhook",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The address's id.")),
    responses(
        (status = 200, body = WebhookView),
        (status = 400, description = "The id is not a number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such address for this unit (`WEBHOOK_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    who: LegalRepUser,
    path: web::Path<i64>,
) -> Result<web::Json<WebhookView>, ApiError> {
    let id = WebhookEndpointId(path.into_inner());
    let unit_id = who.unit_id;
    let out = run_db(&state, move |conn| Ok(hooks::get(conn, unit_id, id)?)).await?;
    Ok(web::Json(out))
}

/// 事件推送地址删除 — remove a webhook address
///
/// Remove an address: nothing more is sent to it and
/// its pending deliveries are cancelled; its delivery log stays readable.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "delete_webhook",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The address's id.")),
    responses(
        (status = 200, description = "Removed.", body = WebhookView),
        (status = 400, description = "The id is not a number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such address for this unit (`WEBHOOK_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Removed already (`WEBHOOK_REMOVED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    who: LegalRepUser,
    path: web::Path<i64>,
) -> Result<web::Json<WebhookView>, ApiError> {
    let id = WebhookEndpointId(path.into_inner());
    let unit_id = who.unit_id;
    let now = state.clock.now_utc();
    let out = run_db(&state, move |conn| {
        Ok(hooks::remove(conn, unit_id, id, now)?)
    })
    .await?;
    Ok(web::Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// Only deliveries in this state.
    pub state: Option<DeliveryState>,
    /// Page number from 1 (default 1).
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 20).
    pub page_size: Option<i64>,
}

/// 事件推送记录查询 — an address's deliveries
///
/// An address's deliveries, newest first, each with
/// every attempt (time, HTTP status or error, duration).
#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhook_deliveries",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The address's id."), DeliveriesQuery),
    responses(
        (status = 200, body = DeliveryPage),
        (status = 400, description = "A bad page, page size or state, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such address for this unit (`WEBHOOK_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    who: LegalRepUser,
    path: web::Path<i64>,
    q: Query<DeliveriesQuery>,
) -> Result<web::Json<DeliveryPage>, ApiError> {
    let id = WebhookEndpointId(path.into_inner());
    let q = q.into_inner();
    let Page { page, page_size } = PageQuery {
        page: q.page,
        page_size: q.page_size,
    }
    .check(&paging::REVIEW)?;
    let unit_id = who.unit_id;
    let filter = q.state;
    let out = run_db(&state, move |conn| {
        Ok(hooks::deliveries(
            conn, unit_id, id, filter, page, page_size,
        )?)
    })
    .await?;
    Ok(web::Json(out))
}

/// 事件重新推送 — redeliver
///
/// Send a delivery again now (a dead one, or one delivered
/// that the receiver lost), with a new 24-hour retry window.
#[utoipa::path(
    tag = "webhooks",
    operation_id = "create_webhook_redelivery",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The address's id."),
        ("delivery_id" = i64, Path, description = "The delivery's id."),
    ),
    responses(
        (status = 202, description = "Due now; the log shows the attempt within seconds.", body = DeliveryView),
        (status = 400, description = "An id is not a number (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, `SESSION_ENDED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not the legal representative (`LEGAL_REP_ONLY`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such address for this unit (`WEBHOOK_NOT_FOUND`) or no such delivery of it (`WEBHOOK_DELIVERY_NOT_FOUND`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The address was removed (`WEBHOOK_REMOVED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redelivery")]
pub async fn create_webhook_redelivery(
    state: web::Data<AppState>,
    who: LegalRepUser,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let (id, delivery_id) = (WebhookEndpointId(id), WebhookDeliveryId(delivery_id));
    let unit_id = who.unit_id;
    let now = state.clock.now_utc();
    let out = run_db(&state, move |conn| {
        Ok(hooks::redeliver(conn, unit_id, id, delivery_id, now)?)
    })
    .await?;
    state.webhooks.wake();
    Ok(HttpResponse::Accepted().json(out))
}

/// The webhook routes inside `/api/v1/portal`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(delete_webhook)
        .service(list_webhook_deliveries)
        .service(create_webhook_redelivery);
}
