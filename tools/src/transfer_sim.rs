//! `qibao-sim transfer`: plays the other provinces on the inter-province
//! transfer platform (跨省转移接续平台, R-TRANS-1, 2) against a running
//! server, over its public platform API only, with the platform's client
//! credential.
//!
//! Each round it reads this province's transfer-in requests from its
//! cursor; it accepts (受理) each new one at once and answers it (办结转出)
//! in a later round, with the months, bases and place its ledger holds for
//! the person and the money moved: the account balance and exactly 12% of
//! the bases since 1998 (the rule the receiving side checks). A person
//! missing from a ledger file is refused (不予转移) with the reason. It can
//! also play a new place asking for a person who left this province
//! (`--request-out`), and reads the answer staff give; the new place then
//! holds what moved, and if the person is asked back it answers with
//! exactly that (the months with their places, the account), so a
//! relation that goes out and comes back arrives intact.
//!
//! Without a ledger file every person paid the 36 months of the three
//! years before the request's year, at 6,000.00 a month in 广东省深圳市,
//! with 8% of each base in the account (no interest): 17,280.00 and
//! 25,920.00 pooled.

use std::collections::BTreeMap;
use std::time::Duration;

use qibao_core::transfer::{PaidMonth, amounts};
use qibao_core::{Money, Period};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use time::Date;

use crate::client::{ClientSession, Server};

/// The demo platform client that `qibao demo` creates (`qibao_api::demo`
/// holds the same pair).
pub const DEMO_PLATFORM_CLIENT_ID: &str = "transfer-sim";
/// The demo platform client's secret: well known, dev only.
pub const DEMO_PLATFORM_CLIENT_SECRET: &str = "transfer-sim-dev-secret-not-for-production";

/// The place of the default ledger's months.
pub const DEFAULT_PLACE: &str = "广东省深圳市";
/// The monthly base of the default ledger's months, in fen.
pub const DEFAULT_BASE_FEN: i64 = 600_000;

/// `qibao-sim transfer`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct TransferArgs {
    /// The server's base URL.
    #[arg(long, default_value = crate::DEFAULT_SERVER, value_name = "URL")]
    pub server: String,
    /// The platform client's id.
    #[arg(long, default_value = DEMO_PLATFORM_CLIENT_ID, value_name = "ID")]
    pub client_id: String,
    /// The platform client's secret.
    #[arg(long, default_value = DEMO_PLATFORM_CLIENT_SECRET, value_name = "S")]
    pub secret: String,
    /// A JSON file of the other provinces' records: {"<id number>":
    /// {"place": "…", "spans": [{"from": "YYYYMM", "to": "YYYYMM", "base":
    /// "6000.00"}], "account": "17280.00"}}; a person not in it is refused.
    /// Without it, every person has the default record.
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<std::path::PathBuf>,
    /// Also ask this province to transfer a person out:
    /// REQUEST_NO:ID_NUMBER:NAME (to 广东省深圳市); repeatable.
    #[arg(long = "request-out", value_name = "NO:ID:NAME")]
    pub request_out: Vec<String>,
    /// Play one round, print what it did and exit.
    #[arg(long)]
    pub once: bool,
    /// Seconds between rounds (without --once; at least 1).
    #[arg(long, default_value_t = 5, value_name = "SECONDS")]
    pub interval: u64,
    /// First wait up to this many seconds for the server to be ready
    /// (`GET /readyz`); 0: do not wait.
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    pub wait: u64,
}

/// One person's record at the old place.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LedgerEntry {
    pub place: String,
    pub spans: Vec<LedgerSpan>,
    /// The account balance, yuan.
    pub account: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LedgerSpan {
    pub from: String,
    pub to: String,
    pub base: String,
    /// Where the months were paid, when not the entry's place.
    #[serde(default)]
    pub place: Option<String>,
}

/// The other provinces' records.
#[derive(Debug, Clone, Default)]
pub enum Ledger {
    /// Every person has the default record.
    #[default]
    Default,
    /// Only these persons, by ID number.
    File(BTreeMap<String, LedgerEntry>),
}

impl Ledger {
    /// Reads a ledger file.
    pub fn read(path: &std::path::Path) -> Result<Ledger, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map(Ledger::File)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The record of `id_number` as of a request made in `year`.
    pub fn entry(&self, id_number: &str, year: i32) -> Option<LedgerEntry> {
        match self {
            Ledger::File(m) => m.get(id_number).cloned(),
            Ledger::Default => Some(default_entry(year)),
        }
    }
}

