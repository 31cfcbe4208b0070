//! Spreadsheets: recognising them, opening the ZIP container with bounds, and what XLSX
//! and ODS share (bounded XML streams, cell text, numbers).
//!
//! Nothing here trusts what the file says about itself: the number of ZIP entries is
//! checked before the archive is opened (a forged directory would make the ZIP reader
//! reserve memory for it), every unpacked part is read through [`Bounded`] (at most
//! [`MAX_PART_BYTES`], no text or tag longer than [`MAX_TOKEN_BYTES`]), and sheets are
//! streamed row by row by `xlsx` and `ods`, never laid out as a grid.

use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart};
use zip::ZipArchive;
use zip::read::ZipFile;

use super::pool::{Cell, PoolFileError, Sink, unreadable};
use super::{ods, xlsx};

/// Most entries a workbook's ZIP may have (a real one has a few dozen).
const MAX_ZIP_ENTRIES: u64 = 10_000;

/// Most EOCD signatures a file may hold: the ZIP reader tries each one as a directory.
const MAX_DIRECTORY_ENDS: usize = 16;

/// Largest unpacked part (a sheet, the shared strings, content.xml): a sheet of a
/// million rows of a few columns is well below it; a ZIP bomb is stopped there.
pub(super) const MAX_PART_BYTES: u64 = 512 * 1024 * 1024;

/// Largest small part (workbook, relationships, styles, mimetype).
pub(super) const MAX_SMALL_PART_BYTES: u64 = 16 * 1024 * 1024;

/// Longest run of bytes without `<` or `>` in a part: one text or tag that long is not a
/// pool, and the XML reader would have to hold it whole.
const MAX_TOKEN_BYTES: usize = 1024 * 1024;

/// Longest text kept for one cell; a longer value is refused as too long anyway.
pub(super) const MAX_CELL_BYTES: usize = 64 * 1024;

/// Largest integer Excel stores exactly (15 significant digits).
const EXACT_DIGITS_LIMIT: f64 = 1e15;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

pub(super) fn is_spreadsheet(bytes: &[u8], file_name: &str) -> bool {
    // Only ZIP-based formats are trusted by name: a real one always has the ZIP magic, so a
    // mismatch means a broken file. A ".xls" without the OLE magic is usually text (many
    // systems export TSV or CSV under that name), so it goes to the text reader.
    let name = file_name.to_lowercase();
    bytes.starts_with(ZIP_MAGIC)
        || bytes.starts_with(OLE_MAGIC)
        || [".xlsx", ".xlsm", ".xlsb", ".ods"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

fn not_a_workbook() -> PoolFileError {
    unreadable(
        "Не удалось открыть файл как таблицу Excel: он повреждён или это не XLSX. \
         Откройте его в Excel и сохраните заново как «Книга Excel (*.xlsx)» или как CSV.",
    )
}

pub(super) fn broken_part() -> PoolFileError {
    unreadable(
        "Не удалось прочитать первый лист книги: файл повреждён. \
         Откройте его в Excel и сохраните заново.",
    )
}

fn too_big_part() -> PoolFileError {
    unreadable(
        "Таблица в файле после распаковки слишком большая для списка логинов \
         (или файл повреждён). Сохраните список как CSV или разделите его на части.",
    )
}

/// A workbook whose container was opened; its first sheet is read by [`Workbook::read`].
pub(super) struct Workbook<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    kind: Kind,
}

#[derive(Clone, Copy)]
enum Kind {
    Xlsx,
    Ods,
}

/// Opens a spreadsheet: XLSX or ODS. The binary formats (XLS, XLSB) are refused with a
/// request to save the file as XLSX or CSV.
pub(super) fn open(bytes: &[u8]) -> Result<Workbook<'_>, PoolFileError> {
    if bytes.starts_with(OLE_MAGIC) {
        return Err(unreadable(
            "Это книга Excel старого формата (XLS). Откройте её в Excel и сохраните \
             как «Книга Excel (*.xlsx)» или как «CSV UTF-8», затем загрузите снова.",
        ));
    }
    if !bytes.starts_with(ZIP_MAGIC) {
        return Err(not_a_workbook());
    }
    check_directory(bytes)?;
    let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_a_workbook())?;
    let has = |name: &str| zip.index_for_name(name).is_some();
    let kind = if has("xl/workbook.xml") {
        Kind::Xlsx
    } else if has("xl/workbook.bin") {
        return Err(unreadable(
            "Это двоичная книга Excel (XLSB). Откройте её в Excel и сохраните \
             как «Книга Excel (*.xlsx)» или как «CSV UTF-8», затем загрузите снова.",
        ));
    } else if has("content.xml") {
        Kind::Ods
    } else {
        return Err(not_a_workbook());
    };
    Ok(Workbook { zip, kind })
}

