//! Parser for the login pool file a library gets from its e-book provider (LitRes).
//!
//! The file is a list of ready-made provider accounts: login, password and, optionally, the
//! provider's own card id. It arrives as CSV/TSV text (UTF-8 with or without BOM, UTF-16 from
//! Excel's "Unicode text" export, or Windows-1251) or as a spreadsheet (XLSX or ODS; the
//! binary Excel formats XLS and XLSB are refused with a request to save the file as XLSX).
//!
//! The file comes from outside and is read as hostile: at most [`MAX_FILE_BYTES`] and
//! [`MAX_ROWS`] rows; spreadsheets are streamed row by row (only the first
//! [`SHEET_COLUMNS`] columns are kept, whatever range the file claims), every unpacked part
//! is bounded, a text line longer than [`MAX_LINE_CHARS`] is reported rather than split,
//! and after [`MAX_ROW_ERRORS`] problems only the number of further bad lines is kept.
//!
//! Import is all-or-nothing: [`parse_pool`] either returns every row of the file or the
//! problems found in it ([`PoolFileError::Rows`]), so the librarian can fix the file in one
//! go. Messages are in Russian and say what to fix; the line number travels separately in
//! [`RowError::line`] and is the number the librarian sees in a text editor or in Excel.
//!
//! Logins and passwords are checked so that the access slip prints them unambiguously
//! ([`crate::domain::text::is_credential_char`]); two logins a reader cannot tell apart
//! (case, Cyrillic look-alikes, invisible characters: [`crate::domain::text::login_key`])
//! are duplicates.
//!
//! Pure code: takes bytes, touches no database, file system or network. Checking logins
//! against those already in the database is the caller's job.

use std::collections::HashMap;
use std::fmt;

use crate::domain::text::{
    clean_credential, counted, group_digits, is_invisible, login_key, plural,
};

use super::{decode, delimited, sheet};

/// Largest pool file accepted, in bytes (50 MB).
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;

/// Most rows (non-blank lines, the header included) a pool file may have.
pub const MAX_ROWS: usize = 1_000_000;

/// How many row problems are listed; beyond that only the lines are counted.
pub const MAX_ROW_ERRORS: usize = 1_000;

/// Longest line of a text file, in characters; a longer one is reported, not split.
pub const MAX_LINE_CHARS: usize = 10_000;

/// How many columns of a spreadsheet are read (a header may put the login, the password
/// and the card in any of them); cells to the right are only noted as filled.
pub const SHEET_COLUMNS: usize = 16;

/// Longest accepted login, password or card id, in characters.
pub const MAX_VALUE_CHARS: usize = 128;

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

/// The problems of the lines of a file: the first ones in full, then how many more lines
/// had problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowErrors {
    /// The first [`MAX_ROW_ERRORS`] problems, in line order (a line may appear more than
    /// once if it has several problems).
    pub listed: Vec<RowError>,
    /// Lines with problems after the listed ones.
    pub more_lines: usize,
}

impl RowErrors {
    /// How many lines have problems, listed or not.
    pub fn lines(&self) -> usize {
        distinct_lines(&self.listed).saturating_add(self.more_lines)
    }

    /// How many lines with problems are not among the first `shown` listed problems.
    pub fn lines_after(&self, shown: usize) -> usize {
        if shown >= self.listed.len() {
            return self.more_lines;
        }
        let last_shown = shown.checked_sub(1).map(|i| self.listed[i].line);
        let hidden = &self.listed[shown..];
        let mut lines = distinct_lines(hidden);
        if hidden.first().map(|e| e.line) == last_shown {
            lines -= 1;
        }
        lines.saturating_add(self.more_lines)
    }

    /// «…и ещё 4 321 строка с ошибками» for the lines after the first `shown` problems;
    /// `None` if there are none.
    pub fn more_text(&self, shown: usize) -> Option<String> {
        let more = self.lines_after(shown);
        (more > 0).then(|| {
            format!(
                "…и ещё {} с ошибками",
                counted(more as u64, "строка", "строки", "строк")
            )
        })
    }

    /// «3 строки» (with problems).
    pub fn lines_text(&self) -> String {
        counted(self.lines() as u64, "строка", "строки", "строк")
    }
}

fn distinct_lines(errors: &[RowError]) -> usize {
    let mut count = 0;
    let mut last = None;
    for error in errors {
        if last != Some(error.line) {
            count += 1;
            last = Some(error.line);
        }
    }
    count
}

