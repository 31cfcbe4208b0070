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
#[cfg_attr(not(unix), allow(dead_code))]
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
#[cfg_attr(not(unix), allow(dead_code))]
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

/// The names with `default` moved to the front (added there when the list
/// lacks it: Windows can have a default printer it does not enumerate).
#[cfg_attr(not(windows), allow(dead_code))]
fn default_first(mut names: Vec<String>, default: Option<&str>) -> Vec<String> {
    if let Some(d) = default.filter(|d| !d.is_empty()) {
        names.retain(|n| n != d);
        names.insert(0, d.to_owned());
    }
    names
}

/// The parameter of the shell's "printto" verb: the printer's name as one
/// argument, the `%2` of the PDF application's registered command. The shell
/// splits the parameters on spaces outside quotes and reads a doubled quote
/// inside quotes as one quote; backslashes (`\\server\printer`) stay as they are.
#[cfg_attr(not(windows), allow(dead_code))]
fn printto_parameter(printer: &str) -> String {
    format!("\"{}\"", printer.replace('"', "\"\""))
}

/// ShellExecuteW's documented error codes.
const SE_ERR_FNF: isize = 2;
const SE_ERR_PNF: isize = 3;
const SE_ERR_ACCESSDENIED: isize = 5;
const SE_ERR_OOM: isize = 8;
const SE_ERR_SHARE: isize = 26;
const SE_ERR_ASSOCINCOMPLETE: isize = 27;
const SE_ERR_DDETIMEOUT: isize = 28;
const SE_ERR_DDEFAIL: isize = 29;
const SE_ERR_DDEBUSY: isize = 30;
const SE_ERR_NOASSOC: isize = 31;
const SE_ERR_DLLNOTFOUND: isize = 32;

