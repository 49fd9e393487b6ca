//! The state every handler receives as `web::Data<AppState>`.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::db_glue::Pool;
use crate::workers::JobBoard;

/// Shared application state: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub pool: Pool,
    /// The one source of "today" and "now".
    pub clock: Clock,
    /// The configuration the server started with.
    pub config: Arc<Config>,
    /// This node's background jobs: wake-ups and live progress.
    pub jobs: JobBoard,
    /// Wakes this node's webhook workers.
    pub webhooks: crate::webhook_worker::Wake,
    /// The read replica's pool (`QIBAO_READ_DATABASE_URL`), if any: see
    /// [`crate::http::blocking::run_read`].
    pub replica: Option<Pool>,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(pool: Pool, clock: Clock, config: Config) -> Self {
        Self {
            pool,
            clock,
            config: Arc::new(config),
            jobs: JobBoard::new(),
            webhooks: crate::webhook_worker::Wake::new(),
            replica: None,
        }
    }

    /// Reads may go to this replica of the primary.
    pub fn with_replica(mut self, replica: Pool) -> Self {
        self.replica = Some(replica);
        self
    }
}