/// Why the pool file was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolFileError {
    /// The file as a whole cannot be used (empty, too big, not a table, broken
    /// spreadsheet, unknown encoding...). The text is a Russian sentence for the librarian.
    #[error("{0}")]
    Unreadable(String),
    /// The bad lines of the file.
    #[error("{}", rows_summary(.0))]
    Rows(RowErrors),
}

/// The accepted content of a pool file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPool {
    /// Data rows in file order; never empty.
    pub rows: Vec<PoolRow>,
    /// How the file was read: "UTF-8", "UTF-8 (BOM)", "UTF-16LE", "UTF-16BE",
    /// "Windows-1251" for text; "XLSX" or "ODS" for spreadsheets.
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
    check_size(bytes.len() as u64)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(unreadable(
            "Файл пустой. Выберите файл со списком логинов и паролей от ЛитРес.",
        ));
    }
    if sheet::is_spreadsheet(bytes, file_name) {
        let mut workbook = sheet::open(bytes)?;
        let mut builder = Builder::new(workbook.kind(), None);
        workbook.read(&mut |record| builder.push(record))?;
        builder.finish()
    } else {
        let (text, encoding) = decode::decode(bytes)?;
        let plan = delimited::plan(&text)?;
        let mut builder = Builder::new(encoding, Some(plan.delimiter));
        delimited::read(&text, &plan, &mut |record| builder.push(record))?;
        builder.finish()
    }
}

/// Refuses a file larger than [`MAX_FILE_BYTES`]; the caller may check the size of a file
/// on disk with it before reading it.
pub fn check_size(bytes: u64) -> Result<(), PoolFileError> {
    if bytes <= MAX_FILE_BYTES {
        return Ok(());
    }
    let megabytes = bytes.div_ceil(1024 * 1024);
    Err(PoolFileError::Unreadable(format!(
        "Файл слишком большой: {} МБ, а файл со списком логинов может быть не больше {} МБ. \
         Проверьте, тот ли это файл; большой список разделите на части и загрузите их \
         по очереди.",
        group_digits(megabytes),
        MAX_FILE_BYTES / (1024 * 1024)
    )))
}

pub(super) fn unreadable(message: &str) -> PoolFileError {
    PoolFileError::Unreadable(message.to_owned())
}

pub(super) fn too_many_rows() -> PoolFileError {
    PoolFileError::Unreadable(format!(
        "В файле больше {} строк — столько логинов за один раз не загрузить. \
         Разделите файл на части и загрузите их по очереди.",
        group_digits(MAX_ROWS as u64)
    ))
}

/// "Файл не загружен: найдено 3 строки с ошибками. …" with correct Russian agreement.
fn rows_summary(errors: &RowErrors) -> String {
    let lines = errors.lines() as u64;
    let verb = plural(lines, "найдена", "найдено", "найдено");
    let pronoun = plural(lines, "её", "их", "их");
    format!(
        "Файл не загружен: {verb} {} с ошибками. \
         Исправьте {pronoun} в файле и загрузите файл снова.",
        counted(lines, "строка", "строки", "строк")
    )
}

// ---------------------------------------------------------------------------------------
// Records: what every reader (text and spreadsheet) produces
// ---------------------------------------------------------------------------------------

/// One cell, already trimmed.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Text(String),
    /// A spreadsheet cell that cannot be used as a value (a date, an Excel error...);
    /// the text says why and what to do, as a full sentence.
    Bad(String),
}

impl Cell {
    pub(super) fn blank() -> Cell {
        Cell::Text(String::new())
    }

    pub(super) fn is_blank(&self) -> bool {
        matches!(self, Cell::Text(text) if text.is_empty())
    }

    fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(text) => Some(text),
            Cell::Bad(_) => None,
        }
    }
}

/// One line of the file, as the readers hand it over.
#[derive(Debug)]
pub(super) struct Record {
    pub(super) line: usize,
    /// The cells, or why the line could not be split into cells.
    pub(super) cells: Result<Vec<Cell>, String>,
    /// Columns up to the last filled cell, counting cells a spreadsheet reader did not
    /// keep (beyond [`SHEET_COLUMNS`]).
    pub(super) used: usize,
}

impl Record {
    pub(super) fn new(line: usize, cells: Vec<Cell>) -> Record {
        let used = cells
            .iter()
            .rposition(|c| !c.is_blank())
            .map_or(0, |i| i + 1);
        Record {
            line,
            cells: Ok(cells),
            used,
        }
    }

