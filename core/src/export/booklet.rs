//! A collection's booklet: A5 pages with the library's name, the
//! collection's name, audience and description, then each book — number,
//! title, authors, genre, a short annotation and a QR code to its page at
//! the provider — never cut across pages, with «стр. N из M» at the foot.
//! Real text with embedded DejaVu fonts (the slip's), so it can be searched.

use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use qrcode::{EcLevel, QrCode};

use super::{BookletOptions, ExportError};
use crate::domain::fund::{COLLECTION_ITEMS_MAX, Collection, book_url};
use crate::slip::compose::{Op, wrap};
use crate::slip::font::{FontKind, Fonts};

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 148.0 * MM;
const PAGE_H: f32 = 210.0 * MM;
const MARGIN: f32 = 12.0 * MM;
const FOOT: f32 = 10.0 * MM;
const QR_SIZE: f32 = 22.0 * MM;
const GAP: f32 = 4.0 * MM;
/// The most characters of an annotation on the booklet (cut at a word).
pub const ANNOTATION_CHARS: usize = 400;

fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `max` characters, cut at a word with «…».
fn short(s: &str, max: usize) -> String {
    let s = one_line(s);
    if s.chars().count() <= max {
        return s;
    }
    let head: String = s.chars().take(max).collect();
    let head = match head.rfind(' ') {
        Some(i) if i > max / 2 => head[..i].to_owned(),
        _ => head,
    };
    format!("{}…", head.trim_end_matches([',', '.', ';', ':', ' ']))
}

/// Lines of text laid out from the top of a block.
struct Block {
    ops: Vec<Op>,
    height: f32,
}

struct Writer<'f> {
    fonts: &'f Fonts,
    ops: Vec<Op>,
    y: f32,
}

impl Writer<'_> {
    /// Wrapped text at `x` within `width`, from the current `y`.
    fn text(&mut self, x: f32, width: f32, font: FontKind, size: f32, gray: u8, s: &str) {
        let face = self.fonts.face(font);
        for line in wrap(face, s, size, width) {
            self.y += size * 1.25;
            self.ops.push(Op::Text {
                x,
                baseline: self.y - size * 0.25,
                font,
                size,
                text: line,
                gray,
            });
        }
    }
}

fn qr(url: &str, x: f32, y: f32) -> Result<Op, ExportError> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| ExportError::Pdf(format!("QR-код для {url}: {e}")))?;
    let width = code.width();
    let dark: Vec<bool> = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok(Op::Qr {
        x,
        y,
        module: QR_SIZE / width as f32,
        width,
        dark,
    })
}

/// A block's ops moved down by `dy`.
fn shifted(ops: Vec<Op>, dy: f32) -> Vec<Op> {
    ops.into_iter()
        .map(|op| match op {
            Op::Text {
                x,
                baseline,
                font,
                size,
                text,
                gray,
            } => Op::Text {
                x,
                baseline: baseline + dy,
                font,
                size,
                text,
                gray,
            },
            Op::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => Op::Rect {
                x,
                y: y + dy,
                w,
                h,
                fill,
                stroke,
            },
            Op::Qr {
                x,
                y,
                module,
                width,
                dark,
            } => Op::Qr {
                x,
                y: y + dy,
                module,
                width,
                dark,
            },
        })
        .collect()
}

