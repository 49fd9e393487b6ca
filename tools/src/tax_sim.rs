//! `qibao-sim tax`: plays the tax bureau against a running server, over its
//! public tax API only, with the tax client credential. Each round it pulls
//! the feed from its cursor, invoices (开票) and pays (登账) every order it
//! has not collected yet, forgets revoked and expired ones, and now and then
//! sends a message twice (checking the answer is the same) or reverses a
//! payment (冲正) and pays again. Serials derive from the order number, so
//! a restarted simulator re-sending a message gets the first answer.
//!
//! Used by `make run` (a process beside the server) and by the end-to-end
//! tests.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::CHINA_OFFSET;
use crate::client::{ClientSession, Server};

/// The demo tax client that `qibao demo` creates (`qibao_api::demo`
/// holds the same pair; the end-to-end tests sign in with this one against
/// an account made from that one).
pub const DEMO_TAX_CLIENT_ID: &str = "tax-sim";
/// The demo tax client's secret: well known, dev only.
pub const DEMO_TAX_CLIENT_SECRET: &str = "tax-sim-dev-secret-not-for-production";

/// `qibao-sim tax`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct TaxArgs {
    /// The server's base URL.
    #[arg(long, default_value = crate::DEFAULT_SERVER, value_name = "URL")]
    pub server: String,
    /// The tax client's id.
    #[arg(long, default_value = DEMO_TAX_CLIENT_ID, value_name = "ID")]
    pub client_id: String,
    /// The tax client's secret.
    #[arg(long, default_value = DEMO_TAX_CLIENT_SECRET, value_name = "S")]
    pub secret: String,
    /// Play one round, print what it did and exit.
    #[arg(long)]
    pub once: bool,
    /// Seconds between rounds (without --once; at least 1).
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    pub interval: u64,
    /// Percentage of messages sent twice (the answers must match).
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub replay_percent: u8,
    /// Percentage of payments reversed and paid again.
    #[arg(long, default_value_t = 5, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub reverse_percent: u8,
    /// Seed of the replay and reversal choices.
    #[arg(long, default_value_t = 2023, value_name = "N")]
    pub seed: u64,
    /// First wait up to this many seconds for the server to be ready
    /// (`GET /readyz`); 0: do not wait.
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    pub wait: u64,
}

