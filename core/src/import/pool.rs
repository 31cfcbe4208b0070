//! Parser for the login pool file a library gets from its e-book provider (LitRes).
//!
//! The file is a list of ready-made provider accounts: login, password and, optionally, the
//! provider's own card id. It arrives as CSV/TSV text (UTF-8 with or without BOM, UTF-16 from
//! Excel's "Unicode text" export, or Windows-1251) or as a spreadsheet (XLSX, and whatever
//! else calamine can open: XLS, XLSB, ODS).
//!
//! Import is all-or-nothing: [`parse_pool`] either returns every row of the file or every
//! problem found in it ([`PoolFileError::Rows`]), so the librarian can fix the file in one go.
//! Messages are in Russian and say what to fix; the line number travels separately in
//! [`RowError::line`] and is the number the librarian sees in a text editor or in Excel.
//!
//! Pure code: takes bytes, touches no database, file system or network. Checking logins
//! against those already in the database is the caller's job.

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;

use calamine::{Data, Reader, Sheets, open_workbook_auto_from_rs};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1251};

/// Longest accepted login, password or card id, in characters.
pub const MAX_VALUE_CHARS: usize = 128;

/// How many non-blank lines are looked at to guess the column delimiter.
const SNIFF_LINES: usize = 20;

/// Delimiters tried when the file does not say which one it uses, in order of preference
/// (a tie goes to the earlier one; `;` is what Russian Excel writes).
const DELIMITERS: [char; 3] = [';', '\t', ','];

/// One account from the pool file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRow {
    /// 1-based line (or spreadsheet row) number in the file.
    pub line: usize,
    pub login: String,
    pub password: String,
    /// The provider's card id, if the file has that column and the cell is not empty.
    pub provider_card: Option<String>,
}

/// A problem with one line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line (or spreadsheet row) number in the file.
    pub line: usize,
    /// A full Russian sentence without the line number: what is wrong and what to fix.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Строка {}: {}", self.line, self.message)
    }
}

/// Why the pool file was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolFileError {
    /// The file as a whole cannot be used (empty, not a table, broken spreadsheet...).
    /// The text is a Russian sentence for the librarian.
    #[error("{0}")]
    Unreadable(String),
    /// Every bad line of the file, sorted by line number (a line may appear more than once
    /// if it has several problems).
    #[error("{}", rows_summary(.0.len()))]
    Rows(Vec<RowError>),
}

/// The accepted content of a pool file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPool {
    /// Data rows in file order; never empty.
    pub rows: Vec<PoolRow>,
    /// How the file was read: "UTF-8", "UTF-8 (BOM)", "UTF-16LE", "UTF-16BE",
    /// "Windows-1251" for text; "XLSX" (or "XLS", "XLSB", "ODS") for spreadsheets.
    pub encoding: &'static str,
    /// Column delimiter of a text file; `None` for spreadsheets.
    pub delimiter: Option<char>,
    /// Whether the first non-blank line was a header with column names.
    pub had_header: bool,
}

/// Parses a login pool file.
///
/// `file_name` is only used as a hint (a `.xlsx`-like name means a spreadsheet even if the
/// content does not look like one).
pub fn parse_pool(bytes: &[u8], file_name: &str) -> Result<ParsedPool, PoolFileError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(unreadable(
            "Файл пустой. Выберите файл со списком логинов и паролей от ЛитРес.",
        ));
    }
    if is_spreadsheet(bytes, file_name) {
        let (encoding, records) = read_spreadsheet(bytes)?;
        build(records, encoding, None)
    } else {
        let (text, encoding) = decode(bytes)?;
        let (delimiter, records) = read_text(&text)?;
        build(records, encoding, Some(delimiter))
    }
}

fn unreadable(message: &str) -> PoolFileError {
    PoolFileError::Unreadable(message.to_owned())
}

