//! The four embedded DejaVu faces and just enough TrueType parsing (`head`,
//! `hhea`, `hmtx`, `cmap`) to measure text exactly as it is drawn.
//!
//! krilla keeps glyph metrics private, so we map characters to glyphs
//! ourselves and hand krilla ready-positioned glyphs: what we measure is
//! precisely what ends up on the page (no kerning, no ligatures — neither
//! matters for short Cyrillic/Latin lines on a slip).

use std::collections::HashMap;
use std::sync::LazyLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};

static REGULAR: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/fonts/DejaVuSans.ttf"
));
static BOLD: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/fonts/DejaVuSans-Bold.ttf"
));
static MONO: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/fonts/DejaVuSansMono.ttf"
));
static MONO_BOLD: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/fonts/DejaVuSansMono-Bold.ttf"
));

/// Which of the embedded faces to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FontKind {
    Regular,
    Bold,
    Mono,
    MonoBold,
}

/// One loaded face: the krilla font plus our own metrics.
pub(crate) struct Face {
    pub(crate) font: Font,
    units_per_em: f32,
    /// Ascender as a fraction of the em.
    pub(crate) ascent: f32,
    /// Descender as a positive fraction of the em.
    pub(crate) descent: f32,
    cmap: HashMap<u32, u16>,
    advances: Vec<u16>,
}

/// All four faces, parsed once per process.
pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
    mono: Face,
    mono_bold: Face,
}

static FONTS: LazyLock<Result<Fonts, String>> = LazyLock::new(|| {
    Ok(Fonts {
        regular: Face::parse(REGULAR).map_err(|e| format!("DejaVuSans.ttf: {e}"))?,
        bold: Face::parse(BOLD).map_err(|e| format!("DejaVuSans-Bold.ttf: {e}"))?,
        mono: Face::parse(MONO).map_err(|e| format!("DejaVuSansMono.ttf: {e}"))?,
        mono_bold: Face::parse(MONO_BOLD).map_err(|e| format!("DejaVuSansMono-Bold.ttf: {e}"))?,
    })
});

impl Fonts {
    /// The shared, lazily parsed fonts; `Err` only if an embedded file is broken.
    pub(crate) fn get() -> Result<&'static Fonts, String> {
        FONTS.as_ref().map_err(Clone::clone)
    }

    pub(crate) fn face(&self, kind: FontKind) -> &Face {
        match kind {
            FontKind::Regular => &self.regular,
            FontKind::Bold => &self.bold,
            FontKind::Mono => &self.mono,
            FontKind::MonoBold => &self.mono_bold,
        }
    }
}

impl Face {
    fn parse(data: &'static [u8]) -> Result<Face, &'static str> {
        let tables = Tables::new(data)?;
        let head = tables.get(b"head").ok_or("no head table")?;
        let hhea = tables.get(b"hhea").ok_or("no hhea table")?;
        let hmtx = tables.get(b"hmtx").ok_or("no hmtx table")?;
        let cmap = tables.get(b"cmap").ok_or("no cmap table")?;

        let units_per_em = f32::from(be_u16(head, 18)?);
        if units_per_em <= 0.0 {
            return Err("unitsPerEm is zero");
        }
        let ascent = f32::from(be_i16(hhea, 4)?) / units_per_em;
        let descent = -f32::from(be_i16(hhea, 6)?) / units_per_em;
        let metrics_count = usize::from(be_u16(hhea, 34)?);
        let advances = (0..metrics_count)
            .map(|i| be_u16(hmtx, i * 4))
            .collect::<Result<Vec<_>, _>>()?;
        if advances.is_empty() {
            return Err("no horizontal metrics");
        }
        let cmap = parse_cmap(cmap)?;
        let font = Font::new(data.into(), 0).ok_or("krilla cannot read the font")?;
        Ok(Face {
            font,
            units_per_em,
            ascent,
            descent,
            cmap,
            advances,
        })
    }

    /// Glyph id for a character, 0 (`.notdef`) if the face lacks it.
    fn glyph(&self, c: char) -> u16 {
        self.cmap.get(&u32::from(c)).copied().unwrap_or(0)
    }

    /// Whether the face has a real glyph for `c`.
    pub(crate) fn has_glyph(&self, c: char) -> bool {
        self.glyph(c) != 0
    }

    /// Advance of a glyph in em units.
    fn advance(&self, glyph: u16) -> f32 {
        let i = usize::from(glyph).min(self.advances.len() - 1);
        f32::from(self.advances[i]) / self.units_per_em
    }

    /// Width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.glyph(c)))
            .sum::<f32>()
            * size
    }

