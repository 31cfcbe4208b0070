//! Sending a finished PDF to the system printer: CUPS `lp` on Linux and
//! other Unix systems, the shell's "Print"/"PrintTo" verb on Windows.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long the print system may take to accept a job.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a slip could not be sent to the printer. The messages are shown to
/// the librarian as is, so each says what to do next.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PrintError {
    #[error("Файл памятки «{0}» не найден. Сформируйте памятку заново и повторите печать.")]
    FileMissing(String),
    #[error(
        "Принтер не выбран: в системе нет принтера по умолчанию. Укажите принтер в настройках \
         программы или назначьте принтер по умолчанию в системе и повторите печать."
    )]
    NoPrinter,
    #[error(
        "Принтер «{printer}» не найден в системе печати ({detail}). Проверьте имя принтера \
         в настройках программы и повторите печать."
    )]
    UnknownPrinter { printer: String, detail: String },
    #[error(
        "Не найдена команда печати lp (CUPS). Установите CUPS (пакет cups-client) \
         или сохраните памятку в PDF и распечатайте её из программы просмотра."
    )]
    LpMissing,
    #[error(
        "Служба печати CUPS не отвечает ({0}). Запустите её (systemctl start cups) \
         или обратитесь к администратору, затем повторите печать."
    )]
    NoScheduler(String),
    #[error(
        "Система печати не приняла задание: {0}. Проверьте, что принтер включён \
         и доступен, и повторите печать."
    )]
    Refused(String),
    #[error(
        "Система печати не ответила за {0} с. Проверьте принтер и службу печати \
         и повторите печать."
    )]
    Timeout(u64),
    #[error(
        "Нет программы для печати PDF ({0}). Установите программу просмотра PDF \
         (например, SumatraPDF или Adobe Acrobat Reader) и повторите печать."
    )]
    NoPdfApp(String),
    #[error("Не удалось запустить печать: {0}. Сохраните памятку в PDF и распечатайте её вручную.")]
    Spawn(String),
    #[error(
        "Печать из программы в этой системе не поддерживается. Сохраните памятку в PDF \
         и распечатайте её вручную."
    )]
    Unsupported,
}

/// Sends the PDF at `path` to `printer`, or to the system default printer
/// when `printer` is `None` or blank. Returns the print system's description
/// of the job (with CUPS: `request id is PDF-3 (1 file(s))`).
pub fn print_pdf(path: &Path, printer: Option<&str>) -> Result<String, PrintError> {
    if !path.is_file() {
        return Err(PrintError::FileMissing(path.display().to_string()));
    }
    let printer = printer.map(str::trim).filter(|p| !p.is_empty());
    // A relative name starting with '-' would look like an option.
    let path: PathBuf = if path.is_relative() {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    };
    platform::print(&path, printer)
}

/// Runs `cmd` with captured output, giving up (and killing it) after `TIMEOUT`.
#[cfg_attr(not(any(unix, windows)), allow(dead_code))]
fn run(mut cmd: Command, missing: PrintError) -> Result<Output, PrintError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(missing),
        Err(e) => return Err(PrintError::Spawn(e.to_string())),
    };
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PrintError::Timeout(TIMEOUT.as_secs()));
            }
            Err(e) => return Err(PrintError::Spawn(e.to_string())),
        }
    }
    child
        .wait_with_output()
        .map_err(|e| PrintError::Spawn(e.to_string()))
}

/// The first non-empty lines of a command's output, for messages.
#[cfg_attr(not(any(unix, windows)), allow(dead_code))]
fn tidy(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    lines.join(" ").trim_end_matches('.').to_owned()
}

#[cfg(unix)]
mod platform {
    use super::{PrintError, run, tidy};
    use std::path::Path;
    use std::process::Command;

    pub(super) fn print(path: &Path, printer: Option<&str>) -> Result<String, PrintError> {
        let mut cmd = Command::new("lp");
        // Untranslated messages, so the cases below can be recognised.
        cmd.env("LC_ALL", "C").env("LANG", "C");
        if let Some(printer) = printer {
            cmd.arg("-d").arg(printer);
        }
        cmd.arg(path);
        let out = run(cmd, PrintError::LpMissing)?;
        let stdout = tidy(&out.stdout);
        if out.status.success() {
            return Ok(if stdout.is_empty() {
                "задание отправлено на принтер".to_owned()
            } else {
                stdout
            });
        }
        let stderr = tidy(&out.stderr);
        let detail = match (stderr.is_empty(), stdout.is_empty()) {
            (false, _) => stderr,
            (true, false) => stdout,
            (true, true) => format!("lp завершилась с кодом {}", out.status),
        };
        Err(classify(&detail, printer))
    }

