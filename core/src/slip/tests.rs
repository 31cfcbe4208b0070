use std::path::Path;
use std::process::Command;

use super::compose::{self, MM, Op};
use super::font::Fonts;
use super::*;

const LONG_NAME: &str = "Константинопольская-Старобогатырёва Елизавета-Александра Вячеславовна";

fn sample() -> SlipData {
    SlipData {
        library_name: "Центральная городская библиотека им. А. С. Пушкина".into(),
        reader_name: LONG_NAME.into(),
        card_number: "0012-345678".into(),
        login: "O0l1I-lib40217".into(),
        password: "x0OlI1iL".into(),
        site_url: "https://biblio.litres.ru".into(),
        apps_text: "Приложение «ЛитРес: Библиотека» для Android и iOS".into(),
        library_page_url: "https://biblio.litres.ru/library/central-pushkin-1234/".into(),
        instructions: vec![
            "Откройте сайт или приложение «ЛитРес: Библиотека».".into(),
            "Нажмите «Войти» и введите логин и пароль с этой памятки.".into(),
            "Найдите книгу и нажмите «Взять в библиотеке».".into(),
            "4. Дождитесь одобрения библиотекаря — книга появится на полке «Мои книги».".into(),
        ],
        footer: "Тел. (812) 555-01-23, пн–пт 10:00–20:00, сб 11:00–18:00".into(),
        issued_at: "28.11.2026 14:05".into(),
        staff_name: "Иванова Мария Петровна".into(),
    }
}

/// Runs a poppler tool; these tests need `poppler-utils`.
fn poppler(tool: &str, args: &[&str], file: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("{tool} is needed (apt-get install poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler prints UTF-8")
}

fn pdfinfo(file: &Path) -> String {
    let out = Command::new("pdfinfo")
        .arg(file)
        .output()
        .expect("pdfinfo is needed (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdfinfo failed");
    String::from_utf8(out.stdout).expect("pdfinfo prints UTF-8")
}

/// Page size in points from `pdfinfo` ("Page size: 419.53 x 595.28 pts").
fn page_size(file: &Path) -> (f32, f32) {
    let info = pdfinfo(file);
    let line = info
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .expect("pdfinfo reports the page size");
    let nums: Vec<f32> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(nums.len() >= 2, "odd pdfinfo line: {line}");
    (nums[0], nums[1])
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn render_to(dir: &Path, name: &str, data: &SlipData, layout: Layout) -> std::path::PathBuf {
    let pdf = render(data, layout).expect("slip renders");
    assert!(pdf.starts_with(b"%PDF-"));
    let path = dir.join(name);
    std::fs::write(&path, pdf).expect("write pdf");
    path
}

fn assert_text_layer(file: &Path, data: &SlipData) {
    let text = poppler("pdftotext", &["-layout", "-enc", "UTF-8"], file);
    let flat = squash(&text);
    // The name may be wrapped, but its characters must come back in order.
    assert!(
        flat.contains(&squash(&data.reader_name)),
        "name missing in:\n{text}"
    );
    for part in data.reader_name.split([' ', '-']) {
        assert!(
            text.contains(part),
            "name part {part:?} missing in:\n{text}"
        );
    }
    for needle in [
        "Памятка читателя",
        "Читательский билет",
        data.card_number.as_str(),
        data.login.as_str(),
        data.password.as_str(),
        "Логин",
        "Пароль",
    ] {
        assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
    }
    assert!(flat.contains(&squash(&data.site_url)), "site missing");
    assert!(flat.contains("Выдано:28.11.202614:05"), "issued_at missing");
}

#[test]
fn a5_text_layer_and_page_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = sample();
    let file = render_to(dir.path(), "a5.pdf", &data, Layout::A5);
    assert_text_layer(&file, &data);
    let (w, h) = page_size(&file);
    assert!((w - 419.53).abs() < 0.1, "A5 width {w}");
    assert!((h - 595.28).abs() < 0.1, "A5 height {h}");
    let info = pdfinfo(&file);
    let pages = info
        .lines()
        .find(|l| l.starts_with("Pages:"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>());
    assert_eq!(pages, Some(vec!["Pages:", "1"]), "{info}");
}

#[test]
fn receipt_text_layer_and_page_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = sample();
    let file = render_to(dir.path(), "receipt.pdf", &data, Layout::Receipt80);
    assert_text_layer(&file, &data);
    let (w, h) = page_size(&file);
    assert!((w - 226.77).abs() < 0.1, "receipt width {w}");
    assert!(h > 100.0 * MM && h < 300.0 * MM, "receipt height {h}");
}

