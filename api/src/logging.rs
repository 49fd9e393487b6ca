//! The server's logs: `tracing` events, with the `log` records of the
//! libraries (diesel, actix, r2d2) and of our own modules bridged in.
//!
//! - `RUST_LOG` filters as before (default `info`).
//! - `QIBAO_LOG_FORMAT=json` writes one JSON object a line (for a log
//!   collector); anything else, human-readable text.
//!
//! Every request runs in a `request` span carrying its `request_id` (see
//! [`crate::http::request_id`]), so each line a request causes, including
//! those written on the blocking pool, names the request.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the subscriber (once; later calls do nothing).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("QIBAO_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let result = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
    // Already installed (a second call, or a test harness): keep that one.
    drop(result);
}
