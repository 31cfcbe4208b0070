use super::*;
use encoding_rs::WINDOWS_1251;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn ok(bytes: &[u8], name: &str) -> ParsedPool {
    match parse_pool(bytes, name) {
        Ok(pool) => pool,
        Err(error) => panic!("expected success, got {error:?}"),
    }
}

fn row_errors(bytes: &[u8]) -> Vec<RowError> {
    match parse_pool(bytes, "pool.csv") {
        Err(PoolFileError::Rows(errors)) => errors.listed,
        other => panic!("expected row errors, got {other:?}"),
    }
}

fn unreadable_text(bytes: &[u8], name: &str) -> String {
    match parse_pool(bytes, name) {
        Err(PoolFileError::Unreadable(message)) => message,
        other => panic!("expected Unreadable, got {other:?}"),
    }
}

fn row(line: usize, login: &str, password: &str, card: Option<&str>) -> PoolRow {
    PoolRow {
        line,
        login: login.into(),
        password: password.into(),
        provider_card: card.map(Into::into),
    }
}

fn logins(pool: &ParsedPool) -> Vec<(usize, &str, &str)> {
    pool.rows
        .iter()
        .map(|r| (r.line, r.login.as_str(), r.password.as_str()))
        .collect()
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

fn xlsx(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut workbook = Workbook::new();
    fill(workbook.add_worksheet());
    workbook.save_to_buffer().expect("xlsx fixture")
}

#[test]
fn utf8_with_header_and_semicolons() {
    let pool = ok(
        "login;password\nlib0001;Xa7-pq\nlib0002;9Kd!e\n".as_bytes(),
        "pool.csv",
    );
    assert_eq!(
        pool,
        ParsedPool {
            rows: vec![
                row(2, "lib0001", "Xa7-pq", None),
                row(3, "lib0002", "9Kd!e", None),
            ],
            encoding: "UTF-8",
            delimiter: Some(';'),
            had_header: true,
        }
    );
}

#[test]
fn utf8_with_bom_and_cyrillic_header() {
    let pool = ok(
        "\u{FEFF}Логин;Пароль;Номер карты\nabc;пароль1;777\n".as_bytes(),
        "pool.csv",
    );
    assert_eq!(pool.encoding, "UTF-8 (BOM)");
    assert!(pool.had_header);
    assert_eq!(pool.rows, vec![row(2, "abc", "пароль1", Some("777"))]);
}

#[test]
fn windows_1251_with_cyrillic_header() {
    let text = "Логин;Пароль\r\nчитатель1;Ёжик-2024\r\nreader2;пароль\r\n";
    let (bytes, _, unmappable) = WINDOWS_1251.encode(text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "fixture must not be UTF-8"
    );
    let pool = ok(&bytes, "pool.csv");
    assert_eq!(pool.encoding, "Windows-1251");
    assert!(pool.had_header);
    assert_eq!(
        logins(&pool),
        vec![(2, "читатель1", "Ёжик-2024"), (3, "reader2", "пароль")]
    );
}

#[test]
fn tab_separated_without_header() {
    let pool = ok(b"u1\tp;1\tC-1\nu2\tp,2\n", "pool.txt");
    assert_eq!(pool.delimiter, Some('\t'));
    assert!(!pool.had_header);
    assert_eq!(
        pool.rows,
        vec![row(1, "u1", "p;1", Some("C-1")), row(2, "u2", "p,2", None)]
    );
}

#[test]
fn comma_separated_with_quotes() {
    let text = "Login,Password,Card\n\"u1\",\"pa,ss\",\"12\"\nu2, \"say\"\"hi\"\"\" ,\n";
    let pool = ok(text.as_bytes(), "pool.csv");
    assert_eq!(pool.delimiter, Some(','));
    assert_eq!(
        pool.rows,
        vec![
            row(2, "u1", "pa,ss", Some("12")),
            row(3, "u2", "say\"hi\"", None)
        ]
    );
}

#[test]
fn utf16le_with_bom_as_excel_unicode_text() {
    let bytes = utf16le_with_bom("Логин\tПароль\r\nчит1\tпар1\r\nчит2\tпар2\r\n");
    let pool = ok(&bytes, "pool.txt");
    assert_eq!(pool.encoding, "UTF-16LE");
    assert_eq!(pool.delimiter, Some('\t'));
    assert_eq!(
        logins(&pool),
        vec![(2, "чит1", "пар1"), (3, "чит2", "пар2")]
    );
}

#[test]
fn utf16be_with_bom() {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend("a;b\n".encode_utf16().flat_map(u16::to_be_bytes));
    let pool = ok(&bytes, "pool.txt");
    assert_eq!(pool.encoding, "UTF-16BE");
    assert_eq!(logins(&pool), vec![(1, "a", "b")]);
}

#[test]
fn no_header_with_optional_card_and_trimming() {
    let pool = ok(b" 100234 ; secret ; 55 \n100235;s2\n", "pool.csv");
    assert!(!pool.had_header);
    assert_eq!(
        pool.rows,
        vec![
            row(1, "100234", "secret", Some("55")),
            row(2, "100235", "s2", None)
        ]
    );
}

#[test]
fn header_with_reordered_columns_card_and_extra_columns() {
    let text = "№;Читательский билет;Пароль;Комментарий;Учётная запись\n\
                1;C-77;pw1;выдан;acc1\n\
                2;;pw2;;acc2\n";
    let pool = ok(text.as_bytes(), "pool.csv");
    assert!(pool.had_header);
    assert_eq!(
        pool.rows,
        vec![
            row(2, "acc1", "pw1", Some("C-77")),
            row(3, "acc2", "pw2", None)
        ]
    );
}

#[test]
fn header_names_are_case_insensitive() {
    for header in [
        "LOGIN;PWD;LIB_CARD",
        "User Name;Pass;ID",
        "учетная запись;пароль;карта",
    ] {
        let text = format!("{header}\nu;p;c\n");
        let pool = ok(text.as_bytes(), "pool.csv");
        assert!(pool.had_header, "{header}");
        assert_eq!(pool.rows, vec![row(2, "u", "p", Some("c"))], "{header}");
    }
}

#[test]
fn xlsx_with_numeric_login_and_empty_rows() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "Логин").expect("cell");
        sheet.write_string(0, 1, "Пароль").expect("cell");
        sheet.write_string(0, 2, "Карта").expect("cell");
        sheet.write_number(1, 0, 100_234).expect("cell");
        sheet.write_string(1, 1, " pw1 ").expect("cell");
        sheet.write_number(1, 2, 42.5).expect("cell");
        // row 3 (index 2) left empty
        sheet.write_string(3, 0, "abc").expect("cell");
        sheet.write_number(3, 1, 7).expect("cell");
    });
    // Detected by content, whatever the name says.
    let pool = ok(&bytes, "download");
    assert_eq!(
        pool,
        ParsedPool {
            rows: vec![
                row(2, "100234", "pw1", Some("42.5")),
                row(4, "abc", "7", None)
            ],
            encoding: "XLSX",
            delimiter: None,
            had_header: true,
        }
    );
}

