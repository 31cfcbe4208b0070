//! Files made from the fund: MARC 21 records of the month's new titles for the
//! library's electronic catalogue (ISO 2709 and MARCXML, through the `marc`
//! crate), the same as CSV, a collection's A5 booklet (PDF) and its HTML page.
//!
//! Pure: data in, bytes out. The services write the bytes to disk.
//!
//! ## MARC 21 fields filled, and why
//!
//! The provider gives a title, authors (one comma-separated string), a genre,
//! a kind (e-book or audiobook), a price, an age rating, an annotation and its
//! own id; no ISBN, publisher or year reach the library, so 020 and 260/264
//! are left out rather than guessed.
//!
//! | field | content |
//! |---|---|
//! | leader | `nam` (language material) or `nim` (nonmusical sound recording) for an audiobook; `a` at 09: UTF-8 |
//! | 001 | the provider's id of the book (`art`) — the key to find the record again |
//! | 003 | the library's MARC organisation code, when configured |
//! | 005 | when the record was made |
//! | 007 | `cr||n|||||||||` (online resource) or `sz|zunnnnnzned` (sound recording) |
//! | 008 | date entered, `rus`, form of item `o` (online) |
//! | 040 | `$a`/`$c` the organisation code, `$b rus` — when configured |
//! | 100 | `$a` the first author |
//! | 245 | `$a` title `$h` [Электронный ресурс] or [Звукозапись] |
//! | 300 | `$a` 1 online resource / 1 audio file (online) |
//! | 336/337/338 | RDA content, media and carrier types (text/spoken word; computer; online resource) |
//! | 365 | `$b` price `$c RUB` |
//! | 520 | `$a` the annotation, where the provider gives one (cut at 3,000 characters) |
//! | 521 | `$a` the age rating, «16+» (the 436-ФЗ mark) |
//! | 655 _4 | `$a` the provider's genre: a genre/form term (not a topical subject, which 650 is for) |
//! | 700 | `$a` each further author |
//! | 856 40 | `$u` the book's page at the provider `$y` «Читать в ЛитРес: Библиотека» |

mod booklet;
mod html;
pub mod stats;

use std::fmt::Write as _;

use chrono::NaiveDate;
use marc::{MarcXml, RecordBuilder};

use crate::domain::fund::{FundTitle, book_url};
use crate::domain::request::BookKind;

pub use booklet::booklet_pdf;
pub use html::collection_html;

/// What the catalogue export needs besides the titles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueOptions {
    /// The provider's reader site, e.g. `https://biblio.litres.ru`.
    pub site: String,
    /// The library's partner id (`lfrom`) in book links.
    pub partner: Option<String>,
    pub library_name: String,
    /// The library's MARC organisation code (003, 040), e.g. `RU-MoCGB`.
    pub org_code: Option<String>,
    /// The day the records are made (005, 008).
    pub created: NaiveDate,
}

/// What a booklet or a collection page needs besides the collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookletOptions {
    pub library_name: String,
    pub site: String,
    pub partner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error(
        "Запись MARC для книги {art} не собрана ({reason}). Сообщите администратору: книгу можно выгрузить в CSV."
    )]
    Marc { art: u64, reason: String },
    #[error("Файл CSV не собран: {0}.")]
    Csv(String),
    #[error("В подборке нет книг: добавьте книги из поиска по фонду.")]
    EmptyCollection,
    #[error("В подборке больше {0} книг: разделите её на несколько.")]
    TooManyItems(usize),
    #[error("Буклет не собран: {0}. Сообщите администратору.")]
    Pdf(String),
}

/// The longest annotation put in 520 (characters).
pub const ANNOTATION_MARC_CHARS: usize = 3_000;
/// The longest title, author or genre put in a field (characters).
const FIELD_CHARS: usize = 1_000;

