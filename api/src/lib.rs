//! qibao's HTTP API: the actix-web app, its OpenAPI document and the
//! server entry points used by the `qibao` binary and the end-to-end tests.
//!
//! - [`routes`]: where handlers are registered (under `/api/v1`).
//! - [`http`]: the shared HTTP helpers: [`http::problem::ApiError`] (the
//!   error every handler returns), extractors, paging, middleware,
//!   [`http::blocking::run_db`] (database work off the actix workers) and
//!   the OpenAPI document.
//! - [`state::AppState`]: pool, clock and configuration.

pub mod app;
pub mod auth;
pub mod config;
pub mod db_glue;
pub mod demo;
pub mod http;
pub mod logging;
pub mod review;
pub mod routes;
pub mod server;
pub mod state;
pub mod webhook_worker;
pub mod workers;

pub use config::Config;
pub use http::{openapi, security_headers};
pub use qibao_app::clock::{self, Clock};
pub use qibao_app::items;
pub use server::{TestServer, serve, spawn_test_server, spawn_test_server_with};
pub use state::AppState;
