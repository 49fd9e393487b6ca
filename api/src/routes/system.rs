//! Liveness and readiness probes (tag `system`).

use actix_web::{get, web};
use qibao_app::error::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db_glue;
use crate::http::blocking::run_pool;
use crate::http::problem::{ApiError, ProblemDoc};
use crate::state::AppState;

/// Answer of the health probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HealthStatus {
    /// Always `ok` when the probe succeeds.
    #[schema(example = "ok")]
    pub status: String,
}

impl HealthStatus {
    fn ok() -> Self {
        Self {
            status: "ok".to_owned(),
        }
    }
}

/// 存活探针 — liveness
///
/// Liveness probe.
///
/// The process is up and serving HTTP. Does not touch the database.
#[utoipa::path(
    tag = "system",
    operation_id = "get_health",
    responses(
        (status = 200, description = "The process is alive.", body = HealthStatus),
    ),
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<HealthStatus> {
    web::Json(HealthStatus::ok())
}

/// 就绪探针 — readiness
///
/// Readiness probe.
///
/// The database answers. Load balancers should stop sending traffic while
/// this fails.
#[utoipa::path(
    tag = "system",
    operation_id = "get_readiness",
    responses(
        (status = 200, description = "The server can serve requests.", body = HealthStatus),
        (status = 503, description = "The database does not answer (code `NOT_READY`).",
            body = ProblemDoc, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before retrying."))),
    ),
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<HealthStatus>, ApiError> {
    let ping = run_pool(&state.pool, |pool| {
        db_glue::ping(pool).map_err(|err| {
            log::warn!("readiness check failed: {err}");
            ApiError::new(ErrorCode::NotReady)
        })
    })
    .await;
    ping.map(|()| web::Json(HealthStatus::ok()))
}
