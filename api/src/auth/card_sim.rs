//! `qibao card-sim`: plays the e-social-card platform in development. It
//! signs a confirmation of a QR ticket for a holder with the dev-only
//! private key (or `--key PATH`) and posts it to the server, like the real
//! platform does after the holder confirmed in the card app.
//!
//! The HTTP client is a minimal HTTP/1.1 POST over `std::net::TcpStream`
//! (plain `http://` only), so the server crate needs no HTTP client.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use time::PrimitiveDateTime;

use super::esscard::{DEV_PRIVATE_KEY_PEM, sign_confirmation};

/// Where the platform posts confirmations.
pub const CONFIRMATIONS_PATH: &str = "/api/v1/auth/esscard/confirmations";

/// Usage of the subcommand.
pub const USAGE: &str = "\
Usage: qibao card-sim --ticket TICKET --id-number ID --name NAME
                      [--server http://127.0.0.1:8080] [--jti ID] [--key PRIVATE.pem]

Signs an e-social-card confirmation of TICKET for the holder ID/NAME with the
DEV-ONLY platform key (api/dev-keys/) or --key, posts it to the server and
prints the answer. Its clock follows QIBAO_TODAY like the server's.
";

/// The subcommand's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimArgs {
    pub ticket: String,
    pub id_number: String,
    pub name: String,
    pub server: String,
    pub jti: Option<String>,
    pub key: Option<PathBuf>,
}

/// Parses the arguments after `card-sim`.
pub fn parse_args(args: &[String]) -> Result<SimArgs, String> {
    let (mut ticket, mut id_number, mut name, mut jti, mut key) = (None, None, None, None, None);
    let mut server = "http://127.0.0.1:8080".to_owned();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--ticket" => ticket = Some(value()?),
            "--id-number" => id_number = Some(value()?),
            "--name" => name = Some(value()?),
            "--server" => server = value()?,
            "--jti" => jti = Some(value()?),
            "--key" => key = Some(PathBuf::from(value()?)),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    let need = |v: Option<String>, flag: &str| v.ok_or_else(|| format!("{flag} is required"));
    Ok(SimArgs {
        ticket: need(ticket, "--ticket")?,
        id_number: need(id_number, "--id-number")?,
        name: need(name, "--name")?,
        server,
        jti,
        key,
    })
}

/// Signs the confirmation at `now` (UTC) and posts it; returns the HTTP
/// status and body of the server's answer.
pub fn run(args: &SimArgs, now: PrimitiveDateTime) -> Result<(u16, String), String> {
    let pem = match &args.key {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => DEV_PRIVATE_KEY_PEM.to_owned(),
    };
    let jti = args
        .jti
        .clone()
        .unwrap_or_else(|| format!("sim-{}", &super::new_secret()[..24]));
    let confirmation =
        sign_confirmation(&pem, &args.ticket, &args.id_number, &args.name, &jti, now)?;
    let body = serde_json::json!({ "confirmation": confirmation }).to_string();
    post_json(&args.server, CONFIRMATIONS_PATH, &body)
}

/// `http://host[:port][/base]` → (host, port, base path without trailing `/`).
pub fn parse_http_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .trim()
        .strip_prefix("http://")
        .ok_or_else(|| format!("only http:// servers are supported, got {url:?}"))?;
    let (authority, base) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("bad port in {url:?}"))?,
        ),
        None => (authority, 80),
    };
    if host.is_empty() {
        return Err(format!("no host in {url:?}"));
    }
    Ok((host.to_owned(), port, base.to_owned()))
}

/// POSTs a JSON body with HTTP/1.1 and `Connection: close`; returns the
/// status and the (de-chunked) body.
pub fn post_json(server: &str, path: &str, body: &str) -> Result<(u16, String), String> {
    let (host, port, base) = parse_http_url(server)?;
    let addr = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {host}"))?;
    let timeout = Duration::from_secs(10);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {server}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "POST {base}{path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n\
         Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    parse_response(&raw)
}

/// Splits an HTTP/1.1 response into status and body.
pub fn parse_response(raw: &[u8]) -> Result<(u16, String), String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("the answer is not an HTTP response")?;
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or("the answer has no status line")?;
    let chunked = head.lines().any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.trim().eq_ignore_ascii_case("chunked")
        })
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

fn dechunk(mut s: &str) -> Result<String, String> {
    let mut out = String::new();
    loop {
        let (size, rest) = s.split_once("\r\n").ok_or("bad chunked body")?;
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "bad chunk size")?;
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest.get(..size).ok_or("short chunk")?;
        out.push_str(chunk);
        s = rest.get(size..).unwrap_or("").trim_start_matches("\r\n");
    }
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
        let a = parse_args(&strings(&[
            "--ticket",
            "t",
            "--id-number",
            "X",
            "--name",
            "张三",
            "--jti",
            "j1",
        ]))
        .unwrap();
        assert_eq!(
            (a.ticket.as_str(), a.server.as_str(), a.jti.as_deref()),
            ("t", "http://127.0.0.1:8080", Some("j1"))
        );
        assert!(parse_args(&strings(&["--ticket", "t", "--name", "n"])).is_err());
        assert!(parse_args(&strings(&["--ticket"])).is_err());
        assert!(parse_args(&strings(&["--bogus", "1"])).is_err());
    }

    #[test]
    fn urls() {
        assert_eq!(
            parse_http_url("http://127.0.0.1:8080").unwrap(),
            ("127.0.0.1".into(), 8080, String::new())
        );
        assert_eq!(
            parse_http_url("http://example.org/prefix/").unwrap(),
            ("example.org".into(), 80, "/prefix".into())
        );
        assert!(parse_http_url("https://example.org").is_err());
        assert!(parse_http_url("http://:80").is_err());
        assert!(parse_http_url("http://h:x").is_err());
    }

    #[test]
    fn responses() {
        let plain = b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain).unwrap(), (201, "{}".to_owned()));
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap(), (200, "abcde".to_owned()));
        assert!(parse_response(b"garbage").is_err());
    }
}
