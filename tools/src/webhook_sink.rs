//! A webhook receiver (`qibao-sim webhook-sink`): what a payroll system's
//! endpoint does with qibao's pushes, small enough to read. It listens for
//! POSTs, checks `Qibao-Signature` with the endpoint's secret
//! ([`qibao_core::webhook::verify`]: HMAC-SHA256 over `"<t>.<body>"`, `t`
//! within 5 minutes), drops a repeat of an event id it already processed,
//! and answers 200; a bad signature gets 400.
//!
//! The end-to-end tests run it with a [`Behaviour`] that injects failures
//! (500s, slow answers, dropped connections) and read what it got.
//!
//! A minimal HTTP/1.1 server on `std::net`: one request per connection
//! (`Connection: close`), bodies by `Content-Length`.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use qibao_core::webhook::{EVENT_ID_HEADER, SIGNATURE_HEADER, verify};

/// The largest body read.
const MAX_BODY: usize = 1 << 20;

/// One POST received.
#[derive(Debug, Clone)]
pub struct Received {
    pub event_id: String,
    pub event_type: String,
    pub attempt: u32,
    /// `Ok(t)` when the signature held (its timestamp).
    pub signature: Result<i64, String>,
    /// The body, parsed.
    pub body: serde_json::Value,
    /// Whether this event id was processed before (a repeat).
    pub repeat: bool,
    /// What the sink answered (0: nothing, the connection was dropped).
    pub answered: u16,
}

/// What to do with a request: answer, or fail on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Process it: 200 when the signature holds (400 otherwise).
    Accept,
    /// Answer this status without processing.
    Status(u16),
    /// Wait this long, then process it (a slow receiver; the sender may
    /// have given up by then).
    Slow(Duration),
    /// Close the connection without an answer.
    Drop,
}

/// Decides the reply to the `n`-th request (from 1) carrying an event id.
pub type Behaviour = Arc<dyn Fn(&str, u32) -> Reply + Send + Sync>;

/// Where the secret comes from.
#[derive(Clone)]
pub enum Secret {
    /// Given (tests set it once the endpoint is registered).
    Value(Arc<Mutex<Option<String>>>),
    /// Read from this file at each request (`make run`: the demo writes it).
    File(PathBuf),
    /// One secret per request path: one receiver behind several endpoints
    /// (`/hooks/<unit>`), as a payroll vendor serving many units runs it.
    ByPath(Arc<Mutex<std::collections::HashMap<String, String>>>),
}

impl Secret {
    fn get(&self, path: &str) -> Option<String> {
        match self {
            Secret::Value(v) => v.lock().ok().and_then(|s| s.clone()),
            Secret::File(p) => std::fs::read_to_string(p).ok().map(|s| s.trim().to_owned()),
            Secret::ByPath(m) => m.lock().ok().and_then(|m| m.get(path).cloned()),
        }
    }
}

#[derive(Default)]
struct Log {
    received: Vec<Received>,
    processed: HashSet<String>,
    tries: std::collections::HashMap<String, u32>,
}

