//! XLSX, streamed: the workbook's relationships name the first sheet, the styles tell
//! which cells are dates, the shared strings are loaded (bounded), then the sheet is read
//! row by row. The sheet's claimed dimension (`A1:XFD1048576`) is never looked at; only
//! the first [`SHEET_COLUMNS`] columns of each row are kept.

use std::collections::HashMap;
use std::io::Cursor;

use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::pool::{Cell, PoolFileError, Record, Sink, unreadable};
use super::sheet::{
    self, CellText, MAX_PART_BYTES, MAX_SMALL_PART_BYTES, attribute, broken_cell, broken_part,
};

/// Most shared strings kept (three per row of the largest pool, and then some).
const MAX_SHARED_STRINGS: usize = 4_000_000;

/// Most text kept in the shared strings, in bytes.
const MAX_SHARED_TEXT: usize = 64 * 1024 * 1024;

/// Most cell formats (Excel's own limit is 64 000).
const MAX_FORMATS: usize = 65_536;

type Zip<'a> = ZipArchive<Cursor<&'a [u8]>>;

pub(super) fn read(zip: &mut Zip<'_>, sink: &mut Sink<'_>) -> Result<(), PoolFileError> {
    let parts = parts(zip)?;
    let dates = read_styles(zip, &parts.styles)?;
    let strings = read_shared_strings(zip, &parts.shared_strings)?;
    read_sheet(zip, &parts.sheet, &strings, &dates, sink)
}

/// Where the parts of the workbook are.
struct Parts {
    sheet: String,
    shared_strings: String,
    styles: String,
}

fn no_sheet() -> PoolFileError {
    unreadable("В книге нет ни одного листа. Логины и пароли должны быть на первом листе.")
}

fn parts(zip: &mut Zip<'_>) -> Result<Parts, PoolFileError> {
    let first_sheet = first_sheet_relation(zip)?;
    let mut parts = Parts {
        sheet: String::new(),
        shared_strings: "xl/sharedStrings.xml".to_owned(),
        styles: "xl/styles.xml".to_owned(),
    };
    if let Some(mut xml) = sheet::part(zip, "xl/_rels/workbook.xml.rels", MAX_SMALL_PART_BYTES)? {
        loop {
            match xml.next()? {
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Relationship" => {
                    let (Some(id), Some(target)) = (attribute(&e, b"Id"), attribute(&e, b"Target"))
                    else {
                        continue;
                    };
                    let kind = attribute(&e, b"Type").unwrap_or_default();
                    let path = resolve(&target);
                    if first_sheet.as_deref() == Some(id.as_str()) {
                        parts.sheet = path;
                    } else if kind.ends_with("/sharedStrings") {
                        parts.shared_strings = path;
                    } else if kind.ends_with("/styles") {
                        parts.styles = path;
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
    }
    if parts.sheet.is_empty() {
        if first_sheet.is_none() {
            return Err(no_sheet());
        }
        "xl/worksheets/sheet1.xml".clone_into(&mut parts.sheet);
    }
    Ok(parts)
}

/// The relationship id (`r:id`) of the first sheet listed in the workbook.
fn first_sheet_relation(zip: &mut Zip<'_>) -> Result<Option<String>, PoolFileError> {
    let Some(mut xml) = sheet::part(zip, "xl/workbook.xml", MAX_SMALL_PART_BYTES)? else {
        return Err(no_sheet());
    };
    loop {
        match xml.next()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"sheet" => {
                return Ok(Some(attribute(&e, b"id").unwrap_or_default()));
            }
            Event::Eof => return Ok(None),
            _ => {}
        }
    }
}

/// A relationship target as a path inside the ZIP (relative to `xl/` unless absolute).
fn resolve(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("xl/{}", target.trim_start_matches("./")),
    }
}

/// Which cell formats (the `s` of a cell) show numbers as dates or times.
#[derive(Default)]
struct DateStyles(Vec<bool>);

impl DateStyles {
    fn is_date(&self, style: usize) -> bool {
        self.0.get(style).copied().unwrap_or(false)
    }
}

fn read_styles(zip: &mut Zip<'_>, path: &str) -> Result<DateStyles, PoolFileError> {
    let Some(mut xml) = sheet::part(zip, path, MAX_SMALL_PART_BYTES)? else {
        return Ok(DateStyles::default());
    };
    let mut custom: HashMap<u32, bool> = HashMap::new();
    let mut formats: Vec<u32> = Vec::new();
    let mut in_cell_formats = false;
    loop {
        match xml.next()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"numFmt" => {
                if custom.len() < MAX_FORMATS
                    && let Some(id) = attribute(&e, b"numFmtId").and_then(|v| v.parse().ok())
                {
                    let code = attribute(&e, b"formatCode").unwrap_or_default();
                    custom.insert(id, is_date_code(&code));
                }
            }
            Event::Start(e) if e.local_name().as_ref() == b"cellXfs" => in_cell_formats = true,
            Event::End(e) if e.local_name().as_ref() == b"cellXfs" => in_cell_formats = false,
            Event::Start(e) | Event::Empty(e)
                if in_cell_formats
                    && formats.len() < MAX_FORMATS
                    && e.local_name().as_ref() == b"xf" =>
            {
                let id = attribute(&e, b"numFmtId")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                formats.push(id);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(DateStyles(
        formats
            .into_iter()
            .map(|id| custom.get(&id).copied().unwrap_or_else(|| builtin_date(id)))
            .collect(),
    ))
}

/// Excel's built-in number formats that show dates or times (the locale-specific ones
/// included).
fn builtin_date(id: u32) -> bool {
    matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58 | 71..=81)
}

/// Whether a custom number format shows a date or time: it has d, m, y, h or s outside
/// quoted text, brackets (colours, locales; `[h]` elapsed time counts) and escapes.
fn is_date_code(code: &str) -> bool {
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            '[' => {
                let inside: String = chars.by_ref().take_while(|&b| b != ']').collect();
                let inside = inside.to_ascii_lowercase();
                if !inside.is_empty() && inside.chars().all(|c| matches!(c, 'h' | 'm' | 's')) {
                    return true;
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            c if matches!(c.to_ascii_lowercase(), 'd' | 'm' | 'y' | 'h' | 's') => return true,
            _ => {}
        }
    }
    false
}

/// The shared strings, in one buffer.
#[derive(Default)]
struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i] as usize);
        self.text.get(start..end)
    }
}