/// "Файл не загружен: найдено 3 ошибки. …" with correct Russian agreement.
fn rows_summary(count: usize) -> String {
    let (verb, noun, pronoun) = match plural_form(count) {
        Plural::One => ("найдена", "ошибка", "её"),
        Plural::Few => ("найдено", "ошибки", "их"),
        Plural::Many => ("найдено", "ошибок", "их"),
    };
    format!(
        "Файл не загружен: {verb} {count} {noun}. \
         Исправьте {pronoun} в файле и загрузите файл снова."
    )
}

enum Plural {
    One,
    Few,
    Many,
}

fn plural_form(n: usize) -> Plural {
    match (n % 10, n % 100) {
        (_, 11..=14) => Plural::Many,
        (1, _) => Plural::One,
        (2..=4, _) => Plural::Few,
        _ => Plural::Many,
    }
}

fn plural<'a>(n: usize, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match plural_form(n) {
        Plural::One => one,
        Plural::Few => few,
        Plural::Many => many,
    }
}

// ---------------------------------------------------------------------------------------
// Records: what both readers (text and spreadsheet) produce
// ---------------------------------------------------------------------------------------

/// One cell, already trimmed.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    /// A spreadsheet cell that cannot be used as a value (a date, an Excel error...);
    /// the text says why and what to do, as a full sentence.
    Bad(String),
}

impl Cell {
    fn is_blank(&self) -> bool {
        matches!(self, Cell::Text(text) if text.is_empty())
    }

    fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(text) => Some(text),
            Cell::Bad(_) => None,
        }
    }
}

/// One non-blank line of the file.
struct Record {
    line: usize,
    /// The cells, or why the line could not be split into cells.
    cells: Result<Vec<Cell>, String>,
}

impl Record {
    fn is_blank(&self) -> bool {
        matches!(&self.cells, Ok(cells) if cells.iter().all(Cell::is_blank))
    }
}

// ---------------------------------------------------------------------------------------
// Text files
// ---------------------------------------------------------------------------------------

/// Decodes the bytes of a text file, returning the text (without BOM) and the encoding label.
fn decode(bytes: &[u8]) -> Result<(String, &'static str), PoolFileError> {
    let decoded = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        match std::str::from_utf8(rest) {
            Ok(text) => (text.to_owned(), "UTF-8 (BOM)"),
            Err(_) => {
                return Err(unreadable(
                    "Файл помечен как UTF-8, но содержит испорченные символы. \
                     Откройте его в Excel или Блокноте и сохраните заново в кодировке UTF-8.",
                ));
            }
        }
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        (decode_utf16(UTF_16LE, rest)?, "UTF-16LE")
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        (decode_utf16(UTF_16BE, rest)?, "UTF-16BE")
    } else if let Some(big_endian) = sniff_utf16_without_bom(bytes) {
        if big_endian {
            (decode_utf16(UTF_16BE, bytes)?, "UTF-16BE")
        } else {
            (decode_utf16(UTF_16LE, bytes)?, "UTF-16LE")
        }
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (text.to_owned(), "UTF-8")
    } else {
        let (text, _) = WINDOWS_1251.decode_without_bom_handling(bytes);
        (text.into_owned(), "Windows-1251")
    };
    if decoded.0.contains('\0') {
        return Err(unreadable(
            "Это не текстовый файл и не таблица Excel. \
             Выберите файл CSV или XLSX со списком логинов и паролей.",
        ));
    }
    Ok(decoded)
}

fn decode_utf16(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, PoolFileError> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or_else(|| {
            unreadable(
                "Файл в кодировке Unicode (UTF-16) повреждён. \
                 Сохраните его заново из Excel или выберите вариант CSV в UTF-8.",
            )
        })
}

/// Recognises BOM-less UTF-16 by its zero bytes (text here is mostly ASCII or Cyrillic,
/// so one byte of each pair is zero or 0x04). Returns `Some(true)` for big-endian.
fn sniff_utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(1024)];
    if sample.len() < 4 || !sample.len().is_multiple_of(2) {
        return None;
    }
    let pairs = sample.len() / 2;
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    if odd * 3 >= pairs && even == 0 {
        Some(false)
    } else if even * 3 >= pairs && odd == 0 {
        Some(true)
    } else {
        None
    }
}