#[test]
fn spreadsheet_numbers_come_out_as_typed() {
    let text = |number: f64| match sheet::number_cell(number) {
        Cell::Text(text) => text,
        Cell::Bad(reason) => panic!("{reason}"),
    };
    assert_eq!(text(100_234.0), "100234");
    assert_eq!(text(-7.0), "-7");
    assert_eq!(text(0.25), "0.25");
    assert_eq!(text(42.0), "42");
    assert_eq!(text(999_999_999_999_999.0), "999999999999999");
    assert!(matches!(
        sheet::number_cell(1_234_567_890_123_456.0),
        Cell::Bad(_)
    ));
    assert!(matches!(sheet::number_cell(f64::NAN), Cell::Bad(_)));
}

#[test]
fn xlsx_row_numbers_when_data_does_not_start_at_a1() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(4, 1, "u1").expect("cell");
        sheet.write_string(4, 2, "p1").expect("cell");
        sheet.write_string(6, 1, "u1").expect("cell");
        sheet.write_string(6, 2, "p2").expect("cell");
    });
    let Err(PoolFileError::Rows(RowErrors { listed: errors, .. })) =
        parse_pool(&bytes, "pool.xlsx")
    else {
        panic!("expected a duplicate");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 7);
    assert!(
        errors[0].message.contains("строке 5"),
        "{}",
        errors[0].message
    );
}

