//! The access slip («Памятка доступа»): a one-page PDF handed to a reader
//! who was just given a login to the e-library, and sending a PDF to the
//! system printer.
//!
//! Two layouts: [`Layout::A5`] (half an A4 sheet) and [`Layout::Receipt80`]
//! (an 80 mm receipt roll, page as long as its content). The login and the
//! password are set large in DejaVu Sans Mono Bold inside a box, so `0`/`O`
//! and `1`/`l`/`I` cannot be confused; a QR code leads to the library's page
//! at the provider. All text is real text (fonts embedded and subset by
//! krilla), so the PDF can be searched and read back.
//!
//! Text is measured with the fonts' own advance widths (see `font`), wrapped
//! or shrunk to fit; the A5 layout is scaled down as a whole if the
//! configured instructions are too long for the page.

pub(crate) mod compose;
pub(crate) mod font;
mod print;

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use qrcode::{EcLevel, QrCode};

use compose::{Composition, Content, Op};
use font::{FontKind, Fonts};

pub use print::{PrintError, print_pdf, printers};

/// Paper format of the slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Half of an A4 sheet, 148×210 mm.
    A5,
    /// An 80 mm receipt roll (≈72 mm printable); height fitted to content.
    Receipt80,
}

/// Everything printed on a slip.
#[derive(Debug, Clone)]
pub struct SlipData {
    pub library_name: String,
    pub reader_name: String,
    pub card_number: String,
    pub login: String,
    pub password: String,
    /// Where to read, e.g. "https://biblio.litres.ru".
    pub site_url: String,
    /// E.g. "Приложение «ЛитРес: Библиотека» для Android и iOS".
    pub apps_text: String,
    /// QR code target: the library's page at the provider (falls back to
    /// `site_url` when empty).
    pub library_page_url: String,
    /// Short steps; they are numbered on the slip (a leading "1." or "1)"
    /// typed by the user is dropped).
    pub instructions: Vec<String>,
    /// E.g. the library's phone and hours; may be empty.
    pub footer: String,
    /// Already formatted, e.g. "28.11.2026 14:05".
    pub issued_at: String,
    /// May be empty.
    pub staff_name: String,
}

/// Why a slip could not be made. Messages are for the librarian.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SlipError {
    #[error("Не заполнено поле «{0}»: памятку без него напечатать нельзя.")]
    Missing(&'static str),
    #[error(
        "В поле «{field}» есть символ «{ch}» (U+{code:04X}), который нельзя напечатать \
         понятно для читателя. Проверьте учётную запись в пуле логинов.",
        code = u32::from(*ch)
    )]
    Unprintable { field: &'static str, ch: char },
    #[error(
        "Не удалось построить QR-код для адреса «{url}» ({reason}). Проверьте адрес \
         страницы библиотеки в настройках."
    )]
    Qr { url: String, reason: String },
    #[error(
        "Текст памятки не помещается на страницу. Сократите инструкции или подвал \
         в настройках памятки."
    )]
    TooLong,
    #[error("Встроенный шрифт памятки повреждён ({0}). Переустановите программу.")]
    Font(String),
    #[error("Не удалось сформировать PDF памятки: {0}.")]
    Pdf(String),
}

/// Renders the slip as a one-page PDF.
pub fn render(data: &SlipData, layout: Layout) -> Result<Vec<u8>, SlipError> {
    let fonts = Fonts::get().map_err(SlipError::Font)?;
    let content = prepare(data, fonts)?;
    let composition = compose::compose(&content, layout, fonts)?;
    write_pdf(&composition, fonts)
}