/// Splits text into physical lines on CRLF, LF or lone CR.
fn split_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// Splits one line into trimmed fields, RFC 4180 style: a field may be wrapped in double
/// quotes (then it may contain the delimiter, and `""` stands for one quote); spaces before
/// an opening quote are allowed. A quoted value cannot continue on the next line: logins and
/// passwords have no line breaks, so an open quote at the end of a line is reported instead
/// of silently swallowing the following lines.
fn split_fields(line: &str, delimiter: char) -> Result<Vec<String>, String> {
    #[derive(PartialEq)]
    enum State {
        /// Only whitespace so far in this field.
        Start,
        Unquoted,
        Quoted,
        /// After the closing quote; anything but the delimiter is kept as is.
        AfterQuote,
    }

    let mut fields = Vec::new();
    let mut field = String::new();
    let mut state = State::Start;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        state = match state {
            State::Start | State::Unquoted | State::AfterQuote if c == delimiter => {
                fields.push(field.trim().to_owned());
                field.clear();
                State::Start
            }
            State::Start if c == '"' => {
                field.clear();
                State::Quoted
            }
            State::Start if c.is_whitespace() => {
                field.push(c);
                State::Start
            }
            State::Start | State::Unquoted => {
                field.push(c);
                State::Unquoted
            }
            State::Quoted if c == '"' => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                    State::Quoted
                } else {
                    State::AfterQuote
                }
            }
            State::Quoted => {
                field.push(c);
                State::Quoted
            }
            State::AfterQuote => {
                field.push(c);
                State::AfterQuote
            }
        };
    }
    if state == State::Quoted {
        return Err("Кавычка открыта, но не закрыта до конца строки. \
                    Допишите закрывающую кавычку \" или уберите открывающую."
            .to_owned());
    }
    fields.push(field.trim().to_owned());
    Ok(fields)
}

/// Reads a decoded text file into records, detecting the delimiter.
fn read_text(text: &str) -> Result<(char, Vec<Record>), PoolFileError> {
    let mut lines: Vec<(usize, &str)> = split_lines(text)
        .into_iter()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return Err(no_rows());
    }

    // Excel understands a first line `sep=;` naming the delimiter; honour it too.
    let declared = declared_delimiter(lines[0].1);
    if declared.is_some() {
        lines.remove(0);
    }
    let delimiter = match declared {
        Some(delimiter) => delimiter,
        None => sniff_delimiter(&lines)?,
    };

    let records = lines
        .into_iter()
        .map(|(line, content)| Record {
            line,
            cells: split_fields(content, delimiter)
                .map(|fields| fields.into_iter().map(Cell::Text).collect()),
        })
        .collect();
    Ok((delimiter, records))
}

fn declared_delimiter(line: &str) -> Option<char> {
    let line = line.trim();
    let prefix = line.get(..4)?;
    if !prefix.eq_ignore_ascii_case("sep=") {
        return None;
    }
    let mut rest = line[4..].chars();
    match (rest.next(), rest.next()) {
        (Some(c), None) if c != '"' => Some(c),
        _ => None,
    }
}