/// The default record: the three years before `year`, 6,000.00 a month in
/// 广东省深圳市, 8% of each base in the account.
pub fn default_entry(year: i32) -> LedgerEntry {
    let base = Money::from_fen(DEFAULT_BASE_FEN);
    LedgerEntry {
        place: DEFAULT_PLACE.to_owned(),
        spans: vec![LedgerSpan {
            from: format!("{}01", year - 3),
            to: format!("{}12", year - 1),
            base: base.to_string(),
            place: None,
        }],
        account: Money::from_fen(DEFAULT_BASE_FEN * 8 / 100 * 36).to_string(),
    }
}

/// The answer the old place sends for `entry` on `on`: the spans, the
/// account and 12% of the bases since 1998.
pub fn answer_of(entry: &LedgerEntry, on: Date) -> Result<Value, String> {
    let mut paid = Vec::new();
    for s in &entry.spans {
        let from = Period::parse(&s.from).map_err(|e| e.to_string())?;
        let to = Period::parse(&s.to).map_err(|e| e.to_string())?;
        let base = Money::parse(&s.base).map_err(|e| e.to_string())?;
        for period in Period::range_inclusive(from, to) {
            paid.push(PaidMonth { period, base });
        }
    }
    let account = Money::parse(&entry.account).map_err(|e| e.to_string())?;
    let a = amounts(&paid, account);
    Ok(json!({
        "transferred_on": on.to_string(),
        "spans": entry.spans.iter().map(|s| json!({
            "from": s.from, "to": s.to, "base": s.base,
            "place": s.place.as_deref().unwrap_or(&entry.place),
        })).collect::<Vec<_>>(),
        "account": a.account.to_string(),
        "pooled": a.pooled.to_string(),
    }))
}

