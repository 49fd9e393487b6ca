//! The unit's event feed (单位业务动态): `GET /api/v1/portal/events`.

use actix_web::{get, web};
use qibao_app::events::{self, EventPage};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::UnitUser;
use crate::http::blocking::run_read;
use crate::http::extract::Query;
use crate::http::problem::{ApiError, ProblemDoc};
use crate::routes::ServiceConfig;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// The last `seq` already processed (0, the default, from the start).
    pub after: Option<i64>,
    /// Events per page, 1–500 (default 100).
    pub limit: Option<i64>,
}

/// 单位业务动态 — the unit's event feed
///
/// The unit's events, oldest first: business items recorded
/// or changing status (enrolments, declarations, review decisions, refunds
/// paid…), orders issued, paid, expired, revoked or reopened, its jobs
/// finished. Each is written in the transaction of its change, so an event
/// exists exactly when its change committed; resume with `after` = the last
/// `seq` processed: none is skipped or repeated.
#[utoipa::path(
    tag = "events",
    operation_id = "list_events",
    params(EventQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = EventPage),
        (status = 400, description = "A bad `after` or `limit`, or an unknown query parameter (`VALIDATION_FAILED`).", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 403, description = "Not a unit's caller (`FORBIDDEN`), or the one-time password is not changed yet (`PASSWORD_CHANGE_REQUIRED`).", body = ProblemDoc, content_type = "application/problem+json"),
    ),
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    user: UnitUser,
    q: Query<EventQuery>,
) -> Result<web::Json<EventPage>, ApiError> {
    let (after, limit) = crate::http::paging::feed_cursor(q.after, q.limit)?;
    let unit_id = user.unit_id;
    let page = run_read(&state, user.principal.read_after.clone(), move |conn| {
        Ok(events::page(conn, unit_id, after, limit)?)
    })
    .await?;
    Ok(web::Json(page))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events);
}