fn too_much_text() -> PoolFileError {
    unreadable(
        "В книге слишком много текста для списка логинов. Оставьте в ней только логины \
         и пароли или сохраните список как CSV.",
    )
}

fn read_shared_strings(zip: &mut Zip<'_>, path: &str) -> Result<SharedStrings, PoolFileError> {
    let mut strings = SharedStrings::default();
    let Some(mut xml) = sheet::part(zip, path, MAX_PART_BYTES)? else {
        return Ok(strings);
    };
    let mut current = CellText::default();
    let (mut in_item, mut in_text, mut phonetic) = (false, false, 0usize);
    loop {
        match xml.next()? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"si" => {
                    in_item = true;
                    current.clear();
                }
                b"t" => in_text = in_item && phonetic == 0,
                b"rPh" => phonetic += 1,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"si" => {
                    in_item = false;
                    strings_push(&mut strings, &current)?;
                }
                b"t" => in_text = false,
                b"rPh" => phonetic = phonetic.saturating_sub(1),
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"si" => {
                current.clear();
                strings_push(&mut strings, &current)?;
            }
            Event::Text(t) if in_text => {
                current.push_str(&t.xml_content().map_err(|_| broken_part())?);
            }
            Event::CData(t) if in_text => {
                current.push_str(&String::from_utf8_lossy(&t));
            }
            Event::GeneralRef(r) if in_text => current.push_reference(&r),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(strings)
}

fn strings_push(strings: &mut SharedStrings, item: &CellText) -> Result<(), PoolFileError> {
    if strings.ends.len() >= MAX_SHARED_STRINGS {
        return Err(too_much_text());
    }
    let text = unescape_ooxml(&item.text);
    if strings.text.len() + text.len() > MAX_SHARED_TEXT {
        return Err(too_much_text());
    }
    strings.text.push_str(&text);
    strings.ends.push(strings.text.len() as u32);
    Ok(())
}

/// Excel writes characters XML cannot hold as `_xHHHH_` (`_x000D_` for a carriage return).
fn unescape_ooxml(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("_x") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("_x") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let decoded = tail
            .get(2..6)
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|_| tail.as_bytes().get(6) == Some(&b'_'))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32);
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[7..];
            }
            None => {
                out.push_str("_x");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// What a cell's `t` attribute says its value is.
#[derive(Clone, Copy, PartialEq)]
enum CellType {
    Number,
    Shared,
    Text,
    Inline,
    Boolean,
    Error,
    Date,
}

/// The cell being read.
struct CellState {
    column: usize,
    kind: CellType,
    style: usize,
    value: CellText,
    inline: CellText,
}

impl CellState {
    fn cell(&self, strings: &SharedStrings, dates: &DateStyles) -> Cell {
        let value = self.value.text.trim();
        match self.kind {
            CellType::Inline => self.inline.cell(),
            CellType::Text => self.value.cell(),
            _ if value.is_empty() => Cell::blank(),
            CellType::Shared => match value.parse::<usize>().ok().and_then(|i| strings.get(i)) {
                Some(text) => Cell::Text(text.trim().to_owned()),
                None => broken_cell(),
            },
            CellType::Boolean => sheet::boolean_cell(value == "1" || value == "true"),
            CellType::Error => sheet::error_cell(value),
            CellType::Date => sheet::date_cell(),
            CellType::Number => match value.parse::<f64>() {
                Ok(_) if dates.is_date(self.style) => sheet::date_cell(),
                Ok(number) => sheet::number_cell(number),
                Err(_) => Cell::Text(value.to_owned()),
            },
        }
    }
}

/// The row being read.
struct RowState {
    line: usize,
    cells: Vec<Cell>,
    used: usize,
    next_column: usize,
}

fn read_sheet(
    zip: &mut Zip<'_>,
    path: &str,
    strings: &SharedStrings,
    dates: &DateStyles,
    sink: &mut Sink<'_>,
) -> Result<(), PoolFileError> {
    let Some(mut xml) = sheet::part(zip, path, MAX_PART_BYTES)? else {
        return Err(no_sheet());
    };
    let mut in_data = false;
    let mut last_line = 0usize;
    let mut row: Option<RowState> = None;
    let mut cell: Option<CellState> = None;
    // Where text goes: 1 = `<v>`, 2 = `<t>` of an inline string; 0 = nowhere.
    let mut target = 0u8;
    let mut phonetic = 0usize;
    loop {
        match xml.next()? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"sheetData" => in_data = true,
                b"row" if in_data => row = Some(start_row(&e, &mut last_line)),
                b"c" => {
                    if let Some(row) = row.as_mut() {
                        cell = Some(start_cell(&e, row));
                    }
                }
                b"v" if cell.is_some() => target = 1,
                b"t" if cell.is_some() && phonetic == 0 => target = 2,
                b"rPh" => phonetic += 1,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"row" if in_data => {
                    start_row(&e, &mut last_line);
                }
                b"c" => {
                    if let Some(row) = row.as_mut() {
                        let state = start_cell(&e, row);
                        end_cell(row, &state, strings, dates);
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"sheetData" => break,
                b"row" => {
                    if let Some(row) = row.take()
                        && row.used > 0
                    {
                        sink(Record {
                            line: row.line,
                            cells: Ok(row.cells),
                            used: row.used,
                        })?;
                    }
                }
                b"c" => {
                    if let (Some(row), Some(state)) = (row.as_mut(), cell.take()) {
                        end_cell(row, &state, strings, dates);
                    }
                    target = 0;
                }
                b"v" | b"t" => target = 0,
                b"rPh" => phonetic = phonetic.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) if target != 0 => {
                let text = t.xml_content().map_err(|_| broken_part())?;
                if let Some(state) = cell.as_mut() {
                    state.text(target).push_str(&text);
                }
            }
            Event::CData(t) if target != 0 => {
                if let Some(state) = cell.as_mut() {
                    state.text(target).push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) if target != 0 => {
                if let Some(state) = cell.as_mut() {
                    state.text(target).push_reference(&r);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(())
}

impl CellState {
    fn text(&mut self, target: u8) -> &mut CellText {
        if target == 1 {
            &mut self.value
        } else {
            &mut self.inline
        }
    }
}

fn start_row(element: &BytesStart<'_>, last_line: &mut usize) -> RowState {
    let line = attribute(element, b"r")
        .and_then(|r| r.trim().parse::<usize>().ok())
        .unwrap_or_else(|| last_line.saturating_add(1));
    *last_line = line;
    RowState {
        line,
        cells: Vec::new(),
        used: 0,
        next_column: 0,
    }
}

fn start_cell(element: &BytesStart<'_>, row: &mut RowState) -> CellState {
    let column = attribute(element, b"r")
        .and_then(|r| column_of(&r))
        .unwrap_or(row.next_column);
    row.next_column = column.saturating_add(1);
    let kind = match attribute(element, b"t").as_deref() {
        Some("s") => CellType::Shared,
        Some("str") => CellType::Text,
        Some("inlineStr") => CellType::Inline,
        Some("b") => CellType::Boolean,
        Some("e") => CellType::Error,
        Some("d") => CellType::Date,
        _ => CellType::Number,
    };
    let style = attribute(element, b"s")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    CellState {
        column,
        kind,
        style,
        value: CellText::default(),
        inline: CellText::default(),
    }
}

fn end_cell(row: &mut RowState, state: &CellState, strings: &SharedStrings, dates: &DateStyles) {
    let cell = state.cell(strings, dates);
    if sheet::place(&mut row.cells, state.column, &cell) {
        row.used = row.used.max(state.column.saturating_add(1));
    }
}

/// The 0-based column of a cell reference ("C7" → 2); `None` if it has no letters.
fn column_of(reference: &str) -> Option<usize> {
    let letters = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .take(8);
    let mut column = 0usize;
    let mut any = false;
    for letter in letters {
        any = true;
        column = column
            .saturating_mul(26)
            .saturating_add(usize::from(letter.to_ascii_uppercase() - b'A') + 1);
    }
    any.then(|| column - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_references() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("c7"), Some(2));
        assert_eq!(column_of("AA10"), Some(26));
        assert_eq!(column_of("XFD1048576"), Some(16_383));
        assert_eq!(column_of("17"), None);
        assert!(column_of("ZZZZZZZZZZZZZZZZ1").is_some());
    }

    #[test]
    fn date_formats() {
        for code in [
            "dd.mm.yyyy",
            "DD/MM/YY",
            "h:mm",
            "[h]:mm:ss",
            "[$-419]d mmm",
        ] {
            assert!(is_date_code(code), "{code}");
        }
        for code in [
            "General",
            "0.00",
            "#,##0",
            "@",
            "\"dmy\"0",
            "[Red]0.00",
            "0.00E+00",
        ] {
            assert!(!is_date_code(code), "{code}");
        }
        assert!(builtin_date(14) && !builtin_date(0) && !builtin_date(49));
    }

    #[test]
    fn excel_escapes() {
        assert_eq!(unescape_ooxml("a_x000D_b"), "a\rb");
        assert_eq!(unescape_ooxml("_x005F_x000D_"), "_x000D_");
        assert_eq!(unescape_ooxml("lib_x"), "lib_x");
        assert_eq!(unescape_ooxml("_xZZZZ_"), "_xZZZZ_");
    }

    #[test]
    fn shared_strings_lookup() {
        let mut strings = SharedStrings::default();
        for s in ["один", "", "three"] {
            let text = CellText {
                text: s.to_owned(),
                overflow: false,
            };
            strings_push(&mut strings, &text).unwrap();
        }
        assert_eq!(strings.get(0), Some("один"));
        assert_eq!(strings.get(1), Some(""));
        assert_eq!(strings.get(2), Some("three"));
        assert_eq!(strings.get(3), None);
    }
}
