//! `qibao-sim card`: plays the e-social-card platform in development. It
//! signs a confirmation of a QR ticket for a holder with the dev-only
//! private key (or `--key PATH`) and posts it to the server, like the real
//! platform does after the holder confirmed in the card app.
//!
//! This is the platform's side of the protocol the server verifies in
//! `qibao_api::auth::esscard` (a compact JWS, `alg` `EdDSA`, over the claims
//! below); the end-to-end tests post this simulator's confirmations to the
//! server, so the two sides cannot drift apart unnoticed.

use std::path::PathBuf;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::Rng;
use serde::Serialize;
use time::PrimitiveDateTime;

use crate::client::Server;

/// Where the platform posts confirmations.
pub const CONFIRMATIONS_PATH: &str = "/api/v1/auth/esscard/confirmations";

/// The dev-only platform key pair's private half (PEM). It is committed
/// beside the public half the dev server trusts, and is public knowledge.
pub const DEV_PRIVATE_KEY_PEM: &str =
    include_str!("../../api/dev-keys/card-platform-DEV-ONLY-private.pem");

/// How long a confirmation signed here is valid (the server accepts at
/// most 600 s).
pub const CONFIRMATION_TTL_SECS: i64 = 120;

/// `qibao-sim card`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct SimArgs {
    /// The QR sign-in ticket the holder scanned.
    #[arg(long)]
    pub ticket: String,
    /// The holder's ID number (AAC002).
    #[arg(long, value_name = "ID")]
    pub id_number: String,
    /// The holder's name.
    #[arg(long)]
    pub name: String,
    /// The server's base URL.
    #[arg(long, default_value = crate::DEFAULT_SERVER, value_name = "URL")]
    pub server: String,
    /// The confirmation's id (default: a random one); the server accepts an
    /// id once.
    #[arg(long, value_name = "ID")]
    pub jti: Option<String>,
    /// The platform's Ed25519 private key (PEM); default: the DEV-ONLY key
    /// in api/dev-keys/.
    #[arg(long, value_name = "PRIVATE.pem")]
    pub key: Option<PathBuf>,
}

/// What the platform asserts about a ticket (the server's
/// `ConfirmationClaims`).
#[derive(Serialize)]
struct Claims<'a> {
    ticket: &'a str,
    id_number: &'a str,
    name: &'a str,
    jti: &'a str,
    iat: i64,
    exp: i64,
}

/// A confirmation of `ticket` for the holder, issued at `now` (UTC), valid
/// for [`CONFIRMATION_TTL_SECS`], signed with `private_pem` (PKCS#8
/// Ed25519). Fails only for a key that is not an Ed25519 private key.
pub fn sign_confirmation(
    private_pem: &str,
    ticket: &str,
    id_number: &str,
    name: &str,
    jti: &str,
    now: PrimitiveDateTime,
) -> Result<String, String> {
    let key = EncodingKey::from_ed_pem(private_pem.as_bytes())
        .map_err(|e| format!("not an Ed25519 private key in PEM format ({e})"))?;
    let iat = now.assume_utc().unix_timestamp();
    let claims = Claims {
        ticket,
        id_number,
        name,
        jti,
        iat,
        exp: iat + CONFIRMATION_TTL_SECS,
    };
    jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims, &key).map_err(|e| e.to_string())
}

/// A random confirmation id: `sim-` and 24 hex digits.
fn random_jti() -> String {
    let mut rng = rand::rng();
    let hex: String = (0..12)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect();
    format!("sim-{hex}")
}

/// Signs the confirmation at `now` (UTC) and posts it; returns the HTTP
/// status and body of the server's answer.
pub fn run(args: &SimArgs, now: PrimitiveDateTime) -> Result<(u16, String), String> {
    let pem = match &args.key {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => DEV_PRIVATE_KEY_PEM.to_owned(),
    };
    let jti = args.jti.clone().unwrap_or_else(random_jti);
    let confirmation =
        sign_confirmation(&pem, &args.ticket, &args.id_number, &args.name, &jti, now)?;
    let body = serde_json::json!({ "confirmation": confirmation });
    Server::new(&args.server)?.post_json(CONFIRMATIONS_PATH, &body)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser;
    use time::macros::datetime;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SimArgs,
    }

    fn parse(v: &[&str]) -> Result<SimArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("card").chain(v.iter().copied())).map(|c| c.args)
    }

    #[test]
    fn arguments() {
        let a = parse(&[
            "--ticket",
            "t",
            "--id-number",
            "X",
            "--name",
            "张三",
            "--jti",
            "j1",
        ])
        .unwrap();
        assert_eq!(
            (a.ticket.as_str(), a.server.as_str(), a.jti.as_deref()),
            ("t", "http://127.0.0.1:8080", Some("j1"))
        );
        assert!(parse(&["--ticket", "t", "--name", "n"]).is_err());
        assert!(parse(&["--ticket"]).is_err());
        assert!(parse(&["--bogus", "1"]).is_err());
    }

    #[test]
    fn confirmations() {
        let t = sign_confirmation(
            DEV_PRIVATE_KEY_PEM,
            "tk",
            "1",
            "n",
            "j",
            datetime!(2024-03-15 02:00),
        )
        .unwrap();
        assert_eq!(t.split('.').count(), 3);
        assert!(
            sign_confirmation("nope", "tk", "1", "n", "j", datetime!(2024-03-15 02:00)).is_err()
        );
        let jti = random_jti();
        assert_eq!((jti.len(), &jti[..4]), (28, "sim-"));
    }
}