    pub(super) fn broken(line: usize, message: String) -> Record {
        Record {
            line,
            cells: Err(message),
            used: 0,
        }
    }

    fn is_blank(&self) -> bool {
        self.cells.is_ok() && self.used == 0
    }
}

/// Where a reader hands its records; an error stops the reading.
pub(super) type Sink<'a> = dyn FnMut(Record) -> Result<(), PoolFileError> + 'a;

// ---------------------------------------------------------------------------------------
// Header, layout and validation
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
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
pub(super) fn classify_header(cell: &str) -> Option<Column> {
    Some(header_match(cell)?.0)
}

/// Like [`classify_header`], also telling whether the match is specific (a card column named
/// "билет" beats one merely named "id").
fn header_match(cell: &str) -> Option<(Column, bool)> {
    // A column name is short; a long cell is a value (and is not folded char by char).
    if cell.len() > 512 {
        return None;
    }
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

/// Decides whether the first record is a header. `Ok(None)` means it is data. A
/// spreadsheet's header does not limit the width of the rows (notes to the right are
/// common there); a text file's does.
fn header_layout(first: &Record, spreadsheet: bool) -> Result<Option<Layout>, PoolFileError> {
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
            width: if spreadsheet { usize::MAX } else { cells.len() },
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

pub(super) fn no_rows() -> PoolFileError {
    unreadable("В файле нет ни одной строки с логином и паролем.")
}

/// Where a login was first seen in the file.
struct Seen {
    line: usize,
    /// The login as written, when it differs from its key.
    login: Option<Box<str>>,
}

/// The problems found so far: the first [`MAX_ROW_ERRORS`] in full, then a count of lines.
#[derive(Default)]
struct ErrorList {
    errors: RowErrors,
    last_counted: Option<usize>,
}

impl ErrorList {
    fn add(&mut self, line: usize, message: String) {
        let listed = &mut self.errors.listed;
        if listed.len() < MAX_ROW_ERRORS {
            listed.push(RowError { line, message });
        } else if listed.last().map(|e| e.line) != Some(line) && self.last_counted != Some(line) {
            self.errors.more_lines += 1;
            self.last_counted = Some(line);
        }
    }
}

/// Takes the records one by one: the first non-blank one may be the header, every other
/// one is checked and kept (only the rows, never the records).
struct Builder {
    encoding: &'static str,
    delimiter: Option<char>,
    layout: Option<Layout>,
    records: usize,
    /// The widest record (spreadsheets: a sheet with one filled column is refused).
    widest: usize,
    /// Spreadsheets: the column where the table starts (its first row's first filled
    /// cell); rows are read from there, as if the table started in column A.
    first_column: Option<usize>,
    /// Login key → where it was first seen.
    seen: HashMap<String, Seen>,
    rows: Vec<PoolRow>,
    errors: ErrorList,
}

impl Builder {
    fn new(encoding: &'static str, delimiter: Option<char>) -> Builder {
        Builder {
            encoding,
            delimiter,
            layout: None,
            records: 0,
            widest: 0,
            first_column: None,
            seen: HashMap::new(),
            rows: Vec::new(),
            errors: ErrorList::default(),
        }
    }

    fn spreadsheet(&self) -> bool {
        self.delimiter.is_none()
    }

    fn push(&mut self, record: Record) -> Result<(), PoolFileError> {
        if record.is_blank() {
            return Ok(());
        }
        self.records += 1;
        if self.records > MAX_ROWS {
            return Err(too_many_rows());
        }
        let record = if self.spreadsheet() {
            self.seen_from_first_column(record)
        } else {
            record
        };
        self.widest = self.widest.max(record.used);
        let layout = match self.layout.take() {
            Some(layout) => layout,
            None => {
                if let Some(header) = header_layout(&record, self.spreadsheet())? {
                    self.layout = Some(header);
                    return Ok(());
                }
                Layout::WITHOUT_HEADER
            }
        };
        self.check(&layout, record);
        self.layout = Some(layout);
        Ok(())
    }

    /// A spreadsheet row as seen from the table's first column; a value to the left of
    /// the table is reported.
    fn seen_from_first_column(&mut self, mut record: Record) -> Record {
        let Ok(cells) = &mut record.cells else {
            return record;
        };
        let first = *self
            .first_column
            .get_or_insert_with(|| cells.iter().position(|c| !c.is_blank()).unwrap_or(0));
        if first == 0 {
            return record;
        }
        if let Some(left) = cells.iter().take(first).position(|c| !c.is_blank()) {
            return Record::broken(
                record.line,
                format!(
                    "Значение в столбце {} стоит левее таблицы (она начинается со столбца {}). \
                     Перенесите его в нужный столбец или удалите.",
                    column_name(left),
                    column_name(first)
                ),
            );
        }
        cells.drain(..first.min(cells.len()));
        record.used = record.used.saturating_sub(first);
        record
    }

    fn finish(self) -> Result<ParsedPool, PoolFileError> {
        let had_header = match &self.layout {
            Some(layout) => layout.header,
            None => return Err(no_rows()),
        };
        if self.spreadsheet() && self.widest < 2 {
            return Err(unreadable(
                "На первом листе заполнен только один столбец, а нужны два: \
                 логин в одном столбце, пароль в соседнем.",
            ));
        }
        let mut errors = self.errors.errors;
        if !errors.listed.is_empty() {
            errors.listed.sort_by_key(|error| error.line);
            return Err(PoolFileError::Rows(errors));
        }
        if self.rows.is_empty() {
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
            rows: self.rows,
            encoding: self.encoding,
            delimiter: self.delimiter,
            had_header,
        })
    }

    fn check(&mut self, layout: &Layout, record: Record) {
        let line = record.line;
        let cells = match record.cells {
            Ok(cells) => cells,
            Err(message) => return self.errors.add(line, message),
        };
        if let Some(message) = self.column_count_problem(layout, &cells, record.used) {
            return self.errors.add(line, message);
        }
        let mut problems = Vec::new();
        let login = value(&cells, Column::Login, layout.login, &mut problems);
        let password = value(&cells, Column::Password, layout.password, &mut problems);
        let card = match layout.card {
            Some(index) => value(&cells, Column::Card, index, &mut problems),
            None => Some(String::new()),
        };

        if let (Some(login), Some(password)) = (&login, &password)
            && classify_header(login) == Some(Column::Login)
            && classify_header(password) == Some(Column::Password)
        {
            return self.errors.add(
                line,
                "Строка повторяет заголовок («Логин», «Пароль»). Удалите её.".to_owned(),
            );
        }

        if let Some(login) = &login {
            if login.is_empty() {
                problems.push("Не указан логин. Впишите логин или удалите строку.".into());
            } else {
                let key = login_key(login);
                match self.seen.get(&key) {
                    Some(first) => problems.push(duplicate_in_file(login, &key, first)),
                    None => {
                        let written = (*login != key).then(|| login.as_str().into());
                        self.seen.insert(
                            key,
                            Seen {
                                line,
                                login: written,
                            },
                        );
                    }
                }
            }
        }
        if let Some(password) = &password
            && password.is_empty()
        {
            problems.push(match &login {
                Some(login) if !login.is_empty() => format!(
                    "Не указан пароль для логина «{}». Впишите пароль или удалите строку.",
                    shorten(login)
                ),
                _ => "Не указан пароль. Впишите пароль или удалите строку.".to_owned(),
            });
        }

        if !problems.is_empty() {
            for message in problems {
                self.errors.add(line, message);
            }
            return;
        }
        if let (Some(login), Some(password), Some(card)) = (login, password, card) {
            self.rows.push(PoolRow {
                line,
                login,
                password,
                provider_card: (!card.is_empty()).then_some(card),
            });
        }
    }

    /// Too few columns to reach login and password (text files; a spreadsheet's missing
    /// cells are empty ones), or filled cells beyond the allowed width (usually a delimiter
    /// inside an unquoted value).
    fn column_count_problem(&self, layout: &Layout, cells: &[Cell], used: usize) -> Option<String> {
        let needed = layout.login.max(layout.password) + 1;
        let separated = match self.delimiter {
            Some(delimiter) => format!(", разделённые {}", delimiter_name(delimiter)),
            None => String::new(),
        };
        if !self.spreadsheet() && cells.len() < needed {
            let count = cells.len() as u64;
            return Some(if layout.header {
                format!(
                    "В строке {}, а по заголовку нужно не меньше {needed}: \
                     логин и пароль{separated}. Допишите недостающие значения.",
                    counted(count, "столбец", "столбца", "столбцов")
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
            let columns = counted(used as u64, "столбец", "столбца", "столбцов");
            let width = layout.width;
            return Some(if layout.header {
                format!("В строке {columns}, а в заголовке {width}.{hint}")
            } else {
                format!(
                    "В строке {columns}, а нужно не больше трёх: логин, пароль \
                     и номер карты.{hint}"
                )
            });
        }
        None
    }
}

/// The message for a login whose key was already seen on an earlier line.
fn duplicate_in_file(login: &str, key: &str, first: &Seen) -> String {
    let earlier = first.login.as_deref().unwrap_or(key);
    if earlier == login {
        format!(
            "Логин «{}» уже встречается в строке {}. \
             Удалите повторную строку или исправьте логин.",
            shorten(login),
            first.line
        )
    } else {
        format!(
            "Логин «{}» совпадает с логином «{}» из строки {}: они отличаются только \
             регистром, похожими русскими и латинскими буквами или невидимыми символами, \
             и читатель их не различит. Оставьте одну из двух строк или уточните логины \
             у поставщика.",
            shorten(login),
            shorten(earlier),
            first.line
        )
    }
}

/// The value of one column, tidied ([`clean_credential`]); `None` (with the problem noted)
/// if it cannot be used.
fn value(
    cells: &[Cell],
    column: Column,
    index: usize,
    problems: &mut Vec<String>,
) -> Option<String> {
    match cells.get(index) {
        None => Some(String::new()),
        Some(Cell::Bad(reason)) => {
            problems.push(format!("{}: {reason}", column.label()));
            None
        }
        Some(Cell::Text(raw)) => {
            // A card id is the provider's, kept as written (NFKC would turn «№» into «No»).
            let text = match column {
                Column::Card => raw
                    .trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
                    .to_owned(),
                Column::Login | Column::Password => clean_credential(raw),
            };
            let length = text.chars().count();
            if length > MAX_VALUE_CHARS {
                problems.push(format!(
                    "{} слишком длинный: {}, а допускается не больше \
                     {MAX_VALUE_CHARS}. Проверьте, не слились ли столбцы.",
                    column.label(),
                    counted(length as u64, "символ", "символа", "символов")
                ));
                None
            } else if let Some(problem) = character_problem(column, &text) {
                problems.push(problem);
                None
            } else {
                Some(text)
            }
        }
    }
}

/// Why a value holds a character it may not: a login or password must print
/// unambiguously on the slip ([`crate::domain::text::unprintable_char`]); a card id must
/// at least have no control or invisible characters.
fn character_problem(column: Column, text: &str) -> Option<String> {
    let label = column.label();
    let bad = match column {
        Column::Card => text.chars().find(|&c| c.is_control() || is_invisible(c))?,
        Column::Login | Column::Password => crate::domain::text::unprintable_char(text)?,
    };
    let code = u32::from(bad);
    Some(if bad.is_control() {
        format!("{label} содержит непечатаемый символ (U+{code:04X}). Впишите значение заново.")
    } else if is_invisible(bad) {
        format!(
            "{label} содержит невидимый символ (U+{code:04X}): на памятке его не видно, \
             и читатель не сможет войти. Впишите значение заново, без лишних символов."
        )
    } else if bad.is_whitespace() && column == Column::Login {
        format!(
            "Логин «{}» содержит пробел. Логин пишется без пробелов — уберите их.",
            shorten(text)
        )
    } else if bad.is_whitespace() {
        "Пароль содержит пробел: на памятке его не видно, и читатель не поймёт, где он. \
         Уточните пароль у поставщика."
            .to_owned()
    } else {
        format!(
            "{label} содержит символ «{bad}» (U+{code:04X}), который памятка не напечатает \
             однозначно: допустимы латинские и русские буквы, цифры и знаки с клавиатуры. \
             Уточните значение у поставщика."
        )
    })
}

/// A spreadsheet column's letters: 0 → "A", 27 → "AB".
fn column_name(index: usize) -> String {
    let mut name = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let letter = (n - 1) % 26;
        name.push(b'A' + letter as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
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

/// A value for a message, cut to a readable length; control and invisible characters
/// (an RTL override would turn the message around) are shown as «�».
pub(super) fn shorten(value: &str) -> String {
    const LIMIT: usize = 40;
    let mut short: String = value
        .chars()
        .take(LIMIT)
        .map(|c| {
            if c.is_control() || is_invisible(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if value.chars().nth(LIMIT).is_some() {
        short.push('…');
    }
    short
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "hostile_tests.rs"]
mod hostile_tests;
