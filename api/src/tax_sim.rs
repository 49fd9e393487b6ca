//! `qibao tax-sim`: plays the tax bureau against a running server, over its
//! public tax API only, with the tax client credential. Each round it pulls
//! the feed from its cursor, invoices (开票) and pays (登账) every order it
//! has not collected yet, forgets revoked and expired ones, and now and then
//! sends a message twice (checking the answer is the same) or reverses a
//! payment (冲正) and pays again. Serials derive from the order number, so
//! a restarted simulator re-sending a message gets the first answer.
//!
//! Used by `make run` (the server runs it in the background) and by the
//! end-to-end tests.

use std::collections::BTreeMap;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::clock::CHINA_OFFSET;
use crate::http_client;

/// Usage of the subcommand.
pub const USAGE: &str = "\
Usage: qibao tax-sim [--server http://127.0.0.1:8080] [--client-id ID] [--secret S]
                     [--once] [--interval SECONDS] [--replay-percent N] [--reverse-percent N]
                     [--seed N]

Plays the tax bureau: pulls the order feed, invoices and pays every new order,
replays N% of its messages (checking the answers match) and reverses N% of
its payments, then pays them again. Without --once it repeats every
--interval seconds (default 5). Defaults: the demo client tax-sim.
";

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
            client_id: crate::demo::DEMO_TAX_CLIENT_ID.to_owned(),
            secret: crate::demo::DEMO_TAX_CLIENT_SECRET.to_owned(),
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
}

/// The simulated tax bureau.
pub struct TaxSim {
    cfg: SimConfig,
    token: Option<String>,
    cursor: i64,
    open: BTreeMap<String, Open>,
    rng: StdRng,
}

impl TaxSim {
    pub fn new(cfg: SimConfig) -> TaxSim {
        let rng = StdRng::seed_from_u64(cfg.seed);
        TaxSim {
            cfg,
            token: None,
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

    fn sign_in(&mut self) -> Result<String, String> {
        let body = json!({"client_id": self.cfg.client_id, "client_secret": self.cfg.secret});
        let (status, text) = http_client::post_json(
            &self.cfg.server,
            "/api/v1/auth/tax-tokens",
            &body.to_string(),
        )?;
        if status != 200 {
            return Err(format!("tax sign-in refused ({status}): {text}"));
        }
        let v: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let token = v["access_token"]
            .as_str()
            .ok_or("no access_token in the sign-in answer")?
            .to_owned();
        self.token = Some(token.clone());
        Ok(token)
    }

    /// One authenticated request; signs in again once on 401.
    fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let text = body.map(Value::to_string);
        for attempt in 0..2 {
            let token = match &self.token {
                Some(t) => t.clone(),
                None => self.sign_in()?,
            };
            let (status, answer) = http_client::call(
                &self.cfg.server,
                method,
                path,
                Some(&token),
                text.as_deref(),
            )?;
            if status == 401 && attempt == 0 {
                self.token = None;
                continue;
            }
            let v = if answer.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&answer).map_err(|e| format!("{path}: {e}: {answer}"))?
            };
            return Ok((status, v));
        }
        Err("tax sign-in keeps failing".to_owned())
    }

    /// Pulls the feed from the cursor to its end; returns the entries read.
    pub fn pull(&mut self) -> Result<Vec<Value>, String> {
        let mut all = Vec::new();
        loop {
            let path = format!("/api/v1/tax/orders/feed?after={}&limit=200", self.cursor);
            let (status, page) = self.call("GET", &path, None)?;
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

    fn bank_time(&self) -> String {
        let now = OffsetDateTime::now_utc().to_offset(CHINA_OFFSET);
        let now = now.replace_nanosecond(0).unwrap_or(now);
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
        let first = self.call("POST", "/api/v1/tax/events", Some(msg))?;
        if self.chance(self.cfg.replay_percent) {
            let again = self.call("POST", "/api/v1/tax/events", Some(msg))?;
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
                "amount": o.total, "bank_time": self.bank_time(),
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

/// Parses `qibao tax-sim` arguments: the config, run once, the interval.
pub fn parse_args(args: &[String]) -> Result<(SimConfig, bool, Duration), String> {
    let mut cfg = SimConfig::demo("http://127.0.0.1:8080");
    let mut once = false;
    let mut interval = Duration::from_secs(5);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "--server" => cfg.server = value("--server")?,
            "--client-id" => cfg.client_id = value("--client-id")?,
            "--secret" => cfg.secret = value("--secret")?,
            "--once" => once = true,
            "--interval" => {
                let s: u64 = value("--interval")?
                    .parse()
                    .map_err(|_| "--interval takes whole seconds")?;
                interval = Duration::from_secs(s.max(1));
            }
            "--replay-percent" => {
                cfg.replay_percent = value("--replay-percent")?
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= 100)
                    .ok_or("--replay-percent takes 0…100")?;
            }
            "--reverse-percent" => {
                cfg.reverse_percent = value("--reverse-percent")?
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= 100)
                    .ok_or("--reverse-percent takes 0…100")?;
            }
            "--seed" => {
                cfg.seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed takes a number")?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok((cfg, once, interval))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn arguments() {
        let (cfg, once, interval) = parse_args(&strings(&[
            "--server",
            "http://h:1",
            "--once",
            "--replay-percent",
            "50",
            "--interval",
            "2",
        ]))
        .unwrap();
        assert_eq!(cfg.server, "http://h:1");
        assert_eq!(cfg.replay_percent, 50);
        assert!(once);
        assert_eq!(interval, Duration::from_secs(2));
        assert!(parse_args(&strings(&["--replay-percent", "101"])).is_err());
        assert!(parse_args(&strings(&["--bogus"])).is_err());
        assert!(parse_args(&strings(&["--server"])).is_err());
    }
}
