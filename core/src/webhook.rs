//! Webhooks (issue 14): the rules of pushing a unit's events to the
//! addresses its legal representative registered.
//!
//! - **Signature** (Stripe-style, replay-safe): each attempt is signed with
//!   the endpoint's secret as `Qibao-Signature: t=<unix seconds>,v1=<hex
//!   HMAC-SHA256 of "<t>.<body>">`. A receiver recomputes it over the raw
//!   body ([`verify`]) and refuses a timestamp more than
//!   [`TOLERANCE_SECONDS`] away from its clock, so a captured request cannot
//!   be replayed later.
//! - **Retries**: an attempt that gets no 2xx answer is retried after 30 s,
//!   then twice as long each time up to one hour ([`retry_delay_seconds`]),
//!   until [`RETRY_FOR_SECONDS`] (24 h) after the event; then the delivery is
//!   dead (the unit can still redeliver it by hand, which opens a new 24 h).
//! - **Targets** ([`check_url`], [`is_forbidden_ip`]): http(s) only, no
//!   credentials in the URL; in production https only and never a loopback,
//!   private, link-local or otherwise internal address (SSRF), checked for
//!   a literal address at registration and for every resolved address at
//!   each attempt.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::{Duration, PrimitiveDateTime};

use crate::job::{UnknownCode, code_enum};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Qibao-Signature";
/// The header that carries the event's stable id (`evt_<unit>_<seq>`), the
/// receiver's key to drop a repeat.
pub const EVENT_ID_HEADER: &str = "Qibao-Event-Id";
/// A receiver refuses a signature timestamp further than this from its clock.
pub const TOLERANCE_SECONDS: i64 = 300;
/// How long after its event a delivery is retried before it is dead.
pub const RETRY_FOR_SECONDS: i64 = 86_400;
/// The wait after the first failed attempt.
pub const FIRST_RETRY_SECONDS: i64 = 30;
/// The longest wait between two attempts.
pub const MAX_RETRY_SECONDS: i64 = 3_600;
/// The longest URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 2_048;
/// Endpoints a unit may have registered at once.
pub const MAX_ENDPOINTS_PER_UNIT: usize = 10;

code_enum!(
    /// Where a delivery is (`webhook_deliveries.state`).
    DeliveryState, "webhook delivery state" {
        /// Waiting for its first attempt or its next retry.
        Pending = "pending" / "待推送",
        /// A 2xx answer was received.
        Delivered = "delivered" / "已送达",
        /// No 2xx answer within the retry window; can be redelivered by hand.
        Dead = "dead" / "已放弃",
        /// Its endpoint was removed before it was delivered.
        Cancelled = "cancelled" / "已取消",
    }
);

/// The stable id of a unit's event, as sent to receivers.
pub fn event_id(unit_id: i64, seq: i64) -> String {
    format!("evt_{unit_id}_{seq}")
}

/// The wait before the next attempt after `failed` attempts failed in a row
/// (1 = the first failed): 30 s, 60 s, 120 s, … at most one hour.
pub fn retry_delay_seconds(failed: u32) -> i64 {
    let doublings = failed.saturating_sub(1).min(20);
    (FIRST_RETRY_SECONDS << doublings).min(MAX_RETRY_SECONDS)
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time.
    RetryAt(PrimitiveDateTime),
    /// The retry window is over: the delivery is dead.
    Dead,
}

/// After the `failed`-th failed attempt at `now`, for a delivery retried
/// until `give_up_at`: the next attempt, unless it would fall after
/// `give_up_at`.
pub fn after_failure(
    failed: u32,
    now: PrimitiveDateTime,
    give_up_at: PrimitiveDateTime,
) -> AfterFailure {
    let next = now + Duration::seconds(retry_delay_seconds(failed));
    if next > give_up_at {
        AfterFailure::Dead
    } else {
        AfterFailure::RetryAt(next)
    }
}

/// The end of the retry window of a delivery opened at `opened`.
pub fn give_up_at(opened: PrimitiveDateTime) -> PrimitiveDateTime {
    opened + Duration::seconds(RETRY_FOR_SECONDS)
}

