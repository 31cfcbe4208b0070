//! ODS (LibreOffice, OpenOffice), streamed: `content.xml`, the first table, row by row.
//! Repeated cells and rows (`number-columns-repeated`, `number-rows-repeated`, which a
//! file may set to hundreds of millions) are expanded only within the first
//! [`SHEET_COLUMNS`] columns and up to the row limit; repeated empty rows only move the
//! row number on.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::pool::{Cell, MAX_ROWS, PoolFileError, Record, SHEET_COLUMNS, Sink, too_many_rows};
use super::sheet::{self, CellText, MAX_PART_BYTES, attribute, broken_part};

type Zip<'a> = ZipArchive<Cursor<&'a [u8]>>;

pub(super) fn read(zip: &mut Zip<'_>, sink: &mut Sink<'_>) -> Result<(), PoolFileError> {
    check_mimetype(zip)?;
    let Some(mut xml) = sheet::part(zip, "content.xml", MAX_PART_BYTES)? else {
        return Err(broken_part());
    };
    // Open `table:table` elements: rows of the first table are at depth 1, a table
    // nested in a cell is ignored.
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut row: Option<Row> = None;
    let mut cell: Option<OdsCell> = None;
    // Open paragraphs of the current cell, and open annotations (comments, not values).
    let mut paragraph = 0usize;
    let mut annotation = 0usize;
    loop {
        let in_text = depth == 1 && paragraph > 0 && annotation == 0;
        match xml.next()? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"table" => depth += 1,
                b"table-row" if depth == 1 => row = Some(Row::start(&e)),
                b"table-cell" | b"covered-table-cell" if depth == 1 && row.is_some() => {
                    cell = Some(OdsCell::start(&e));
                }
                b"annotation" => annotation += 1,
                b"p" | b"h" if depth == 1 && annotation == 0 => {
                    if let Some(cell) = cell.as_mut() {
                        cell.paragraph();
                        paragraph += 1;
                    }
                }
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"table" if depth == 0 => return Ok(()),
                b"table-row" if depth == 1 => {
                    line = line.saturating_add(Row::start(&e).repeat);
                }
                b"table-cell" | b"covered-table-cell" if depth == 1 => {
                    if let Some(row) = row.as_mut() {
                        OdsCell::start(&e).finish(row);
                    }
                }
                b"p" | b"h" if depth == 1 && annotation == 0 => {
                    if let Some(cell) = cell.as_mut() {
                        cell.paragraph();
                    }
                }
                b"s" if in_text => {
                    let count = attribute(&e, b"c")
                        .and_then(|c| c.parse::<usize>().ok())
                        .unwrap_or(1)
                        .min(sheet::MAX_CELL_BYTES + 1);
                    if let Some(cell) = cell.as_mut() {
                        for _ in 0..count {
                            cell.text.push(' ');
                        }
                    }
                }
                b"tab" if in_text => {
                    if let Some(cell) = cell.as_mut() {
                        cell.text.push('\t');
                    }
                }
                b"line-break" if in_text => {
                    if let Some(cell) = cell.as_mut() {
                        cell.text.push('\n');
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"table" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                b"table-row" if depth == 1 => {
                    if let Some(row) = row.take() {
                        row.finish(&mut line, sink)?;
                    }
                }
                b"table-cell" | b"covered-table-cell" if depth == 1 => {
                    if let (Some(row), Some(cell)) = (row.as_mut(), cell.take()) {
                        cell.finish(row);
                    }
                    paragraph = 0;
                }
                b"annotation" => annotation = annotation.saturating_sub(1),
                b"p" | b"h" if depth == 1 && annotation == 0 => {
                    paragraph = paragraph.saturating_sub(1);
                }
                _ => {}
            },
            Event::Text(t) if in_text => {
                let text = t.xml_content().map_err(|_| broken_part())?;
                if let Some(cell) = cell.as_mut() {
                    cell.text.push_str(&text);
                }
            }
            Event::CData(t) if in_text => {
                if let Some(cell) = cell.as_mut() {
                    cell.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) if in_text => {
                if let Some(cell) = cell.as_mut() {
                    cell.text.push_reference(&r);
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// An OpenDocument file that is not a spreadsheet (a text document…) is refused.
fn check_mimetype(zip: &mut Zip<'_>) -> Result<(), PoolFileError> {
    let Some(index) = zip.index_for_name("mimetype") else {
        return Ok(());
    };
    let mut mimetype = Vec::new();
    zip.by_index(index)
        .map_err(|_| broken_part())?
        .take(256)
        .read_to_end(&mut mimetype)
        .map_err(|_| broken_part())?;
    let mimetype = String::from_utf8_lossy(&mimetype);
    if mimetype.starts_with("application/vnd.oasis.opendocument.")
        && !mimetype.starts_with("application/vnd.oasis.opendocument.spreadsheet")
    {
        return Err(super::pool::unreadable(
            "Это документ OpenDocument, но не таблица. Выберите таблицу (ODS, XLSX) \
             или файл CSV со списком логинов и паролей.",
        ));
    }
    Ok(())
}

/// How many times an element repeats (`number-rows-repeated`, `number-columns-repeated`).
fn repeat(element: &BytesStart<'_>, name: &[u8]) -> usize {
    attribute(element, name)
        .and_then(|n| n.trim().parse::<u64>().ok())
        .map_or(1, |n| usize::try_from(n).unwrap_or(usize::MAX).max(1))
}

/// The row being read.
struct Row {
    repeat: usize,
    cells: Vec<Cell>,
    used: usize,
    next_column: usize,
}

impl Row {
    fn start(element: &BytesStart<'_>) -> Row {
        Row {
            repeat: repeat(element, b"number-rows-repeated"),
            cells: Vec::new(),
            used: 0,
            next_column: 0,
        }
    }

    /// Hands the row (as many times as it repeats) to `sink`; moves `line` past it.
    fn finish(self, line: &mut usize, sink: &mut Sink<'_>) -> Result<(), PoolFileError> {
        let first = *line;
        *line = line.saturating_add(self.repeat);
        if self.used == 0 {
            return Ok(());
        }
        if self.repeat > MAX_ROWS {
            return Err(too_many_rows());
        }
        for copy in 0..self.repeat {
            sink(Record {
                line: first.saturating_add(copy),
                cells: Ok(self.cells.clone()),
                used: self.used,
            })?;
        }
        Ok(())
    }
}

/// The cell being read.
struct OdsCell {
    repeat: usize,
    covered: bool,
    value_type: Option<String>,
    error: bool,
    value: Option<String>,
    boolean: Option<String>,
    paragraphs: usize,
    text: CellText,
}

impl OdsCell {
    fn start(element: &BytesStart<'_>) -> OdsCell {
        let error = element
            .attributes()
            .with_checks(false)
            .flatten()
            .any(|a| a.key.as_ref() == b"calcext:value-type" && a.value.as_ref() == b"error");
        OdsCell {
            repeat: repeat(element, b"number-columns-repeated"),
            covered: element.local_name().as_ref() == b"covered-table-cell",
            value_type: attribute(element, b"value-type"),
            error,
            value: attribute(element, b"value"),
            boolean: attribute(element, b"boolean-value"),
            paragraphs: 0,
            text: CellText::default(),
        }
    }

    /// A new paragraph of the cell's text: a line break between paragraphs.
    fn paragraph(&mut self) {
        if self.paragraphs > 0 {
            self.text.push('\n');
        }
        self.paragraphs += 1;
    }

    fn cell(&self) -> Cell {
        if self.covered {
            return Cell::blank();
        }
        if self.error {
            return sheet::error_cell(self.text.text.trim());
        }
        match self.value_type.as_deref() {
            Some("float" | "percentage" | "currency") => {
                match self
                    .value
                    .as_deref()
                    .and_then(|v| v.trim().parse::<f64>().ok())
                {
                    Some(number) => sheet::number_cell(number),
                    None => self.text.cell(),
                }
            }
            Some("date" | "time") => sheet::date_cell(),
            Some("boolean") => sheet::boolean_cell(self.boolean.as_deref() == Some("true")),
            _ => self.text.cell(),
        }
    }

    /// Places the cell (repeated) in the kept columns of the row.
    fn finish(self, row: &mut Row) {
        let cell = self.cell();
        let first = row.next_column;
        row.next_column = first.saturating_add(self.repeat);
        if cell.is_blank() {
            return;
        }
        let kept_end = row.next_column.min(SHEET_COLUMNS);
        for column in first..kept_end {
            sheet::place(&mut row.cells, column, &cell);
        }
        row.used = row.used.max(row.next_column);
    }
}