/// What ShellExecuteW's return value (above 32 on success) means for the
/// librarian: no program that prints PDF files, or a refusal with the reason
/// (for the log) in Russian.
#[cfg_attr(not(windows), allow(dead_code))]
fn shell_execute_outcome(code: isize, printer: Option<&str>) -> Result<String, PrintError> {
    if code > 32 {
        return Ok(match printer {
            None => "отправлено на принтер по умолчанию".to_owned(),
            Some(p) => format!("отправлено на принтер «{p}»"),
        });
    }
    let reason = match code {
        SE_ERR_NOASSOC => {
            return Err(PrintError::NoPdfApp(
                "у файлов PDF в Windows нет программы с командой «Печать»".to_owned(),
            ));
        }
        SE_ERR_ASSOCINCOMPLETE => {
            return Err(PrintError::NoPdfApp(
                "программа для файлов PDF зарегистрирована в Windows не полностью".to_owned(),
            ));
        }
        0 | SE_ERR_OOM => "не хватило памяти или ресурсов",
        SE_ERR_FNF => "не найден файл памятки или программа печати",
        SE_ERR_PNF => "не найдена папка памятки или программы печати",
        SE_ERR_ACCESSDENIED => "нет доступа",
        SE_ERR_SHARE => "файл занят другой программой",
        SE_ERR_DDETIMEOUT | SE_ERR_DDEFAIL | SE_ERR_DDEBUSY => {
            "программа просмотра PDF не ответила"
        }
        SE_ERR_DLLNOTFOUND => "не найдена библиотека программы печати",
        _ => "неизвестная ошибка",
    };
    let detail = format!("ShellExecute вернула {code}: {reason}");
    tracing::warn!(detail, "the shell refused to print the slip");
    Err(PrintError::Refused(detail))
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
    //! The spooler's printer list (`EnumPrintersW`, `GetDefaultPrinterW`)
    //! and the shell's print verbs (`ShellExecuteW`): no PowerShell, no
    //! console window, nothing spliced into a script.
    use super::{PrintError, TIMEOUT, default_first, printto_parameter, shell_execute_outcome};
    use std::ffi::{OsStr, OsString, c_void};
    use std::os::windows::ffi::{OsStrExt, OsStringExt};
    use std::path::Path;
    use std::ptr;
    use std::sync::mpsc;
    use windows_sys::Win32::Foundation::{ERROR_INSUFFICIENT_BUFFER, GetLastError};
    use windows_sys::Win32::Graphics::Printing::{
        EnumPrintersW, GetDefaultPrinterW, PRINTER_ENUM_CONNECTIONS, PRINTER_ENUM_LOCAL,
        PRINTER_INFO_4W,
    };
    use windows_sys::Win32::UI::Shell::ShellExecuteW;
    use windows_sys::Win32::UI::WindowsAndMessaging::SW_SHOWMINNOACTIVE;

    // The shell may hand a verb to a COM handler (DelegateExecute), so the
    // thread that calls ShellExecuteW initialises COM as the documentation
    // asks. (ole32 is part of every Windows; the COM feature of windows-sys
    // is not needed for two functions.)
    const COINIT_APARTMENTTHREADED: u32 = 0x2;
    const COINIT_DISABLE_OLE1DDE: u32 = 0x4;
    #[link(name = "ole32")]
    unsafe extern "system" {
        fn CoInitializeEx(reserved: *const c_void, coinit: u32) -> i32;
        fn CoUninitialize();
    }

    /// `s` as a NUL-terminated UTF-16 string.
    fn wide(s: &OsStr) -> Vec<u16> {
        s.encode_wide().chain(Some(0)).collect()
    }

    /// The NUL-terminated UTF-16 string at `p` (empty for a null pointer).
    ///
    /// # Safety
    /// `p` is null or points to a NUL-terminated string.
    unsafe fn from_wide(p: *const u16) -> String {
        if p.is_null() {
            return String::new();
        }
        let mut len = 0;
        // SAFETY: the string is NUL-terminated (the caller's promise).
        while unsafe { *p.add(len) } != 0 {
            len += 1;
        }
        // SAFETY: `len` units were just read.
        let units = unsafe { std::slice::from_raw_parts(p, len) };
        OsString::from_wide(units).to_string_lossy().into_owned()
    }

    /// The default printer's name, if Windows has one.
    fn default_printer() -> Option<String> {
        let mut len: u32 = 0;
        // SAFETY: a null buffer with length 0 asks for the needed length.
        let ok = unsafe { GetDefaultPrinterW(ptr::null_mut(), &mut len) };
        // SAFETY: plain call.
        if ok != 0 || len == 0 || unsafe { GetLastError() } != ERROR_INSUFFICIENT_BUFFER {
            // No default printer (ERROR_FILE_NOT_FOUND) or no spooler.
            return None;
        }
        let mut buf = vec![0u16; len as usize];
        // SAFETY: `buf` holds `len` UTF-16 units.
        if unsafe { GetDefaultPrinterW(buf.as_mut_ptr(), &mut len) } == 0 {
            return None;
        }
        // SAFETY: on success the buffer holds a NUL-terminated name.
        let name = unsafe { from_wide(buf.as_ptr()) };
        (!name.is_empty()).then_some(name)
    }

    /// The local printers and the connections to shared ones, in the
    /// spooler's order.
    fn enum_printers() -> Vec<String> {
        let flags = PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS;
        let (mut needed, mut count) = (0u32, 0u32);
        // SAFETY: a null buffer of size 0 asks for the needed size.
        unsafe {
            EnumPrintersW(
                flags,
                ptr::null(),
                4,
                ptr::null_mut(),
                0,
                &mut needed,
                &mut count,
            )
        };
        if needed == 0 {
            return Vec::new();
        }
        // u64 units: the buffer is read as PRINTER_INFO_4W structures.
        let mut buf = vec![0u64; (needed as usize).div_ceil(8)];
        // SAFETY: `buf` has at least `needed` bytes, aligned for the structures.
        let ok = unsafe {
            EnumPrintersW(
                flags,
                ptr::null(),
                4,
                buf.as_mut_ptr().cast::<u8>(),
                needed,
                &mut needed,
                &mut count,
            )
        };
        if ok == 0 {
            return Vec::new();
        }
        // SAFETY: on success the buffer starts with `count` structures whose
        // strings point into the same buffer.
        let infos = unsafe {
            std::slice::from_raw_parts(buf.as_ptr().cast::<PRINTER_INFO_4W>(), count as usize)
        };
        infos
            .iter()
            // SAFETY: the spooler's NUL-terminated names.
            .map(|info| unsafe { from_wide(info.pPrinterName) })
            .filter(|name| !name.is_empty())
            .collect()
    }

    pub(super) fn printers() -> Vec<String> {
        default_first(enum_printers(), default_printer().as_deref())
    }

    /// Checks the printer exists (Windows would only report a wrong name in
    /// the PDF application, after we have returned), then asks the PDF
    /// application registered in Windows to print the file ("print" verb for
    /// the default printer, "printto" for a named one). The file stays: the
    /// PDF application opens it after we return (old slips are removed later).
    /// (The paper size is the printer driver's setting on Windows.)
    pub(super) fn print(
        path: &Path,
        printer: Option<&str>,
        _media: Option<&str>,
    ) -> Result<String, PrintError> {
        // The name as the spooler spells it (Windows names ignore case).
        let printer = match printer {
            None => {
                if default_printer().is_none() {
                    return Err(PrintError::NoPrinter);
                }
                None
            }
            Some(name) => {
                let known = enum_printers()
                    .into_iter()
                    .chain(default_printer())
                    .find(|p| p.to_lowercase() == name.to_lowercase());
                match known {
                    Some(p) => Some(p),
                    None => {
                        return Err(PrintError::UnknownPrinter {
                            printer: name.to_owned(),
                            detail: "нет в списке принтеров Windows".to_owned(),
                        });
                    }
                }
            }
        };
        // The PDF application gets the full path: its working folder is its own.
        let file = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let folder = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let (verb, parameter) = match &printer {
            None => ("print", None),
            Some(p) => ("printto", Some(printto_parameter(p))),
        };
        // A PDF application that talks DDE can keep ShellExecuteW waiting: it
        // runs on its own thread, and we stop waiting after TIMEOUT.
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("kafedra-print".to_owned())
            .spawn(move || {
                let verb = wide(OsStr::new(verb));
                let file = wide(file.as_os_str());
                let folder = wide(folder.as_os_str());
                let parameter = parameter.map(|p| wide(OsStr::new(&p)));
                // SAFETY: all strings are NUL-terminated and outlive the call;
                // COM is initialised and released on this thread only.
                let code = unsafe {
                    let com = CoInitializeEx(
                        ptr::null(),
                        COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE,
                    );
                    let instance = ShellExecuteW(
                        ptr::null_mut(),
                        verb.as_ptr(),
                        file.as_ptr(),
                        parameter.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
                        folder.as_ptr(),
                        SW_SHOWMINNOACTIVE,
                    );
                    if com >= 0 {
                        CoUninitialize();
                    }
                    // Not a handle: a number above 32 on success, an error code otherwise.
                    instance as isize
                };
                let _ = tx.send(code);
            })
            .map_err(|e| PrintError::Spawn(e.to_string()))?;
        let code = rx
            .recv_timeout(TIMEOUT)
            .map_err(|_| PrintError::Timeout(TIMEOUT.as_secs()))?;
        shell_execute_outcome(code, printer.as_deref())
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

#[cfg(test)]
mod windows_shell_tests {
    use super::{PrintError, default_first, printto_parameter, shell_execute_outcome};

    #[test]
    fn the_printto_parameter_is_one_quoted_argument() {
        assert_eq!(printto_parameter("Canon"), "\"Canon\"");
        assert_eq!(
            printto_parameter("HP LaserJet 1020 (абонемент)"),
            "\"HP LaserJet 1020 (абонемент)\""
        );
        // A quote inside quotes is doubled, as the shell's %2 expects.
        assert_eq!(
            printto_parameter("Принтер \"Зал 2\""),
            "\"Принтер \"\"Зал 2\"\"\""
        );
        // Shared printers keep their backslashes.
        assert_eq!(
            printto_parameter(r"\\lib-srv\Kyocera 2F"),
            r#""\\lib-srv\Kyocera 2F""#
        );
        assert_eq!(printto_parameter(""), "\"\"");
    }

    #[test]
    fn the_default_printer_comes_first() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            default_first(names(&["Office", "Desk"]), Some("Desk")),
            names(&["Desk", "Office"])
        );
        assert_eq!(
            default_first(names(&["Office"]), Some(r"\\srv\Desk")),
            names(&[r"\\srv\Desk", "Office"])
        );
        assert_eq!(default_first(names(&["A", "B"]), None), names(&["A", "B"]));
        assert_eq!(default_first(Vec::new(), Some("")), Vec::<String>::new());
    }

    #[test]
    fn shell_execute_codes_are_said_in_russian() {
        assert_eq!(
            shell_execute_outcome(42, None).unwrap(),
            "отправлено на принтер по умолчанию"
        );
        assert_eq!(
            shell_execute_outcome(33, Some("Desk")).unwrap(),
            "отправлено на принтер «Desk»"
        );
        assert!(matches!(
            shell_execute_outcome(31, None),
            Err(PrintError::NoPdfApp(_))
        ));
        assert!(matches!(
            shell_execute_outcome(27, Some("Desk")),
            Err(PrintError::NoPdfApp(_))
        ));
        for code in [0, 2, 3, 5, 8, 26, 28, 29, 30, 32, 1, 17] {
            let Err(e) = shell_execute_outcome(code, None) else {
                panic!("code {code} is a failure");
            };
            assert!(matches!(e, PrintError::Refused(_)), "{code}: {e:?}");
            let PrintError::Refused(detail) = &e else {
                unreachable!()
            };
            assert!(detail.contains(&code.to_string()), "{detail}");
        }
        // What the librarian reads: Russian, with no English from the shell.
        for code in [31, 27, 2, 29] {
            let text = shell_execute_outcome(code, None).unwrap_err().to_string();
            assert!(
                text.contains("печат") && !text.contains("ShellExecute"),
                "no English for the librarian: {text}"
            );
        }
    }
}
