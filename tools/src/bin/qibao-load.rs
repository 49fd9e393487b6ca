//! The `qibao-load` binary: open-loop load against a running qibao server
//! on loopback (see [`qibao_tools::load`]), as `make bench-load` runs it.
//! Signs in as the seeded unit's legal representative, finds its newest
//! order, then runs one scenario and prints a Markdown table:
//!
//! - `employees`: the employee list, a page of 20 (pages cycle), at `--rate`;
//! - `portal`: the mix a unit's users make — employee page, order list,
//!   order detail, a page of the order's lines, unit info and a quote —
//!   round-robin at `--rate` in all.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use qibao_tools::load::{self, Kind, Plan};
use reqwest::Method;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Scenario {
    Employees,
    Portal,
    /// Unit certificates of 20 persons issued (portal) and verified (public).
    Certificates,
}

/// Open-loop load against a qibao server on loopback.
#[derive(Debug, Parser)]
#[command(name = "qibao-load", version)]
struct Cli {
    /// Which requests to send.
    #[arg(value_enum)]
    scenario: Scenario,
    /// The server (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:18080")]
    server: String,
    /// Requests per second in all.
    #[arg(long, default_value_t = 200)]
    rate: u32,
    /// Seconds of sending (at most rate × duration requests).
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Worker threads (requests in flight at most).
    #[arg(long, default_value_t = 128)]
    workers: usize,
    /// The unit's USCC (seed_load's by default).
    #[arg(long, default_value = "91420500MA0LOAD01X")]
    uscc: String,
    #[arg(long, default_value = "Load2023bench")]
    password: String,
    /// A title for the table.
    #[arg(long, default_value = "")]
    title: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qibao-load: {e}");
            ExitCode::FAILURE
        }
    }
}

fn pages(prefix: &str, last: u64) -> Vec<String> {
    // Up to 50 different pages spread over the list.
    let last = last.max(1);
    let step = (last / 50).max(1);
    (1..=last)
        .step_by(usize::try_from(step).unwrap_or(1))
        .take(50)
        .map(|p| format!("{prefix}page={p}&page_size=20"))
        .collect()
}

fn run(cli: &Cli) -> Result<(), String> {
    let base = cli.server.trim_end_matches('/');
    load::check_loopback(base)?;
    let token = load::login(base, &cli.uscc, &cli.password)?;
    let emp = load::get_json(base, &token, "/api/v1/portal/employees?page_size=1")?;
    let employees = emp["total"].as_u64().unwrap_or(0);
    let emp_pages = pages("/api/v1/portal/employees?", employees.div_ceil(20));
    let kinds = match cli.scenario {
        Scenario::Employees => vec![Kind {
            name: "employee page (20)",
            method: Method::GET,
            paths: emp_pages,
            body: None,
        }],
        Scenario::Certificates => {
            let first =
                load::get_json(base, &token, "/api/v1/portal/employees?page=1&page_size=20")?;
            let nos: Vec<serde_json::Value> = first["items"]
                .as_array()
                .ok_or("no employees")?
                .iter()
                .map(|e| e["person_no"].clone())
                .collect();
            let body =
                serde_json::json!({"insurance": "110", "span_months": 12, "person_nos": nos});
            let issued = load::send_json(base, &token, "/api/v1/portal/certificates/unit", &body)?;
            let code = issued["code"]
                .as_str()
                .ok_or("no certificate issued")?
                .to_owned();
            vec![
                Kind {
                    name: "issue unit certificate (20 persons, 12 months)",
                    method: Method::POST,
                    paths: vec!["/api/v1/portal/certificates/unit".into()],
                    body: Some(body),
                },
                Kind {
                    name: "public verification",
                    method: Method::GET,
                    paths: vec![format!("/api/v1/public/certificates/{code}")],
                    body: None,
                },
            ]
        }
        Scenario::Portal => {
            let list = load::get_json(base, &token, "/api/v1/portal/orders?page_size=1")?;
            let no = list["items"][0]["order_no"]
                .as_str()
                .ok_or("the unit has no order")?
                .to_owned();
            let order = load::get_json(base, &token, &format!("/api/v1/portal/orders/{no}"))?;
            let lines = order["lines_total"].as_u64().unwrap_or(0);
            eprintln!("unit: {employees} employees; order {no}: {lines} lines");
            vec![
                Kind {
                    name: "employee page (20)",
                    method: Method::GET,
                    paths: emp_pages,
                    body: None,
                },
                Kind {
                    name: "order list",
                    method: Method::GET,
                    paths: vec!["/api/v1/portal/orders?page=1&page_size=20".into()],
                    body: None,
                },
                Kind {
                    name: "order detail",
                    method: Method::GET,
                    paths: vec![format!("/api/v1/portal/orders/{no}")],
                    body: None,
                },
                Kind {
                    name: "order lines page (20)",
                    method: Method::GET,
                    paths: pages(
                        &format!("/api/v1/portal/orders/{no}/lines?"),
                        lines.div_ceil(20),
                    ),
                    body: None,
                },
                Kind {
                    name: "unit info",
                    method: Method::GET,
                    paths: vec!["/api/v1/portal/unit".into()],
                    body: None,
                },
                Kind {
                    name: "quote (10 persons)",
                    method: Method::POST,
                    paths: vec!["/api/v1/policy/quotes".into()],
                    body: Some(load::quote_body()),
                },
            ]
        }
    };
    let plan = Plan {
        rate: cli.rate,
        duration: Duration::from_secs(cli.duration),
        grace: Duration::from_secs(10),
        workers: cli.workers.max(1),
        kinds,
    };
    let reports = load::run(base, &token, &plan)?;
    let title = if cli.title.is_empty() {
        format!(
            "{:?} at {} req/s for {} s",
            cli.scenario, cli.rate, cli.duration
        )
    } else {
        cli.title.clone()
    };
    println!("{}", load::table(&title, &reports));
    Ok(())
}