/// Picks the delimiter: the one that splits the first line into a recognisable header, or
/// else the one present in the most sampled lines, with the most consistent column count.
fn sniff_delimiter(lines: &[(usize, &str)]) -> Result<char, PoolFileError> {
    let sample: Vec<&str> = lines.iter().take(SNIFF_LINES).map(|(_, l)| *l).collect();

    for delimiter in DELIMITERS {
        if let Some(first) = sample.first()
            && let Ok(fields) = split_fields(first, delimiter)
        {
            let kinds: Vec<_> = fields.iter().map(|f| classify_header(f)).collect();
            if kinds.contains(&Some(Column::Login)) && kinds.contains(&Some(Column::Password)) {
                return Ok(delimiter);
            }
        }
    }

    let mut best: Option<(char, (usize, usize))> = None;
    for delimiter in DELIMITERS {
        let counts: Vec<usize> = sample
            .iter()
            .filter_map(|line| split_fields(line, delimiter).ok())
            .map(|fields| fields.len() - 1)
            .filter(|count| *count > 0)
            .collect();
        let mut frequency: HashMap<usize, usize> = HashMap::new();
        for count in &counts {
            *frequency.entry(*count).or_default() += 1;
        }
        let most_common = frequency.values().copied().max().unwrap_or(0);
        let score = (counts.len(), most_common);
        if score.0 > 0 && best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((delimiter, score));
        }
    }
    best.map(|(delimiter, _)| delimiter).ok_or_else(|| {
        unreadable(
            "Не удалось разобрать таблицу: в строках нет разделителя столбцов. \
             Логин и пароль должны стоять в отдельных столбцах, разделённых \
             точкой с запятой, запятой или табуляцией.",
        )
    })
}

// ---------------------------------------------------------------------------------------
// Spreadsheets
// ---------------------------------------------------------------------------------------

fn is_spreadsheet(bytes: &[u8], file_name: &str) -> bool {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    // Only ZIP-based formats are trusted by name: a real one always has the ZIP magic, so a
    // mismatch means a broken file. A ".xls" without the OLE magic is usually text (many
    // systems export TSV or CSV under that name), so it goes to the text reader.
    let name = file_name.to_lowercase();
    bytes.starts_with(ZIP)
        || bytes.starts_with(OLE)
        || [".xlsx", ".xlsm", ".xlsb", ".ods"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Reads the first worksheet into records; row numbers are the spreadsheet's own.
fn read_spreadsheet(bytes: &[u8]) -> Result<(&'static str, Vec<Record>), PoolFileError> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| {
        unreadable(
            "Не удалось открыть файл как таблицу Excel: он повреждён или это не XLSX. \
             Откройте его в Excel и сохраните заново как «Книга Excel (*.xlsx)» или как CSV.",
        )
    })?;
    let kind = match &workbook {
        Sheets::Xlsx(_) => "XLSX",
        Sheets::Xls(_) => "XLS",
        Sheets::Xlsb(_) => "XLSB",
        Sheets::Ods(_) => "ODS",
    };
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(_)) => {
            return Err(unreadable(
                "Не удалось прочитать первый лист книги: файл повреждён. \
                 Откройте его в Excel и сохраните заново.",
            ));
        }
        None => {
            return Err(unreadable(
                "В книге нет ни одного листа. Логины и пароли должны быть на первом листе.",
            ));
        }
    };
    let Some((first_row, _)) = range.start() else {
        return Err(no_rows());
    };
    if range.width() < 2 {
        return Err(unreadable(
            "На первом листе заполнен только один столбец, а нужны два: \
             логин в одном столбце, пароль в соседнем.",
        ));
    }
    let first_row = usize::try_from(first_row).unwrap_or(usize::MAX - 1);
    let records = range
        .rows()
        .enumerate()
        .map(|(i, row)| Record {
            line: first_row.saturating_add(i).saturating_add(1),
            cells: Ok(row.iter().map(spreadsheet_cell).collect()),
        })
        .collect();
    Ok((kind, records))
}

/// Largest integer Excel stores exactly (15 significant digits).
const EXACT_DIGITS_LIMIT: f64 = 1e15;