#[test]
fn receipt_grows_with_content() {
    let fonts = Fonts::get().expect("fonts");
    let mut data = sample();
    let short = compose::compose(
        &prepare(&data, fonts).expect("ok"),
        Layout::Receipt80,
        fonts,
    )
    .expect("ok")
    .height;
    data.instructions.extend(data.instructions.clone());
    let long = compose::compose(
        &prepare(&data, fonts).expect("ok"),
        Layout::Receipt80,
        fonts,
    )
    .expect("ok")
    .height;
    assert!(long > short + 40.0, "{short} → {long}");
}

/// Every text line and box stays inside the margins, even with an
/// unbreakable URL and long credentials.
#[test]
fn nothing_runs_off_the_page() {
    let fonts = Fonts::get().expect("fonts");
    let mut data = sample();
    data.site_url = "https://biblio.litres.ru/a-very-long-path/with/many/segments/and?query=parameters&that=never&end=1234567890".into();
    data.apps_text = "СуперДлинноеСловоБезПробеловКотороеНикакНеПомещаетсяВСтроку".into();
    data.login = "O0l1I-very-long-login-for-the-library-pool-2026".into();
    data.password = "x0OlI1iLx0OlI1iLx0OlI1iL".into();
    data.library_name = "Муниципальное бюджетное учреждение культуры «Централизованная библиотечная система» городского округа".into();
    for layout in [Layout::A5, Layout::Receipt80] {
        let page =
            compose::compose(&prepare(&data, fonts).expect("ok"), layout, fonts).expect("ok");
        let margin = 3.9 * MM;
        let mut texts = 0;
        for op in &page.ops {
            match op {
                Op::Text {
                    x,
                    baseline,
                    font,
                    size,
                    text,
                    ..
                } => {
                    texts += 1;
                    let right = x + fonts.face(*font).width(text, *size);
                    assert!(*x >= margin, "{layout:?}: {text:?} starts at {x}");
                    assert!(
                        right <= page.width - margin + 0.01,
                        "{layout:?}: {text:?} ends at {right} of {}",
                        page.width
                    );
                    assert!(
                        *baseline < page.height - margin,
                        "{layout:?}: {text:?} below page"
                    );
                    assert!(*size >= 5.99, "{layout:?}: {text:?} too small ({size})");
                }
                Op::Rect { x, w, .. } => {
                    assert!(*x >= margin && x + w <= page.width - margin + 0.01);
                }
                Op::Qr {
                    x, module, width, ..
                } => {
                    let side = module * *width as f32;
                    assert!(*x - 4.0 * module >= margin - 0.01);
                    assert!(x + side + 4.0 * module <= page.width - margin + 0.01);
                    let min = if layout == Layout::A5 { 25.0 } else { 35.0 };
                    assert!(side >= min * MM, "{layout:?}: QR only {} mm", side / MM);
                }
            }
        }
        assert!(texts > 20, "{layout:?}: only {texts} text lines");
    }
}

#[test]
fn lines_do_not_overlap() {
    let fonts = Fonts::get().expect("fonts");
    for layout in [Layout::A5, Layout::Receipt80] {
        let page =
            compose::compose(&prepare(&sample(), fonts).expect("ok"), layout, fonts).expect("ok");
        let lines: Vec<(f32, f32, f32, f32)> = page
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Text {
                    x,
                    baseline,
                    font,
                    size,
                    text,
                    ..
                } => {
                    let face = fonts.face(*font);
                    let top = baseline - face.ascent * size * 0.75;
                    let bottom = baseline + face.descent * size * 0.5;
                    Some((*x, x + face.width(text, *size), top, bottom))
                }
                _ => None,
            })
            .collect();
        for (i, a) in lines.iter().enumerate() {
            for b in &lines[i + 1..] {
                let apart = a.1 <= b.0 || b.1 <= a.0 || a.3 <= b.2 || b.3 <= a.2;
                assert!(apart, "{layout:?}: text boxes overlap: {a:?} {b:?}");
            }
        }
    }
}

