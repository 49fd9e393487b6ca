//! The webhook workers inside `qibao serve` (and the test server): threads
//! that turn new unit events into deliveries, lease the due ones and POST
//! them ([`qibao_app::webhooks`]), signed, with a 10-second limit and no
//! redirects followed.
//!
//! Every node of one PostgreSQL may run them: fan-out holds the endpoint's
//! row, a delivery is leased to one node at a time (`FOR UPDATE SKIP
//! LOCKED`), so an event is sent by one node; a node that stops mid-send
//! leaves a lease that runs out after a minute, and another node sends it
//! again (same event id: receivers drop the repeat).
//!
//! In production a target's name is resolved here and every address it
//! resolves to must be public ([`qibao_core::webhook::is_forbidden_ip`]);
//! the connection then goes to the address checked, so a DNS answer that
//! changes between the check and the connection cannot reach inside.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use qibao_app::clock::Clock;
use qibao_app::webhooks::{self, Outcome, Outgoing};
use qibao_core::webhook::{self as rules, Target, TargetPolicy};

use crate::db_glue::Pool;

/// How long an idle worker waits before looking for work again (a write
/// on this node, or a redelivery, wakes it at once).
pub const IDLE_WAIT: Duration = Duration::from_millis(250);
/// The longest an attempt may take, connection included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries a worker leases at a time.
pub const CLAIM_BATCH: i64 = 4;

/// A wake-up for this node's webhook workers. Cheap to clone.
#[derive(Clone, Default)]
pub struct Wake {
    inner: Arc<(Mutex<u64>, Condvar)>,
}

impl Wake {
    pub fn new() -> Wake {
        Wake::default()
    }

    /// Something may be due: wake the idle workers.
    pub fn wake(&self) {
        if let Ok(mut n) = self.inner.0.lock() {
            *n = n.wrapping_add(1);
        }
        self.inner.1.notify_all();
    }

    fn wait(&self, timeout: Duration) {
        if let Ok(n) = self.inner.0.lock() {
            let seen = *n;
            let _ = self.inner.1.wait_timeout_while(n, timeout, |n| *n == seen);
        }
    }
}

/// The worker threads; stopped (and joined) when dropped. An attempt under
/// way finishes first.
pub struct WebhookWorkers {
    stop: Arc<AtomicBool>,
    wake: Wake,
    threads: Vec<JoinHandle<()>>,
}

impl Drop for WebhookWorkers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.wake();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Starts `count` webhook workers (0: none) for targets allowed by `policy`.
pub fn spawn(
    pool: Pool,
    clock: Clock,
    wake: Wake,
    policy: TargetPolicy,
    count: usize,
) -> io::Result<WebhookWorkers> {
    let stop = Arc::new(AtomicBool::new(false));
    let node = crate::workers::node_name();
    let mut threads = Vec::new();
    for i in 0..count {
        let (pool, clock, wake, stop, node) = (
            pool.clone(),
            clock.clone(),
            wake.clone(),
            stop.clone(),
            node.clone(),
        );
        threads.push(
            std::thread::Builder::new()
                .name(format!("qibao-webhooks-{i}"))
                .spawn(move || {
                    let sender = Sender::new(policy);
                    while !stop.load(Ordering::SeqCst) {
                        match run_once(&pool, &clock, &sender, &node) {
                            Ok(0) => wake.wait(IDLE_WAIT),
                            Ok(_) => {}
                            Err(e) => {
                                log::warn!("webhook worker: {e}");
                                wake.wait(IDLE_WAIT);
                            }
                        }
                    }
                })?,
        );
    }
    if count > 0 {
        log::info!("{count} webhook worker(s) started as node {node}");
    }
    Ok(WebhookWorkers {
        stop,
        wake,
        threads,
    })
}

/// One pass: fan out new events, then send what is due (up to
/// [`CLAIM_BATCH`]); returns the attempts made.
pub fn run_once(
    pool: &Pool,
    clock: &Clock,
    sender: &Sender,
    node: &str,
) -> Result<usize, qibao_app::AppError> {
    let mut conn = pool.get()?;
    webhooks::fan_out_all(&mut conn, clock.now_utc())?;
    let due = webhooks::claim(&mut conn, node, clock.now_utc(), CLAIM_BATCH)?;
    drop(conn);
    let n = due.len();
    for out in due {
        let outcome = sender.send(&out);
        let mut conn = pool.get()?;
        match webhooks::record(&mut conn, &out, node, outcome, clock.now_utc())? {
            Some(state) => log::info!(
                "webhook {} → {} attempt {}: {}",
                out.event_id,
                out.url,
                out.attempt,
                state
            ),
            None => log::warn!(
                "webhook {} → {}: the delivery changed while it was sent; attempt not logged",
                out.event_id,
                out.url
            ),
        }
    }
    Ok(n)
}

