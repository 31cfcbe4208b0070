//! Page composition: turns the slip's fields into positioned drawing
//! operations (text lines, boxes, QR modules) in points, y pointing down.
//! Nothing here touches krilla's document model, so the layout can be
//! measured and re-tried at a smaller scale before anything is written.

use super::font::{Face, FontKind, Fonts};
use super::{Layout, SlipError};

/// Points per millimetre.
pub(crate) const MM: f32 = 72.0 / 25.4;

/// Line advance as a multiple of the font size.
const LINE: f32 = 1.22;

/// Lightness of ink: 0 is black, 255 is white.
pub(crate) type Gray = u8;

/// One thing to draw.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Text {
        x: f32,
        baseline: f32,
        font: FontKind,
        size: f32,
        text: String,
        gray: Gray,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Gray>,
        stroke: Option<(Gray, f32)>,
    },
    /// A QR symbol; `x`, `y` is the top-left dark-module corner (the quiet
    /// zone lies outside it and is left blank).
    Qr {
        x: f32,
        y: f32,
        module: f32,
        width: usize,
        dark: Vec<bool>,
    },
}

impl Op {
    fn shift_y(&mut self, dy: f32) {
        match self {
            Op::Text { baseline, .. } => *baseline += dy,
            Op::Rect { y, .. } | Op::Qr { y, .. } => *y += dy,
        }
    }
}

/// A finished page: its size and what to draw on it.
pub(crate) struct Composition {
    pub(crate) width: f32,
    pub(crate) height: f32,
    pub(crate) ops: Vec<Op>,
}

/// The slip's content, cleaned and ready to lay out.
pub(crate) struct Content {
    pub(crate) library_name: String,
    pub(crate) reader_name: String,
    pub(crate) card_number: String,
    pub(crate) login: String,
    pub(crate) password: String,
    pub(crate) site_url: String,
    pub(crate) apps_text: String,
    pub(crate) instructions: Vec<String>,
    pub(crate) footer: String,
    pub(crate) issued_at: String,
    pub(crate) staff_name: String,
    /// QR matrix (row-major, `true` = dark) and its side in modules.
    pub(crate) qr: Option<(Vec<bool>, usize)>,
}

pub(crate) const TITLE: &str = "Памятка читателя электронной библиотеки";

/// Sizes and spacing for one layout, all in points.
struct Style {
    page_width: f32,
    margin_x: f32,
    margin_top: f32,
    margin_bottom: f32,
    library: f32,
    title: f32,
    title_min: f32,
    label: f32,
    name: f32,
    card: f32,
    credential: f32,
    credential_min: f32,
    hint: f32,
    heading: f32,
    body: f32,
    small: f32,
    gap: f32,
    /// Ink for labels and secondary text (thermal printers get pure black).
    soft: Gray,
    /// Background of the credentials box, if any.
    box_fill: Option<Gray>,
    /// Side of the QR symbol without its quiet zone.
    qr_symbol: f32,
    /// A5: labels beside the values and the QR code beside "where to read";
    /// receipt: everything stacked.
    wide: bool,
}

impl Style {
    fn new(layout: Layout, scale: f32) -> Style {
        let s = |v: f32| v * scale;
        match layout {
            Layout::A5 => Style {
                page_width: 148.0 * MM,
                margin_x: 12.0 * MM,
                margin_top: 12.0 * MM,
                margin_bottom: 10.0 * MM,
                library: s(12.0),
                title: s(16.0),
                title_min: s(12.5),
                label: s(9.0),
                name: s(15.0),
                card: s(11.5),
                credential: s(28.0),
                credential_min: s(11.0),
                hint: s(8.5),
                heading: s(12.0),
                body: s(11.0),
                small: s(8.0),
                gap: s(12.0),
                soft: 70,
                box_fill: Some(242),
                // Shrinks with the text, but stays easy to scan.
                qr_symbol: (32.0 * scale).max(26.0) * MM,
                wide: true,
            },
            Layout::Receipt80 => Style {
                page_width: 80.0 * MM,
                margin_x: 4.0 * MM,
                margin_top: 3.0 * MM,
                margin_bottom: 10.0 * MM,
                library: s(10.0),
                title: s(11.5),
                title_min: s(10.0),
                label: s(8.5),
                name: s(11.5),
                card: s(9.5),
                credential: s(22.0),
                credential_min: s(10.0),
                hint: s(7.5),
                heading: s(9.5),
                body: s(8.5),
                small: s(7.5),
                gap: s(9.0),
                soft: 0,
                box_fill: None,
                qr_symbol: 38.0 * MM,
                wide: false,
            },
        }
    }