/// Cleans the fields: control characters and runs of spaces collapse to one
/// space; credentials are checked to be printable; the QR matrix is built.
fn prepare(data: &SlipData, fonts: &Fonts) -> Result<Content, SlipError> {
    let login = credential("логин", &data.login, fonts)?;
    let password = credential("пароль", &data.password, fonts)?;
    let site_url = one_line(&data.site_url);
    let page_url = one_line(&data.library_page_url);
    let qr_target = if page_url.is_empty() {
        &site_url
    } else {
        &page_url
    };
    let qr =
        if qr_target.is_empty() {
            None
        } else {
            let code = QrCode::with_error_correction_level(qr_target.as_bytes(), EcLevel::M)
                .map_err(|e| SlipError::Qr {
                    url: qr_target.clone(),
                    reason: e.to_string(),
                })?;
            let dark = code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect();
            Some((dark, code.width()))
        };
    Ok(Content {
        library_name: one_line(&data.library_name),
        reader_name: one_line(&data.reader_name),
        card_number: one_line(&data.card_number),
        login,
        password,
        site_url,
        apps_text: one_line(&data.apps_text),
        instructions: data
            .instructions
            .iter()
            .map(|s| strip_number(&one_line(s)).to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        footer: one_line(&data.footer),
        issued_at: one_line(&data.issued_at),
        staff_name: one_line(&data.staff_name),
        qr,
    })
}

fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "1. Text", "2) Text" → "Text".
fn strip_number(s: &str) -> &str {
    let rest = s.trim_start_matches(|c: char| c.is_ascii_digit());
    if rest.len() < s.len()
        && let Some(text) = rest.strip_prefix(['.', ')'])
        && text.starts_with(' ')
    {
        return text.trim_start();
    }
    s
}

/// A login or password must be non-empty, and every character must be
/// visible in the monospaced face (a reader cannot type a blank box).
fn credential(field: &'static str, value: &str, fonts: &Fonts) -> Result<String, SlipError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(SlipError::Missing(field));
    }
    // One rule with the pool import (which refuses such values up front),
    // and the font must have the glyph.
    let face = fonts.face(FontKind::MonoBold);
    if let Some(ch) = crate::domain::text::unprintable_char(value)
        .or_else(|| value.chars().find(|&c| !face.has_glyph(c)))
    {
        return Err(SlipError::Unprintable { field, ch });
    }
    Ok(value.to_owned())
}

fn write_pdf(page: &Composition, fonts: &Fonts) -> Result<Vec<u8>, SlipError> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(compose::TITLE.to_owned())
            .language("ru".to_owned())
            .creator("Kafedra".to_owned()),
    );
    let settings = PageSettings::from_wh(page.width, page.height).ok_or_else(|| {
        SlipError::Pdf(format!(
            "неверный размер страницы {:.1}×{:.1} pt",
            page.width, page.height
        ))
    })?;
    let mut pdf_page = document.start_page_with(settings);
    let mut surface = pdf_page.surface();
    for op in &page.ops {
        draw(&mut surface, op, fonts);
    }
    surface.finish();
    pdf_page.finish();
    document.finish().map_err(|e| SlipError::Pdf(e.to_string()))
}

fn fill(gray: u8) -> Fill {
    Fill {
        paint: luma::Color::new(gray).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

pub(crate) fn draw(surface: &mut Surface, op: &Op, fonts: &Fonts) {
    match op {
        Op::Text {
            x,
            baseline,
            font,
            size,
            text,
            gray,
        } => {
            let face = fonts.face(*font);
            surface.set_stroke(None);
            surface.set_fill(Some(fill(*gray)));
            surface.draw_glyphs(
                Point::from_xy(*x, *baseline),
                &face.glyphs(text),
                face.font.clone(),
                text,
                *size,
                false,
            );
        }
        Op::Rect {
            x,
            y,
            w,
            h,
            fill: inside,
            stroke,
        } => {
            let mut pb = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(rect);
            }
            let Some(path) = pb.finish() else { return };
            surface.set_fill(inside.map(fill));
            surface.set_stroke(stroke.map(|(gray, width)| Stroke {
                paint: luma::Color::new(gray).into(),
                width,
                ..Stroke::default()
            }));
            if inside.is_some() || stroke.is_some() {
                surface.draw_path(&path);
            }
        }
        Op::Qr {
            x,
            y,
            module,
            width,
            dark,
        } => {
            // One rectangle per horizontal run of dark modules, all in one path.
            let mut pb = PathBuilder::new();
            for (row, cells) in dark.chunks(*width).enumerate() {
                let mut col = 0;
                while col < cells.len() {
                    if !cells[col] {
                        col += 1;
                        continue;
                    }
                    let start = col;
                    while col < cells.len() && cells[col] {
                        col += 1;
                    }
                    if let Some(rect) = Rect::from_xywh(
                        x + start as f32 * module,
                        y + row as f32 * module,
                        (col - start) as f32 * module,
                        *module,
                    ) {
                        pb.push_rect(rect);
                    }
                }
            }
            if let Some(path) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(0)));
                surface.draw_path(&path);
            }
        }
    }
}

#[cfg(test)]
mod tests;