    fn classify(detail: &str, printer: Option<&str>) -> PrintError {
        let lower = detail.to_lowercase();
        if lower.contains("no default destination") {
            PrintError::NoPrinter
        } else if lower.contains("does not exist") || lower.contains("unknown destination") {
            PrintError::UnknownPrinter {
                printer: printer.unwrap_or_default().to_owned(),
                detail: detail.to_owned(),
            }
        } else if lower.contains("scheduler not running")
            || lower.contains("unable to connect")
            || lower.contains("connection refused")
        {
            PrintError::NoScheduler(detail.to_owned())
        } else {
            PrintError::Refused(detail.to_owned())
        }
    }

    #[cfg(test)]
    #[test]
    fn lp_messages_are_recognised() {
        assert!(matches!(
            classify("lp: Error - No default destination", None),
            PrintError::NoPrinter
        ));
        assert!(matches!(
            classify("lp: The printer or class does not exist", Some("X")),
            PrintError::UnknownPrinter { .. }
        ));
        assert!(matches!(
            classify("lp: Error - Scheduler Not Running", None),
            PrintError::NoScheduler(_)
        ));
        assert!(matches!(
            classify("lp: Error - paper jam", None),
            PrintError::Refused(_)
        ));
    }
}

#[cfg(windows)]
mod platform {
    use super::{PrintError, run, tidy};
    use std::os::windows::process::CommandExt;
    use std::path::Path;
    use std::process::Command;

    /// Do not flash a console window.
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;

    /// A PowerShell single-quoted string literal.
    fn quote(s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    /// Exit codes of our script for the printer checks.
    const NO_DEFAULT: i32 = 3;
    const NO_SUCH_PRINTER: i32 = 4;

    /// Checks the printer exists (Windows would only report a wrong name in
    /// the PDF application, after we have returned), then asks the PDF
    /// application registered in Windows to print the file ("Print" verb for
    /// the default printer, "PrintTo" for a named one).
    pub(super) fn print(path: &Path, printer: Option<&str>) -> Result<String, PrintError> {
        let file = quote(&path.display().to_string());
        let (check, start) = match printer {
            None => (
                format!(
                    "if (-not (Get-CimInstance -ClassName Win32_Printer -Filter 'Default=TRUE')) \
                     {{ exit {NO_DEFAULT} }}"
                ),
                format!("Start-Process -FilePath {file} -Verb Print"),
            ),
            Some(p) => (
                format!(
                    "if (-not (Get-CimInstance -ClassName Win32_Printer | \
                     Where-Object {{ $_.Name -eq {name} }})) {{ exit {NO_SUCH_PRINTER} }}",
                    name = quote(p)
                ),
                format!(
                    "Start-Process -FilePath {file} -Verb PrintTo -ArgumentList {}",
                    quote(&format!("\"{p}\""))
                ),
            ),
        };
        let script = format!(
            "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; \
             $ErrorActionPreference = 'Stop'; {check}; {start} -WindowStyle Hidden"
        );
        let mut cmd = Command::new("powershell.exe");
        cmd.args([
            "-NoProfile",
            "-NonInteractive",
            "-ExecutionPolicy",
            "Bypass",
            "-Command",
            &script,
        ])
        .creation_flags(CREATE_NO_WINDOW);
        let out = run(
            cmd,
            PrintError::Spawn("не найден powershell.exe".to_owned()),
        )?;
        if out.status.success() {
            return Ok(match printer {
                None => "отправлено на принтер по умолчанию".to_owned(),
                Some(p) => format!("отправлено на принтер «{p}»"),
            });
        }
        match (out.status.code(), printer) {
            (Some(NO_DEFAULT), _) => return Err(PrintError::NoPrinter),
            (Some(NO_SUCH_PRINTER), Some(p)) => {
                return Err(PrintError::UnknownPrinter {
                    printer: p.to_owned(),
                    detail: "нет в списке принтеров Windows".to_owned(),
                });
            }
            _ => {}
        }
        let detail = tidy(&out.stderr);
        let lower = detail.to_lowercase();
        if lower.contains("no application is associated")
            || lower.contains("нет приложения")
            || lower.contains("не сопоставлено")
            || lower.contains("verb")
            || lower.contains("глагол")
        {
            Err(PrintError::NoPdfApp(detail))
        } else {
            Err(PrintError::Refused(detail))
        }
    }
}

#[cfg(not(any(unix, windows)))]
mod platform {
    use super::PrintError;
    use std::path::Path;

    pub(super) fn print(_path: &Path, _printer: Option<&str>) -> Result<String, PrintError> {
        Err(PrintError::Unsupported)
    }
}