/// An answer counts as delivered when its status is 2xx.
pub fn is_delivered(status: u16) -> bool {
    (200..300).contains(&status)
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

/// The value of [`SIGNATURE_HEADER`] for `body` sent at `timestamp`.
pub fn signature_header(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", signature(secret, timestamp, body))
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is not `t=<seconds>,v1=<hex>`")]
    Malformed,
    #[error("the signature's timestamp is {0} s away from now")]
    Stale(i64),
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// Checks a received [`SIGNATURE_HEADER`] against the raw `body`, at
/// `now_unix` (seconds), with [`TOLERANCE_SECONDS`]. Several `v1=` values
/// are allowed (one matching is enough). The comparison is constant-time.
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now_unix: i64,
) -> Result<i64, SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => {
                timestamp = Some(t.parse::<i64>().map_err(|_| SignatureError::Malformed)?)
            }
            Some(("v1", v)) => {
                candidates.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?)
            }
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let skew = now_unix.saturating_sub(t);
    if skew.abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale(skew));
    }
    if candidates
        .iter()
        .any(|c| mac(secret, t, body).verify_slice(c).is_ok())
    {
        Ok(t)
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Which targets an endpoint may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetPolicy {
    /// Production: https only, public addresses only.
    PublicHttps,
    /// Development and tests: http or https, any address (a receiver on
    /// this machine).
    Any,
}

/// A checked target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// The host as written (a name, an IPv4 address or `[v6]`'s inside).
    pub host: String,
    pub port: u16,
}

/// Why a URL cannot be a target; each with the Chinese words a unit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    TooLong,
    NotHttp,
    HttpsRequired,
    Credentials,
    Fragment,
    NoHost,
    BadPort,
    Internal,
}

impl UrlProblem {
    /// The Chinese message.
    pub fn message_zh(self) -> &'static str {
        match self {
            UrlProblem::TooLong => "接收地址过长，最多2048个字符",
            UrlProblem::NotHttp => "接收地址应为 http:// 或 https:// 开头的完整网址",
            UrlProblem::HttpsRequired => "接收地址须使用 https",
            UrlProblem::Credentials => "接收地址中不能包含用户名或密码",
            UrlProblem::Fragment => "接收地址中不能包含 # 片段",
            UrlProblem::NoHost => "接收地址缺少主机名",
            UrlProblem::BadPort => "接收地址的端口号无效",
            UrlProblem::Internal => "接收地址不能指向本机、内网或保留地址",
        }
    }
}

/// Checks `url` as a webhook target under `policy`. Host names are checked
/// here only for `localhost`; their addresses are checked when resolved, at
/// each attempt ([`is_forbidden_ip`]).
pub fn check_url(url: &str, policy: TargetPolicy) -> Result<Target, UrlProblem> {
    if url.len() > MAX_URL_BYTES {
        return Err(UrlProblem::TooLong);
    }
    let lower = url.to_ascii_lowercase();
    let (https, rest) = if let Some(r) = lower.strip_prefix("https://") {
        (true, &url[url.len() - r.len()..])
    } else if let Some(r) = lower.strip_prefix("http://") {
        (false, &url[url.len() - r.len()..])
    } else {
        return Err(UrlProblem::NotHttp);
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlProblem::NotHttp);
    }
    if policy == TargetPolicy::PublicHttps && !https {
        return Err(UrlProblem::HttpsRequired);
    }
    if rest.contains('#') {
        return Err(UrlProblem::Fragment);
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(UrlProblem::Credentials);
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or(UrlProblem::NoHost)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(UrlProblem::BadPort)?),
        };
        if h.parse::<Ipv6Addr>().is_err() {
            return Err(UrlProblem::NoHost);
        }
        (h.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (authority.to_owned(), None),
        }
    };
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return Err(UrlProblem::NoHost);
    }
    let port = match port {
        None => {
            if https {
                443
            } else {
                80
            }
        }
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.chars().all(|c| c.is_ascii_digit()) => n,
            _ => return Err(UrlProblem::BadPort),
        },
    };
    if policy == TargetPolicy::PublicHttps {
        let host_lower = host.to_ascii_lowercase();
        let host_lower = host_lower.trim_end_matches('.');
        if host_lower == "localhost" || host_lower.ends_with(".localhost") {
            return Err(UrlProblem::Internal);
        }
        if let Ok(ip) = host.parse::<IpAddr>()
            && is_forbidden_ip(ip)
        {
            return Err(UrlProblem::Internal);
        }
    }
    Ok(Target { https, host, port })
}