/// Sends attempts over HTTP.
pub struct Sender {
    policy: TargetPolicy,
    /// For [`TargetPolicy::Any`]: one client with its connection pool.
    shared: Option<reqwest::blocking::Client>,
}

fn builder() -> reqwest::blocking::ClientBuilder {
    reqwest::blocking::Client::builder()
        .timeout(SEND_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("qibao-webhooks/", env!("CARGO_PKG_VERSION")))
}

impl Sender {
    pub fn new(policy: TargetPolicy) -> Sender {
        let shared = match policy {
            TargetPolicy::Any => match builder().build() {
                Ok(c) => Some(c),
                Err(e) => {
                    log::error!("webhook worker: cannot build the HTTP client: {e}");
                    None
                }
            },
            TargetPolicy::PublicHttps => None,
        };
        Sender { policy, shared }
    }

    /// The client for `target`: the shared one, or (production) one pinned
    /// to the target's checked public addresses.
    fn client_for(&self, target: &Target) -> Result<reqwest::blocking::Client, String> {
        if let Some(c) = &self.shared {
            return Ok(c.clone());
        }
        let addrs: Vec<SocketAddr> = (target.host.as_str(), target.port)
            .to_socket_addrs()
            .map_err(|e| format!("接收地址的域名无法解析：{e}"))?
            .collect();
        if addrs.is_empty() {
            return Err("接收地址的域名无法解析".to_owned());
        }
        if addrs.iter().any(|a| rules::is_forbidden_ip(a.ip())) {
            return Err("接收地址解析到本机、内网或保留地址，已拒绝推送".to_owned());
        }
        builder()
            .resolve_to_addrs(&target.host, &addrs)
            .build()
            .map_err(|e| format!("无法建立连接：{e}"))
    }

    /// Makes one attempt of `out`.
    pub fn send(&self, out: &Outgoing) -> Outcome {
        let started = Instant::now();
        let elapsed = |s: Instant| i64::try_from(s.elapsed().as_millis()).unwrap_or(i64::MAX);
        let target = match rules::check_url(&out.url, self.policy) {
            Ok(t) => t,
            Err(p) => {
                return Outcome {
                    status: None,
                    error: Some(p.message_zh().to_owned()),
                    duration_ms: 0,
                };
            }
        };
        let client = match self.client_for(&target) {
            Ok(c) => c,
            Err(e) => {
                return Outcome {
                    status: None,
                    error: Some(e),
                    duration_ms: elapsed(started),
                };
            }
        };
        // The receiver checks the timestamp against its own clock: the real
        // time, whatever date a dev server is pinned to.
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let result = client
            .post(&out.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(rules::EVENT_ID_HEADER, &out.event_id)
            .header("Qibao-Event-Type", &out.event_type)
            .header("Qibao-Delivery-Id", out.delivery_id.0.to_string())
            .header("Qibao-Delivery-Attempt", out.attempt.to_string())
            .header(rules::SIGNATURE_HEADER, out.signature(now))
            .body(out.body.clone())
            .send();
        match result {
            Ok(resp) => {
                let status = resp.status().as_u16();
                // The body is not read: only the status counts.
                drop(resp);
                Outcome {
                    status: Some(status),
                    error: None,
                    duration_ms: elapsed(started),
                }
            }
            Err(e) => Outcome {
                status: None,
                error: Some(if e.is_timeout() {
                    format!("接收方{}秒内没有应答", SEND_TIMEOUT.as_secs())
                } else if e.is_connect() {
                    "无法连接接收地址".to_owned()
                } else {
                    format!("推送失败：{e}")
                }),
                duration_ms: elapsed(started),
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_a_name_that_resolves_to_an_internal_address() {
        let sender = Sender::new(TargetPolicy::PublicHttps);
        // `localhost.` is refused by name already; a name of this machine
        // (/etc/hosts) resolves to a loopback or private address.
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_default();
        let resolved: Vec<SocketAddr> = (host.as_str(), 443)
            .to_socket_addrs()
            .map(Iterator::collect)
            .unwrap_or_default();
        if host.is_empty() || !resolved.iter().any(|a| rules::is_forbidden_ip(a.ip())) {
            return; // this machine's name is not internal here: nothing to check
        }
        let target = Target {
            https: true,
            host,
            port: 443,
        };
        let err = sender.client_for(&target).err().unwrap();
        assert!(err.contains("内网"), "{err}");
        // In dev any target is allowed.
        assert!(Sender::new(TargetPolicy::Any).client_for(&target).is_ok());
    }
}