/// A running receiver; stops when dropped.
pub struct Sink {
    addr: std::net::SocketAddr,
    secret: Secret,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sink {
    /// Listens on `bind` (`127.0.0.1:0`: any free port).
    pub fn start(
        bind: &str,
        secret: Secret,
        behaviour: Behaviour,
        print: bool,
    ) -> io::Result<Sink> {
        let listener = TcpListener::bind(bind)?;
        let addr = listener.local_addr()?;
        let log = Arc::new(Mutex::new(Log::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2, secret2) = (log.clone(), stop.clone(), secret.clone());
        let thread = std::thread::Builder::new()
            .name(format!("webhook-sink-{}", addr.port()))
            .spawn(move || {
                // Blocking accept: dropping the sink sets `stop` and
                // connects once to wake it.
                loop {
                    let accepted = listener.accept();
                    if stop2.load(Ordering::SeqCst) {
                        break;
                    }
                    match accepted {
                        Ok((stream, _)) => {
                            let (log, secret, behaviour) =
                                (log2.clone(), secret2.clone(), behaviour.clone());
                            let _ = std::thread::Builder::new()
                                .name("webhook-sink-conn".into())
                                .spawn(move || {
                                    if let Err(e) = serve(stream, &secret, &behaviour, &log, print)
                                    {
                                        log::debug!("webhook-sink: {e}");
                                    }
                                });
                        }
                        Err(e) => log::warn!("webhook-sink: accept failed: {e}"),
                    }
                }
            })?;
        Ok(Sink {
            addr,
            secret,
            log,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://<addr>/hooks`.
    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    /// `http://<addr><path>` (`path` from `/`).
    pub fn url_at(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sets the secret (a sink started with [`Secret::Value`]).
    pub fn set_secret(&self, secret: &str) {
        if let Secret::Value(v) = &self.secret
            && let Ok(mut s) = v.lock()
        {
            *s = Some(secret.to_owned());
        }
    }

    /// Sets the secret of requests to `path` (a sink started with
    /// [`Secret::ByPath`]).
    pub fn set_secret_at(&self, path: &str, secret: &str) {
        if let Secret::ByPath(m) = &self.secret
            && let Ok(mut m) = m.lock()
        {
            m.insert(path.to_owned(), secret.to_owned());
        }
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.log
            .lock()
            .map(|l| l.received.clone())
            .unwrap_or_default()
    }

    /// The event ids processed (signature held, answered 200), each once.
    pub fn processed(&self) -> HashSet<String> {
        self.log
            .lock()
            .map(|l| l.processed.clone())
            .unwrap_or_default()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept (a wildcard bind is reached on loopback).
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let woken = TcpStream::connect_timeout(&wake, Duration::from_secs(1)).is_ok();
        if let Some(t) = self.thread.take()
            && woken
        {
            let _ = t.join();
        }
    }
}

fn serve(
    stream: TcpStream,
    secret: &Secret,
    behaviour: &Behaviour,
    log: &Mutex<Log>,
    print: bool,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.clone())
    };
    let len = header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body)?;
    let mut stream = stream;
    if !line.starts_with("POST ") {
        return answer(&mut stream, 405);
    }
    let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
    let event_id = header(EVENT_ID_HEADER).unwrap_or_default();
    let n = {
        let mut l = log.lock().map_err(|_| io::Error::other("poisoned"))?;
        let n = l.tries.entry(event_id.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let reply = behaviour(&event_id, n);
    match reply {
        Reply::Drop => {
            note(
                log,
                (&path, &event_id),
                &headers,
                &body,
                secret,
                0,
                false,
                print,
            );
            return stream.shutdown(Shutdown::Both);
        }
        Reply::Status(s) => {
            note(
                log,
                (&path, &event_id),
                &headers,
                &body,
                secret,
                s,
                false,
                print,
            );
            return answer(&mut stream, s);
        }
        Reply::Slow(d) => std::thread::sleep(d),
        Reply::Accept => {}
    }
    let status = note(
        log,
        (&path, &event_id),
        &headers,
        &body,
        secret,
        0,
        true,
        print,
    );
    answer(&mut stream, status)
}

/// Logs a request; when `process`, checks its signature and marks it
/// processed; returns the status to answer.
#[allow(clippy::too_many_arguments)]
fn note(
    log: &Mutex<Log>,
    (path, event_id): (&str, &str),
    headers: &[(String, String)],
    body: &[u8],
    secret: &Secret,
    answered: u16,
    process: bool,
    print: bool,
) -> u16 {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = match secret.get(path) {
        None => Err("no secret known yet".to_owned()),
        Some(s) => {
            verify(s.as_bytes(), &get(SIGNATURE_HEADER), body, now).map_err(|e| e.to_string())
        }
    };
    let Ok(mut l) = log.lock() else {
        return 500;
    };
    let repeat = l.processed.contains(event_id);
    let status = if !process {
        answered
    } else if signature.is_ok() {
        l.processed.insert(event_id.to_owned());
        200
    } else {
        400
    };
    let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    if print && process {
        let what = match (&signature, repeat) {
            (Err(e), _) => format!("REFUSED: bad signature ({e})"),
            (Ok(_), true) => "signature ok; a repeat, ignored".to_owned(),
            (Ok(_), false) => "signature ok".to_owned(),
        };
        let detail = match parsed["data"]["kind_label"].as_str() {
            Some(kind) => format!(
                "（{kind}，{}）",
                parsed["data"]["status"].as_str().unwrap_or_default()
            ),
            None => String::new(),
        };
        println!(
            "{} {} {}{} {} — {}",
            event_id,
            get("qibao-event-type"),
            parsed["type_label"].as_str().unwrap_or_default(),
            detail,
            parsed["subject"].as_str().unwrap_or_default(),
            what
        );
    }
    l.received.push(Received {
        event_id: event_id.to_owned(),
        event_type: get("qibao-event-type"),
        attempt: get("qibao-delivery-attempt").parse().unwrap_or(0),
        signature,
        body: parsed,
        repeat,
        answered: status,
    });
    status
}

fn answer(stream: &mut TcpStream, status: u16) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    stream.flush()?;
    stream.shutdown(Shutdown::Both)
}
