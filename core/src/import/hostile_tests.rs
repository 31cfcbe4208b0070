//! Files from outside cannot hurt the desk: hostile spreadsheets and texts (built here,
//! small), limits, look-alike and invisible characters, encodings on evidence, and
//! properties (any bytes give a pool or an error; a written pool reads back).

use std::io::{Cursor, Write};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use rust_xlsxwriter::Workbook;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::*;
use crate::domain::text::{is_credential_char, login_key};

fn rows_of(bytes: &[u8], name: &str) -> RowErrors {
    match parse_pool(bytes, name) {
        Err(PoolFileError::Rows(errors)) => errors,
        other => panic!("expected row errors, got {other:?}"),
    }
}

fn refusal(bytes: &[u8], name: &str) -> String {
    match parse_pool(bytes, name) {
        Err(PoolFileError::Unreadable(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn accepted(bytes: &[u8], name: &str) -> ParsedPool {
    match parse_pool(bytes, name) {
        Ok(pool) => pool,
        Err(error) => panic!("expected a pool, got {error:?}"),
    }
}

fn logins(pool: &ParsedPool) -> Vec<(usize, &str, &str)> {
    pool.rows
        .iter()
        .map(|r| (r.line, r.login.as_str(), r.password.as_str()))
        .collect()
}

/// A ZIP of the given parts (deflated, or stored so that mutations hit the XML).
fn zip_of(parts: &[(&str, &str)], method: CompressionMethod) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    for (name, content) in parts {
        zip.start_file(*name, options).expect("zip entry");
        zip.write_all(content.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Логины" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// An XLSX made by hand: the sheet's `<sheetData>` content and the shared strings.
fn xlsx_by_hand(
    dimension: &str,
    rows: &str,
    strings: &[&str],
    method: CompressionMethod,
) -> Vec<u8> {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    );
    let items: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let shared = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">{items}</sst>"#,
        n = strings.len()
    );
    zip_of(
        &[
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", &sheet),
            ("xl/sharedStrings.xml", &shared),
        ],
        method,
    )
}

/// An ODS made by hand: the rows of the first table.
fn ods_by_hand(rows: &str, method: CompressionMethod) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3"><office:body><office:spreadsheet><table:table table:name="Лист1"><table:table-column table:number-columns-repeated="1024"/>{rows}</table:table><table:table table:name="Лист2"><table:table-row><table:table-cell office:value-type="string"><text:p>second</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip_of(
        &[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", &content),
        ],
        method,
    )
}

fn text_cell(text: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
    )
}

/// Runs `f`, failing if it takes longer than a hostile file should ever keep the desk.
fn quickly<T>(f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    out
}

// ---------------------------------------------------------------------------------------
// Bounds
// ---------------------------------------------------------------------------------------

#[test]
fn xlsx_claiming_the_whole_grid_is_read_row_by_row() {
    // The sheet says it spans A1:XFD1048576 (17 billion cells); the old reader laid that
    // grid out in memory and the process died. Rows are streamed instead.
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>"#;
    let bytes = xlsx_by_hand(
        "A1:XFD1048576",
        rows,
        &["Логин", "Пароль", "lib0001", "Xa7-pq"],
        CompressionMethod::Deflated,
    );
    assert!(bytes.len() < 2_500, "{} bytes", bytes.len());
    let pool = quickly(|| accepted(&bytes, "pool.xlsx"));
    assert_eq!(pool.encoding, "XLSX");
    assert_eq!(logins(&pool), vec![(2, "lib0001", "Xa7-pq")]);
}

#[test]
fn xlsx_with_a_cell_in_the_far_corner_reports_that_row() {
    // A real cell at XFD1048576: the row is reported, nothing is laid out.
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="1048576"><c r="A1048576" t="s"><v>0</v></c><c r="B1048576" t="s"><v>1</v></c><c r="XFD1048576" t="s"><v>0</v></c></row>"#;
    let bytes = xlsx_by_hand(
        "A1:XFD1048576",
        rows,
        &["u1", "p1"],
        CompressionMethod::Deflated,
    );
    let errors = quickly(|| rows_of(&bytes, "pool.xlsx"));
    assert_eq!(errors.listed.len(), 1, "{errors:?}");
    assert_eq!(errors.listed[0].line, 1_048_576);
    assert!(
        errors.listed[0].message.contains("16\u{A0}384 столбца"),
        "{}",
        errors.listed[0].message
    );
}

#[test]
fn xlsx_inline_strings_booleans_errors_and_missing_references() {
    let rows = r#"<row><c t="inlineStr"><is><t>lib&amp;1</t></is></c><c t="inlineStr"><is><r><t>Pw</t></r><r><t>7x</t></r><rPh><t>ignored</t></rPh></is></c></row><row><c t="b"><v>1</v></c><c><v>42</v></c></row><row r="5"><c r="B5" t="e"><v>#N/A</v></c><c r="A5" t="str"><v>lib5</v></c></row>"#;
    let bytes = xlsx_by_hand("A1", rows, &[], CompressionMethod::Deflated);
    let errors = rows_of(&bytes, "pool.xlsx");
    assert_eq!(errors.listed.len(), 1, "{errors:?}");
    assert_eq!(errors.listed[0].line, 5);
    assert!(errors.listed[0].message.contains("ошибка Excel #N/A"));
    let fixed = rows.replace(
        r#"<c r="B5" t="e"><v>#N/A</v></c>"#,
        r#"<c r="B5"><v>7</v></c>"#,
    );
    let bytes = xlsx_by_hand("A1", &fixed, &[], CompressionMethod::Deflated);
    let pool = accepted(&bytes, "pool.xlsx");
    assert_eq!(
        logins(&pool),
        vec![(1, "lib&1", "Pw7x"), (2, "ИСТИНА", "42"), (5, "lib5", "7")]
    );
}

#[test]
fn ods_with_hundreds_of_millions_of_repeated_cells_and_rows() {
    // LibreOffice writes trailing repeats; a hostile file makes them huge. The old reader
    // expanded them all (the process died); only the first columns and real rows count.
    let rows = format!(
        r#"<table:table-row>{}{}<table:table-cell table:number-columns-repeated="400000000"/></table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="400000000"/></table:table-row><table:table-row>{}<table:table-cell office:value-type="float" office:value="100234"><text:p>100234</text:p></table:table-cell></table:table-row>"#,
        text_cell("Логин"),
        text_cell("Пароль"),
        text_cell("lib0001"),
    );
    let bytes = ods_by_hand(&rows, CompressionMethod::Deflated);
    let pool = quickly(|| accepted(&bytes, "pool.ods"));
    assert_eq!(pool.encoding, "ODS");
    // Row numbers count the repeated empty rows.
    assert_eq!(logins(&pool), vec![(1_048_002, "lib0001", "100234")]);
}

#[test]
fn ods_filled_cell_repeated_across_the_sheet_is_one_bad_row() {
    let rows = format!(
        r#"<table:table-row>{}{}</table:table-row><table:table-row>{}<table:table-cell office:value-type="string" table:number-columns-repeated="400000000"><text:p>x</text:p></table:table-cell></table:table-row>"#,
        text_cell("u1"),
        text_cell("p1"),
        text_cell("u2"),
    );
    let bytes = ods_by_hand(&rows, CompressionMethod::Deflated);
    let errors = quickly(|| rows_of(&bytes, "pool.ods"));
    assert_eq!(errors.listed.len(), 1, "{errors:?}");
    assert_eq!(errors.listed[0].line, 2);
    assert!(
        errors.listed[0]
            .message
            .contains("400\u{A0}000\u{A0}001 столбец"),
        "{}",
        errors.listed[0].message
    );
}

#[test]
fn ods_filled_row_repeated_past_the_row_limit_is_refused_at_once() {
    let rows = format!(
        r#"<table:table-row table:number-rows-repeated="400000000">{}{}</table:table-row>"#,
        text_cell("u1"),
        text_cell("p1"),
    );
    let bytes = ods_by_hand(&rows, CompressionMethod::Deflated);
    let message = quickly(|| refusal(&bytes, "pool.ods"));
    assert!(
        message.contains("больше 1\u{A0}000\u{A0}000 строк"),
        "{message}"
    );
}

#[test]
fn ods_cells_paragraphs_spaces_comments_dates_and_covered_cells() {
    let rows = format!(
        r#"<table:table-row>{login}<table:table-cell office:value-type="string"><office:annotation><text:p>комментарий</text:p></office:annotation><text:p>Pw<text:span>7x</text:span><text:s text:c="0"/></text:p></table:table-cell><table:covered-table-cell/></table:table-row><table:table-row>{u2}<table:table-cell office:value-type="date" office:date-value="2024-01-02"><text:p>02.01.2024</text:p></table:table-cell></table:table-row><table:table-row>{u3}<table:table-cell office:value-type="string"><text:p>a</text:p><text:p>b</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="2">{dup}<table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>ИСТИНА</text:p></table:table-cell></table:table-row>"#,
        login = text_cell("lib1"),
        u2 = text_cell("lib2"),
        u3 = text_cell("lib3"),
        dup = text_cell("lib4"),
    );
    let bytes = ods_by_hand(&rows, CompressionMethod::Deflated);
    let errors = rows_of(&bytes, "pool.ods");
    let lines: Vec<(usize, &str)> = errors
        .listed
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert_eq!(lines[0].0, 2);
    assert!(
        lines[0].1.starts_with("Пароль: Excel превратил"),
        "{}",
        lines[0].1
    );
    // Two paragraphs make a line break: not a password.
    assert_eq!(lines[1].0, 3);
    assert!(lines[1].1.contains("непечатаемый"), "{}", lines[1].1);
    // The repeated row repeats its login.
    assert_eq!(lines[2].0, 5);
    assert!(
        lines[2].1.contains("«lib4» уже встречается в строке 4"),
        "{}",
        lines[2].1
    );
}

#[test]
fn ods_text_document_and_binary_excel_formats_are_refused_with_a_way_out() {
    let odt = zip_of(
        &[
            ("mimetype", "application/vnd.oasis.opendocument.text"),
            ("content.xml", "<office:document-content/>"),
        ],
        CompressionMethod::Deflated,
    );
    assert!(refusal(&odt, "pool.odt").contains("не таблица"));
    let mut xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    xls.extend([0u8; 600]);
    let message = refusal(&xls, "pool.xls");
    assert!(
        message.contains("(XLS)") && message.contains("xlsx"),
        "{message}"
    );
    let xlsb = zip_of(&[("xl/workbook.bin", "\0\0")], CompressionMethod::Deflated);
    let message = refusal(&xlsb, "pool.xlsb");
    assert!(
        message.contains("(XLSB)") && message.contains("CSV"),
        "{message}"
    );
}

#[test]
fn a_zip_directory_announcing_too_many_entries_is_refused_before_it_is_read() {
    let mut bytes = xlsx_by_hand("A1", "", &[], CompressionMethod::Deflated);
    let end = bytes
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .expect("an end of directory");
    bytes[end + 8..end + 12].copy_from_slice(&[0xFF, 0xFE, 0xFF, 0xFE]);
    assert!(refusal(&bytes, "pool.xlsx").contains("XLSX"));
    // Many forged directory ends: refused too, not tried one by one.
    let mut bytes = b"PK\x03\x04".to_vec();
    for _ in 0..1_000 {
        bytes.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0\0\0\0\0\0\0\0\0\0\0");
    }
    assert!(quickly(|| refusal(&bytes, "pool.xlsx")).contains("XLSX"));
}

#[test]
fn a_sheet_with_one_endless_text_is_refused_not_held() {
    let long = "x".repeat(3 * 1024 * 1024);
    let rows = format!(r#"<row r="1"><c t="inlineStr"><is><t>{long}</t></is></c></row>"#);
    let bytes = xlsx_by_hand("A1", &rows, &[], CompressionMethod::Deflated);
    assert!(bytes.len() < 64 * 1024, "{} bytes", bytes.len());
    let message = quickly(|| refusal(&bytes, "pool.xlsx"));
    assert!(message.contains("слишком большая"), "{message}");
}

#[test]
fn a_long_cell_is_refused_as_a_value() {
    let long = "x".repeat(200_000);
    let rows = format!(
        r#"<row r="1"><c t="inlineStr"><is><t>u1</t></is></c><c t="inlineStr"><is><t>{long}</t></is></c></row>"#
    );
    let bytes = xlsx_by_hand("A1", &rows, &[], CompressionMethod::Deflated);
    let errors = rows_of(&bytes, "pool.xlsx");
    assert_eq!(errors.listed.len(), 1);
    assert!(
        errors.listed[0]
            .message
            .starts_with("Пароль: в ячейке слишком длинный текст")
    );
}

#[test]
fn a_file_over_50_megabytes_is_refused_before_it_is_parsed() {
    let mut bytes = b"login;password\n".repeat(3_500_000);
    bytes.truncate(usize::try_from(MAX_FILE_BYTES).unwrap() + 1);
    let message = quickly(|| refusal(&bytes, "pool.csv"));
    assert!(message.contains("Файл слишком большой: 51 МБ"), "{message}");
    assert!(message.contains("не больше 50 МБ"), "{message}");
}

#[test]
fn an_overlong_line_is_reported_without_being_split() {
    let mut text = String::from("login;password\nu1;p1\n");
    text.push_str(&"a;".repeat(4_000_000));
    text.push_str("\nu3;p3\n");
    let errors = quickly(|| rows_of(text.as_bytes(), "pool.csv"));
    assert_eq!(errors.listed.len(), 1, "{:?}", errors.listed.first());
    assert_eq!(errors.listed[0].line, 3);
    assert!(
        errors.listed[0]
            .message
            .starts_with("Строка слишком длинная: 8\u{A0}000\u{A0}000 символов"),
        "{}",
        errors.listed[0].message
    );
    // A first line that long does not stop the delimiter from being found.
    let text = format!("{}\nu1;p1\nu2;p2\n", "b".repeat(MAX_LINE_CHARS + 1));
    let errors = rows_of(text.as_bytes(), "pool.csv");
    assert_eq!(errors.listed.len(), 1);
    assert_eq!(errors.listed[0].line, 1);
}

#[test]
fn past_a_million_rows_the_file_is_refused() {
    let mut builder = Builder::new("UTF-8", Some(';'));
    builder.records = MAX_ROWS - 1;
    let row = |line| {
        Record::new(
            line,
            vec![Cell::Text(format!("u{line}")), Cell::Text("p".into())],
        )
    };
    assert!(builder.push(row(1)).is_ok());
    assert_eq!(builder.push(row(2)), Err(too_many_rows()));
    // Blank lines do not count.
    let mut builder = Builder::new("UTF-8", Some(';'));
    builder.records = MAX_ROWS;
    assert!(builder.push(Record::new(3, vec![Cell::blank()])).is_ok());
}

// ---------------------------------------------------------------------------------------
// Many errors
// ---------------------------------------------------------------------------------------

#[test]
fn after_a_thousand_errors_only_the_lines_are_counted() {
    let mut text = String::from("login;password\n");
    for _ in 0..5_321 {
        text.push_str(";pw\n");
    }
    text.push_str("ok;pw\n");
    let errors = quickly(|| rows_of(text.as_bytes(), "pool.csv"));
    assert_eq!(errors.listed.len(), MAX_ROW_ERRORS);
    assert_eq!(errors.listed.last().map(|e| e.line), Some(1_001));
    assert_eq!(errors.more_lines, 4_321);
    assert_eq!(errors.lines(), 5_321);
    assert_eq!(
        errors.more_text(MAX_ROW_ERRORS).as_deref(),
        Some("…и ещё 4\u{A0}321 строка с ошибками")
    );
    assert_eq!(
        errors.more_text(50).as_deref(),
        Some("…и ещё 5\u{A0}271 строка с ошибками")
    );
    assert_eq!(errors.more_text(5_000), errors.more_text(MAX_ROW_ERRORS));
    let message = PoolFileError::Rows(errors).to_string();
    assert!(
        message.contains("найдена 5\u{A0}321 строка с ошибками"),
        "{message}"
    );
}

#[test]
fn lines_after_counts_a_line_with_several_errors_once() {
    let error = |line| RowError {
        line,
        message: String::new(),
    };
    let errors = RowErrors {
        listed: vec![error(2), error(2), error(3), error(5), error(5)],
        more_lines: 0,
    };
    assert_eq!(errors.lines(), 3);
    assert_eq!(errors.lines_after(1), 2);
    assert_eq!(errors.lines_after(2), 2);
    assert_eq!(errors.lines_after(4), 0);
    assert_eq!(errors.more_text(5), None);
    assert_eq!(
        errors.more_text(2).as_deref(),
        Some("…и ещё 2 строки с ошибками")
    );
    let one = RowErrors {
        listed: vec![error(1)],
        more_lines: 21,
    };
    assert_eq!(
        one.more_text(1).as_deref(),
        Some("…и ещё 21 строка с ошибками")
    );
}

// ---------------------------------------------------------------------------------------
// Look-alikes, invisible and unprintable characters
// ---------------------------------------------------------------------------------------

#[test]
fn logins_a_reader_cannot_tell_apart_are_duplicates() {
    // Line 3: Cyrillic А, В, С; line 4: another case; line 5: ZWSP at the end (trimmed);
    // line 6: a full-width digit.
    let text =
        "login;password\nabc1;p1\nАВС1;p2\nABC1;p3\nabc1\u{200B};p4\nabc\u{FF11};p5\nabd1;p6\n";
    let errors = rows_of(text.as_bytes(), "pool.csv");
    let lines: Vec<usize> = errors.listed.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6], "{errors:#?}");
    let first = &errors.listed[0].message;
    assert!(
        first.starts_with("Логин «АВС1» совпадает с логином «abc1» из строки 2:"),
        "{first}"
    );
    assert!(
        errors.listed[1]
            .message
            .contains("«ABC1» совпадает с логином «abc1» из строки 2")
    );
    // Trimmed and normalised, these are the very same login.
    assert!(
        errors.listed[2]
            .message
            .contains("«abc1» уже встречается в строке 2")
    );
    assert!(
        errors.listed[3]
            .message
            .contains("«abc1» уже встречается в строке 2")
    );
}