fn spreadsheet_cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Text(String::new()),
        Data::String(text) => Cell::Text(text.trim().to_owned()),
        Data::Int(number) => Cell::Text(number.to_string()),
        Data::Float(number) if number.abs() >= EXACT_DIGITS_LIMIT => Cell::Bad(
            "в ячейке число из 16 и более цифр, а Excel хранит точно только 15 цифр — \
             последние цифры могли исказиться. Отформатируйте столбец как текстовый \
             и впишите значение заново."
                .to_owned(),
        ),
        // `Display` prints integral floats without ".0": 100234.0 → "100234".
        Data::Float(number) => Cell::Text(number.to_string()),
        Data::Bool(value) => Cell::Text(if *value { "ИСТИНА" } else { "ЛОЖЬ" }.to_owned()),
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => Cell::Bad(
            "Excel превратил значение в дату или время. Отформатируйте столбец \
             как текстовый и впишите значение заново."
                .to_owned(),
        ),
        Data::Error(error) => Cell::Bad(format!(
            "в ячейке ошибка Excel {error}. Впишите в ячейку само значение, а не формулу."
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Header, layout and validation
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Login,
    Password,
    Card,
}

impl Column {
    fn label(self) -> &'static str {
        match self {
            Column::Login => "Логин",
            Column::Password => "Пароль",
            Column::Card => "Номер карты",
        }
    }
}

/// Recognises a column name: case-insensitive, `ё` = `е`, spaces and punctuation ignored.
fn classify_header(cell: &str) -> Option<Column> {
    Some(header_match(cell)?.0)
}

/// Like [`classify_header`], also telling whether the match is specific (a card column named
/// "билет" beats one merely named "id").
fn header_match(cell: &str) -> Option<(Column, bool)> {
    let name: String = cell
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .filter(|c| c.is_alphanumeric() || *c == '№')
        .collect();
    let is = |names: &[&str]| names.contains(&name.as_str());
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| name.starts_with(p));
    if is(&["password", "pwd", "pass", "passwd", "pswd"]) || starts(&["парол"]) {
        Some((Column::Password, true))
    } else if is(&["login", "user", "username", "userlogin", "учетка"])
        || starts(&["логин", "учетнаязапись", "пользовател", "имяпользовател"])
    {
        Some((Column::Login, true))
    } else if is(&[
        "card",
        "libcard",
        "librarycard",
        "cardid",
        "cardno",
        "cardnumber",
    ]) || name.contains("билет")
        || name.contains("карт")
    {
        Some((Column::Card, true))
    } else if is(&["id", "номер", "№", "no", "number", "readerid"]) {
        Some((Column::Card, false))
    } else {
        None
    }
}

/// Where the values are in each row.
struct Layout {
    login: usize,
    password: usize,
    card: Option<usize>,
    /// How many columns a row may have (trailing empty cells beyond it are tolerated).
    width: usize,
    header: bool,
}

impl Layout {
    const WITHOUT_HEADER: Layout = Layout {
        login: 0,
        password: 1,
        card: Some(2),
        width: 3,
        header: false,
    };
}

/// Decides whether the first record is a header. `Ok(None)` means it is data.
fn header_layout(first: &Record) -> Result<Option<Layout>, PoolFileError> {
    let Ok(cells) = &first.cells else {
        return Ok(None);
    };
    let mut login = None;
    let mut password = None;
    let mut card: Option<(usize, bool)> = None;
    for (index, cell) in cells.iter().enumerate() {
        let Some((column, specific)) = cell.text().and_then(header_match) else {
            continue;
        };
        let twice = |previous: usize| {
            unreadable(&format!(
                "В заголовке два столбца «{}»: {}-й и {}-й. Оставьте один из них.",
                column.label(),
                previous + 1,
                index + 1
            ))
        };
        match column {
            Column::Login => match login {
                Some(previous) => return Err(twice(previous)),
                None => login = Some(index),
            },
            Column::Password => match password {
                Some(previous) => return Err(twice(previous)),
                None => password = Some(index),
            },
            Column::Card => match card {
                Some((_, true)) => {}
                Some((_, false)) if !specific => {}
                _ => card = Some((index, specific)),
            },
        }
    }
    match (login, password) {
        (Some(login), Some(password)) => Ok(Some(Layout {
            login,
            password,
            card: card.map(|(index, _)| index),
            width: cells.len(),
            header: true,
        })),
        // Nothing, or only a vague "id"/"номер" that may well be a value: data.
        (None, None) if card.is_none_or(|(_, specific)| !specific) => Ok(None),
        (found_login, _) => {
            let missing = if found_login.is_none() {
                "Логин"
            } else {
                "Пароль"
            };
            Err(unreadable(&format!(
                "Первая строка похожа на заголовок, но в ней нет столбца «{missing}». \
                 Назовите столбцы «Логин» и «Пароль» (и, если есть, «Номер карты») \
                 или удалите строку заголовка."
            )))
        }
    }
}

