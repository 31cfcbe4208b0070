//! Text pool files: CSV, TSV and the like, already decoded. Lines are read one by one;
//! the delimiter is declared (`sep=;`) or guessed from the first lines.

use std::collections::HashMap;

use crate::domain::text::{counted, group_digits};

use super::pool::{
    Cell, Column, MAX_LINE_CHARS, PoolFileError, Record, Sink, classify_header, no_rows,
};

/// How many non-blank lines are looked at to guess the column delimiter.
const SNIFF_LINES: usize = 20;

/// Delimiters tried when the file does not say which one it uses, in order of preference
/// (a tie goes to the earlier one; `;` is what Russian Excel writes).
const DELIMITERS: [char; 3] = [';', '\t', ','];

/// How a text file is to be split.
pub(super) struct Plan {
    pub(super) delimiter: char,
    /// The first non-blank line is Excel's `sep=…` and is not data.
    skip_first: bool,
}

/// Decides the delimiter: declared by a first line `sep=;` (as Excel understands it), or
/// guessed from the first lines.
pub(super) fn plan(text: &str) -> Result<Plan, PoolFileError> {
    let mut lines = non_blank_lines(text);
    let Some((_, first)) = lines.next() else {
        return Err(no_rows());
    };
    if let Some(delimiter) = declared_delimiter(first) {
        return Ok(Plan {
            delimiter,
            skip_first: true,
        });
    }
    let sample: Vec<&str> = std::iter::once(first)
        .chain(lines.map(|(_, line)| line))
        .filter(|line| !too_long(line))
        .take(SNIFF_LINES)
        .collect();
    Ok(Plan {
        delimiter: sniff_delimiter(&sample)?,
        skip_first: false,
    })
}

/// Hands every non-blank line to `sink` as a record.
pub(super) fn read(text: &str, plan: &Plan, sink: &mut Sink<'_>) -> Result<(), PoolFileError> {
    let lines = non_blank_lines(text).skip(usize::from(plan.skip_first));
    for (line, content) in lines {
        let record = if too_long(content) {
            Record::broken(line, long_line_message(content))
        } else {
            match split_fields(content, plan.delimiter) {
                Ok(fields) => Record::new(line, fields.into_iter().map(Cell::Text).collect()),
                Err(message) => Record::broken(line, message),
            }
        };
        sink(record)?;
    }
    Ok(())
}

fn too_long(line: &str) -> bool {
    // A char is at most 4 bytes: count only when the bytes leave a doubt.
    line.len() > MAX_LINE_CHARS
        && (line.len() > 4 * MAX_LINE_CHARS || line.chars().nth(MAX_LINE_CHARS).is_some())
}

fn long_line_message(line: &str) -> String {
    format!(
        "Строка слишком длинная: {}, а строка списка логинов не длиннее {} символов. \
         Похоже, в файле потерялись переводы строк или это не тот файл.",
        counted(line.chars().count() as u64, "символ", "символа", "символов"),
        group_digits(MAX_LINE_CHARS as u64)
    )
}

/// The non-blank lines with their 1-based numbers; lines end with CRLF, LF or a lone CR.
fn non_blank_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    Lines {
        text,
        start: 0,
        line: 0,
    }
    .filter(|(_, line)| !line.trim().is_empty())
}

struct Lines<'a> {
    text: &'a str,
    start: usize,
    line: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let bytes = self.text.as_bytes();
        if self.start >= bytes.len() {
            return None;
        }
        self.line += 1;
        let rest = &bytes[self.start..];
        let (content, next) = match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(end) => {
                let crlf = rest[end] == b'\r' && rest.get(end + 1) == Some(&b'\n');
                (end, end + if crlf { 2 } else { 1 })
            }
            None => (rest.len(), rest.len()),
        };
        let line = &self.text[self.start..self.start + content];
        self.start += next;
        Some((self.line, line))
    }
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
fn sniff_delimiter(sample: &[&str]) -> Result<char, PoolFileError> {
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
        PoolFileError::Unreadable(
            "Не удалось разобрать таблицу: в строках нет разделителя столбцов. \
             Логин и пароль должны стоять в отдельных столбцах, разделённых \
             точкой с запятой, запятой или табуляцией."
                .to_owned(),
        )
    })
}
