//! The `qibao` binary: `qibao [serve|migrate|openapi|demo|card-sim|tax-sim|help]`.

use std::process::ExitCode;

use qibao_api::{Config, openapi, server};

const USAGE: &str = "\
qibao - the employer-facing social-insurance online service hall

Usage: qibao [COMMAND]

Commands:
  serve     apply pending database migrations, then serve HTTP (default);
            `serve --tax-sim` also plays the tax bureau in the background (dev only)
  migrate   apply pending database migrations and list them
  openapi   print the OpenAPI document (YAML) to stdout
  demo      load demonstration data and development sign-in accounts (dev only)
  card-sim  play the e-social-card platform: confirm a QR sign-in ticket
            (qibao card-sim --ticket T --id-number X --name N [--server URL])
  tax-sim   play the tax bureau: pull the order feed, invoice and pay
            (qibao tax-sim [--server URL] [--once] …; qibao tax-sim --help)
  help      print this help

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
  QIBAO_CARD_PLATFORM_PUBLIC_KEY
                      path to the e-social-card platform's Ed25519 public key (PEM)
                      that signs QR sign-in confirmations (required in production;
                      in dev the DEV-ONLY key in api/dev-keys/ when unset)
  RUST_LOG            log filter (default info)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("serve");
    if command == "card-sim" {
        return card_sim(&args[1..]);
    }
    if command == "tax-sim" {
        return tax_sim(&args[1..]);
    }
    let with_tax_sim = command == "serve" && args.get(1).map(String::as_str) == Some("--tax-sim");
    if args.len() > 1 && !(with_tax_sim && args.len() == 2) {
        eprintln!("qibao: unexpected argument {:?}\n\n{USAGE}", args[1]);
        return ExitCode::from(2);
    }

    match command {
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        "openapi" => match openapi::openapi_yaml() {
            Ok(yaml) => {
                print!("{yaml}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&format!("cannot render the OpenAPI document: {e}")),
        },
        "serve" => {
            init_logging();
            let config = match load_config() {
                Ok(c) => c,
                Err(code) => return code,
            };
            if with_tax_sim {
                if config.mode.is_production() {
                    return fail(
                        "--tax-sim plays the tax bureau with the demo client; refused with QIBAO_MODE=production",
                    );
                }
                let host = if config.bind.ip().is_unspecified() {
                    format!("127.0.0.1:{}", config.bind.port())
                } else {
                    config.bind.to_string()
                };
                let mut sim = qibao_api::tax_sim::SimConfig::demo(&format!("http://{host}"));
                sim.bank_date = config.today;
                std::thread::spawn(move || {
                    std::thread::sleep(std::time::Duration::from_secs(2));
                    log::info!("tax-sim: playing the tax bureau against http://{host} every 5 s");
                    qibao_api::tax_sim::TaxSim::new(sim)
                        .run_forever(std::time::Duration::from_secs(5));
                });
            }
            match actix_web::rt::System::new().block_on(server::serve(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e.to_string()),
            }
        }
        "migrate" => {
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
        "demo" => {
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
                    if s.created {
                        match qibao_api::demo::first_month(
                            &pool,
                            s.unit_id,
                            clock.today(),
                            clock.now(),
                            clock.now_utc(),
                        ) {
                            Ok(no) => println!(
                                "this month is declared and payment order {no} issued; `qibao serve --tax-sim` (make run) has the simulated tax bureau invoice and pay it within seconds"
                            ),
                            Err(e) => eprintln!("the demo's first month was not declared: {e}"),
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&format!("cannot load the demo data: {e}")),
            }
        }
        other => {
            eprintln!("qibao: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
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
        "  QR sign-in            qibao card-sim --ticket <ticket> --id-number {} --name {}",
        s.legal_rep_id_number, s.legal_rep_name
    );
    println!(
        "try: curl -s -X POST http://{}/api/v1/auth/password-login -H 'Content-Type: application/json' -d '{{\"uscc\":\"{}\",\"password\":\"{DEMO_LEGAL_REP_PASSWORD}\"}}'",
        config.bind, s.uscc
    );
}

/// The date pinned by QIBAO_TODAY for the simulators (like a dev server's).
fn pinned_today() -> Result<Option<time::Date>, ExitCode> {
    match std::env::var("QIBAO_TODAY")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        None => Ok(None),
        Some(v) => time::Date::parse(
            v.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map(Some)
        .map_err(|_| fail(&format!("QIBAO_TODAY is invalid: {v:?}"))),
    }
}

fn tax_sim(args: &[String]) -> ExitCode {
    use qibao_api::tax_sim::{self, TaxSim};
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", tax_sim::USAGE);
        return ExitCode::SUCCESS;
    }
    init_logging();
    let (mut cfg, once, interval) = match tax_sim::parse_args(args) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("qibao tax-sim: {e}\n\n{}", tax_sim::USAGE);
            return ExitCode::from(2);
        }
    };
    // Bank times follow QIBAO_TODAY like a dev server's date.
    match pinned_today() {
        Ok(day) => cfg.bank_date = day,
        Err(code) => return code,
    }
    let mut sim = TaxSim::new(cfg);
    if !once {
        sim.run_forever(interval);
        return ExitCode::SUCCESS;
    }
    match sim.round() {
        Ok(s) => {
            println!(
                "feed entries {}, invoiced {}, paid {}, replayed {}, reversed {}, refused {}, withdrawn {}",
                s.entries, s.invoiced, s.paid, s.replayed, s.reversed, s.refused, s.withdrawn
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("tax-sim: {e}")),
    }
}

fn card_sim(args: &[String]) -> ExitCode {
    use qibao_api::auth::card_sim;
    let parsed = match card_sim::parse_args(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("qibao card-sim: {e}\n\n{}", card_sim::USAGE);
            return ExitCode::from(2);
        }
    };
    // The simulator's clock follows QIBAO_TODAY like a dev server's, so its
    // confirmations are valid for a server whose date is pinned.
    let clock = match pinned_today() {
        Ok(None) => qibao_api::Clock::system(),
        Ok(Some(d)) => qibao_api::Clock::fixed(d),
        Err(code) => return code,
    };
    match card_sim::run(&parsed, clock.now_utc()) {
        Ok((status, body)) => {
            println!("HTTP {status}");
            println!("{body}");
            if (200..300).contains(&status) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => fail(&format!("card-sim: {e}")),
    }
}

fn init_logging() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
}

fn load_config() -> Result<Config, ExitCode> {
    Config::from_env().map_err(|e| fail(&format!("configuration error: {e}")))
}

fn fail(message: &str) -> ExitCode {
    eprintln!("qibao: {message}");
    ExitCode::FAILURE
}
