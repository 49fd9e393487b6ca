//! The `qibao` binary: `qibao [serve|migrate|openapi|demo|verify-certificate|audit verify]`
//! (serve when no command is given), its arguments parsed by clap. The simulators of the
//! outside parties are the separate `qibao-sim` binary (crate qibao-tools).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use qibao_api::{Config, openapi, server};

const ENVIRONMENT: &str = "\
Environment:
  QIBAO_DATABASE_URL  sqlite://FILE or postgres://... (default sqlite://qibao.db)
  QIBAO_BIND          address to listen on (default 127.0.0.1:8080)
  QIBAO_MODE          dev (default) or production
  QIBAO_DATA_DIR      directory for generated files (default ./qibao-data)
  QIBAO_JWT_SECRET    token signing secret, at least 32 bytes (required in production;
                      in dev generated once into QIBAO_DATA_DIR/jwt-secret)
  QIBAO_TODAY         pin the server's date, YYYY-MM-DD (dev only)
  QIBAO_POOL_SIZE     database connections (default 8)
  QIBAO_WORKERS       HTTP worker threads (default: number of CPUs)
  QIBAO_JOB_WORKERS   background job workers, 0-16 (default 1; 0: this node runs no jobs)
  QIBAO_WEBHOOK_WORKERS
                      webhook senders, 0-16 (default 2; 0: this node sends no webhooks)
  QIBAO_READ_DATABASE_URL
                      postgres://... of a streaming replica of QIBAO_DATABASE_URL that
                      serves lists, order details and the event feed (a session's
                      reads stay on the primary until the replica has its last write)
  QIBAO_CARD_PLATFORM_PUBLIC_KEY
                      path to the e-social-card platform's Ed25519 public key (PEM)
                      that signs QR sign-in confirmations (required in production;
                      in dev the DEV-ONLY key in api/dev-keys/ when unset)
  QIBAO_CERTIFICATE_SIGNING_KEY
                      path to the agency's Ed25519 private key (PKCS#8 PEM) that signs
                      certificates (required in production; in dev the DEV-ONLY key
                      in app/dev-keys/ when unset)
  QIBAO_PUBLIC_URL    the address the public reaches the service at, printed on
                      certificates for verification (default http:// + QIBAO_BIND)
  RUST_LOG            log filter (default info)

The simulated tax bureau and e-social-card platform are `qibao-sim tax` and
`qibao-sim card`; `qibao-sim webhook-sink` receives and verifies webhooks
(make run starts the tax bureau and the sink beside the server).";

/// qibao - the employer-facing social-insurance online service hall
#[derive(Debug, Parser)]
#[command(name = "qibao", version, propagate_version = true, after_long_help = ENVIRONMENT)]
struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
enum Command {
    /// Apply pending database migrations, then serve HTTP (the default).
    #[command(after_long_help = ENVIRONMENT)]
    Serve,
    /// Apply pending database migrations and list them.
    #[command(after_long_help = ENVIRONMENT)]
    Migrate,
    /// Print the OpenAPI document (YAML) to stdout.
    Openapi,
    /// Load demonstration data and development sign-in accounts (dev only).
    #[command(after_long_help = ENVIRONMENT)]
    Demo,
    /// Check a downloaded certificate offline: the Ed25519 signature over
    /// its content's canonical JSON (the JSON answered by the public
    /// verification or the portal). Exit status 0 when it holds.
    VerifyCertificate {
        /// The certificate file (JSON).
        file: PathBuf,
        /// The agency's public key (PEM, as published at
        /// /.well-known/qibao-certificate-key.pem); default: the public half of
        /// QIBAO_CERTIFICATE_SIGNING_KEY, or of the DEV-ONLY key when unset.
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
    /// The tamper-evident business record.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
enum AuditCommand {
    /// Walk every unit's hash chain (or one unit's) and name the first
    /// business item changed, removed or added by hand in the database.
    /// Exit status 1 when any chain is broken.
    #[command(after_long_help = ENVIRONMENT)]
    Verify {
        /// Only this unit (单位编号, 9 digits).
        #[arg(long)]
        unit: Option<String>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Openapi => match openapi::openapi_yaml() {
            Ok(yaml) => {
                print!("{yaml}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&format!("cannot render the OpenAPI document: {e}")),
        },
        Command::Serve => {
            init_logging();
            let config = match load_config() {
                Ok(c) => c,
                Err(code) => return code,
            };
            match actix_web::rt::System::new().block_on(server::serve(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e.to_string()),
            }
        }
        Command::VerifyCertificate { file, public_key } => verify_certificate(&file, public_key),
        Command::Audit(AuditCommand::Verify { unit }) => audit_verify(unit.as_deref()),
        Command::Migrate => {
            init_logging();
            let config = match load_config() {
                Ok(c) => c,
                Err(code) => return code,
            };
            let applied = server::open_pool(&config).and_then(|pool| server::migrate(&pool));
            match applied {
                Ok(names) if names.is_empty() => {
                    println!("database is up to date");
                    ExitCode::SUCCESS
                }
                Ok(names) => {
                    for name in names {
                        println!("applied {name}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string()),
            }
        }
        Command::Demo => {
            init_logging();
            let config = match load_config() {
                Ok(c) => c,
                Err(code) => return code,
            };
            if config.mode.is_production() {
                return fail(
                    "the demo data has well-known passwords and is refused with QIBAO_MODE=production",
                );
            }
            let pool = match server::open_pool(&config).and_then(|pool| {
                server::migrate(&pool)?;
                Ok(pool)
            }) {
                Ok(p) => p,
                Err(e) => return fail(&e.to_string()),
            };
            let clock = server::clock_for(&config);
            match qibao_api::demo::load(&pool, clock.today(), clock.now_utc()) {
                Ok(s) => {
                    print_demo(&s, &config);
                    let secret_file = config.data_dir.join("webhook-sink.secret");
                    match std::fs::create_dir_all(&config.data_dir)
                        .and_then(|()| std::fs::write(&secret_file, &s.webhook_secret))
                    {
                        Ok(()) => println!(
                            "the demo unit's events are pushed to {} (`make run` starts qibao-sim webhook-sink there; its secret is in {})",
                            qibao_api::demo::DEMO_WEBHOOK_URL,
                            secret_file.display()
                        ),
                        Err(e) => eprintln!("cannot write {}: {e}", secret_file.display()),
                    }
                    if s.created {
                        match qibao_api::demo::first_month(
                            &pool,
                            s.unit_id,
                            clock.today(),
                            clock.now(),
                            clock.now_utc(),
                        ) {
                            Ok(no) => println!(
                                "this month is declared and payment order {no} issued; `make run` (or `qibao-sim tax`) has the simulated tax bureau invoice and pay it within seconds"
                            ),
                            Err(e) => eprintln!("the demo's first month was not declared: {e}"),
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&format!("cannot load the demo data: {e}")),
            }
        }
    }
}

fn print_demo(s: &qibao_api::demo::DemoSummary, config: &Config) {
    use qibao_api::demo::{
        DEMO_LEGAL_REP_PASSWORD, DEMO_STAFF_PASSWORD, DEMO_STAFF_USERNAME, DEMO_TAX_CLIENT_ID,
        DEMO_TAX_CLIENT_SECRET,
    };
    if s.created {
        println!(
            "demo unit {} (USCC {}) loaded with {} employees",
            s.unit_no, s.uscc, s.employees
        );
    } else {
        println!("demo unit {} (USCC {}) already present", s.unit_no, s.uscc);
    }
    let kept = |created: bool| {
        if created {
            ""
        } else {
            "  (existing account kept as it was)"
        }
    };
    println!("development sign-in accounts (never use them in production):");
    println!(
        "  legal representative  USCC {} / password {DEMO_LEGAL_REP_PASSWORD}{}",
        s.uscc,
        kept(s.legal_rep_account_created)
    );
    println!(
        "  staff, every role     {DEMO_STAFF_USERNAME} / {DEMO_STAFF_PASSWORD}{}",
        kept(s.staff_account_created)
    );
    println!(
        "  tax bureau client     {DEMO_TAX_CLIENT_ID} / {DEMO_TAX_CLIENT_SECRET}{}",
        kept(s.tax_client_created)
    );
    println!(
        "  transfer platform     {} / {}  (qibao-sim transfer plays it)",
        qibao_api::demo::DEMO_PLATFORM_CLIENT_ID,
        qibao_api::demo::DEMO_PLATFORM_CLIENT_SECRET
    );
    println!(
        "  agent, QR sign-in     qibao-sim card --ticket <ticket> --id-number {} --name {}",
        s.agent_id_number, s.agent_name
    );
    println!(
        "  legal rep., QR        qibao-sim card --ticket <ticket> --id-number {} --name {}",
        s.legal_rep_id_number, s.legal_rep_name
    );
    println!(
        "try: curl -s -X POST http://{}/api/v1/auth/password-login -H 'Content-Type: application/json' -d '{{\"uscc\":\"{}\",\"password\":\"{DEMO_LEGAL_REP_PASSWORD}\"}}'",
        config.bind, s.uscc
    );
}

fn verify_certificate(file: &Path, public_key: Option<PathBuf>) -> ExitCode {
    use qibao_app::certificates::{CertificateSigner, signing, verify_offline};
    let document = match std::fs::read_to_string(file) {
        Ok(d) => d,
        Err(e) => return fail(&format!("cannot read {}: {e}", file.display())),
    };
    let key = match public_key {
        Some(path) => match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|pem| signing::public_key_from_pem(&pem))
        {
            Ok(k) => k,
            Err(e) => {
                return fail(&format!(
                    "cannot use the public key {}: {e}",
                    path.display()
                ));
            }
        },
        None => match std::env::var("QIBAO_CERTIFICATE_SIGNING_KEY") {
            Ok(path) if !path.trim().is_empty() => match std::fs::read_to_string(path.trim())
                .map_err(|e| e.to_string())
                .and_then(|pem| CertificateSigner::from_pem(&pem))
            {
                Ok(s) => s.verifying_key(),
                Err(e) => return fail(&format!("cannot use QIBAO_CERTIFICATE_SIGNING_KEY: {e}")),
            },
            _ => CertificateSigner::dev().verifying_key(),
        },
    };
    match verify_offline(&document, &key) {
        Ok(check) => {
            println!(
                "valid: {} certificate {} signed by key {}",
                check.kind.code(),
                check.code,
                check.key_id
            );
            ExitCode::SUCCESS
        }
        Err(reason) => fail(&format!("INVALID: {reason}")),
    }
}

fn audit_verify(unit: Option<&str>) -> ExitCode {
    init_logging();
    let config = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let pool = match server::open_pool(&config) {
        Ok(p) => p,
        Err(e) => return fail(&e.to_string()),
    };
    let reports = pool
        .get()
        .map_err(|e| e.to_string())
        .and_then(|mut conn| match unit {
            Some(no) => qibao_core::ids::UnitNo::parse(no)
                .map_err(|e| e.to_string())
                .and_then(|no| {
                    qibao_app::audit::verify_unit(&mut conn, &no)
                        .map(|r| vec![r])
                        .map_err(|e| e.detail().to_owned())
                }),
            None => qibao_app::audit::verify_all(&mut conn).map_err(|e| e.detail().to_owned()),
        });
    let reports = match reports {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let mut broken = 0;
    for r in &reports {
        let who = r.unit_no.as_deref().unwrap_or("(no unit)");
        match &r.first_problem {
            None => println!("unit {who}: intact ({} links, {} items)", r.links, r.items),
            Some(p) => {
                broken += 1;
                println!("unit {who}: BROKEN [{}] {}", p.code, p.message);
            }
        }
    }
    println!("{} chains walked, {broken} broken", reports.len());
    if broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn init_logging() {
    qibao_api::logging::init();
}

fn load_config() -> Result<Config, ExitCode> {
    Config::from_env().map_err(|e| fail(&format!("configuration error: {e}")))
}

fn fail(message: &str) -> ExitCode {
    eprintln!("qibao: {message}");
    ExitCode::FAILURE
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_cli_is_consistent() {
        Cli::command().debug_assert();
        assert_eq!(Cli::try_parse_from(["qibao"]).unwrap().command, None);
        assert_eq!(
            Cli::try_parse_from(["qibao", "migrate"]).unwrap().command,
            Some(Command::Migrate)
        );
        for sub in [
            "serve",
            "migrate",
            "openapi",
            "demo",
            "verify-certificate",
            "audit",
        ] {
            let e = Cli::try_parse_from(["qibao", sub, "--version"]).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::DisplayVersion);
            let e = Cli::try_parse_from(["qibao", sub, "--help"]).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
        }
        assert!(Cli::try_parse_from(["qibao", "serve", "--tax-sim"]).is_err());
        assert!(Cli::try_parse_from(["qibao", "tax-sim"]).is_err());
        assert_eq!(
            Cli::try_parse_from(["qibao", "audit", "verify", "--unit", "100047500"])
                .unwrap()
                .command,
            Some(Command::Audit(AuditCommand::Verify {
                unit: Some("100047500".to_owned())
            }))
        );
    }
}