    fn content_width(&self) -> f32 {
        self.page_width - 2.0 * self.margin_x
    }
}

/// The A5 text is never scaled below this (footer text is then 6 pt).
pub(crate) const MIN_SCALE: f32 = 0.75;

/// Height of the A5 page.
const A5_HEIGHT: f32 = 210.0 * MM;
/// The largest page krilla (and PDF 1.7 viewers) accept.
const MAX_PAGE: f32 = 14_400.0;

/// Lays the slip out. A5 is shrunk step by step until everything fits the
/// page; the receipt simply grows as long as its content.
pub(crate) fn compose(
    content: &Content,
    layout: Layout,
    fonts: &Fonts,
) -> Result<Composition, SlipError> {
    match layout {
        Layout::A5 => {
            let mut scale = 1.0;
            loop {
                let style = Style::new(layout, scale);
                let mut body = Composer::new(fonts, style.margin_x, style.content_width());
                body.y = style.margin_top;
                main_part(&mut body, &style, content);
                let mut foot = Composer::new(fonts, style.margin_x, style.content_width());
                footer(&mut foot, &style, content);
                let foot_top = A5_HEIGHT - style.margin_bottom - foot.y;
                if body.y + style.gap * 0.5 <= foot_top {
                    let mut ops = body.ops;
                    ops.extend(foot.ops.into_iter().map(|mut op| {
                        op.shift_y(foot_top);
                        op
                    }));
                    return Ok(Composition {
                        width: style.page_width,
                        height: A5_HEIGHT,
                        ops,
                    });
                }
                scale -= 0.05;
                if scale < MIN_SCALE - 0.001 {
                    return Err(SlipError::TooLong);
                }
            }
        }
        Layout::Receipt80 => {
            let style = Style::new(layout, 1.0);
            let mut c = Composer::new(fonts, style.margin_x, style.content_width());
            c.y = style.margin_top;
            main_part(&mut c, &style, content);
            c.space(style.gap * 0.5);
            footer(&mut c, &style, content);
            let height = (c.y + style.margin_bottom).ceil();
            if height > MAX_PAGE {
                return Err(SlipError::TooLong);
            }
            Ok(Composition {
                width: style.page_width,
                height,
                ops: c.ops,
            })
        }
    }
}

/// Everything above the footer.
fn main_part(c: &mut Composer, st: &Style, d: &Content) {
    // Library and title.
    if !d.library_name.is_empty() {
        let size = c.fit(
            &d.library_name,
            FontKind::Bold,
            st.library,
            st.library * 0.85,
            c.width,
        );
        c.paragraph(
            &d.library_name,
            FontKind::Bold,
            size,
            st.soft,
            Align::Center,
        );
        c.space(st.gap * 0.3);
    }
    c.rule(0.8, st.soft);
    c.space(st.gap * 0.6);
    let title = c.fit(TITLE, FontKind::Bold, st.title, st.title_min, c.width);
    c.paragraph(TITLE, FontKind::Bold, title, 0, Align::Center);
    c.space(st.gap);

    // Reader.
    if !d.reader_name.is_empty() {
        c.paragraph(
            "Читатель",
            FontKind::Regular,
            st.label,
            st.soft,
            Align::Left,
        );
        c.space(st.label * 0.15);
        c.paragraph(&d.reader_name, FontKind::Bold, st.name, 0, Align::Left);
        c.space(st.gap * 0.25);
    }
    if !d.card_number.is_empty() {
        c.label_value(
            "Читательский билет № ",
            &d.card_number,
            FontKind::Bold,
            st.card,
        );
    }
    c.space(st.gap);

    credentials(c, st, d);
    c.space(st.gap * 1.2);

    where_to_read(c, st, d);

    // Instructions.
    if !d.instructions.is_empty() {
        c.space(st.gap);
        c.paragraph(
            "Как начать читать",
            FontKind::Bold,
            st.heading,
            0,
            Align::Left,
        );
        c.space(st.body * 0.3);
        for (i, step) in d.instructions.iter().enumerate() {
            c.numbered(i + 1, step, st.body);
            c.space(st.body * 0.25);
        }
    }
}