fn cut(s: &str, max: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Control characters would break the record's structure: spaces instead.
fn clean(s: &str, max: usize) -> String {
    cut(
        &s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>(),
        max,
    )
}

/// «Толстой Л. Н., Иванов И.» → the authors, one by one.
pub fn split_authors(authors: &str) -> Vec<String> {
    authors
        .split([',', ';'])
        .map(|a| clean(a, FIELD_CHARS))
        .filter(|a| !a.is_empty())
        .collect()
}

/// `349.50` from kopecks.
fn price_text(kopecks: i64) -> String {
    let sign = if kopecks < 0 { "-" } else { "" };
    let k = kopecks.unsigned_abs();
    format!("{sign}{}.{:02}", k / 100, k % 100)
}

fn kind_word(kind: BookKind) -> &'static str {
    match kind {
        BookKind::Audio => "аудиокнига",
        _ => "электронная книга",
    }
}

fn record(t: &FundTitle, o: &CatalogueOptions) -> Result<marc::Record<'static>, ExportError> {
    let fail = |e: marc::Error| ExportError::Marc {
        art: t.art,
        reason: e.to_string(),
    };
    let audio = t.kind == BookKind::Audio;
    let mut b = RecordBuilder::new();
    // Leader: new record, type, monograph, UTF-8, full level, ISBD.
    b.set_record_status(b'n'.into())
        .set_type_of_record(if audio { b'i' } else { b'a' }.into())
        .set_bibliographic_level(b'm'.into())
        .set_character_coding_scheme(b'a'.into());
    let created = o.created.format("%y%m%d").to_string();
    let mut fields: Vec<marc::FieldRepr> = vec![
        (b"001", t.art.to_string()).into(),
        (b"005", format!("{}000000.0", o.created.format("%Y%m%d"))).into(),
        (
            b"007",
            if audio {
                "sz|zunnnnnzned"
            } else {
                "cr||n|||||||||"
            }
            .to_owned(),
        )
            .into(),
        (b"008", field_008(&created)).into(),
    ];
    if let Some(org) = o.org_code.as_deref().filter(|c| !c.trim().is_empty()) {
        let org = clean(org, 32);
        fields.push((b"003", org.clone()).into());
        fields.push(
            (
                b"040",
                b"  ",
                vec![(b'a', org.clone()), (b'b', "rus".into()), (b'c', org)],
            )
                .into(),
        );
    }
    let authors = split_authors(&t.authors);
    if let Some(first) = authors.first() {
        fields.push((b"100", b"1 ", vec![(b'a', first.clone())]).into());
    }
    for a in authors.iter().skip(1) {
        fields.push((b"700", b"1 ", vec![(b'a', a.clone())]).into());
    }
    fields.push(
        (
            b"245",
            if authors.is_empty() { b"00" } else { b"10" },
            vec![
                (b'a', clean(&t.title, FIELD_CHARS)),
                (
                    b'h',
                    if audio {
                        "[Звукозапись]".to_owned()
                    } else {
                        "[Электронный ресурс]".to_owned()
                    },
                ),
            ],
        )
            .into(),
    );
    fields.push(
        (
            b"300",
            b"  ",
            vec![(
                b'a',
                if audio {
                    "1 audio file (online)".to_owned()
                } else {
                    "1 online resource".to_owned()
                },
            )],
        )
            .into(),
    );
    let (content, content_code) = if audio {
        ("spoken word", "spw")
    } else {
        ("text", "txt")
    };
    fields.push(
        (
            b"336",
            b"  ",
            vec![
                (b'a', content.to_owned()),
                (b'b', content_code.to_owned()),
                (b'2', "rdacontent".to_owned()),
            ],
        )
            .into(),
    );
    fields.push(
        (
            b"337",
            b"  ",
            vec![
                (b'a', "computer".to_owned()),
                (b'b', "c".to_owned()),
                (b'2', "rdamedia".to_owned()),
            ],
        )
            .into(),
    );
    fields.push(
        (
            b"338",
            b"  ",
            vec![
                (b'a', "online resource".to_owned()),
                (b'b', "cr".to_owned()),
                (b'2', "rdacarrier".to_owned()),
            ],
        )
            .into(),
    );
    if let Some(p) = t.price_kopecks {
        fields.push(
            (
                b"365",
                b"  ",
                vec![(b'b', price_text(p)), (b'c', "RUB".to_owned())],
            )
                .into(),
        );
    }
    if let Some(a) = t.annotation.as_deref().filter(|a| !a.trim().is_empty()) {
        fields.push((b"520", b"  ", vec![(b'a', clean(a, ANNOTATION_MARC_CHARS))]).into());
    }
    if let Some(age) = t.age_rating {
        fields.push((b"521", b"  ", vec![(b'a', format!("{age}+"))]).into());
    }
    if let Some(g) = t.genre.as_deref().filter(|g| !g.trim().is_empty()) {
        fields.push((b"655", b" 4", vec![(b'a', clean(g, FIELD_CHARS))]).into());
    }
    fields.push(
        (
            b"856",
            b"40",
            vec![
                (b'u', book_url(&o.site, t.art, o.partner.as_deref())),
                (b'y', "Читать в ЛитРес: Библиотека".to_owned()),
            ],
        )
            .into(),
    );
    b.add_fields(fields).map_err(fail)?;
    b.get_record().map_err(fail)
}