#[test]
fn invisible_characters_inside_a_value_are_refused_and_never_echoed() {
    let text = "login;password\nli\u{200B}b1;p1\nlib\u{202E}2;p2\nlib3;p\u{FEFF}3\nlib4;pw\u{7F}\n";
    let errors = rows_of(text.as_bytes(), "pool.csv");
    let lines: Vec<usize> = errors.listed.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5], "{errors:#?}");
    assert!(
        errors.listed[0]
            .message
            .contains("невидимый символ (U+200B)")
    );
    assert!(
        errors.listed[1]
            .message
            .contains("невидимый символ (U+202E)")
    );
    assert!(
        errors.listed[2]
            .message
            .starts_with("Пароль содержит невидимый символ (U+FEFF)")
    );
    assert!(
        errors.listed[3]
            .message
            .contains("непечатаемый символ (U+007F)")
    );
    for error in &errors.listed {
        assert!(
            !error
                .message
                .chars()
                .any(|c| c == '\u{202E}' || c == '\u{200B}'),
            "{:?}",
            error.message
        );
    }
}

#[test]
fn invisible_characters_around_a_value_are_trimmed() {
    let pool = accepted(
        "login;password\n\u{200B}lib1\u{FEFF};\u{2060}pw1\u{A0}\n".as_bytes(),
        "pool.csv",
    );
    assert_eq!(logins(&pool), vec![(2, "lib1", "pw1")]);
}

