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
        "Принтер «{printer}» не найден в системе печати. Проверьте имя принтера \
         в настройках программы и повторите печать."
    )]
    UnknownPrinter { printer: String, detail: String },
    #[error(
        "Не найдена команда печати lp (CUPS). Установите CUPS (пакет cups-client) \
         или сохраните памятку в PDF и распечатайте её из программы просмотра."
    )]
    LpMissing,
    #[error(
        "Служба печати CUPS не отвечает. Запустите её (systemctl start cups) \
         или обратитесь к администратору, затем повторите печать."
    )]
    NoScheduler(String),
    #[error(
        "Система печати не приняла задание. Проверьте, что принтер включён \
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
    #[error("Не удалось запустить печать. Сохраните памятку в PDF и распечатайте её вручную.")]
    Spawn(String),
    #[error(
        "Печать из программы в этой системе не поддерживается. Сохраните памятку в PDF \
         и распечатайте её вручную."
    )]
    Unsupported,
    #[error(
        "Принтер «{0}» остановлен в системе печати: памятка не отправлена. Включите принтер \
         (или выберите другой в настройках) и повторите печать."
    )]
    Stopped(String),
}

/// Sends the PDF at `path` to `printer`, or to the system default printer
/// when `printer` is `None` or blank. Returns the print system's description
/// of the job (with CUPS: `request id is PDF-3 (1 file(s))`).
pub fn print_pdf(
    path: &Path,
    printer: Option<&str>,
    media: Option<&str>,
) -> Result<String, PrintError> {
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
    let media = media.map(str::trim).filter(|m| !m.is_empty());
    platform::print(&path, printer, media)
}

