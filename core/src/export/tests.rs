//! The catalogue export read back by the MARC crate (ISO 2709) and by xml-rs
//! (MARCXML) with every field checked; the CSV parsed; the booklet's text
//! read with `pdftotext`; hostile text escaped in the HTML.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;
use crate::domain::fund::{Audience, Collection, FundTitle};
use crate::domain::request::BookKind;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn ebook() -> FundTitle {
    FundTitle {
        art: 70_000_123,
        title: "Тень над Невой".into(),
        authors: "Морозов Пётр, Ёлкина Елена".into(),
        genre: Some("Детектив".into()),
        kind: BookKind::Ebook,
        price_kopecks: Some(34_950),
        age_rating: Some(16),
        copies: 1,
        on_loan: 0,
        issues: 3,
        copy_issues: vec![3],
        licence_end: Some(day(2027, 11, 1)),
        added: Some(day(2026, 11, 3)),
        annotation: Some("Петербург, зима, исчезнувший архивариус.".into()),
    }
}

fn audiobook() -> FundTitle {
    FundTitle {
        art: 70_000_124,
        title: "Ёжик и осенний лес".into(),
        authors: "Белова Ирина".into(),
        genre: None,
        kind: BookKind::Audio,
        price_kopecks: None,
        age_rating: None,
        annotation: None,
        ..ebook()
    }
}

fn opts() -> CatalogueOptions {
    CatalogueOptions {
        site: "https://biblio.litres.ru".into(),
        partner: Some("4242".into()),
        library_name: "ЦГБ".into(),
        org_code: Some("RU-TstCGB".into()),
        created: day(2026, 12, 1),
    }
}

/// Tag → list of (indicators, [(code, value)]) or the control value.
type Fields = BTreeMap<String, Vec<(String, Vec<(char, String)>)>>;

fn from_iso(r: &marc::Record<'_>) -> (String, Fields) {
    let mut out: Fields = BTreeMap::new();
    for f in r.fields() {
        let tag = String::from_utf8_lossy(&f.get_tag().0).into_owned();
        let entry = out.entry(tag.clone()).or_default();
        if tag.as_str() < "010" {
            entry.push((String::new(), vec![(' ', f.get_data::<str>().to_owned())]));
        } else {
            let ind = String::from_utf8_lossy(&f.get_indicator().0).into_owned();
            let subs = f
                .subfields()
                .map(|s| {
                    (
                        char::from(u8::from(s.get_identifier())),
                        s.get_data::<str>().to_owned(),
                    )
                })
                .collect();
            entry.push((ind, subs));
        }
    }
    (String::from_utf8_lossy(&r.as_ref()[..24]).into_owned(), out)
}

fn from_xml(bytes: &[u8]) -> Vec<(String, Fields)> {
    use xml::reader::{EventReader, XmlEvent};
    let mut records = Vec::new();
    let mut leader = String::new();
    let mut fields: Fields = BTreeMap::new();
    let mut text = String::new();
    let mut tag = String::new();
    let mut ind = String::new();
    let mut code = ' ';
    let mut subs: Vec<(char, String)> = Vec::new();
    for e in EventReader::new(bytes) {
        match e.expect("well-formed MARCXML") {
            XmlEvent::StartElement {
                name, attributes, ..
            } => {
                text.clear();
                let attr = |n: &str| {
                    attributes
                        .iter()
                        .find(|a| a.name.local_name == n)
                        .map(|a| a.value.clone())
                        .unwrap_or_default()
                };
                match name.local_name.as_str() {
                    "controlfield" => tag = attr("tag"),
                    "datafield" => {
                        tag = attr("tag");
                        ind = format!("{}{}", attr("ind1"), attr("ind2"));
                        subs.clear();
                    }
                    "subfield" => code = attr("code").chars().next().unwrap_or(' '),
                    _ => {}
                }
            }
            XmlEvent::Characters(t) => text.push_str(&t),
            XmlEvent::EndElement { name } => match name.local_name.as_str() {
                "leader" => leader = text.clone(),
                "controlfield" => fields
                    .entry(tag.clone())
                    .or_default()
                    .push((String::new(), vec![(' ', text.clone())])),
                "subfield" => subs.push((code, text.clone())),
                "datafield" => fields
                    .entry(tag.clone())
                    .or_default()
                    .push((ind.clone(), std::mem::take(&mut subs))),
                "record" => {
                    records.push((std::mem::take(&mut leader), std::mem::take(&mut fields)))
                }
                _ => {}
            },
            _ => {}
        }
    }
    records
}

