//! `qibao card-sim`: plays the e-social-card platform in development. It
//! signs a confirmation of a QR ticket for a holder with the dev-only
//! private key (or `--key PATH`) and posts it to the server, like the real
//! platform does after the holder confirmed in the card app.
//!
//! It talks HTTP through [`crate::http_client`].

use std::path::PathBuf;

use time::PrimitiveDateTime;

use super::esscard::{DEV_PRIVATE_KEY_PEM, sign_confirmation};
use crate::http_client::post_json;

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
}
