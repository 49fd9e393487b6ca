//! An open-loop load generator for `make bench-load`: requests leave on a
//! fixed schedule (request i at `start + i / rate`), whatever the server's
//! answers, and each latency is measured from the request's INTENDED send
//! time, so a server that stalls is charged for every request that waited
//! behind it (coordinated omission counted). Bounded: `rate × duration`
//! requests at most, nothing sent after `duration + grace`, loopback only.
//!
//! A pool of worker threads on one blocking `reqwest` client takes the next
//! slot of the schedule, sleeps until its time, sends, and records the
//! request kind, status and latency.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::blocking::Client;
use serde_json::{Value, json};

/// One kind of request of a load.
#[derive(Debug, Clone)]
pub struct Kind {
    /// Its name in the report.
    pub name: &'static str,
    pub method: Method,
    /// Paths to cycle through (e.g. different pages).
    pub paths: Vec<String>,
    pub body: Option<Value>,
}

/// A run's parameters.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Requests per second, over all kinds (sent round-robin by kind).
    pub rate: u32,
    pub duration: Duration,
    /// Time after `duration` past which nothing more is sent.
    pub grace: Duration,
    pub workers: usize,
    pub kinds: Vec<Kind>,
}

/// What one kind measured.
#[derive(Debug, Clone)]
pub struct KindReport {
    pub name: &'static str,
    /// Scheduled requests.
    pub scheduled: usize,
    /// Answered (any status).
    pub answered: usize,
    /// Answered with a status other than 2xx, or failed in transport.
    pub errors: usize,
    /// Not sent: past the grace time.
    pub skipped: usize,
    /// Answered per second of the run, in thousandths.
    pub rate_milli: u64,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// Refuses any server but loopback (`http://127.0.0.1`, `localhost`, `[::1]`).
pub fn check_loopback(base: &str) -> Result<(), String> {
    let rest = base
        .strip_prefix("http://")
        .ok_or_else(|| format!("only http:// on loopback, got {base:?}"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if ["127.0.0.1", "localhost", "[::1]"].contains(&host) {
        Ok(())
    } else {
        Err(format!(
            "the load generator only targets loopback, got {host:?}"
        ))
    }
}

/// The quantile of sorted latencies at `permille` (500 = median), by
/// nearest rank.
pub fn quantile(sorted: &[Duration], permille: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (permille * sorted.len()).div_ceil(1000);
    sorted[rank.saturating_sub(1).min(sorted.len() - 1)]
}

/// When slot `i` of a schedule at `rate` per second leaves, after its start.
pub fn slot_offset(i: usize, rate: u64) -> Duration {
    let i = u64::try_from(i).unwrap_or(u64::MAX);
    let rate = rate.max(1);
    Duration::from_secs(i / rate) + Duration::from_nanos((i % rate) * 1_000_000_000 / rate)
}

struct Sample {
    kind: usize,
    latency: Duration,
    ok: bool,
}

/// Runs `plan` against `base` with `token`; returns one report per kind.
pub fn run(base: &str, token: &str, plan: &Plan) -> Result<Vec<KindReport>, String> {
    check_loopback(base)?;
    if plan.kinds.is_empty() || plan.rate == 0 {
        return Err("nothing to send".into());
    }
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(plan.workers)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let total = usize::try_from(u64::from(plan.rate).saturating_mul(plan.duration.as_secs()))
        .map_err(|_| "too many requests")?;
    let rate = u64::from(plan.rate);
    let next = AtomicUsize::new(0);
    let samples = Mutex::new(Vec::<Sample>::with_capacity(total));
    let skipped = Mutex::new(vec![0usize; plan.kinds.len()]);
    let start = Instant::now() + Duration::from_millis(200);
    let stop_sending = start + plan.duration + plan.grace;
    std::thread::scope(|s| {
        for _ in 0..plan.workers {
            s.spawn(|| {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let kind_ix = i % plan.kinds.len();
                    let kind = &plan.kinds[kind_ix];
                    let intended = start + slot_offset(i, rate);
                    let now = Instant::now();
                    if now < intended {
                        std::thread::sleep(intended - now);
                    } else if now > stop_sending {
                        if let Ok(mut sk) = skipped.lock() {
                            sk[kind_ix] += 1;
                        }
                        continue;
                    }
                    let path = &kind.paths[(i / plan.kinds.len()) % kind.paths.len()];
                    let mut rb = client
                        .request(kind.method.clone(), format!("{base}{path}"))
                        .bearer_auth(token);
                    if let Some(b) = &kind.body {
                        rb = rb.json(b);
                    }
                    let ok = match rb.send() {
                        Ok(r) => {
                            let ok = r.status().is_success();
                            // Read the whole body: the answer is complete.
                            let _ = r.bytes();
                            ok
                        }
                        Err(_) => false,
                    };
                    mine.push(Sample {
                        kind: kind_ix,
                        latency: intended.elapsed(),
                        ok,
                    });
                }
                if let Ok(mut all) = samples.lock() {
                    all.extend(mine);
                }
            });
        }
    });
    let elapsed = start.elapsed().max(plan.duration);
    let samples = samples.into_inner().map_err(|_| "a worker panicked")?;
    let skipped = skipped.into_inner().map_err(|_| "a worker panicked")?;
    let mut reports = Vec::new();
    for (k, kind) in plan.kinds.iter().enumerate() {
        let mut lat: Vec<Duration> = samples
            .iter()
            .filter(|s| s.kind == k)
            .map(|s| s.latency)
            .collect();
        lat.sort_unstable();
        let errors = samples.iter().filter(|s| s.kind == k && !s.ok).count();
        let scheduled = (0..total).filter(|i| i % plan.kinds.len() == k).count();
        let answered = u64::try_from(lat.len()).unwrap_or(u64::MAX);
        let millis = u64::try_from(elapsed.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let rate_milli = answered.saturating_mul(1_000_000) / millis;
        reports.push(KindReport {
            name: kind.name,
            scheduled,
            answered: lat.len(),
            errors,
            skipped: skipped[k],
            rate_milli,
            p50: quantile(&lat, 500),
            p90: quantile(&lat, 900),
            p99: quantile(&lat, 990),
            max: lat.last().copied().unwrap_or_default(),
        });
    }
    Ok(reports)
}

/// The report as a Markdown table (milliseconds).
pub fn table(title: &str, reports: &[KindReport]) -> String {
    let ms = |d: Duration| {
        let us = d.as_micros();
        format!("{}.{}", us / 1000, (us % 1000) / 100)
    };
    let mut out = format!(
        "{title}\n\n| request | scheduled | answered | errors | not sent | achieved req/s | p50 ms | p90 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for r in reports {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {}.{} | {} | {} | {} | {} |\n",
            r.name,
            r.scheduled,
            r.answered,
            r.errors,
            r.skipped,
            r.rate_milli / 1000,
            (r.rate_milli % 1000) / 100,
            ms(r.p50),
            ms(r.p90),
            ms(r.p99),
            ms(r.max)
        ));
    }
    out
}

/// Signs in as a unit's legal representative; returns the access token.
pub fn login(base: &str, uscc: &str, password: &str) -> Result<String, String> {
    check_loopback(base)?;
    let r = Client::new()
        .post(format!("{base}/api/v1/auth/password-login"))
        .json(&json!({"uscc": uscc, "password": password}))
        .send()
        .map_err(|e| format!("sign-in: {e}"))?;
    let status = r.status();
    let body: Value = r.json().map_err(|e| format!("sign-in answer: {e}"))?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("sign-in refused ({status}): {body}"))
}