/// The login and password box: monospaced bold, as large as fits.
fn credentials(c: &mut Composer, st: &Style, d: &Content) {
    let pad = if st.wide { 10.0 } else { 6.0 } * (st.credential / 24.0).max(0.75);
    let top = c.y;
    let inner_x = c.x + pad;
    let inner_w = c.width - 2.0 * pad;
    let rows = [("Логин", d.login.as_str()), ("Пароль", d.password.as_str())];
    let label_size = if st.wide { st.card } else { st.label };
    let regular = c.face(FontKind::Regular);
    let (value_x, value_w) = if st.wide {
        let label_w = rows
            .iter()
            .map(|(l, _)| regular.width(l, label_size))
            .fold(0.0, f32::max);
        let gap = label_size * 1.2;
        (inner_x + label_w + gap, inner_w - label_w - gap)
    } else {
        (inner_x, inner_w)
    };
    // One size for both values, so they look alike.
    let size = rows
        .iter()
        .map(|(_, v)| {
            c.fit(
                v,
                FontKind::MonoBold,
                st.credential,
                st.credential_min,
                value_w,
            )
        })
        .fold(st.credential, f32::min);

    let mut inner = c.sub(value_x, value_w);
    inner.y = top + pad * 0.8;
    for (n, (label, value)) in rows.iter().enumerate() {
        if n > 0 {
            inner.space(size * 0.25);
        }
        if st.wide {
            // Label on the value's baseline, to its left.
            let row_top = inner.y;
            inner.paragraph(value, FontKind::MonoBold, size, 0, Align::Left);
            let baseline = row_top + inner.baseline_offset(FontKind::MonoBold, size);
            inner.ops.push(Op::Text {
                x: inner_x,
                baseline,
                font: FontKind::Regular,
                size: label_size,
                text: (*label).to_owned(),
                gray: st.soft,
            });
        } else {
            inner.paragraph(label, FontKind::Regular, label_size, st.soft, Align::Left);
            inner.paragraph(value, FontKind::MonoBold, size, 0, Align::Left);
        }
    }
    let mut hint = c.sub(inner_x, inner_w);
    hint.y = inner.y + size * 0.3;
    hint.paragraph(
        "Вводите логин и пароль точно как напечатано, с учётом заглавных и строчных букв. \
         Цифра ноль напечатана с точкой внутри.",
        FontKind::Regular,
        st.hint,
        st.soft,
        Align::Left,
    );
    let bottom = hint.y + pad * 0.8;
    let mut ops = vec![Op::Rect {
        x: c.x,
        y: top,
        w: c.width,
        h: bottom - top,
        fill: st.box_fill,
        stroke: Some((0, if st.wide { 1.2 } else { 1.5 })),
    }];
    ops.append(&mut inner.ops);
    ops.append(&mut hint.ops);
    c.ops.append(&mut ops);
    c.y = bottom;
}