impl Workbook<'_> {
    /// The format, as [`super::pool::ParsedPool::encoding`] names it.
    pub(super) fn kind(&self) -> &'static str {
        match self.kind {
            Kind::Xlsx => "XLSX",
            Kind::Ods => "ODS",
        }
    }

    /// Streams the first sheet into `sink`, row by row.
    pub(super) fn read(&mut self, sink: &mut Sink<'_>) -> Result<(), PoolFileError> {
        match self.kind {
            Kind::Xlsx => xlsx::read(&mut self.zip, sink),
            Kind::Ods => ods::read(&mut self.zip, sink),
        }
    }
}

/// Refuses a ZIP whose end-of-directory records announce more entries than a workbook has,
/// before the ZIP reader reserves memory for them.
fn check_directory(bytes: &[u8]) -> Result<(), PoolFileError> {
    let mut ends = 0;
    let mut from = 0;
    while let Some(found) = find(&bytes[from..], b"PK\x05\x06") {
        let at = from + found;
        ends += 1;
        let fields = [at + 8, at + 10];
        let entries = fields
            .iter()
            .filter_map(|&i| bytes.get(i..i + 2))
            .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])));
        if ends > MAX_DIRECTORY_ENDS || entries.clone().any(|n| n > MAX_ZIP_ENTRIES) {
            return Err(not_a_workbook());
        }
        from = at + 4;
    }
    from = 0;
    while let Some(found) = find(&bytes[from..], b"PK\x06\x06") {
        let at = from + found;
        ends += 1;
        let fields = [at + 24, at + 32];
        let entries = fields
            .iter()
            .filter_map(|&i| bytes.get(i..i + 8))
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0xFF; 8])));
        if ends > MAX_DIRECTORY_ENDS || entries.clone().any(|n| n > MAX_ZIP_ENTRIES) {
            return Err(not_a_workbook());
        }
        from = at + 4;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8; 4]) -> Option<usize> {
    haystack.windows(4).position(|w| w == needle)
}

/// One unpacked part of the workbook, as a bounded XML stream; `Ok(None)` if the
/// workbook has no such part.
pub(super) fn part<'z, 'a>(
    zip: &'z mut ZipArchive<Cursor<&'a [u8]>>,
    name: &str,
    limit: u64,
) -> Result<Option<Xml<'z, 'a>>, PoolFileError> {
    let Some(index) = zip.index_for_name(name) else {
        return Ok(None);
    };
    let file = zip.by_index(index).map_err(|_| broken_part())?;
    let bounded = Bounded {
        inner: file,
        left: limit,
        run: 0,
    };
    let mut reader = Reader::from_reader(BufReader::new(bounded));
    reader.config_mut().trim_text(false);
    Ok(Some(Xml {
        reader,
        buf: Vec::new(),
    }))
}

/// A part's XML events; errors are already the librarian's messages.
/// An unpacked part, bounded, buffered.
type PartReader<'z, 'a> = BufReader<Bounded<ZipFile<'z, Cursor<&'a [u8]>>>>;

pub(super) struct Xml<'z, 'a> {
    reader: Reader<PartReader<'z, 'a>>,
    buf: Vec<u8>,
}

impl Xml<'_, '_> {
    pub(super) fn next(&mut self) -> Result<quick_xml::events::Event<'_>, PoolFileError> {
        self.buf.clear();
        self.reader
            .read_event_into(&mut self.buf)
            .map_err(|e| xml_error(&e))
    }
}

fn xml_error(error: &quick_xml::Error) -> PoolFileError {
    if let quick_xml::Error::Io(io) = error
        && io.get_ref().is_some_and(|e| e.is::<LimitReached>())
    {
        return too_big_part();
    }
    broken_part()
}

/// The reader hit one of [`Bounded`]'s limits.
#[derive(Debug)]
struct LimitReached;

impl std::fmt::Display for LimitReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("part of the workbook over its limit")
    }
}

impl std::error::Error for LimitReached {}