/// What the new place holds of a relation transferred to it: the spans
/// with their places and the account, as the answer moved them.
fn held(moved: &Value) -> Option<LedgerEntry> {
    let spans = moved["spans"].as_array()?;
    Some(LedgerEntry {
        place: spans.first()?["place"].as_str()?.to_owned(),
        spans: spans
            .iter()
            .map(|s| LedgerSpan {
                from: s["from"].as_str().unwrap_or_default().to_owned(),
                to: s["to"].as_str().unwrap_or_default().to_owned(),
                base: s["base"].as_str().unwrap_or_default().to_owned(),
                place: s["place"].as_str().map(str::to_owned),
            })
            .collect(),
        account: moved["account"].as_str()?.to_owned(),
    })
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundStats {
    pub seen: u64,
    pub accepted: u64,
    pub answered: u64,
    pub refused: u64,
    /// Requests for persons who left that got their answer this round.
    pub out_answered: u64,
}

/// The simulated platform with the other provinces behind it.
pub struct TransferSim {
    server: Result<Server, String>,
    session: ClientSession,
    ledger: Ledger,
    cursor: i64,
    /// This province's requests accepted and not answered yet, as the
    /// feed showed them (by transfer number).
    accepted: BTreeMap<String, Value>,
    /// Requests made for persons who left, not answered yet (request
    /// number → ID number).
    asked: BTreeMap<String, String>,
    /// What this province transferred out to the new place, by ID number:
    /// the new place holds it, and answers with it if the person is asked
    /// back (the relation returns intact).
    received: BTreeMap<String, LedgerEntry>,
    today: Option<Date>,
}

impl TransferSim {
    pub fn new(server: &str, client_id: &str, secret: &str, ledger: Ledger) -> TransferSim {
        TransferSim {
            server: Server::new(server),
            session: ClientSession::new("/api/v1/auth/platform-tokens", client_id, secret),
            ledger,
            cursor: 0,
            accepted: BTreeMap::new(),
            asked: BTreeMap::new(),
            received: BTreeMap::new(),
            today: None,
        }
    }

    /// Pins the other side's date (tests pin it to the server's); None:
    /// today in China.
    pub fn set_today(&mut self, day: Option<Date>) {
        self.today = day;
    }

    fn today(&self) -> Date {
        self.today.unwrap_or_else(|| {
            time::OffsetDateTime::now_utc()
                .to_offset(crate::CHINA_OFFSET)
                .date()
        })
    }

    /// Waits up to `timeout` for the server to be ready.
    pub fn wait_ready(&self, timeout: Duration) -> Result<(), String> {
        self.server
            .as_ref()
            .map_err(Clone::clone)?
            .wait_ready(timeout)
    }

    fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let server = self.server.as_ref().map_err(Clone::clone)?;
        self.session.call(server, method, path, body)
    }

    fn expect(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        want: u16,
    ) -> Result<Value, String> {
        let (status, v) = self.call(method, path, body)?;
        if status != want {
            return Err(format!("{path} answered {status}: {v}"));
        }
        Ok(v)
    }

    /// One round: new requests accepted, requests accepted before
    /// answered (or refused when the ledger has no record), answers to
    /// requests for persons who left collected.
    pub fn round(&mut self) -> Result<RoundStats, String> {
        let mut stats = RoundStats::default();
        // Answered this round: what was accepted in an earlier one (and
        // what a simulator that restarted finds accepted in the feed).
        let mut to_answer = self.accepted.clone();
        loop {
            let path = format!(
                "/api/v1/platform/transfer-requests?after={}&limit=200",
                self.cursor
            );
            let page = self.expect(Method::GET, &path, None, 200)?;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            for item in &items {
                stats.seen += 1;
                let no = item["transfer_no"].as_str().unwrap_or_default().to_owned();
                match item["status"].as_str() {
                    Some("requested") => {
                        let path = format!("/api/v1/platform/transfer-requests/{no}/acceptance");
                        self.expect(Method::POST, &path, None, 200)?;
                        stats.accepted += 1;
                        self.accepted.insert(no, item.clone());
                    }
                    Some("accepted") => {
                        to_answer.entry(no).or_insert_with(|| item.clone());
                    }
                    _ => {}
                }
            }
            self.cursor = page["next_after"].as_i64().unwrap_or(self.cursor);
            if items.len() < 200 {
                break;
            }
        }
        let today = self.today();
        for (no, item) in to_answer {
            let year = item["requested_on"]
                .as_str()
                .and_then(|d| d.get(..4))
                .and_then(|y| y.parse::<i32>().ok())
                .unwrap_or(today.year());
            let id_number = item["id_number"].as_str().unwrap_or_default();
            let entry = self
                .received
                .get(id_number)
                .cloned()
                .or_else(|| self.ledger.entry(id_number, year));
            match entry {
                Some(entry) => {
                    let body = answer_of(&entry, today)?;
                    let path = format!("/api/v1/platform/transfer-requests/{no}/answer");
                    self.expect(Method::POST, &path, Some(&body), 200)?;
                    stats.answered += 1;
                }
                None => {
                    let body = json!({"reason": "转出地无该人员基本养老保险参保记录。"});
                    let path = format!("/api/v1/platform/transfer-requests/{no}/refusal");
                    self.expect(Method::POST, &path, Some(&body), 200)?;
                    stats.refused += 1;
                }
            }
            self.accepted.remove(&no);
        }
        for (no, id_number) in self.asked.clone() {
            let v = self.out_answer(&no)?;
            if matches!(v["status"].as_str(), Some("completed" | "refused")) {
                log::info!("transfer out {no}: {}", v["status_label"]);
                if let Some(entry) = held(&v["moved"]) {
                    self.received.insert(id_number, entry);
                }
                self.asked.remove(&no);
                stats.out_answered += 1;
            }
        }
        Ok(stats)
    }

    /// Plays a new place asking this province for a person who left.
    pub fn request_out(
        &mut self,
        request_no: &str,
        id_number: &str,
        name: &str,
        to_place: &str,
    ) -> Result<Value, String> {
        let body = json!({
            "request_no": request_no, "id_number": id_number, "name": name,
            "to_place": to_place, "to_agency": format!("{to_place}社会保险经办机构"),
        });
        let v = self.expect(
            Method::POST,
            "/api/v1/platform/transfer-out-requests",
            Some(&body),
            201,
        )?;
        self.asked
            .insert(request_no.to_owned(), id_number.to_owned());
        Ok(v)
    }

    /// The answer to a request for a person who left, as it stands.
    pub fn out_answer(&mut self, request_no: &str) -> Result<Value, String> {
        let path = format!("/api/v1/platform/transfer-out-requests/{request_no}");
        self.expect(Method::GET, &path, None, 200)
    }

    /// Rounds every `interval` until stopped, logging what each did.
    pub fn run_forever(mut self, interval: Duration) {
        loop {
            match self.round() {
                Ok(s) if s.accepted + s.answered + s.refused + s.out_answered > 0 => log::info!(
                    "transfer round: {} accepted, {} answered, {} refused, {} answers collected",
                    s.accepted,
                    s.answered,
                    s.refused,
                    s.out_answered
                ),
                Ok(_) => {}
                Err(e) => log::warn!("transfer round failed: {e}"),
            }
            std::thread::sleep(interval);
        }
    }
}