#[test]
fn characters_the_slip_cannot_show_plainly_are_refused_at_import() {
    let text = "login;password\nlib1;café\nlib2;p\u{2019}q\nlib\u{00B3};pw\nlib4;ﬁle\n";
    let errors = rows_of(text.as_bytes(), "pool.csv");
    let lines: Vec<usize> = errors.listed.iter().map(|e| e.line).collect();
    // «³» and «ﬁ» are normalised (NFKC) to «3» and «fi»: accepted.
    assert_eq!(lines, vec![2, 3], "{errors:#?}");
    assert!(
        errors.listed[0]
            .message
            .starts_with("Пароль содержит символ «é» (U+00E9), который памятка не напечатает"),
        "{}",
        errors.listed[0].message
    );
    assert!(errors.listed[1].message.contains("«\u{2019}» (U+2019)"));
}

#[test]
fn every_character_the_import_accepts_prints_on_the_slip() {
    // The slip's own rule (control, space, a glyph in its monospaced face) must never
    // refuse what the import let through.
    let accepted: Vec<char> = (0u32..0x500)
        .filter_map(char::from_u32)
        .filter(|&c| is_credential_char(c))
        .collect();
    assert_eq!(accepted.len(), 94 + 96);
    for chunk in accepted.chunks(24) {
        let value: String = chunk.iter().collect();
        let data = crate::slip::SlipData {
            library_name: "Библиотека".into(),
            reader_name: "Читатель".into(),
            card_number: "1".into(),
            login: value.clone(),
            password: value.clone(),
            site_url: "https://biblio.litres.ru".into(),
            apps_text: String::new(),
            library_page_url: String::new(),
            instructions: Vec::new(),
            footer: String::new(),
            issued_at: "01.01.2026 10:00".into(),
            staff_name: String::new(),
        };
        if let Err(error) = crate::slip::render(&data, crate::slip::Layout::A5) {
            panic!("{value:?}: {error}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Encodings on evidence
// ---------------------------------------------------------------------------------------

#[test]
fn utf8_with_one_stray_windows_1251_byte_is_refused_naming_the_line() {
    // The old reader decoded the whole file as Windows-1251: the header became a login.
    let mut bytes = "Логин;Пароль\nчитатель1;пароль1\nчитатель2;пароль2\n"
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(b"reader3;pass\xE93\n");
    bytes.extend_from_slice("читатель4;пароль4\n".as_bytes());
    let message = refusal(&bytes, "pool.csv");
    assert!(
        message.starts_with("Файл записан в кодировке UTF-8, но в строке 4 есть испорченный"),
        "{message}"
    );
}

#[test]
fn bytes_that_are_neither_utf8_nor_russian_windows_1251_are_refused() {
    // 0x98 is no character at all in Windows-1251; 0x8F is a Serbian letter, not Russian.
    let message = refusal(b"login;password\nu1;p1\nu2;p\x982\n", "pool.csv");
    assert!(
        message.contains("в строке 3") && message.contains("0x98"),
        "{message}"
    );
    let message = refusal(b"login;password\r\nu1;p\x8F1\r\n", "pool.csv");
    assert!(message.contains("в строке 2"), "{message}");
    // A UTF-8 file marked by its BOM names the line too.
    let message = refusal(b"\xEF\xBB\xBFlogin;password\nu1;p\xFF\n", "pool.csv");
    assert!(message.contains("в строке 2"), "{message}");
}

#[test]
fn windows_1251_text_with_rare_pairs_is_still_windows_1251() {
    // «Рё» (D0 B8) happens to be a valid UTF-8 pair; the rest says Windows-1251.
    let text = "Логин;Пароль;Номер карты\r\nРёбра;Пароль-1;№ «7»\r\nчитатель;ёлка;\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    let pool = accepted(&bytes, "pool.csv");
    assert_eq!(pool.encoding, "Windows-1251");
    assert!(pool.had_header);
    assert_eq!(
        logins(&pool),
        vec![(2, "Рёбра", "Пароль-1"), (3, "читатель", "ёлка")]
    );
    assert_eq!(pool.rows[0].provider_card.as_deref(), Some("№ «7»"));
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

/// Small valid workbooks, stored uncompressed so that changed bytes reach the XML.
static SEEDS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>12.5</v></c><c r="C2" t="inlineStr"><is><t>c&amp;1</t></is></c></row>"#;
    let ods_rows = format!(
        r#"<table:table-row>{}{}<table:table-cell table:number-columns-repeated="3"/></table:table-row><table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row><table:table-row>{}<table:table-cell office:value-type="float" office:value="7"><text:p>7</text:p></table:table-cell></table:table-row>"#,
        text_cell("lib7<text:s text:c=\"2\"/>"),
        text_cell("p"),
        text_cell("lib9")
    );
    vec![
        xlsx_by_hand(
            "A1:C2",
            rows,
            &["login", "password", "lib1"],
            CompressionMethod::Stored,
        ),
        ods_by_hand(&ods_rows, CompressionMethod::Stored),
        xlsx_by_hand(
            "A1:C2",
            rows,
            &["login", "password", "lib1"],
            CompressionMethod::Deflated,
        ),
    ]
});

#[test]
fn the_workbooks_the_properties_change_are_valid() {
    let expected = [
        vec![(2, "lib1", "12.5")],
        vec![(1, "lib7", "p"), (4, "lib9", "7")],
        vec![(2, "lib1", "12.5")],
    ];
    for (seed, logins_of_seed) in SEEDS.iter().zip(expected) {
        assert_eq!(logins(&accepted(seed, "pool.xlsx")), logins_of_seed);
    }
}

/// `cases` per property; `KAFEDRA_PROPTEST_CASES` asks for more in a longer run.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("KAFEDRA_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn login() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9][a-zA-Z0-9._-]{0,15}",
        "[а-яё][а-яА-ЯёЁ0-9]{0,10}",
        "[0-9]{1,12}",
    ]
}

fn password() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9!#$%&()*+,./:<=>?@_{}~-]{1,20}",
        "[а-яА-ЯёЁ0-9-]{1,12}"
    ]
}