fn no_rows() -> PoolFileError {
    unreadable("В файле нет ни одной строки с логином и паролем.")
}

/// Builds the result from records: header detection, then validation of every row.
fn build(
    records: Vec<Record>,
    encoding: &'static str,
    delimiter: Option<char>,
) -> Result<ParsedPool, PoolFileError> {
    let mut records = records.into_iter().filter(|record| !record.is_blank());
    let Some(first) = records.next() else {
        return Err(no_rows());
    };
    let layout = header_layout(&first)?;
    let had_header = layout.is_some();
    let layout = layout.unwrap_or(Layout::WITHOUT_HEADER);
    let data = (!had_header).then_some(first).into_iter().chain(records);

    let mut checker = Checker {
        layout: &layout,
        delimiter,
        seen: HashMap::new(),
        rows: Vec::new(),
        errors: Vec::new(),
    };
    for record in data {
        checker.check(record);
    }
    let Checker {
        rows, mut errors, ..
    } = checker;

    if !errors.is_empty() {
        errors.sort_by_key(|error| error.line);
        return Err(PoolFileError::Rows(errors));
    }
    if rows.is_empty() {
        return Err(if had_header {
            unreadable(
                "В файле есть только строка заголовка и нет ни одной строки \
                 с логином и паролем.",
            )
        } else {
            no_rows()
        });
    }
    Ok(ParsedPool {
        rows,
        encoding,
        delimiter,
        had_header,
    })
}

struct Checker<'a> {
    layout: &'a Layout,
    delimiter: Option<char>,
    /// Login → line where it first appeared.
    seen: HashMap<String, usize>,
    rows: Vec<PoolRow>,
    errors: Vec<RowError>,
}