fn sub(fields: &Fields, tag: &str, code: char) -> Vec<String> {
    fields
        .get(tag)
        .into_iter()
        .flatten()
        .flat_map(|(_, s)| s.iter().filter(|(c, _)| *c == code).map(|(_, v)| v.clone()))
        .collect()
}

fn check_ebook(leader: &str, f: &Fields) {
    assert_eq!(&leader[5..10], "nam a", "{leader}");
    assert_eq!(sub(f, "001", ' '), vec!["70000123"]);
    assert_eq!(sub(f, "003", ' '), vec!["RU-TstCGB"]);
    assert!(sub(f, "005", ' ')[0].starts_with("20261201"));
    assert!(sub(f, "007", ' ')[0].starts_with("cr"));
    let f008 = &sub(f, "008", ' ')[0];
    assert_eq!(f008.chars().count(), 40, "{f008:?}");
    assert!(f008.starts_with("261201"));
    assert_eq!(&f008[35..38], "rus");
    assert_eq!(&f008[23..24], "o");
    assert_eq!(sub(f, "040", 'b'), vec!["rus"]);
    assert_eq!(sub(f, "100", 'a'), vec!["Морозов Пётр"]);
    assert_eq!(sub(f, "700", 'a'), vec!["Ёлкина Елена"]);
    assert_eq!(sub(f, "245", 'a'), vec!["Тень над Невой"]);
    assert_eq!(sub(f, "245", 'h'), vec!["[Электронный ресурс]"]);
    assert_eq!(f["245"][0].0, "10");
    assert_eq!(sub(f, "300", 'a'), vec!["1 online resource"]);
    assert_eq!(sub(f, "336", 'b'), vec!["txt"]);
    assert_eq!(sub(f, "337", 'b'), vec!["c"]);
    assert_eq!(sub(f, "338", 'b'), vec!["cr"]);
    assert_eq!(sub(f, "365", 'b'), vec!["349.50"]);
    assert_eq!(sub(f, "365", 'c'), vec!["RUB"]);
    assert_eq!(
        sub(f, "520", 'a'),
        vec!["Петербург, зима, исчезнувший архивариус."]
    );
    assert_eq!(sub(f, "521", 'a'), vec!["16+"]);
    assert_eq!(sub(f, "655", 'a'), vec!["Детектив"]);
    assert_eq!(f["655"][0].0, " 4");
    assert_eq!(
        sub(f, "856", 'u'),
        vec!["https://biblio.litres.ru/pages/biblio_book/?art=70000123&lfrom=4242"]
    );
    assert_eq!(f["856"][0].0, "40");
}

fn check_audiobook(leader: &str, f: &Fields) {
    assert_eq!(&leader[5..8], "nim", "{leader}");
    assert_eq!(sub(f, "001", ' '), vec!["70000124"]);
    assert!(sub(f, "007", ' ')[0].starts_with("sz"));
    assert_eq!(sub(f, "245", 'h'), vec!["[Звукозапись]"]);
    assert_eq!(sub(f, "336", 'b'), vec!["spw"]);
    assert_eq!(sub(f, "100", 'a'), vec!["Белова Ирина"]);
    for absent in ["365", "520", "521", "655", "700"] {
        assert!(!f.contains_key(absent), "{absent} without data");
    }
}

#[test]
fn iso2709_reads_back_with_every_field() {
    let bytes = marc_iso2709(&[ebook(), audiobook()], &opts()).unwrap();
    let records: Vec<marc::Record<'static>> = marc::Records::new(&bytes[..])
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(records.len(), 2);
    let (l, f) = from_iso(&records[0]);
    check_ebook(&l, &f);
    let (l, f) = from_iso(&records[1]);
    check_audiobook(&l, &f);
}

#[test]
fn marcxml_says_the_same_as_iso2709() {
    let xml = marc_xml(&[ebook(), audiobook()], &opts()).unwrap();
    let text = String::from_utf8(xml.clone()).unwrap();
    assert_eq!(text.matches("<?xml").count(), 1);
    assert!(text.contains("http://www.loc.gov/MARC21/slim"));
    let from_x = from_xml(&xml);
    assert_eq!(from_x.len(), 2);
    check_ebook(&from_x[0].0, &from_x[0].1);
    check_audiobook(&from_x[1].0, &from_x[1].1);
    let iso = marc_iso2709(&[ebook(), audiobook()], &opts()).unwrap();
    let from_i: Vec<_> = marc::Records::new(&iso[..])
        .map(|r| from_iso(&r.unwrap()))
        .collect();
    // Same fields, same values (the leader's length differs by design).
    for (a, b) in from_i.iter().zip(&from_x) {
        assert_eq!(a.1, b.1);
    }
}