/// Reads at most `left` bytes, and fails on a run of [`MAX_TOKEN_BYTES`] without `<` or `>`.
struct Bounded<R> {
    inner: R,
    left: u64,
    run: usize,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(LimitReached)),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        for &byte in &buf[..n] {
            if byte == b'<' || byte == b'>' {
                self.run = 0;
            } else {
                self.run += 1;
                if self.run > MAX_TOKEN_BYTES {
                    return Err(std::io::Error::other(LimitReached));
                }
            }
        }
        Ok(n)
    }
}

/// The value of an attribute given by its local name (any prefix but LibreOffice's
/// `calcext:`, which repeats `office:` ones with other values).
pub(super) fn attribute(element: &BytesStart<'_>, local: &[u8]) -> Option<String> {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| {
            a.key.local_name().as_ref() == local
                && a.key.prefix().is_none_or(|p| p.as_ref() != b"calcext")
        })
        .and_then(|a| {
            a.decode_and_unescape_value(element.decoder())
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Text of a cell gathered from XML events, kept up to [`MAX_CELL_BYTES`].
#[derive(Default)]
pub(super) struct CellText {
    pub(super) text: String,
    pub(super) overflow: bool,
}

impl CellText {
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.overflow = false;
    }

    pub(super) fn push_str(&mut self, s: &str) {
        if self.overflow {
            return;
        }
        if self.text.len() + s.len() > MAX_CELL_BYTES {
            let mut end = MAX_CELL_BYTES - self.text.len();
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            self.text.push_str(&s[..end]);
            self.overflow = true;
        } else {
            self.text.push_str(s);
        }
    }

    pub(super) fn push(&mut self, c: char) {
        let mut utf8 = [0u8; 4];
        self.push_str(c.encode_utf8(&mut utf8));
    }

    /// The text of an entity or character reference (`&amp;`, `&#x41;`).
    pub(super) fn push_reference(&mut self, reference: &BytesRef<'_>) {
        if let Ok(Some(c)) = reference.resolve_char_ref() {
            return self.push(c);
        }
        let named = match &**reference {
            b"amp" => '&',
            b"lt" => '<',
            b"gt" => '>',
            b"quot" => '"',
            b"apos" => '\'',
            _ => return,
        };
        self.push(named);
    }

    /// The cell: the text trimmed, or a refusal if it was too long to keep.
    pub(super) fn cell(&self) -> Cell {
        if self.overflow {
            Cell::Bad(too_long_cell())
        } else {
            Cell::Text(self.text.trim().to_owned())
        }
    }
}

pub(super) fn too_long_cell() -> String {
    "в ячейке слишком длинный текст — это не логин и не пароль. \
     Проверьте, тот ли это столбец."
        .to_owned()
}

/// A numeric cell as the librarian sees it typed: 100234.0 → "100234".
pub(super) fn number_cell(number: f64) -> Cell {
    if !number.is_finite() {
        broken_cell()
    } else if number.abs() >= EXACT_DIGITS_LIMIT {
        Cell::Bad(
            "в ячейке число из 16 и более цифр, а Excel хранит точно только 15 цифр — \
             последние цифры могли исказиться. Отформатируйте столбец как текстовый \
             и впишите значение заново."
                .to_owned(),
        )
    } else {
        // `Display` prints integral floats without ".0": 100234.0 → "100234".
        Cell::Text(number.to_string())
    }
}

pub(super) fn date_cell() -> Cell {
    Cell::Bad(
        "Excel превратил значение в дату или время. Отформатируйте столбец \
         как текстовый и впишите значение заново."
            .to_owned(),
    )
}

pub(super) fn boolean_cell(value: bool) -> Cell {
    Cell::Text(if value { "ИСТИНА" } else { "ЛОЖЬ" }.to_owned())
}

pub(super) fn error_cell(error: &str) -> Cell {
    let error: String = error.chars().take(16).collect();
    Cell::Bad(format!(
        "в ячейке ошибка Excel {error}. Впишите в ячейку само значение, а не формулу."
    ))
}

pub(super) fn broken_cell() -> Cell {
    Cell::Bad("ячейка повреждена. Впишите значение заново.".to_owned())
}

/// Puts `cell` at column `column` of a row being read, if that column is kept; returns
/// whether the cell is filled.
pub(super) fn place(cells: &mut Vec<Cell>, column: usize, cell: &Cell) -> bool {
    if column < super::pool::SHEET_COLUMNS {
        if cells.len() <= column {
            cells.resize(column + 1, Cell::blank());
        }
        cells[column] = cell.clone();
    }
    !cell.is_blank()
}