/// 008, the fixed-length data elements (40 positions): the day entered (00–05),
/// dates unknown (06–14), place unknown (15–17), form of item «o» online (23),
/// not a conference/festschrift, no index (29–31), language «rus» (35–37),
/// cataloguing source «d» other (39).
fn field_008(created: &str) -> String {
    let mut f = String::with_capacity(40);
    f.push_str(created); // 00-05
    f.push_str("nuuuuuuuu"); // 06-14
    f.push_str("xx "); // 15-17
    f.push_str("     "); // 18-22
    f.push('o'); // 23
    f.push_str("     "); // 24-28
    f.push_str("000"); // 29-31
    f.push_str(" | "); // 32-34
    f.push_str("rus"); // 35-37
    f.push_str(" d"); // 38-39
    debug_assert_eq!(f.len(), 40);
    f
}

/// The titles as MARC 21 records in ISO 2709 (`.mrc`), one after another.
pub fn marc_iso2709(items: &[FundTitle], o: &CatalogueOptions) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::new();
    for t in items {
        out.extend_from_slice(record(t, o)?.as_ref());
    }
    Ok(out)
}

/// The titles as a MARCXML `<collection>`.
pub fn marc_xml(items: &[FundTitle], o: &CatalogueOptions) -> Result<Vec<u8>, ExportError> {
    let records = items
        .iter()
        .map(|t| record(t, o))
        .collect::<Result<Vec<_>, _>>()?;
    let mut xml = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".to_vec();
    let body = records.xml_pretty().map_err(|e| ExportError::Marc {
        art: 0,
        reason: e.to_string(),
    })?;
    // xml-rs writes its own declaration first: keep one.
    let body = match body.iter().position(|&c| c == b'\n') {
        Some(i) if body.starts_with(b"<?xml") => body[i + 1..].to_vec(),
        _ => body,
    };
    xml.extend_from_slice(&body);
    Ok(xml)
}

/// The titles as CSV (UTF-8 with a BOM, so Excel on Windows reads Cyrillic
/// right), with a stable English header for scripts.
pub fn catalogue_csv(items: &[FundTitle], o: &CatalogueOptions) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let err = |e: csv::Error| ExportError::Csv(e.to_string());
    w.write_record([
        "art",
        "title",
        "authors",
        "genre",
        "kind",
        "price_rub",
        "age_rating",
        "added",
        "licence_end",
        "annotation",
        "url",
    ])
    .map_err(err)?;
    for t in items {
        let mut price = String::new();
        if let Some(p) = t.price_kopecks {
            let _ = write!(price, "{}", price_text(p));
        }
        w.write_record([
            t.art.to_string(),
            clean(&t.title, FIELD_CHARS),
            clean(&t.authors, FIELD_CHARS),
            t.genre.clone().unwrap_or_default(),
            kind_word(t.kind).to_owned(),
            price,
            t.age_rating.map(|a| format!("{a}+")).unwrap_or_default(),
            t.added.map(|d| d.to_string()).unwrap_or_default(),
            t.licence_end.map(|d| d.to_string()).unwrap_or_default(),
            t.annotation
                .as_deref()
                .map(|a| clean(a, ANNOTATION_MARC_CHARS))
                .unwrap_or_default(),
            book_url(&o.site, t.art, o.partner.as_deref()),
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| ExportError::Csv(e.to_string()))
}

#[cfg(test)]
mod tests;