#[test]
fn a5_shrinks_then_gives_up() {
    let fonts = Fonts::get().expect("fonts");
    let mut data = sample();
    data.instructions = (0..8)
        .map(|i| format!("Шаг {i}: довольно длинное пояснение для читателя, которое занимает почти целую строку."))
        .collect();
    let page = compose::compose(&prepare(&data, fonts).expect("ok"), Layout::A5, fonts)
        .expect("fits after shrinking");
    assert!((page.height - 210.0 * MM).abs() < 0.01);
    data.instructions = vec![data.instructions[0].clone(); 80];
    assert!(matches!(render(&data, Layout::A5), Err(SlipError::TooLong)));
    // The receipt just gets longer.
    assert!(render(&data, Layout::Receipt80).is_ok());
}

#[test]
fn wrap_breaks_long_words_at_separators() {
    let fonts = Fonts::get().expect("fonts");
    let face = fonts.face(FontKind::Bold);
    let lines = compose::wrap(face, LONG_NAME, 11.0, 200.0);
    assert_eq!(lines[0], "Константинопольская-");
    for line in &lines {
        assert!(face.width(line, 11.0) <= 200.0, "{line}");
    }
    assert_eq!(squash(&lines.concat()), squash(LONG_NAME));
}

#[test]
fn bad_credentials_are_refused() {
    let mut data = sample();
    data.password = "  ".into();
    let err = render(&data, Layout::A5).expect_err("empty password");
    assert!(matches!(err, SlipError::Missing("пароль")));
    assert!(err.to_string().contains("пароль"));
    data.password = "abc\u{1F600}".into();
    let err = render(&data, Layout::A5).expect_err("emoji");
    assert!(
        matches!(
            err,
            SlipError::Unprintable {
                ch: '\u{1F600}',
                ..
            }
        ),
        "{err}"
    );
    data.password = "ab cd".into();
    assert!(render(&data, Layout::A5).is_err());
}

#[test]
fn fields_are_cleaned() {
    assert_eq!(one_line("  Иванов\n\tИван \r\n "), "Иванов Иван");
    assert_eq!(strip_number("1. Откройте"), "Откройте");
    assert_eq!(strip_number("12) Войдите"), "Войдите");
    assert_eq!(strip_number("2026 год"), "2026 год");
    assert_eq!(strip_number("1.5 часа"), "1.5 часа");
}

#[test]
fn qr_falls_back_to_site_and_can_be_absent() {
    let fonts = Fonts::get().expect("fonts");
    let mut data = sample();
    data.library_page_url.clear();
    assert!(prepare(&data, fonts).expect("ok").qr.is_some());
    data.site_url.clear();
    assert!(prepare(&data, fonts).expect("ok").qr.is_none());
    for layout in [Layout::A5, Layout::Receipt80] {
        assert!(render(&data, layout).is_ok());
    }
}

fn has_cyrillic(s: &str) -> bool {
    s.chars()
        .any(|c| ('а'..='я').contains(&c) || ('А'..='Я').contains(&c))
}

#[test]
fn printing_to_a_missing_printer_fails_in_russian() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = render_to(dir.path(), "slip.pdf", &sample(), Layout::A5);
    let err =
        print_pdf(&file, Some("kafedra-no-such-printer-42"), None).expect_err("no such printer");
    let msg = err.to_string();
    assert!(has_cyrillic(&msg), "{msg}");
    #[cfg(unix)]
    assert!(
        matches!(
            err,
            PrintError::LpMissing
                | PrintError::UnknownPrinter { .. }
                | PrintError::NoScheduler(_)
                | PrintError::Refused(_)
        ),
        "{err:?}"
    );
}

#[test]
fn printing_a_missing_file_fails_in_russian() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = print_pdf(&dir.path().join("нет.pdf"), None, None).expect_err("no file");
    assert!(matches!(err, PrintError::FileMissing(_)));
    assert!(has_cyrillic(&err.to_string()));
}