impl Checker<'_> {
    fn error(&mut self, line: usize, message: String) {
        self.errors.push(RowError { line, message });
    }

    fn check(&mut self, record: Record) {
        let line = record.line;
        let cells = match record.cells {
            Ok(cells) => cells,
            Err(message) => return self.error(line, message),
        };
        if let Some(message) = self.column_count_problem(&cells) {
            return self.error(line, message);
        }
        let layout = self.layout;
        let errors_before = self.errors.len();

        let login = self.value(line, &cells, Column::Login, layout.login);
        let password = self.value(line, &cells, Column::Password, layout.password);
        let card = match layout.card {
            Some(index) => self.value(line, &cells, Column::Card, index),
            None => Some(String::new()),
        };

        if let (Some(login), Some(password)) = (&login, &password)
            && classify_header(login) == Some(Column::Login)
            && classify_header(password) == Some(Column::Password)
        {
            self.errors.truncate(errors_before);
            return self.error(
                line,
                "Строка повторяет заголовок («Логин», «Пароль»). Удалите её.".to_owned(),
            );
        }

        if let Some(login) = &login {
            if login.is_empty() {
                self.error(
                    line,
                    "Не указан логин. Впишите логин или удалите строку.".into(),
                );
            } else if login.chars().any(char::is_whitespace) {
                self.error(
                    line,
                    format!(
                        "Логин «{}» содержит пробел. Логин пишется без пробелов — уберите их.",
                        shorten(login)
                    ),
                );
            }
            if !login.is_empty() {
                if let Some(first) = self.seen.get(login) {
                    let message = format!(
                        "Логин «{}» уже встречается в строке {first}. \
                         Удалите повторную строку или исправьте логин.",
                        shorten(login)
                    );
                    self.error(line, message);
                } else {
                    self.seen.insert(login.clone(), line);
                }
            }
        }
        if let Some(password) = &password
            && password.is_empty()
        {
            let message = match &login {
                Some(login) if !login.is_empty() => format!(
                    "Не указан пароль для логина «{}». Впишите пароль или удалите строку.",
                    shorten(login)
                ),
                _ => "Не указан пароль. Впишите пароль или удалите строку.".to_owned(),
            };
            self.error(line, message);
        }

        if self.errors.len() == errors_before
            && let (Some(login), Some(password), Some(card)) = (login, password, card)
        {
            self.rows.push(PoolRow {
                line,
                login,
                password,
                provider_card: (!card.is_empty()).then_some(card),
            });
        }
    }

    /// Too few columns to reach login and password, or non-empty cells beyond the allowed
    /// width (usually a delimiter inside an unquoted value).
    fn column_count_problem(&self, cells: &[Cell]) -> Option<String> {
        let layout = self.layout;
        let needed = layout.login.max(layout.password) + 1;
        let used = cells
            .iter()
            .rposition(|c| !c.is_blank())
            .map_or(0, |i| i + 1);
        let separated = match self.delimiter {
            Some(delimiter) => format!(", разделённые {}", delimiter_name(delimiter)),
            None => String::new(),
        };
        if cells.len() < needed {
            let count = cells.len();
            return Some(if layout.header {
                format!(
                    "В строке {count} {}, а по заголовку нужно не меньше {needed}: \
                     логин и пароль{separated}. Допишите недостающие значения.",
                    plural(count, "столбец", "столбца", "столбцов")
                )
            } else {
                format!(
                    "В строке только одно значение, а нужны логин и пароль{separated}. \
                     Допишите пароль или удалите строку."
                )
            });
        }
        if used > layout.width {
            let hint = match self.delimiter {
                Some(delimiter) => format!(
                    " Если в логине, пароле или номере карты есть {}, \
                     заключите это значение в кавычки.",
                    delimiter_noun(delimiter)
                ),
                None => " Уберите лишние значения справа.".to_owned(),
            };
            let width = layout.width;
            return Some(if layout.header {
                format!(
                    "В строке {used} {}, а в заголовке {width}.{hint}",
                    plural(used, "столбец", "столбца", "столбцов")
                )
            } else {
                format!(
                    "В строке {used} {}, а нужно не больше трёх: логин, пароль \
                     и номер карты.{hint}",
                    plural(used, "столбец", "столбца", "столбцов")
                )
            });
        }
        None
    }

    /// The value of one column; `None` (with the error recorded) if it cannot be used.
    fn value(
        &mut self,
        line: usize,
        cells: &[Cell],
        column: Column,
        index: usize,
    ) -> Option<String> {
        match cells.get(index) {
            None => Some(String::new()),
            Some(Cell::Bad(reason)) => {
                self.error(line, format!("{}: {reason}", column.label()));
                None
            }
            Some(Cell::Text(text)) => {
                let length = text.chars().count();
                if length > MAX_VALUE_CHARS {
                    self.error(
                        line,
                        format!(
                            "{} слишком длинный: {length} {}, а допускается не больше \
                             {MAX_VALUE_CHARS}. Проверьте, не слились ли столбцы.",
                            column.label(),
                            plural(length, "символ", "символа", "символов")
                        ),
                    );
                    None
                } else if text.chars().any(char::is_control) {
                    self.error(
                        line,
                        format!(
                            "{} содержит непечатаемый символ. Впишите значение заново.",
                            column.label()
                        ),
                    );
                    None
                } else {
                    Some(text.clone())
                }
            }
        }
    }
}