#[test]
fn xlsx_date_cell_is_reported() {
    let bytes = xlsx(|sheet| {
        let date = ExcelDateTime::from_ymd(2024, 1, 2).expect("date");
        let format = Format::new().set_num_format("dd.mm.yyyy");
        sheet.write_string(0, 0, "u1").expect("cell");
        sheet
            .write_datetime_with_format(0, 1, &date, &format)
            .expect("cell");
    });
    let Err(PoolFileError::Rows(RowErrors { listed: errors, .. })) =
        parse_pool(&bytes, "pool.xlsx")
    else {
        panic!("expected a row error");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 1);
    assert!(errors[0].message.starts_with("Пароль: Excel превратил"));
}

#[test]
fn xlsx_name_with_broken_content_is_unreadable() {
    let message = unreadable_text(b"login;password\nu;p\n", "pool.xlsx");
    assert!(message.contains("Excel"), "{message}");
    let message = unreadable_text(b"PK\x03\x04garbage", "pool.csv");
    assert!(message.contains("Excel"), "{message}");
}

#[test]
fn crlf_and_cr_line_endings_keep_line_numbers() {
    let pool = ok(b"login;password\r\n\r\nu1;p1\r\nu2;p2\ru3;p3", "pool.csv");
    assert_eq!(
        logins(&pool),
        vec![(3, "u1", "p1"), (4, "u2", "p2"), (5, "u3", "p3")]
    );
}

#[test]
fn blank_lines_and_delimiter_only_lines_are_skipped() {
    let pool = ok(b"\n\nu1;p1\n  \n;;\nu2;p2\n\n", "pool.csv");
    assert_eq!(logins(&pool), vec![(3, "u1", "p1"), (6, "u2", "p2")]);
}

#[test]
fn excel_sep_line_sets_the_delimiter() {
    let pool = ok(b"sep=,\nu1,p;1\nu2,p;2\n", "pool.csv");
    assert_eq!(pool.delimiter, Some(','));
    assert_eq!(logins(&pool), vec![(2, "u1", "p;1"), (3, "u2", "p;2")]);
}

#[test]
fn empty_login() {
    let errors = row_errors(b"u1;p1\n;p2\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    assert!(errors[0].message.contains("Не указан логин"));
}

#[test]
fn empty_password_names_the_login() {
    let errors = row_errors(b"login;password\nu1;p1\nu2;\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3);
    assert!(
        errors[0]
            .message
            .contains("Не указан пароль для логина «u2»")
    );
}

#[test]
fn login_or_password_with_whitespace() {
    // A space inside a password cannot be seen on the slip: refused at import, not when a
    // slip is printed after the login was bound.
    let errors = row_errors("u1;p1\nиван ов;p2\nu3;p 3\n".as_bytes());
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].line, 2);
    assert!(
        errors[0]
            .message
            .contains("Логин «иван ов» содержит пробел")
    );
    assert_eq!(errors[1].line, 3);
    assert!(errors[1].message.starts_with("Пароль содержит пробел"));
}

#[test]
fn too_long_values() {
    let long = "x".repeat(MAX_VALUE_CHARS + 1);
    let fits = "я".repeat(MAX_VALUE_CHARS);
    let text = format!("{fits};p\n{long};p\nu3;{long}\nu4;p;{long}\n");
    let errors = row_errors(text.as_bytes());
    let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3, 4]);
    assert!(
        errors[0]
            .message
            .starts_with("Логин слишком длинный: 129 символов")
    );
    assert!(errors[1].message.starts_with("Пароль слишком длинный"));
    assert!(errors[2].message.starts_with("Номер карты слишком длинный"));
}

#[test]
fn duplicate_login_reports_later_row_with_earlier_line() {
    let errors = row_errors(b"login;password\nabc;1\nxyz;2\nabc;3\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 4);
    assert!(
        errors[0]
            .message
            .contains("«abc» уже встречается в строке 2"),
        "{}",
        errors[0].message
    );
}

#[test]
fn wrong_number_of_fields() {
    let errors = row_errors(b"u1;p1\nlonely\nu3;p3;c3;extra\nu4;p4;c4;;\n");
    let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3], "{errors:?}");
    assert!(errors[0].message.contains("только одно значение"));
    assert!(
        errors[1].message.contains("4 столбца"),
        "{}",
        errors[1].message
    );
}