/// Site, apps and the QR code (beside them on A5, below them on a receipt).
fn where_to_read(c: &mut Composer, st: &Style, d: &Content) {
    let qr = d.qr.as_ref().map(|(dark, width)| {
        let module = st.qr_symbol / *width as f32;
        (dark, *width, module, module * (*width as f32 + 8.0))
    });
    let caption = "Наведите камеру телефона — откроется страница нашей библиотеки";

    let text_w = match (&qr, st.wide) {
        (Some((_, _, _, outer)), true) => c.width - outer - st.gap,
        _ => c.width,
    };
    let top = c.y;
    let mut text = c.sub(c.x, text_w);
    text.y = top;
    let has_text = !d.site_url.is_empty() || !d.apps_text.is_empty();
    if has_text {
        text.paragraph("Где читать", FontKind::Bold, st.heading, 0, Align::Left);
        text.space(st.body * 0.3);
        if !d.site_url.is_empty() {
            text.paragraph("Сайт:", FontKind::Regular, st.body, st.soft, Align::Left);
            // Monospaced, like the credentials: the reader types it.
            let size = text.fit(&d.site_url, FontKind::Mono, st.heading, st.body, text_w);
            text.paragraph(&d.site_url, FontKind::Mono, size, 0, Align::Left);
            text.space(st.body * 0.4);
        }
        if !d.apps_text.is_empty() {
            text.paragraph(&d.apps_text, FontKind::Regular, st.body, 0, Align::Left);
        }
    }
    let text_bottom = text.y;
    c.ops.append(&mut text.ops);

    let Some((dark, width, module, outer)) = qr else {
        c.y = text_bottom;
        return;
    };
    let (qr_x, qr_top) = if st.wide {
        (c.x + c.width - outer, top - 4.0 * module + st.heading * 0.2)
    } else {
        // The quiet zone itself separates the code from the text above.
        (c.x + (c.width - outer) / 2.0, text_bottom)
    };
    c.ops.push(Op::Qr {
        x: qr_x + 4.0 * module,
        y: qr_top + 4.0 * module,
        module,
        width,
        dark: dark.clone(),
    });
    // The caption sits in the lower quiet zone, a little below the symbol.
    let mut cap = c.sub(qr_x, outer);
    cap.y = qr_top + outer - 2.5 * module;
    let cap_size = if st.wide { st.small } else { st.body };
    cap.paragraph(caption, FontKind::Regular, cap_size, st.soft, Align::Center);
    let qr_bottom = cap.y;
    c.ops.append(&mut cap.ops);
    c.y = text_bottom.max(qr_bottom);
}