    /// Positioned glyphs for `text`, each mapped back to its character so the
    /// PDF text layer (ToUnicode) reads back exactly `text`.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| {
                let g = self.glyph(c);
                KrillaGlyph::new(
                    GlyphId::new(u32::from(g)),
                    self.advance(g),
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }
}

/// The table directory of a single (non-collection) TrueType font.
struct Tables<'a> {
    data: &'a [u8],
    count: usize,
}

impl<'a> Tables<'a> {
    fn new(data: &'a [u8]) -> Result<Self, &'static str> {
        let count = usize::from(be_u16(data, 4)?);
        Ok(Tables { data, count })
    }

    fn get(&self, tag: &[u8; 4]) -> Option<&'a [u8]> {
        (0..self.count).find_map(|i| {
            let rec = 12 + i * 16;
            if self.data.get(rec..rec + 4)? != tag {
                return None;
            }
            let offset = be_u32(self.data, rec + 8).ok()? as usize;
            let length = be_u32(self.data, rec + 12).ok()? as usize;
            self.data.get(offset..offset.checked_add(length)?)
        })
    }
}

/// Reads the best Unicode subtable: format 12 (full Unicode) if present,
/// otherwise format 4 (BMP).
fn parse_cmap(cmap: &[u8]) -> Result<HashMap<u32, u16>, &'static str> {
    let count = usize::from(be_u16(cmap, 2)?);
    let mut format4 = None;
    let mut format12 = None;
    for i in 0..count {
        let rec = 4 + i * 8;
        let platform = be_u16(cmap, rec)?;
        let encoding = be_u16(cmap, rec + 2)?;
        let offset = be_u32(cmap, rec + 4)? as usize;
        let unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10));
        if !unicode {
            continue;
        }
        let sub = cmap.get(offset..).ok_or("cmap subtable out of range")?;
        match be_u16(sub, 0)? {
            4 => format4 = format4.or(Some(sub)),
            12 => format12 = format12.or(Some(sub)),
            _ => {}
        }
    }
    if let Some(sub) = format12 {
        parse_format12(sub)
    } else if let Some(sub) = format4 {
        parse_format4(sub)
    } else {
        Err("no Unicode cmap subtable")
    }
}

fn parse_format4(sub: &[u8]) -> Result<HashMap<u32, u16>, &'static str> {
    let seg_count = usize::from(be_u16(sub, 6)? / 2);
    let ends = 14;
    let starts = ends + seg_count * 2 + 2;
    let deltas = starts + seg_count * 2;
    let range_offsets = deltas + seg_count * 2;
    let mut map = HashMap::new();
    for s in 0..seg_count {
        let end = be_u16(sub, ends + s * 2)?;
        let start = be_u16(sub, starts + s * 2)?;
        let delta = be_u16(sub, deltas + s * 2)?;
        let range_pos = range_offsets + s * 2;
        let range_offset = usize::from(be_u16(sub, range_pos)?);
        if start > end {
            continue;
        }
        for c in start..=end {
            if c == 0xFFFF {
                break;
            }
            let glyph = if range_offset == 0 {
                c.wrapping_add(delta)
            } else {
                let at = range_pos + range_offset + usize::from(c - start) * 2;
                match be_u16(sub, at)? {
                    0 => 0,
                    g => g.wrapping_add(delta),
                }
            };
            if glyph != 0 {
                map.insert(u32::from(c), glyph);
            }
        }
    }
    Ok(map)
}

fn parse_format12(sub: &[u8]) -> Result<HashMap<u32, u16>, &'static str> {
    let groups = be_u32(sub, 12)? as usize;
    let mut map = HashMap::new();
    for g in 0..groups {
        let rec = 16 + g * 12;
        let start = be_u32(sub, rec)?;
        let end = be_u32(sub, rec + 4)?;
        let first = be_u32(sub, rec + 8)?;
        // Guard against absurd ranges in a damaged table.
        if end < start || end - start > 0x1_0000 {
            continue;
        }
        for c in start..=end {
            if let Some(Ok(glyph)) = first.checked_add(c - start).map(u16::try_from)
                && glyph != 0
            {
                map.insert(c, glyph);
            }
        }
    }
    Ok(map)
}

fn be_u16(data: &[u8], at: usize) -> Result<u16, &'static str> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or("font table truncated")
}

fn be_i16(data: &[u8], at: usize) -> Result<i16, &'static str> {
    be_u16(data, at).map(|v| v as i16)
}

fn be_u32(data: &[u8], at: usize) -> Result<u32, &'static str> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or("font table truncated")
}
