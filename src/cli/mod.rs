//! The command line: the same use cases as the screens, through the same
//! application services of `kafedra-core`, for admins and scripts. One
//! module per command family; [`args`] holds the clap definitions.
//!
//! Exit codes: 0 done; 1 refused (bad input, nothing changed; the message
//! says what to fix); 2 bad arguments (clap); 3 could not work (database,
//! files, printer, provider).

mod access;
pub mod args;
mod fund;
mod gui;
mod journal;
mod packaging;
mod pool;
mod provider;
mod reader;
mod requests;
pub mod russian;
mod slip;
mod stats;

use std::process::ExitCode;

use kafedra_core::services::Error;
use kafedra_core::services::settings::{self, Opened};

pub use args::{Cli, Command};

const REFUSED: u8 = 1;
const FAILED: u8 = 3;

/// Why a command did not do its work: the exit code and the Russian text.
pub struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// The librarian's input was refused; nothing changed.
    pub(super) fn refused(message: impl Into<String>) -> Failure {
        Failure {
            code: REFUSED,
            message: message.into(),
        }
    }

    /// The desk could not work (database, files, printer, provider).
    fn failed(message: impl Into<String>) -> Failure {
        Failure {
            code: FAILED,
            message: message.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = if e.is_failure() { FAILED } else { REFUSED };
        Failure {
            code,
            message: reader::describe(&e),
        }
    }
}

pub fn main() -> ExitCode {
    output_failure_in_russian();
    let cli = russian::parse();
    let _log = crate::logging::init(cli.data_dir.as_deref());
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        os = std::env::consts::OS,
        command = crate::logging::command_name(),
        "kafedra started"
    );
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let Some(command) = cli.command else {
        return gui::run(cli.data_dir.as_deref(), cli.demo);
    };
    if !matches!(
        command,
        Command::Sync | Command::ProviderSim { .. } | Command::Bench { .. }
    ) {
        quiet_on_closed_output();
    }
    match command {
        Command::Bench { readers, pool } => {
            return crate::bench::run(readers, pool).map_err(Failure::failed);
        }
        Command::ProviderSim { args } => return provider::simulator(args),
        Command::GeneratePackagingFiles { out } => return packaging::generate(&out),
        _ => {}
    }
    let Opened {
        ctx,
        mut store,
        warning,
    } = settings::open(cli.data_dir.as_deref())?;
    if let Some(w) = warning {
        eprintln!("{w}");
    }
    if let Command::Sync = command {
        // The sync runs its store work on the blocking pool: it takes the store.
        return provider::sync(store, &ctx);
    }
    let store = &mut store;
    match command {
        Command::Pool { command } => pool::run(command, store, &ctx),
        Command::Reader { command } => reader::run(command, store, &ctx),
        Command::Bind { card } => access::bind(&card, store, &ctx),
        Command::Block {
            card,
            reason,
            comment,
        } => access::block(&card, reason, &comment, store, &ctx),
        Command::Slip {
            card,
            out,
            layout,
            print,
        } => slip::run(&card, out.as_deref(), layout, print, store, &ctx),
        Command::Journal { limit, card } => journal::run(limit, card.as_deref(), store),
        Command::Provider { command } => provider::run(command, store, &ctx),
        Command::Requests { all, json: false } => requests::list(all, store),
        Command::Requests { json: true, .. } => requests::queue_json(store),
        Command::LinkCard { lib_card, reader } => {
            requests::link_card(&lib_card, &reader, store, &ctx)
        }
        Command::Decide {
            request,
            decision,
            reason,
            text,
            overrides,
        } => requests::decide(&request, decision, reason, text, &overrides, store, &ctx),
        Command::Fund { command } => fund::run(command, store, &ctx),
        Command::Stats {
            from,
            to,
            as_of,
            format,
            out,
        } => stats::run(from, to, as_of, format, out.as_deref(), store, &ctx),
        Command::Sync
        | Command::Bench { .. }
        | Command::ProviderSim { .. }
        | Command::GeneratePackagingFiles { .. } => Ok(()),
    }
}

/// A tokio runtime for the commands that talk to the provider.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("Не удалось запустить асинхронную среду: {e}")))
}

/// The command's result in the services' terms.
type Outcome = Result<(), Failure>;

/// A command whose output is piped into `head` (or a closed pipe) ends
/// quietly when the reader goes away, as Unix tools do, instead of Rust's
/// panic on a failed print. Not for the commands that talk over the network:
/// there a closed connection must stay an error, not a signal.
fn quiet_on_closed_output() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any other
    // thread exists; no handler of ours is replaced.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Rust's `println!` panics when the output cannot be written (a full disk
/// behind `> file`, a closed terminal). What the command did is already saved
/// by then: say so in Russian, with exit code 3, instead of a backtrace, so a
/// script checks before repeating it. Other panics keep the default report.
fn output_failure_in_russian() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if payload.starts_with("failed printing to std") {
            let reason = if payload.contains("No space left") {
                "нет места на диске"
            } else if payload.contains("Broken pipe") {
                "вывод закрыт"
            } else {
                "вывод недоступен"
            };
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "Не удалось вывести результат команды ({reason}). То, что команда сделала, \
                 сохранено: проверьте это (например, kafedra journal), прежде чем повторять."
            );
            tracing::error!(reason, "the command's output could not be written");
            std::process::exit(3);
        }
        default(info);
    }));
}