/// Footer, date of issue and staff, in small text.
fn footer(c: &mut Composer, st: &Style, d: &Content) {
    c.rule(0.5, st.soft);
    c.space(st.small * 0.5);
    if !d.footer.is_empty() {
        c.paragraph(&d.footer, FontKind::Regular, st.small, st.soft, Align::Left);
    }
    let mut issued = Vec::new();
    if !d.issued_at.is_empty() {
        issued.push(format!("Выдано: {}", d.issued_at));
    }
    if !d.staff_name.is_empty() {
        issued.push(format!("Сотрудник: {}", d.staff_name));
    }
    if !issued.is_empty() {
        c.paragraph(
            &issued.join(" · "),
            FontKind::Regular,
            st.small,
            st.soft,
            Align::Left,
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
}

/// A column being filled top to bottom.
struct Composer<'f> {
    fonts: &'f Fonts,
    ops: Vec<Op>,
    x: f32,
    width: f32,
    y: f32,
}

impl<'f> Composer<'f> {
    fn new(fonts: &'f Fonts, x: f32, width: f32) -> Self {
        Composer {
            fonts,
            ops: Vec::new(),
            x,
            width,
            y: 0.0,
        }
    }

    /// A new column with the same fonts, starting at the current `y`.
    fn sub(&self, x: f32, width: f32) -> Composer<'f> {
        Composer {
            fonts: self.fonts,
            ops: Vec::new(),
            x,
            width,
            y: self.y,
        }
    }

    fn face(&self, font: FontKind) -> &'f Face {
        self.fonts.face(font)
    }

    fn space(&mut self, h: f32) {
        self.y += h;
    }

    /// Distance from the top of a line box to its baseline.
    fn baseline_offset(&self, font: FontKind, size: f32) -> f32 {
        let face = self.face(font);
        let leading = (LINE - face.ascent - face.descent).max(0.0);
        (face.ascent + leading / 2.0) * size
    }

    /// The largest size in `min..=max` at which `text` fits `width` on one
    /// line (`min` if it never does; the caller then wraps).
    fn fit(&self, text: &str, font: FontKind, max: f32, min: f32, width: f32) -> f32 {
        let w = self.face(font).width(text, max);
        if w <= width {
            max
        } else {
            // Widths scale linearly with the size; keep a hair of slack.
            (max * width / w * 0.999).max(min)
        }
    }

    /// A horizontal rule across the column.
    fn rule(&mut self, thickness: f32, gray: Gray) {
        self.ops.push(Op::Rect {
            x: self.x,
            y: self.y,
            w: self.width,
            h: thickness,
            fill: Some(gray),
            stroke: None,
        });
        self.y += thickness;
    }

    /// Wrapped text, one `Op::Text` per line.
    fn paragraph(&mut self, text: &str, font: FontKind, size: f32, gray: Gray, align: Align) {
        let face = self.face(font);
        for line in wrap(face, text, size, self.width) {
            let w = face.width(&line, size);
            let x = match align {
                Align::Left => self.x,
                Align::Center => self.x + ((self.width - w) / 2.0).max(0.0),
            };
            self.ops.push(Op::Text {
                x,
                baseline: self.y + self.baseline_offset(font, size),
                font,
                size,
                text: line,
                gray,
            });
            self.y += size * LINE;
        }
    }

    /// "Label value" on one line (value in `font`), or wrapped as plain text
    /// if it does not fit.
    fn label_value(&mut self, label: &str, value: &str, font: FontKind, size: f32) {
        let lw = self.face(FontKind::Regular).width(label, size);
        let vw = self.face(font).width(value, size);
        if lw + vw <= self.width {
            let baseline = self.y + self.baseline_offset(FontKind::Regular, size);
            self.ops.push(Op::Text {
                x: self.x,
                baseline,
                font: FontKind::Regular,
                size,
                text: label.to_owned(),
                gray: 0,
            });
            self.ops.push(Op::Text {
                x: self.x + lw,
                baseline,
                font,
                size,
                text: value.to_owned(),
                gray: 0,
            });
            self.y += size * LINE;
        } else {
            self.paragraph(label.trim_end(), FontKind::Regular, size, 0, Align::Left);
            self.paragraph(value, font, size, 0, Align::Left);
        }
    }

    /// A numbered step with a hanging indent.
    fn numbered(&mut self, n: usize, text: &str, size: f32) {
        let number = format!("{n}.");
        let indent = self.face(FontKind::Bold).width("00.", size) + size * 0.4;
        self.ops.push(Op::Text {
            x: self.x,
            baseline: self.y + self.baseline_offset(FontKind::Bold, size),
            font: FontKind::Bold,
            size,
            text: number,
            gray: 0,
        });
        let mut body = self.sub(self.x + indent, self.width - indent);
        body.paragraph(text, FontKind::Regular, size, 0, Align::Left);
        self.y = body.y;
        self.ops.append(&mut body.ops);
    }
}

/// Greedy word wrap by real glyph widths. Words longer than a line (URLs,
/// double-barrelled surnames) are broken, preferably after `-`, `/`, `.`,
/// `_`, `?`, `&`, `=`, otherwise anywhere.
pub(crate) fn wrap(face: &Face, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if face.width(&candidate, size) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if face.width(word, size) <= max {
            line = word.to_owned();
        } else {
            let mut pieces = break_word(face, word, size, max);
            line = pieces.pop().unwrap_or_default();
            lines.extend(pieces);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn break_word(face: &Face, word: &str, size: f32, max: f32) -> Vec<String> {
    const BREAK_AFTER: &[char] = &['-', '/', '.', '_', '?', '&', '=', ',', ';'];
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for ch in word.chars() {
        let mut next = piece.clone();
        next.push(ch);
        if piece.is_empty() || face.width(&next, size) <= max {
            piece = next;
            continue;
        }
        // Prefer to break after a separator inside the current piece.
        let cut = piece
            .char_indices()
            .filter(|&(_, c)| BREAK_AFTER.contains(&c))
            .map(|(i, c)| i + c.len_utf8())
            .next_back()
            .filter(|&i| i > 0 && i < piece.len())
            .filter(|&i| {
                let mut rest = piece[i..].to_owned();
                rest.push(ch);
                face.width(&rest, size) <= max
            });
        match cut {
            Some(i) => {
                let rest = piece.split_off(i);
                pieces.push(std::mem::replace(&mut piece, rest));
            }
            None => pieces.push(std::mem::take(&mut piece)),
        }
        piece.push(ch);
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    pieces
}
