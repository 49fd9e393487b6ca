//! The `qibao-sim` binary: `qibao-sim tax` plays the tax bureau,
//! `qibao-sim transfer` the inter-province transfer platform and
//! `qibao-sim card` the e-social-card platform against a running qibao
//! server, in development and demos (`make run` starts `qibao-sim tax` beside
//! the server). A separate process on an ordinary HTTP client, so the server
//! binary carries no simulator.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use qibao_tools::card_sim::{self, SimArgs};
use qibao_tools::tax_sim::{TaxArgs, TaxSim};
use qibao_tools::transfer_sim::{Ledger, TransferArgs, TransferSim};
use qibao_tools::webhook_sink::{Behaviour, Reply, Secret, Sink};
use qibao_tools::{now_utc, pinned_today, production_mode};

const ENVIRONMENT: &str = "\
Environment:
  QIBAO_TODAY  pin the simulator's date, YYYY-MM-DD, like a dev server's (bank times
               of payments; the clock of card confirmations)
  QIBAO_MODE   production: `qibao-sim tax` refuses to run (it plays the tax bureau
               with well-known dev credentials)
  RUST_LOG     log filter (default info)";

/// Simulators of qibao's outside parties, for development and demos.
#[derive(Debug, Parser)]
#[command(name = "qibao-sim", version, propagate_version = true, after_long_help = ENVIRONMENT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Play the tax bureau: pull the order feed, invoice and pay every new order
    ///
    /// Replays N% of its messages (checking the answers match) and reverses
    /// N% of its payments, then pays them again. Without --once it repeats
    /// every --interval seconds until stopped. Defaults: the demo client
    /// tax-sim.
    #[command(after_long_help = ENVIRONMENT)]
    Tax(TaxArgs),
    /// Play the e-social-card platform: confirm a QR sign-in ticket.
    ///
    /// Signs an e-social-card confirmation of TICKET for the holder ID/NAME
    /// with the DEV-ONLY platform key (api/dev-keys/) or --key, posts it to
    /// the server and prints the answer.
    #[command(after_long_help = ENVIRONMENT)]
    Card(SimArgs),
    /// Play the inter-province transfer platform and the other provinces
    ///
    /// Accepts each of this province's transfer-in requests and answers it
    /// in the next round with the months, bases, place and money its ledger
    /// holds (the default: 36 months at 6,000.00 in 广东省深圳市); with
    /// --request-out it asks for a person who left and prints the answer
    /// staff give. Without --once it repeats every --interval seconds.
    /// Defaults: the demo client transfer-sim.
    #[command(after_long_help = ENVIRONMENT)]
    Transfer(TransferArgs),
    /// Play a payroll system's webhook receiver: print each event pushed
    ///
    /// Listens for qibao's webhook POSTs, checks each signature with the
    /// endpoint's secret, prints the event and answers 200 (400 for a bad
    /// signature); a repeat of an event id already processed is printed as
    /// such and not processed again. Runs until stopped.
    #[command(after_long_help = ENVIRONMENT)]
    WebhookSink(SinkArgs),
}

#[derive(Debug, clap::Args)]
struct SinkArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    bind: String,
    /// The endpoint's signing secret (whsec_…).
    #[arg(long, conflicts_with = "secret_file")]
    secret: Option<String>,
    /// A file holding the secret, read at each request (`qibao demo` writes
    /// qibao-data/webhook-sink.secret for the demo unit's endpoint).
    #[arg(long, default_value = "qibao-data/webhook-sink.secret")]
    secret_file: std::path::PathBuf,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Tax(args) => tax(&args),
        Command::Card(args) => card(&args),
        Command::Transfer(args) => transfer(&args),
        Command::WebhookSink(args) => webhook_sink(&args),
    }
}

