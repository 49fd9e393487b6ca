//! qibao's outside parties, simulated for development, demos and the
//! end-to-end tests: the tax bureau ([`tax_sim`]), the e-social-card
//! platform ([`card_sim`]), the inter-province transfer platform
//! ([`transfer_sim`]), and a payroll system's webhook receiver
//! ([`webhook_sink`]). They talk to a running server only over its
//! public HTTP API, through an ordinary client ([`client`]), so the server
//! crate carries no simulator and no HTTP client; the `qibao-sim` binary
//! runs them. [`load`] is the open-loop load generator of
//! `make bench-load` (the `qibao-load` binary).
//!
//! This crate does not depend on the server: what it shares with it (the
//! demo tax client's credentials, the dev-only card-platform key, the
//! confirmation's claims) is the outside party's side of a protocol, and the
//! end-to-end tests run both sides against each other.

pub mod card_sim;
pub mod client;
pub mod load;
pub mod tax_sim;
pub mod transfer_sim;
pub mod webhook_sink;

use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// China Standard Time, the zone of the bank times the tax bureau sends.
pub const CHINA_OFFSET: time::UtcOffset = time::macros::offset!(+8);

/// The server the simulators talk to unless told otherwise (`qibao serve`'s
/// default `QIBAO_BIND`).
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// The date pinned by `QIBAO_TODAY` (like a dev server's), so the
/// simulators' clocks agree with a server whose date is pinned.
pub fn pinned_today() -> Result<Option<Date>, String> {
    match std::env::var("QIBAO_TODAY")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        None => Ok(None),
        Some(v) => Date::parse(
            v.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map(Some)
        .map_err(|_| format!("QIBAO_TODAY is invalid: {v:?}")),
    }
}

/// Now in UTC without offset; on `today` (China time) when given, with the
/// real time of day, like a dev server whose date is pinned.
pub fn now_utc(today: Option<Date>) -> PrimitiveDateTime {
    let real = OffsetDateTime::now_utc().to_offset(CHINA_OFFSET);
    let now = match today {
        None => real,
        Some(day) => day.with_time(real.time()).assume_offset(CHINA_OFFSET),
    };
    let now = now.to_offset(time::UtcOffset::UTC);
    PrimitiveDateTime::new(now.date(), now.time())
}

/// Whether `QIBAO_MODE` says production (read like the server reads it).
pub fn production_mode() -> bool {
    std::env::var("QIBAO_MODE").is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "production" | "prod"
        )
    })
}