/// Addresses no production webhook may reach: unspecified, loopback,
/// private (RFC 1918, IPv6 ULA), link-local, carrier-grade NAT, benchmarking,
/// documentation, multicast, broadcast and reserved ranges, and IPv6 forms
/// that embed such an IPv4 address.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) embeds an IPv4 address.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let v4 =
                    Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                return is_forbidden_v4(v4);
            }
            v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || s[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible ::a.b.c.d
        }
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // carrier-grade NAT 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240 // reserved
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn retry_waits_double_from_30_seconds_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(retry_delay_seconds).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(retry_delay_seconds(0), 30);
        assert_eq!(retry_delay_seconds(u32::MAX), 3600);
    }

    #[test]
    fn a_delivery_dies_when_its_next_attempt_would_pass_24_hours() {
        let opened = datetime!(2026-12-01 08:00);
        let end = give_up_at(opened);
        assert_eq!(end, datetime!(2026-12-02 08:00));
        assert_eq!(
            after_failure(1, opened, end),
            AfterFailure::RetryAt(datetime!(2026-12-01 08:00:30))
        );
        assert_eq!(
            after_failure(12, datetime!(2026-12-02 07:00), end),
            AfterFailure::RetryAt(end)
        );
        assert_eq!(
            after_failure(12, datetime!(2026-12-02 07:00:01), end),
            AfterFailure::Dead
        );
        // 8 attempts in the first hour (0 s, 30 s, 90 s, … 3810 s), then
        // hourly: 30 attempts in the 24 hours.
        let (mut now, mut n) = (opened, 0u32);
        loop {
            n += 1;
            match after_failure(n, now, end) {
                AfterFailure::RetryAt(t) => now = t,
                AfterFailure::Dead => break,
            }
        }
        assert_eq!(n, 30);
    }

    #[test]
    fn signatures_verify_and_refuse_tampering_staleness_and_other_secrets() {
        let secret = b"whsec_test";
        let body = br#"{"id":"evt_1_1"}"#;
        let header = signature_header(secret, 1_764_547_200, body);
        assert!(header.starts_with("t=1764547200,v1="));
        assert_eq!(
            verify(secret, &header, body, 1_764_547_200 + 299),
            Ok(1_764_547_200)
        );
        assert_eq!(
            verify(secret, &header, body, 1_764_547_200 + 301),
            Err(SignatureError::Stale(301))
        );
        assert_eq!(
            verify(secret, &header, br#"{"id":"evt_1_2"}"#, 1_764_547_200),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", &header, body, 1_764_547_200),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(secret, "v1=00", body, 0),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(secret, "t=1,v1=zz", body, 1),
            Err(SignatureError::Malformed)
        );
        // A rotated secret: either v1 may match.
        let two = format!("{header},v1={}", signature(b"new", 1_764_547_200, body));
        assert!(verify(b"new", &two, body, 1_764_547_200).is_ok());
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // The construction, recomputed with the hmac crate directly.
        let s = signature(b"Jefe", 0, b"x");
        let mut m =
            <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap_or_else(|_| unreachable!());
        m.update(b"0.x");
        assert_eq!(s, hex::encode(m.finalize().into_bytes()));
        assert_eq!(s.len(), 64);
    }

    #[test]
    fn urls_are_checked_against_the_policy() {
        use TargetPolicy::*;
        let ok = check_url("https://hr.example.com/hooks/qibao?x=1", PublicHttps);
        assert_eq!(
            ok,
            Ok(Target {
                https: true,
                host: "hr.example.com".into(),
                port: 443
            })
        );
        assert_eq!(
            check_url("https://hr.example.com:8443/", PublicHttps).map(|t| t.port),
            Ok(8443)
        );
        assert_eq!(
            check_url("http://hr.example.com/", PublicHttps),
            Err(UrlProblem::HttpsRequired)
        );
        assert_eq!(
            check_url("http://127.0.0.1:9000/", Any).map(|t| t.port),
            Ok(9000)
        );
        assert_eq!(check_url("ftp://x/", Any), Err(UrlProblem::NotHttp));
        assert_eq!(
            check_url("https://u:p@x.example/", Any),
            Err(UrlProblem::Credentials)
        );
        assert_eq!(
            check_url("https://x.example/#a", Any),
            Err(UrlProblem::Fragment)
        );
        assert_eq!(check_url("https:///path", Any), Err(UrlProblem::NoHost));
        assert_eq!(
            check_url("https://x.example:0/", Any),
            Err(UrlProblem::BadPort)
        );
        assert_eq!(
            check_url("https://x.example:99999/", Any),
            Err(UrlProblem::BadPort)
        );
        assert_eq!(
            check_url("https://x .example/", Any),
            Err(UrlProblem::NotHttp)
        );
        for internal in [
            "https://localhost/",
            "https://api.localhost./",
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00::1]:8443/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
        ] {
            assert_eq!(
                check_url(internal, PublicHttps),
                Err(UrlProblem::Internal),
                "{internal}"
            );
            assert!(check_url(internal, Any).is_ok(), "{internal}");
        }
        assert!(check_url("https://8.8.8.8/", PublicHttps).is_ok());
        assert!(check_url("https://[2400:3200::1]/", PublicHttps).is_ok());
        assert_eq!(
            check_url(&format!("https://x.example/{}", "a".repeat(2048)), Any),
            Err(UrlProblem::TooLong)
        );
    }

    #[test]
    fn nat64_and_compatible_forms_of_internal_addresses_are_forbidden() {
        for ip in [
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "::127.0.0.1",
            "2001:db8::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert!(is_forbidden_ip(ip), "{ip}");
        }
        let public: IpAddr = "64:ff9b::808:808"
            .parse()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(!is_forbidden_ip(public));
    }

    proptest! {
        #[test]
        fn waits_never_shrink_and_stay_in_bounds(n in 1u32..200) {
            let (a, b) = (retry_delay_seconds(n), retry_delay_seconds(n + 1));
            prop_assert!(a <= b);
            prop_assert!((FIRST_RETRY_SECONDS..=MAX_RETRY_SECONDS).contains(&a));
        }

        #[test]
        fn any_body_signed_verifies_and_any_change_does_not(
            body in proptest::collection::vec(any::<u8>(), 0..200),
            flip in any::<usize>(),
            t in 0i64..4_000_000_000,
        ) {
            let h = signature_header(b"k", t, &body);
            prop_assert_eq!(verify(b"k", &h, &body, t), Ok(t));
            if !body.is_empty() {
                let mut other = body.clone();
                let i = flip % other.len();
                other[i] ^= 1;
                prop_assert_eq!(verify(b"k", &h, &other, t), Err(SignatureError::Mismatch));
            }
        }

        #[test]
        fn private_v4_ranges_are_always_forbidden(b in any::<u8>(), c in any::<u8>(), d in any::<u8>()) {
            prop_assert!(is_forbidden_ip(IpAddr::V4(Ipv4Addr::new(10, b, c, d))));
            prop_assert!(is_forbidden_ip(IpAddr::V4(Ipv4Addr::new(127, b, c, d))));
            prop_assert!(is_forbidden_ip(IpAddr::V4(Ipv4Addr::new(192, 168, c, d))));
            prop_assert!(is_forbidden_ip(IpAddr::V4(Ipv4Addr::new(172, 16 | (b & 15), c, d))));
        }
    }
}
