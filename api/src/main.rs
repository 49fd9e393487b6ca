//! The `qibao` binary: `qibao [serve|migrate|openapi|demo|help]`.

use std::process::ExitCode;

use qibao_api::{Config, openapi, server};

const USAGE: &str = "\
qibao - the employer-facing social-insurance online service hall

Usage: qibao [COMMAND]

Commands:
  serve     apply pending database migrations, then serve HTTP (default)
  migrate   apply pending database migrations and list them
  openapi   print the OpenAPI document (YAML) to stdout
  demo      load demonstration data into the database
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
  RUST_LOG            log filter (default info)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("serve");
    if args.len() > 1 {
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
            let pool = match server::open_pool(&config).and_then(|pool| {
                server::migrate(&pool)?;
                Ok(pool)
            }) {
                Ok(p) => p,
                Err(e) => return fail(&e.to_string()),
            };
            let clock = server::clock_for(&config);
            let now = clock.now().to_offset(time::UtcOffset::UTC);
            let now = time::PrimitiveDateTime::new(now.date(), now.time());
            match qibao_api::demo::load(&pool, clock.today(), now) {
                Ok(s) if s.created => {
                    println!(
                        "demo unit {} (USCC {}) loaded with {} employees",
                        s.unit_no, s.uscc, s.employees
                    );
                    ExitCode::SUCCESS
                }
                Ok(s) => {
                    println!("demo unit {} (USCC {}) already present", s.unit_no, s.uscc);
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