impl TaxArgs {
    /// The pause between rounds.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.interval.max(1))
    }

    /// The simulator's configuration (bank date: none, i.e. today).
    pub fn config(&self) -> SimConfig {
        SimConfig {
            server: self.server.clone(),
            client_id: self.client_id.clone(),
            secret: self.secret.clone(),
            replay_percent: self.replay_percent,
            reverse_percent: self.reverse_percent,
            seed: self.seed,
            bank_date: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub server: String,
    pub client_id: String,
    pub secret: String,
    /// Percentage of messages sent twice.
    pub replay_percent: u8,
    /// Percentage of payments reversed and paid again.
    pub reverse_percent: u8,
    pub seed: u64,
    /// The bank's date of payments (tests pin it to the server's date);
    /// the time of day is the real one. None: now.
    pub bank_date: Option<Date>,
}

impl SimConfig {
    pub fn demo(server: &str) -> SimConfig {
        SimConfig {
            server: server.to_owned(),
            client_id: DEMO_TAX_CLIENT_ID.to_owned(),
            secret: DEMO_TAX_CLIENT_SECRET.to_owned(),
            replay_percent: 10,
            reverse_percent: 5,
            seed: 2023,
            bank_date: None,
        }
    }
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    pub entries: u64,
    pub invoiced: u64,
    pub paid: u64,
    pub replayed: u64,
    pub reversed: u64,
    /// Messages the server refused (the order changed meanwhile).
    pub refused: u64,
    /// Orders dropped because they were revoked or expired.
    pub withdrawn: u64,
}

impl std::ops::AddAssign for SimStats {
    fn add_assign(&mut self, o: SimStats) {
        self.entries += o.entries;
        self.invoiced += o.invoiced;
        self.paid += o.paid;
        self.replayed += o.replayed;
        self.reversed += o.reversed;
        self.refused += o.refused;
        self.withdrawn += o.withdrawn;
    }
}

#[derive(Debug, Clone)]
struct Open {
    total: String,
    invoiced: bool,
    payments: u32,
    /// When the order was issued (the feed's `recorded_at`): its payments'
    /// bank times are counted from it, so that each message is the same
    /// whenever it is sent (a restarted simulator sends the same serial
    /// with the same content, which the server answers as a replay).
    issued_at: Option<OffsetDateTime>,
}

/// The simulated tax bureau.
pub struct TaxSim {
    cfg: SimConfig,
    server: Result<Server, String>,
    session: ClientSession,
    cursor: i64,
    open: BTreeMap<String, Open>,
    rng: StdRng,
}

impl TaxSim {
    pub fn new(cfg: SimConfig) -> TaxSim {
        let rng = StdRng::seed_from_u64(cfg.seed);
        TaxSim {
            server: Server::new(&cfg.server),
            session: ClientSession::new("/api/v1/auth/tax-tokens", &cfg.client_id, &cfg.secret),
            cfg,
            cursor: 0,
            open: BTreeMap::new(),
            rng,
        }
    }

    /// Sets the bank's date of the next payments (the server's date moved).
    pub fn set_bank_date(&mut self, day: Option<Date>) {
        self.cfg.bank_date = day;
    }

    /// Sets the share of messages sent twice.
    pub fn set_replay_percent(&mut self, percent: u8) {
        self.cfg.replay_percent = percent.min(100);
    }

    /// Sets the share of payments reversed and paid again.
    pub fn set_reverse_percent(&mut self, percent: u8) {
        self.cfg.reverse_percent = percent.min(100);
    }

    /// The last feed cursor processed.
    pub fn cursor(&self) -> i64 {
        self.cursor
    }

    fn server(&self) -> Result<&Server, String> {
        self.server.as_ref().map_err(Clone::clone)
    }

    /// Waits up to `timeout` for the server to be ready.
    pub fn wait_ready(&self, timeout: Duration) -> Result<(), String> {
        self.server()?.wait_ready(timeout)
    }

    /// One authenticated request; signs in again once on 401.
    fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let server = self.server.as_ref().map_err(Clone::clone)?;
        self.session.call(server, method, path, body)
    }

    /// Pulls the feed from the cursor to its end; returns the entries read.
    pub fn pull(&mut self) -> Result<Vec<Value>, String> {
        let mut all = Vec::new();
        loop {
            let path = format!("/api/v1/tax/orders/feed?after={}&limit=200", self.cursor);
            let (status, page) = self.call(Method::GET, &path, None)?;
            if status != 200 {
                return Err(format!("feed answered {status}: {page}"));
            }
            let entries = page["entries"].as_array().cloned().unwrap_or_default();
            for e in &entries {
                let no = e["order"]["order_no"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                match e["event"].as_str() {
                    Some("issued") => {
                        self.open.entry(no).or_insert(Open {
                            total: e["order"]["totals"]["total"]
                                .as_str()
                                .unwrap_or("0.00")
                                .to_owned(),
                            invoiced: false,
                            payments: 0,
                            issued_at: e["recorded_at"].as_str().and_then(|t| {
                                OffsetDateTime::parse(
                                    t,
                                    &time::format_description::well_known::Rfc3339,
                                )
                                .ok()
                            }),
                        });
                    }
                    _ => {
                        self.open.remove(&no);
                    }
                }
            }
            self.cursor = page["next_after"].as_i64().unwrap_or(self.cursor);
            all.extend(entries);
            if !page["has_more"].as_bool().unwrap_or(false) {
                return Ok(all);
            }
        }
    }

    /// The bank time of an order's `n`th payment: `n` seconds after its
    /// issue (now, for an order whose issue time is unknown), on the bank
    /// date when one is set.
    fn bank_time(&self, issued_at: Option<OffsetDateTime>, n: u32) -> String {
        let base = issued_at
            .unwrap_or_else(OffsetDateTime::now_utc)
            .to_offset(CHINA_OFFSET);
        let base = base.replace_nanosecond(0).unwrap_or(base);
        let now = base + time::Duration::seconds(i64::from(n));
        let t = match self.cfg.bank_date {
            Some(d) => d.with_time(now.time()).assume_offset(CHINA_OFFSET),
            None => now,
        };
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    /// A refusal that stands (the order cannot be collected); a 5xx or a
    /// concurrent change is worth trying again next round.
    fn final_refusal(status: u16, answer: &Value) -> bool {
        (400..500).contains(&status) && answer["code"].as_str() != Some("CONCURRENT_CHANGE")
    }

    fn chance(&mut self, percent: u8) -> bool {
        percent > 0 && self.rng.random_range(0..100u8) < percent
    }

    /// Sends a message (twice now and then, checking the replay's answer).
    fn send(&mut self, msg: &Value, stats: &mut SimStats) -> Result<(u16, Value), String> {
        let first = self.call(Method::POST, "/api/v1/tax/events", Some(msg))?;
        if self.chance(self.cfg.replay_percent) {
            let again = self.call(Method::POST, "/api/v1/tax/events", Some(msg))?;
            if again != first {
                return Err(format!(
                    "replay of {} answered differently: {:?} then {:?}",
                    msg["serial"], first, again
                ));
            }
            stats.replayed += 1;
        }
        if first.0 >= 400 {
            stats.refused += 1;
        }
        Ok(first)
    }

    /// One round: pull, then collect every open order.
    pub fn round(&mut self) -> Result<SimStats, String> {
        let mut stats = SimStats::default();
        let entries = self.pull()?;
        stats.entries = entries.len() as u64;
        stats.withdrawn = entries
            .iter()
            .filter(|e| e["event"].as_str() != Some("issued"))
            .count() as u64;
        let orders: Vec<(String, Open)> = self
            .open
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (no, o) in orders {
            if !o.invoiced {
                let msg = json!({
                    "serial": format!("INV{no}"), "type": "invoiced", "order_no": no,
                    "amount": o.total, "invoice_no": format!("FP{no}"),
                });
                let (status, answer) = self.send(&msg, &mut stats)?;
                if Self::final_refusal(status, &answer) {
                    self.open.remove(&no);
                    continue;
                }
                if status >= 400 {
                    continue;
                }
                stats.invoiced += 1;
                if let Some(o) = self.open.get_mut(&no) {
                    o.invoiced = true;
                }
            }
            let n = o.payments + 1;
            let serial = format!("PAY{no}-{n}");
            let msg = json!({
                "serial": serial, "type": "paid", "order_no": no,
                "amount": o.total, "bank_time": self.bank_time(o.issued_at, n),
            });
            let (status, answer) = self.send(&msg, &mut stats)?;
            if Self::final_refusal(status, &answer) {
                self.open.remove(&no);
                continue;
            }
            if status >= 400 {
                continue;
            }
            stats.paid += 1;
            if self.chance(self.cfg.reverse_percent) {
                let rev = json!({
                    "serial": format!("REV{no}-{n}"), "type": "reversed", "order_no": no,
                    "amount": o.total, "original_serial": serial,
                });
                let (status, answer) = self.send(&rev, &mut stats)?;
                if status < 400 {
                    stats.reversed += 1;
                    if answer["order_status"].as_str() == Some("live") {
                        // Collect it again next round.
                        self.open.insert(
                            no,
                            Open {
                                total: o.total.clone(),
                                invoiced: true,
                                payments: n,
                                issued_at: o.issued_at,
                            },
                        );
                        continue;
                    }
                }
            }
            self.open.remove(&no);
        }
        Ok(stats)
    }

    /// Rounds every `interval` until the process ends; errors are logged
    /// and the next round tries again.
    pub fn run_forever(mut self, interval: Duration) {
        loop {
            match self.round() {
                Ok(s) if s.entries > 0 || s.paid > 0 => log::info!(
                    "tax-sim: {} feed entries, {} invoiced, {} paid, {} replayed, {} reversed, {} refused",
                    s.entries,
                    s.invoiced,
                    s.paid,
                    s.replayed,
                    s.reversed,
                    s.refused
                ),
                Ok(_) => {}
                Err(e) => log::warn!("tax-sim: {e}"),
            }
            std::thread::sleep(interval);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: TaxArgs,
    }

    fn parse(v: &[&str]) -> Result<TaxArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("tax").chain(v.iter().copied())).map(|c| c.args)
    }

    #[test]
    fn arguments() {
        let a = parse(&[
            "--server",
            "http://h:1",
            "--once",
            "--replay-percent",
            "50",
            "--interval",
            "2",
        ])
        .unwrap();
        let cfg = a.config();
        assert_eq!(cfg.server, "http://h:1");
        assert_eq!(cfg.replay_percent, 50);
        assert_eq!(cfg.client_id, DEMO_TAX_CLIENT_ID);
        assert!(a.once);
        assert_eq!(a.interval, 2);
        let d = parse(&[]).unwrap();
        assert_eq!(
            d.config().server,
            SimConfig::demo(crate::DEFAULT_SERVER).server
        );
        assert_eq!((d.once, d.interval, d.wait), (false, 5, 0));
        assert!(parse(&["--replay-percent", "101"]).is_err());
        assert!(parse(&["--interval", "x"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--server"]).is_err());
    }
}
