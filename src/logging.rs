//! The log file: English lines for the library's IT person in the user's
//! state folder (`Paths::log_dir`), one file a day, a fortnight kept. It holds
//! what the program did and what failed — never a reader's name, card,
//! contact or password, nor a provider secret: the code logs calls, counts and
//! errors only, and the tests read the file after a desk flow to check it.
//! `KAFEDRA_LOG` (e.g. `debug`) changes the level and also prints to stderr.

use std::path::Path;

use kafedra_core::config::Paths;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How many daily files are kept.
pub const KEPT_FILES: usize = 14;
/// The log files' names: `kafedra.YYYY-MM-DD.log`.
pub const PREFIX: &str = "kafedra";
pub const SUFFIX: &str = "log";

/// What the file gets without `KAFEDRA_LOG`: our own info, others' warnings.
const DEFAULT_FILTER: &str = "warn,kafedra=info,kafedra_core=info";

/// The filter for `KAFEDRA_LOG`: a level (`error`…`trace`, `off`) for our own
/// code; other crates never log below `warn`, whatever is asked — at trace
/// level the text renderer logs every string it draws (a typed secret, a
/// reader's name) and the windowing layer every key pressed. Anything but a
/// plain level gives the default.
pub fn filter_for(env: Option<&str>) -> String {
    match env.map(|e| e.trim().to_ascii_lowercase()) {
        Some(level)
            if ["off", "error", "warn", "info", "debug", "trace"].contains(&level.as_str()) =>
        {
            let others = if level == "off" || level == "error" {
                level.as_str()
            } else {
                "warn"
            };
            format!("{others},kafedra={level},kafedra_core={level}")
        }
        _ => DEFAULT_FILTER.to_owned(),
    }
}

/// Starts logging to the file (and to stderr when `KAFEDRA_LOG` is set).
/// Keep the guard until the program ends: it flushes the file. A log folder
/// that cannot be made leaves the program without a file log, not broken.
pub fn init(data_dir: Option<&Path>) -> Option<WorkerGuard> {
    let env = std::env::var("KAFEDRA_LOG").ok();
    let directives = filter_for(env.as_deref());
    let file_filter = || EnvFilter::new(&directives);
    let stderr = env.as_ref().map(|_| {
        tracing_subscriber::fmt::layer()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .with_filter(file_filter())
    });
    let (file, guard) = match Paths::resolve(data_dir)
        .ok()
        .and_then(|p| appender(&p.log_dir))
    {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(file_filter());
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(file)
        .with(stderr)
        .try_init();
    guard
}

fn appender(dir: &Path) -> Option<tracing_appender::rolling::RollingFileAppender> {
    // The user's only (0700), like the data folder it may create.
    kafedra_core::private::folder(dir).ok()?;
    Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix(SUFFIX)
        .max_log_files(KEPT_FILES)
        .build(dir)
        .ok()
}

/// The subcommand this process runs («window» without one), for the log:
/// only its name, never its arguments (they may hold a reader's name).
pub fn command_name() -> String {
    let cmd = crate::cli::russian::command();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    std::env::args()
        .skip(1)
        .find(|a| names.contains(a))
        .unwrap_or_else(|| "window".to_owned())
}

#[cfg(test)]
mod tests {
    use super::filter_for;

    #[test]
    fn kafedra_log_raises_our_level_only() {
        assert_eq!(filter_for(None), "warn,kafedra=info,kafedra_core=info");
        assert_eq!(
            filter_for(Some("TRACE")),
            "warn,kafedra=trace,kafedra_core=trace"
        );
        assert_eq!(filter_for(Some("off")), "off,kafedra=off,kafedra_core=off");
        // A directive that would open another crate's trace is not taken.
        assert_eq!(
            filter_for(Some("cosmic_text=trace")),
            "warn,kafedra=info,kafedra_core=info"
        );
    }
}