fn tax(args: &TaxArgs) -> ExitCode {
    init_logging();
    if production_mode() {
        return fail(
            "tax: plays the tax bureau with the demo client; refused with QIBAO_MODE=production",
        );
    }
    let mut cfg = args.config();
    // Bank times follow QIBAO_TODAY like a dev server's date.
    match pinned_today() {
        Ok(day) => cfg.bank_date = day,
        Err(e) => return fail(&e),
    }
    let mut sim = TaxSim::new(cfg);
    if args.wait > 0 {
        log::info!("tax-sim: waiting for {} to be ready", args.server);
        if let Err(e) = sim.wait_ready(Duration::from_secs(args.wait)) {
            return fail(&format!("tax: {e}"));
        }
    }
    if !args.once {
        log::info!(
            "tax-sim: playing the tax bureau against {} every {} s",
            args.server,
            args.interval().as_secs()
        );
        sim.run_forever(args.interval());
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
        Err(e) => fail(&format!("tax: {e}")),
    }
}

fn transfer(args: &TransferArgs) -> ExitCode {
    init_logging();
    if production_mode() {
        return fail(
            "transfer: plays the platform with the demo client; refused with QIBAO_MODE=production",
        );
    }
    let ledger = match &args.ledger {
        Some(path) => match Ledger::read(path) {
            Ok(l) => l,
            Err(e) => return fail(&format!("transfer: {e}")),
        },
        None => Ledger::Default,
    };
    let mut sim = TransferSim::new(&args.server, &args.client_id, &args.secret, ledger);
    match pinned_today() {
        Ok(day) => sim.set_today(day),
        Err(e) => return fail(&e),
    }
    if args.wait > 0
        && let Err(e) = sim.wait_ready(Duration::from_secs(args.wait))
    {
        return fail(&format!("transfer: {e}"));
    }
    for spec in &args.request_out {
        let parts: Vec<&str> = spec.splitn(3, ':').collect();
        let [no, id, name] = parts[..] else {
            return fail(&format!(
                "transfer: --request-out wants NO:ID:NAME, got {spec:?}"
            ));
        };
        match sim.request_out(no, id, name, qibao_tools::transfer_sim::DEFAULT_PLACE) {
            Ok(v) => println!("{v}"),
            Err(e) => return fail(&format!("transfer: {e}")),
        }
    }
    if !args.once {
        sim.run_forever(Duration::from_secs(args.interval.max(1)));
        return ExitCode::SUCCESS;
    }
    match sim.round() {
        Ok(s) => {
            println!(
                "transfer round: {} seen, {} accepted, {} answered, {} refused, {} answers collected",
                s.seen, s.accepted, s.answered, s.refused, s.out_answered
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("transfer: {e}")),
    }
}

fn card(args: &SimArgs) -> ExitCode {
    // The simulator's clock follows QIBAO_TODAY like a dev server's, so its
    // confirmations are valid for a server whose date is pinned.
    let now = match pinned_today() {
        Ok(day) => now_utc(day),
        Err(e) => return fail(&e),
    };
    match card_sim::run(args, now) {
        Ok((status, body)) => {
            println!("HTTP {status}");
            println!("{body}");
            if (200..300).contains(&status) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => fail(&format!("card: {e}")),
    }
}

fn webhook_sink(args: &SinkArgs) -> ExitCode {
    init_logging();
    let secret = match &args.secret {
        Some(s) => Secret::Value(std::sync::Arc::new(std::sync::Mutex::new(Some(s.clone())))),
        None => Secret::File(args.secret_file.clone()),
    };
    let accept: Behaviour = std::sync::Arc::new(|_: &str, _: u32| Reply::Accept);
    match Sink::start(&args.bind, secret, accept, true) {
        Ok(sink) => {
            log::info!("webhook-sink: receiving on {}", sink.url());
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        Err(e) => fail(&format!(
            "webhook-sink: cannot listen on {}: {e}",
            args.bind
        )),
    }
}

fn init_logging() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
}

fn fail(message: &str) -> ExitCode {
    eprintln!("qibao-sim: {message}");
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
        for sub in ["tax", "card", "webhook-sink"] {
            let e = Cli::try_parse_from(["qibao-sim", sub, "--version"]).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::DisplayVersion);
            let e = Cli::try_parse_from(["qibao-sim", sub, "--help"]).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
        }
    }
}