#[test]
fn five_thousand_records_and_a_hostile_annotation() {
    let items: Vec<FundTitle> = (0..5_000)
        .map(|i| FundTitle {
            art: 1_000 + i,
            title: format!("Книга {i}"),
            // A huge annotation with control characters: cut, not broken.
            annotation: (i == 7).then(|| format!("{}\u{1d}\u{1e}\u{1f}", "Ы".repeat(20_000))),
            ..ebook()
        })
        .collect();
    let bytes = marc_iso2709(&items, &opts()).unwrap();
    let records: Vec<marc::Record<'static>> = marc::Records::new(&bytes[..])
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(records.len(), 5_000);
    let (_, f) = from_iso(&records[7]);
    let a = &sub(&f, "520", 'a')[0];
    assert_eq!(a.chars().count(), ANNOTATION_MARC_CHARS + 1);
    assert!(a.ends_with('…'));
}

#[test]
fn csv_parses_back() {
    let bytes = catalogue_csv(&[ebook(), audiobook()], &opts()).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let head = r.headers().unwrap().clone();
    assert_eq!(&head[0], "art");
    assert_eq!(&head[10], "url");
    let rows: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][1], "Тень над Невой");
    assert_eq!(&rows[0][2], "Морозов Пётр, Ёлкина Елена");
    assert_eq!(&rows[0][5], "349.50");
    assert_eq!(&rows[0][6], "16+");
    assert_eq!(&rows[1][4], "аудиокнига");
    assert_eq!(&rows[1][5], "");
}

fn collection(n: usize) -> Collection {
    Collection {
        id: 1,
        name: "Зимние детективы".into(),
        description: "Книги для долгих вечеров.".into(),
        audience: Audience::Teens,
        items: (0..n)
            .map(|i| FundTitle {
                art: 5_000 + i as u64,
                title: format!("Загадка номер {i} <b>&"),
                annotation: Some("Длинная аннотация. ".repeat(60)),
                ..ebook()
            })
            .collect(),
    }
}

fn booklet_opts() -> BookletOptions {
    BookletOptions {
        library_name: "Центральная городская библиотека".into(),
        site: "https://biblio.litres.ru".into(),
        partner: None,
    }
}

fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_booklet_flows_over_pages_without_splitting_a_book() {
    let pdf = booklet_pdf(&collection(30), &booklet_opts()).unwrap();
    if let Some(dir) = std::env::var_os("KAFEDRA_SCREENS") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("booklet.pdf"), &pdf);
    }
    let text = pdftotext(&pdf);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    let n = pages.len();
    assert!(n > 2, "30 books on {n} pages");
    assert!(pages[0].contains("Центральная городская библиотека"));
    assert!(pages[0].contains("Зимние детективы"));
    assert!(pages[0].contains("для подростков"));
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains(&format!("стр. {} из {n}", i + 1)), "page {i}");
    }
    for i in 0..30 {
        let title = format!("{}. Загадка номер {i} <b>&", i + 1);
        let holders: Vec<usize> = (0..n).filter(|&p| pages[p].contains(&title)).collect();
        assert_eq!(holders.len(), 1, "{title} on pages {holders:?}");
        // Its authors' line is on the same page: the block was not split.
        assert!(pages[holders[0]].contains("Морозов Пётр, Ёлкина Елена"));
    }
    // The annotation is cut at about 400 characters, at a word, with «…».
    assert!(text.contains('…'));
    assert!(!text.contains(&"Длинная аннотация. ".repeat(30)));
}

#[test]
fn an_empty_collection_has_no_booklet() {
    assert_eq!(
        booklet_pdf(&collection(0), &booklet_opts()),
        Err(ExportError::EmptyCollection)
    );
}

#[test]
fn the_html_page_escapes_hostile_text() {
    let mut c = collection(2);
    c.name = "<script>alert(1)</script> & «лето»".into();
    c.items[0].annotation = Some("\"><img src=x onerror=alert(1)>".into());
    let html = collection_html(&c, &booklet_opts());
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; «лето»"));
    assert!(html.contains("Загадка номер 0 &lt;b&gt;&amp;"));
    assert!(html.contains("href=\"https://biblio.litres.ru/pages/biblio_book/?art=5000\""));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(!html.contains("http://") && !html.contains("<script"));
}