/// The booklet of a collection, as PDF bytes.
pub fn booklet_pdf(c: &Collection, o: &BookletOptions) -> Result<Vec<u8>, ExportError> {
    if c.items.is_empty() {
        return Err(ExportError::EmptyCollection);
    }
    if c.items.len() > COLLECTION_ITEMS_MAX {
        return Err(ExportError::TooManyItems(COLLECTION_ITEMS_MAX));
    }
    let fonts = Fonts::get().map_err(ExportError::Pdf)?;
    let inner = PAGE_W - 2.0 * MARGIN;
    let bottom = PAGE_H - MARGIN - FOOT;

    // The head of the first page.
    let mut head = Writer {
        fonts,
        ops: Vec::new(),
        y: MARGIN,
    };
    head.text(
        MARGIN,
        inner,
        FontKind::Regular,
        9.0,
        90,
        &one_line(&o.library_name),
    );
    head.y += 2.0 * MM;
    head.text(
        MARGIN,
        inner,
        FontKind::Bold,
        10.0,
        60,
        "Рекомендуем прочесть",
    );
    head.text(MARGIN, inner, FontKind::Bold, 18.0, 0, &one_line(&c.name));
    head.y += 1.0 * MM;
    head.text(
        MARGIN,
        inner,
        FontKind::Regular,
        9.0,
        70,
        &c.audience.label(),
    );
    if !c.description.trim().is_empty() {
        head.y += 1.5 * MM;
        head.text(
            MARGIN,
            inner,
            FontKind::Regular,
            10.0,
            20,
            &short(&c.description, 1200),
        );
    }
    head.y += 3.0 * MM;
    head.ops.push(Op::Rect {
        x: MARGIN,
        y: head.y,
        w: inner,
        h: 0.6,
        fill: Some(120),
        stroke: None,
    });
    head.y += 3.0 * MM;

    // One block per book: text on the left, the QR code on the right.
    let text_w = inner - QR_SIZE - GAP;
    let mut blocks = Vec::with_capacity(c.items.len());
    for (i, t) in c.items.iter().enumerate() {
        let mut w = Writer {
            fonts,
            ops: Vec::new(),
            y: 0.0,
        };
        w.text(
            MARGIN,
            text_w,
            FontKind::Bold,
            12.0,
            0,
            &format!("{}. {}", i + 1, one_line(&t.title)),
        );
        if !t.authors.trim().is_empty() {
            w.text(
                MARGIN,
                text_w,
                FontKind::Regular,
                10.0,
                20,
                &one_line(&t.authors),
            );
        }
        let mut facts = vec![
            t.genre
                .clone()
                .filter(|g| !g.trim().is_empty())
                .unwrap_or_else(|| "жанр не указан".into()),
        ];
        if t.kind == crate::domain::request::BookKind::Audio {
            facts.push("аудиокнига".into());
        }
        if let Some(a) = t.age_rating {
            facts.push(format!("{a}+"));
        }
        w.text(
            MARGIN,
            text_w,
            FontKind::Regular,
            8.5,
            90,
            &one_line(&facts.join(" · ")),
        );
        if let Some(a) = t.annotation.as_deref().filter(|a| !a.trim().is_empty()) {
            w.y += 1.0 * MM;
            w.text(
                MARGIN,
                text_w,
                FontKind::Regular,
                9.0,
                40,
                &short(a, ANNOTATION_CHARS),
            );
        }
        let url = book_url(&o.site, t.art, o.partner.as_deref());
        w.ops.push(qr(&url, MARGIN + text_w + GAP, 1.0 * MM)?);
        let height = w.y.max(QR_SIZE + 1.0 * MM) + 5.0 * MM;
        blocks.push(Block { ops: w.ops, height });
    }

    // Flow the blocks onto pages; a block never splits.
    let mut pages: Vec<Vec<Op>> = vec![head.ops];
    let mut y = head.y;
    for b in blocks {
        if y + b.height > bottom && y > MARGIN + 1.0 {
            pages.push(Vec::new());
            y = MARGIN;
        }
        let ops = shifted(b.ops, y);
        if let Some(page) = pages.last_mut() {
            page.extend(ops);
        }
        y += b.height;
    }

    let total = pages.len();
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("Подборка «{}»", one_line(&c.name)))
            .language("ru".to_owned())
            .creator("Kafedra".to_owned()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| ExportError::Pdf("неверный размер страницы".into()))?;
    for (n, mut ops) in pages.into_iter().enumerate() {
        let foot = format!("стр. {} из {total}", n + 1);
        let face = fonts.face(FontKind::Regular);
        ops.push(Op::Text {
            x: PAGE_W - MARGIN - face.width(&foot, 8.0),
            baseline: PAGE_H - MARGIN,
            font: FontKind::Regular,
            size: 8.0,
            text: foot,
            gray: 110,
        });
        ops.push(Op::Text {
            x: MARGIN,
            baseline: PAGE_H - MARGIN,
            font: FontKind::Regular,
            size: 8.0,
            text: short(&o.library_name, 60),
            gray: 110,
        });
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in &ops {
            crate::slip::draw(&mut surface, op, fonts);
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| ExportError::Pdf(e.to_string()))
}