/// The delimiter in the nominative case: "есть точка с запятой".
fn delimiter_noun(delimiter: char) -> String {
    match delimiter {
        ';' => "точка с запятой".to_owned(),
        ',' => "запятая".to_owned(),
        '\t' => "табуляция".to_owned(),
        other => format!("символ «{other}»"),
    }
}

/// The delimiter in the instrumental case: "разделённые точкой с запятой".
fn delimiter_name(delimiter: char) -> String {
    match delimiter {
        ';' => "точкой с запятой".to_owned(),
        ',' => "запятой".to_owned(),
        '\t' => "табуляцией".to_owned(),
        other => format!("символом «{other}»"),
    }
}

/// A value for a message, cut to a readable length.
fn shorten(value: &str) -> String {
    const LIMIT: usize = 40;
    if value.chars().count() <= LIMIT {
        value.to_owned()
    } else {
        let mut short: String = value.chars().take(LIMIT).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    fn ok(bytes: &[u8], name: &str) -> ParsedPool {
        match parse_pool(bytes, name) {
            Ok(pool) => pool,
            Err(error) => panic!("expected success, got {error:?}"),
        }
    }

    fn row_errors(bytes: &[u8]) -> Vec<RowError> {
        match parse_pool(bytes, "pool.csv") {
            Err(PoolFileError::Rows(errors)) => errors,
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
        let text = "Login,Password,Card\n\"u1\",\"pa,ss\",\"12\"\nu2, \"say \"\"hi\"\"\" ,\n";
        let pool = ok(text.as_bytes(), "pool.csv");
        assert_eq!(pool.delimiter, Some(','));
        assert_eq!(
            pool.rows,
            vec![
                row(2, "u1", "pa,ss", Some("12")),
                row(3, "u2", "say \"hi\"", None)
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
        let text = |data: Data| match spreadsheet_cell(&data) {
            Cell::Text(text) => text,
            Cell::Bad(reason) => panic!("{reason}"),
        };
        assert_eq!(text(Data::Float(100_234.0)), "100234");
        assert_eq!(text(Data::Float(-7.0)), "-7");
        assert_eq!(text(Data::Float(0.25)), "0.25");
        assert_eq!(text(Data::Int(42)), "42");
        assert_eq!(text(Data::Float(999_999_999_999_999.0)), "999999999999999");
        assert!(matches!(
            spreadsheet_cell(&Data::Float(1_234_567_890_123_456.0)),
            Cell::Bad(_)
        ));
    }

    #[test]
    fn xlsx_row_numbers_when_data_does_not_start_at_a1() {
        let bytes = xlsx(|sheet| {
            sheet.write_string(4, 1, "u1").expect("cell");
            sheet.write_string(4, 2, "p1").expect("cell");
            sheet.write_string(6, 1, "u1").expect("cell");
            sheet.write_string(6, 2, "p2").expect("cell");
        });
        let Err(PoolFileError::Rows(errors)) = parse_pool(&bytes, "pool.xlsx") else {
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
        let Err(PoolFileError::Rows(errors)) = parse_pool(&bytes, "pool.xlsx") else {
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
    fn login_with_whitespace() {
        let errors = row_errors("u1;p1\nиван ов;p2\nu3;p 3\n".as_bytes());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 2);
        assert!(errors[0].message.contains("пробел"));
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
        assert!(
            unreadable_text(b"login;password\n\n", "pool.csv").contains("только строка заголовка")
        );
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
        let errors = |n: usize| {
            PoolFileError::Rows(
                (1..=n)
                    .map(|line| RowError {
                        line,
                        message: String::new(),
                    })
                    .collect(),
            )
            .to_string()
        };
        assert!(errors(1).contains("найдена 1 ошибка. Исправьте её"));
        assert!(errors(3).contains("найдено 3 ошибки. Исправьте их"));
        assert!(errors(5).contains("найдено 5 ошибок"));
        assert!(errors(12).contains("найдено 12 ошибок"));
        assert!(errors(21).contains("найдена 21 ошибка"));
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
}