#[test]
fn more_fields_than_the_header() {
    let errors = row_errors(b"login;password\nu1;p1\nu2;p;2\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3);
    assert!(errors[0].message.contains("а в заголовке 2"));
    assert!(errors[0].message.contains("кавычки"));
}

#[test]
fn unterminated_quote_does_not_swallow_following_lines() {
    let errors = row_errors(b"u1;p1\nu2;\"p2\nu3;p3\n;p4\n");
    let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 4]);
    assert!(errors[0].message.contains("Кавычка"));
}

#[test]
fn all_errors_of_a_file_are_collected_in_line_order() {
    let text = "Логин;Пароль\n\
                ok1;p\n\
                ;p\n\
                ok2;\n\
                \n\
                bad login;p\n\
                ok1;p\n\
                \"broken;p\n\
                only\n\
                ok3;p;c;d\n\
                ok4;p\n";
    let errors = row_errors(text.as_bytes());
    let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4, 6, 7, 8, 9, 10], "{errors:#?}");
    assert!(errors.iter().all(|e| !e.message.contains("Строка")));
}

#[test]
fn repeated_header_is_an_error() {
    let errors = row_errors("Логин;Пароль\nu1;p1\nЛогин;Пароль\nu2;p2\n".as_bytes());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3);
}

#[test]
fn no_data_rows_is_unreadable() {
    assert!(unreadable_text(b"", "pool.csv").contains("пустой"));
    assert!(unreadable_text(b"\r\n \n", "pool.csv").contains("пустой"));
    assert!(unreadable_text(b"\xEF\xBB\xBF\n;;\n", "pool.csv").contains("нет ни одной строки"));
    assert!(unreadable_text(b"login;password\n\n", "pool.csv").contains("только строка заголовка"));
    let empty_sheet = xlsx(|_| {});
    assert!(unreadable_text(&empty_sheet, "pool.xlsx").contains("нет ни одной строки"));
}

#[test]
fn other_whole_file_problems() {
    let message = unreadable_text(b"u1\nu2\nu3\n", "pool.csv");
    assert!(message.contains("разделителя"), "{message}");
    let message = unreadable_text("Логин;Шифр\nu;p\n".as_bytes(), "pool.csv");
    assert!(message.contains("«Пароль»"), "{message}");
    let message = unreadable_text("Логин;Пароль;Login\nu;p;q\n".as_bytes(), "pool.csv");
    assert!(message.contains("два столбца «Логин»"), "{message}");
    let message = unreadable_text(b"\x00\x01\x02\x03\xFF\x00\x10", "pool.csv");
    assert!(message.contains("не текстовый"), "{message}");
    let one_column = xlsx(|sheet| {
        sheet.write_string(0, 0, "u1").expect("cell");
    });
    assert!(unreadable_text(&one_column, "pool.xlsx").contains("один столбец"));
}

#[test]
fn summary_wording() {
    let errors = |lines: usize, more_lines: usize| {
        PoolFileError::Rows(RowErrors {
            listed: (1..=lines)
                .map(|line| RowError {
                    line,
                    message: String::new(),
                })
                .collect(),
            more_lines,
        })
        .to_string()
    };
    assert!(errors(1, 0).contains("найдена 1 строка с ошибками. Исправьте её"));
    assert!(errors(3, 0).contains("найдено 3 строки с ошибками. Исправьте их"));
    assert!(errors(5, 0).contains("найдено 5 строк с ошибками"));
    assert!(errors(12, 0).contains("найдено 12 строк"));
    assert!(errors(21, 0).contains("найдена 21 строка"));
    assert!(errors(1_000, 4_321).contains("найдена 5\u{A0}321 строка"));
    let error = RowError {
        line: 7,
        message: "Не указан логин.".into(),
    };
    assert_eq!(error.to_string(), "Строка 7: Не указан логин.");
}

#[test]
fn hundred_thousand_rows() {
    let mut text = String::from("login;password;card\n");
    for i in 0..100_000 {
        text.push_str(&format!("reader{i:06};pw{i};{i}\r\n"));
    }
    let pool = ok(text.as_bytes(), "pool.csv");
    assert_eq!(pool.rows.len(), 100_000);
    assert_eq!(
        pool.rows[99_999],
        row(100_001, "reader099999", "pw99999", Some("99999"))
    );
}