fn pool_rows() -> impl Strategy<Value = Vec<(String, String, Option<String>)>> {
    proptest::collection::vec(
        (login(), password(), proptest::option::of("[0-9]{1,10}")),
        1..40,
    )
    .prop_map(|rows| {
        let mut seen = std::collections::HashSet::new();
        rows.into_iter()
            .filter(|(login, _, _)| classify_header(login).is_none())
            .filter(|(login, _, _)| seen.insert(login_key(login)))
            .collect::<Vec<_>>()
    })
    .prop_filter("at least one row", |rows| !rows.is_empty())
}

fn expected(rows: &[(String, String, Option<String>)]) -> Vec<PoolRow> {
    rows.iter()
        .enumerate()
        .map(|(i, (login, password, card))| PoolRow {
            line: i + 2,
            login: login.clone(),
            password: password.clone(),
            provider_card: card.clone(),
        })
        .collect()
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn any_bytes_give_a_pool_or_an_error(
        bytes in proptest::collection::vec(any::<u8>(), 0..1024),
        name in prop::sample::select(vec!["pool.csv", "pool.xlsx", "pool.ods", "download"]),
    ) {
        let _ = parse_pool(&bytes, name);
    }

    #[test]
    fn any_bytes_after_a_zip_header_give_a_pool_or_an_error(
        tail in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        let _ = parse_pool(&bytes, "pool.xlsx");
    }

    #[test]
    fn changed_workbooks_give_a_pool_or_an_error(
        seed in 0..3usize,
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = SEEDS[seed].clone();
        for (at, byte) in changes {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let _ = parse_pool(&bytes, "pool.xlsx");
    }

    #[test]
    fn any_text_gives_a_pool_or_an_error(text in "(\\PC|[;,\t\"\r\n\u{200B}\u{202E}])*") {
        let _ = parse_pool(text.as_bytes(), "pool.csv");
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn a_written_csv_reads_back(rows in pool_rows(), crlf in any::<bool>()) {
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("Логин;Пароль;Номер карты{end}");
        for (login, password, card) in &rows {
            text.push_str(&format!("{login};{password};{}{end}", card.as_deref().unwrap_or("")));
        }
        let pool = parse_pool(text.as_bytes(), "pool.csv");
        prop_assert_eq!(pool.map(|p| p.rows), Ok(expected(&rows)));
    }

    #[test]
    fn a_written_xlsx_reads_back(rows in pool_rows()) {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (column, name) in ["Логин", "Пароль", "Номер карты"].iter().enumerate() {
            sheet.write_string(0, column as u16, *name).expect("cell");
        }
        for (i, (login, password, card)) in rows.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_string(row, 0, login).expect("cell");
            sheet.write_string(row, 1, password).expect("cell");
            if let Some(card) = card {
                sheet.write_string(row, 2, card).expect("cell");
            }
        }
        let bytes = workbook.save_to_buffer().expect("xlsx");
        let pool = parse_pool(&bytes, "pool.xlsx");
        prop_assert_eq!(pool.map(|p| p.rows), Ok(expected(&rows)));
    }
}