/// GETs a JSON document (setting up a run).
/// POSTs `body` as the unit and returns the JSON answer (2xx only).
pub fn send_json(base: &str, token: &str, path: &str, body: &Value) -> Result<Value, String> {
    let r = Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(body)
        .send()
        .map_err(|e| format!("POST {path}: {e}"))?;
    let status = r.status();
    let text = r.text().map_err(|e| format!("POST {path}: {e}"))?;
    if !status.is_success() {
        return Err(format!("POST {path}: {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("POST {path}: {e}"))
}

pub fn get_json(base: &str, token: &str, path: &str) -> Result<Value, String> {
    let r = Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .map_err(|e| format!("{path}: {e}"))?;
    if !r.status().is_success() {
        return Err(format!("{path}: {}", r.status()));
    }
    r.json().map_err(|e| format!("{path}: {e}"))
}

/// The quote a payroll batch of 10 persons asks for (as the wrk script did).
pub fn quote_body() -> Value {
    let persons: Vec<Value> = (1..=10)
        .map(|i| json!({"ref": format!("p{i}"), "monthly_wage": format!("{}.{:02}", 3000 + i * 731, i)}))
        .collect();
    json!({"region": "420500", "period": "202208", "risk_class": 1, "persons": persons})
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_servers() {
        assert!(check_loopback("http://127.0.0.1:18080").is_ok());
        assert!(check_loopback("http://localhost:8080/x").is_ok());
        assert!(check_loopback("http://10.0.0.1:8080").is_err());
        assert!(check_loopback("https://127.0.0.1").is_err());
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile(&v, 500), Duration::from_millis(50));
        assert_eq!(quantile(&v, 990), Duration::from_millis(99));
        assert_eq!(quantile(&v, 1000), Duration::from_millis(100));
        assert_eq!(quantile(&v[..1], 990), Duration::from_millis(1));
        assert_eq!(quantile(&[], 500), Duration::ZERO);
    }

    #[test]
    fn the_schedule_is_fixed_by_the_rate() {
        assert_eq!(slot_offset(0, 1000), Duration::ZERO);
        assert_eq!(slot_offset(1, 1000), Duration::from_millis(1));
        assert_eq!(slot_offset(2500, 1000), Duration::from_millis(2500));
        assert_eq!(slot_offset(1, 3), Duration::from_nanos(333_333_333));
    }
}