/// The printers the print system knows, the default one first. Empty when
/// there is no print system (the settings then offer only «по умолчанию»).
pub fn printers() -> Vec<String> {
    platform::printers()
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

    pub(super) fn print(
        path: &Path,
        printer: Option<&str>,
        media: Option<&str>,
    ) -> Result<String, PrintError> {
        check(printer)?;
        let mut cmd = Command::new("lp");
        if let Some(media) = media {
            cmd.arg("-o").arg(format!("media={media}"));
        }
        // Untranslated messages, so the cases below can be recognised.
        cmd.env("LC_ALL", "C").env("LANG", "C");
        if let Some(printer) = printer {
            cmd.arg("-d").arg(printer);
        }
        cmd.arg(path);
        let out = run(cmd, PrintError::LpMissing)?;
        let stdout = tidy(&out.stdout);
        if out.status.success() {
            return Ok(job_description(&stdout, printer));
        }
        let stderr = tidy(&out.stderr);
        let detail = match (stderr.is_empty(), stdout.is_empty()) {
            (false, _) => stderr,
            (true, false) => stdout,
            (true, true) => format!("lp завершилась с кодом {}", out.status),
        };
        Err(classify(&detail, printer))
    }

    fn lpstat(args: &[&str]) -> Result<(bool, String, String), PrintError> {
        let mut cmd = Command::new("lpstat");
        cmd.env("LC_ALL", "C").env("LANG", "C").args(args);
        let out = run(cmd, PrintError::LpMissing)?;
        Ok((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// Before sending: is the printer there and accepting jobs? (A stopped
    /// CUPS queue would swallow the slip silently.) When `lpstat` itself is
    /// missing, `lp` says what is wrong.
    fn check(printer: Option<&str>) -> Result<(), PrintError> {
        let Some(name) = printer else {
            return match lpstat(&["-d"]) {
                Ok((_, out, _)) if out.contains("no system default destination") => {
                    Err(PrintError::NoPrinter)
                }
                _ => Ok(()),
            };
        };
        match lpstat(&["-p", name]) {
            Ok((true, out, _)) => match printer_state(&out) {
                Some(false) => Err(PrintError::Stopped(name.to_owned())),
                _ => Ok(()),
            },
            Ok((false, _, err)) if err.contains("Invalid destination") => {
                Err(PrintError::UnknownPrinter {
                    printer: name.to_owned(),
                    detail: err.trim().to_owned(),
                })
            }
            _ => Ok(()),
        }
    }

    /// `printer X is idle.  enabled since …` → ready; `printer X disabled
    /// since …` → stopped.
    pub(super) fn printer_state(lpstat_p: &str) -> Option<bool> {
        let line = lpstat_p.lines().find(|l| l.starts_with("printer "))?;
        Some(!line.contains(" disabled"))
    }

    pub(super) fn printers() -> Vec<String> {
        let Ok((true, out, _)) = lpstat(&["-e"]) else {
            return Vec::new();
        };
        let default = lpstat(&["-d"])
            .ok()
            .and_then(|(_, d, _)| d.split(": ").nth(1).map(|n| n.trim().to_owned()));
        parse_printers(&out, default.as_deref())
    }

    /// One name a line (`lpstat -e`), the default first.
    pub(super) fn parse_printers(lpstat_e: &str, default: Option<&str>) -> Vec<String> {
        let mut names: Vec<String> = lpstat_e
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if let Some(d) = default
            && let Some(i) = names.iter().position(|n| n == d)
        {
            let d = names.remove(i);
            names.insert(0, d);
        }
        names
    }

    #[cfg(test)]
    #[test]
    fn printer_lists_and_states_are_read() {
        assert_eq!(
            parse_printers("Office\nDesk\n\n", Some("Desk")),
            vec!["Desk".to_owned(), "Office".to_owned()]
        );
        assert_eq!(
            printer_state("printer Desk is idle.  enabled since Sun 29 Nov 2026\n"),
            Some(true)
        );
        assert_eq!(
            printer_state("printer Desk disabled since Sun 29 Nov 2026 -\n\treason unknown\n"),
            Some(false)
        );
        assert_eq!(printer_state(""), None);
        assert!(
            !PrintError::Stopped("Desk".into())
                .to_string()
                .contains("disabled")
        );
    }

    /// CUPS answers `request id is Desk-12 (1 file(s))`, in English: say it
    /// in Russian, with the printer's name (the job id is `PRINTER-N`).
    pub(super) fn job_description(stdout: &str, printer: Option<&str>) -> String {
        let job = stdout
            .strip_prefix("request id is ")
            .and_then(|rest| rest.split_whitespace().next());
        let printer = printer.map(str::to_owned).or_else(|| {
            job.and_then(|j| j.rsplit_once('-'))
                .filter(|(_, n)| n.chars().all(|c| c.is_ascii_digit()))
                .map(|(p, _)| p.to_owned())
        });
        match (job, printer) {
            (Some(job), Some(p)) => format!("принтер «{p}», задание {job}"),
            (Some(job), None) => format!("задание {job}"),
            (None, Some(p)) => format!("принтер «{p}»"),
            (None, None) => "принтер по умолчанию".to_owned(),
        }
    }

    fn classify(detail: &str, printer: Option<&str>) -> PrintError {
        // The print system's own words are English: they go to the log only.
        tracing::warn!(detail, "lp refused the slip");
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
        for e in [
            classify("lp: The printer or class does not exist", Some("X")),
            classify("lp: Error - Scheduler Not Running", None),
            classify("lp: Error - paper jam", None),
        ] {
            let text = e.to_string();
            assert!(
                !text.contains("lp:") && !text.contains("Error") && !text.contains("jam"),
                "no English for the librarian: {text}"
            );
        }
    }

    #[cfg(test)]
    #[test]
    fn the_cups_reply_is_said_in_russian() {
        assert_eq!(
            job_description("request id is Desk-12 (1 file(s))", None),
            "принтер «Desk», задание Desk-12"
        );
        assert_eq!(
            job_description(
                "request id is HP_LaserJet-3 (1 file(s))",
                Some("HP_LaserJet")
            ),
            "принтер «HP_LaserJet», задание HP_LaserJet-3"
        );
        assert_eq!(job_description("", None), "принтер по умолчанию");
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

    /// Exit codes of our scripts for the printer checks (`exit 3`, `exit 4`).
    const NO_DEFAULT: i32 = 3;
    const NO_SUCH_PRINTER: i32 = 4;

    /// The script is fixed text: the file and the printer reach it as
    /// environment variables, never spliced into PowerShell source (a
    /// typographic quote or a `$` in a name cannot end a string there).
    const SCRIPT_DEFAULT: &str = "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; \
        $ErrorActionPreference = 'Stop'; \
        if (-not (Get-CimInstance -ClassName Win32_Printer -Filter 'Default=TRUE')) { exit 3 }; \
        Start-Process -FilePath $env:KAFEDRA_SLIP_PDF -Verb Print -WindowStyle Hidden";
    const SCRIPT_NAMED: &str = "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; \
        $ErrorActionPreference = 'Stop'; \
        if (-not (Get-CimInstance -ClassName Win32_Printer | \
            Where-Object { $_.Name -eq $env:KAFEDRA_PRINTER })) { exit 4 }; \
        Start-Process -FilePath $env:KAFEDRA_SLIP_PDF -Verb PrintTo \
            -ArgumentList ('\"' + $env:KAFEDRA_PRINTER + '\"') -WindowStyle Hidden";

    /// Checks the printer exists (Windows would only report a wrong name in
    /// the PDF application, after we have returned), then asks the PDF
    /// application registered in Windows to print the file ("Print" verb for
    /// the default printer, "PrintTo" for a named one). The file stays: the
    /// PDF application opens it after we return (old slips are removed later).
    pub(super) fn printers() -> Vec<String> {
        let mut cmd = Command::new("powershell.exe");
        cmd.args([
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; \
             Get-CimInstance -ClassName Win32_Printer | Sort-Object -Property Default -Descending | \
             ForEach-Object { $_.Name }",
        ])
        .creation_flags(CREATE_NO_WINDOW);
        match run(cmd, PrintError::Unsupported) {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// (The paper size is the printer driver's setting on Windows.)
    pub(super) fn print(
        path: &Path,
        printer: Option<&str>,
        _media: Option<&str>,
    ) -> Result<String, PrintError> {
        let script = match printer {
            None => SCRIPT_DEFAULT,
            Some(_) => SCRIPT_NAMED,
        };
        let mut cmd = Command::new("powershell.exe");
        cmd.args([
            "-NoProfile",
            "-NonInteractive",
            "-ExecutionPolicy",
            "Bypass",
            "-Command",
            script,
        ])
        .env("KAFEDRA_SLIP_PDF", path)
        .creation_flags(CREATE_NO_WINDOW);
        if let Some(p) = printer {
            cmd.env("KAFEDRA_PRINTER", p);
        }
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

    pub(super) fn printers() -> Vec<String> {
        Vec::new()
    }

    pub(super) fn print(
        _path: &Path,
        _printer: Option<&str>,
        _media: Option<&str>,
    ) -> Result<String, PrintError> {
        Err(PrintError::Unsupported)
    }
}
