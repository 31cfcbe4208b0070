//! «Сохранить отчёт об ошибке»: one ZIP file for the library's IT person with
//! the versions, the folders, the state of the sync and the log files. Nothing
//! in it names a reader: the logs hold none (see the app's `logging`), and the
//! summary holds counts and settings without people or secrets.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;

use super::{Context, Error, FileAction, Result, Store};
use crate::config::ProviderConfig;
use crate::private;

/// At most this much of the logs goes into a report (the newest files first).
pub const LOG_BYTES_MAX: u64 = 20 * 1024 * 1024;

/// What the program says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    pub version: String,
    pub date: String,
}

/// What went into a saved report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub path: PathBuf,
    pub log_files: usize,
}

/// Writes the report to `out` (whole or not at all).
pub fn save(store: &Store, ctx: &Context, build: &Build, out: &Path) -> Result<Saved> {
    let summary = summary(store, ctx, build);
    let logs = log_files(&ctx.paths.log_dir);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let zip_error = |e: zip::result::ZipError| {
        Error::file(FileAction::Write, out, std::io::Error::other(e.to_string()))
    };
    let io_error = |e: std::io::Error| Error::file(FileAction::Write, out, e);
    zip.start_file("kafedra-report.txt", options)
        .map_err(zip_error)?;
    zip.write_all(summary.as_bytes()).map_err(io_error)?;
    let mut included = 0;
    for (path, name) in &logs {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        zip.start_file(format!("logs/{name}"), options)
            .map_err(zip_error)?;
        zip.write_all(&bytes).map_err(io_error)?;
        included += 1;
    }
    let bytes = zip.finish().map_err(zip_error)?.into_inner();
    private::write(out, &bytes).map_err(|e| Error::file(FileAction::Write, out, e))?;
    Ok(Saved {
        path: out.to_path_buf(),
        log_files: included,
    })
}

/// The newest log files that fit in [`LOG_BYTES_MAX`], oldest first.
fn log_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(PathBuf, String, u64)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let meta = e.metadata().ok()?;
            (meta.is_file() && name.starts_with("kafedra") && name.ends_with(".log"))
                .then(|| (e.path(), name, meta.len()))
        })
        .collect();
    // Daily files are named by date: the name orders them.
    files.sort_by(|a, b| b.1.cmp(&a.1));
    let mut total = 0;
    let mut kept: Vec<(PathBuf, String)> = Vec::new();
    for (path, name, len) in files {
        if total + len > LOG_BYTES_MAX {
            break;
        }
        total += len;
        kept.push((path, name));
    }
    kept.reverse();
    kept
}

/// The text part: versions, folders, the connection without secrets, the
/// sync state and the sizes of things.
fn summary(store: &Store, ctx: &Context, build: &Build) -> String {
    let p = &ctx.paths;
    let s = &ctx.settings;
    let mut out = String::new();
    let mut line = |k: &str, v: String| {
        out.push_str(k);
        out.push_str(": ");
        out.push_str(&v);
        out.push('\n');
    };
    line("Kafedra", build.version.clone());
    line("Build date", build.date.clone());
    line(
        "System",
        format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
    );
    line(
        "Report made",
        chrono::Local::now()
            .format("%Y-%m-%d %H:%M:%S %:z")
            .to_string(),
    );
    line("Data folder", p.data_dir.display().to_string());
    line("Database", p.db_file().display().to_string());
    line("Settings", p.settings_file.display().to_string());
    line("Logs", p.log_dir.display().to_string());
    line("Access mode", format!("{:?}", s.access_mode));
    line("Slip layout", format!("{:?}", s.slip_layout));
    line(
        "Printer",
        if s.printer.is_empty() {
            "system default".into()
        } else {
            s.printer.clone()
        },
    );
    line("Sync interval, s", s.sync_interval_secs.to_string());
    line(
        "First-run setup",
        match s.setup_step {
            None => "done".into(),
            Some(n) => format!("left at step {}", n + 1),
        },
    );
    match ProviderConfig::load(p) {
        Ok(Some(c)) => line(
            "Provider",
            format!(
                "{} (libhouse {}, extra CA: {})",
                c.url,
                c.libhouse,
                if c.extra_ca { "yes" } else { "no" }
            ),
        ),
        Ok(None) => line("Provider", "not configured".into()),
        Err(e) => line("Provider", format!("unreadable: {e}")),
    }
    match store.sync_status() {
        Ok(st) => {
            line(
                "Online",
                st.online.map_or("unknown".into(), |o| o.to_string()),
            );
            line(
                "Last successful sync",
                st.last_success
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_else(|| "never".into()),
            );
            line("Writes waiting", st.waiting.to_string());
            line("Writes refused", st.failed.to_string());
            line("Requests pending", st.pending_requests.to_string());
            line(
                "Last sync error",
                st.last_error.unwrap_or_else(|| "none".into()),
            );
        }
        Err(e) => line("Sync state", format!("unreadable: {e}")),
    }
    match store.pool_counts(super::PROVIDER) {
        Ok(c) => line(
            "Pool",
            format!(
                "free {}, bound {}, blocked {}",
                c.free, c.assigned, c.blocked
            ),
        ),
        Err(e) => line("Pool", format!("unreadable: {e}")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Paths, Settings};
    use std::io::Read as _;

    #[test]
    fn the_report_holds_the_versions_and_the_newest_logs_only_within_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::portable(dir.path());
        std::fs::create_dir_all(&paths.log_dir).unwrap();
        std::fs::write(paths.log_dir.join("kafedra.2026-12-01.log"), "old line\n").unwrap();
        std::fs::write(paths.log_dir.join("kafedra.2026-12-02.log"), "new line\n").unwrap();
        std::fs::write(paths.log_dir.join("other.txt"), "not ours").unwrap();
        let store = Store::open_sealed(&paths.db_file(), &paths.pool_key_file()).unwrap();
        let ctx = Context::new(Settings::default(), paths.clone());
        let out = dir.path().join("report.zip");
        let build = Build {
            version: "9.9.9".into(),
            date: "2026-12-04".into(),
        };
        let saved = save(&store, &ctx, &build, &out).unwrap();
        assert_eq!(saved.log_files, 2);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
        let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
        assert!(
            names.contains(&"logs/kafedra.2026-12-02.log".to_owned()),
            "{names:?}"
        );
        assert!(!names.iter().any(|n| n.contains("other")), "{names:?}");
        let mut text = String::new();
        zip.by_name("kafedra-report.txt")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert!(text.contains("Kafedra: 9.9.9"), "{text}");
        assert!(text.contains("Provider: not configured"), "{text}");
        assert!(text.contains("First-run setup: left at step 1"), "{text}");
    }

    #[test]
    fn logs_over_the_cap_leave_the_oldest_out() {
        let dir = tempfile::tempdir().unwrap();
        let big = vec![b'x'; (LOG_BYTES_MAX / 2 + 1) as usize];
        for day in 1..=3 {
            std::fs::write(dir.path().join(format!("kafedra.2026-12-0{day}.log")), &big).unwrap();
        }
        let kept: Vec<String> = log_files(dir.path()).into_iter().map(|(_, n)| n).collect();
        assert_eq!(kept, vec!["kafedra.2026-12-03.log".to_owned()]);
    }
}
