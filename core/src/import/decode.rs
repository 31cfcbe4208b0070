//! The encoding of a text pool file, decided on evidence.
//!
//! A byte-order mark decides; BOM-less UTF-16 is recognised by its zero bytes; text that
//! is valid UTF-8 is UTF-8. Anything else is Windows-1251 only if it looks like Cyrillic
//! text in 1251 — every byte above ASCII is a Cyrillic letter or common punctuation there
//! — and not like UTF-8 with a few broken bytes (Cyrillic UTF-8 pairs `D0 xx`/`D1 xx`
//! make up most of it). A file that is neither is refused, naming the first bad line.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1251};

use super::pool::{PoolFileError, unreadable};

/// Decodes the bytes of a text file, returning the text (without BOM) and the encoding label.
pub(super) fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), PoolFileError> {
    let decoded = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        match std::str::from_utf8(rest) {
            Ok(text) => (Cow::Borrowed(text), "UTF-8 (BOM)"),
            Err(e) => {
                return Err(PoolFileError::Unreadable(format!(
                    "Файл помечен как UTF-8, но в строке {} есть испорченный символ. \
                     Откройте его в Excel или Блокноте, исправьте эту строку и сохраните \
                     файл заново в кодировке UTF-8.",
                    line_of(rest, e.valid_up_to())
                )));
            }
        }
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        (decode_utf16(UTF_16LE, rest)?, "UTF-16LE")
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        (decode_utf16(UTF_16BE, rest)?, "UTF-16BE")
    } else if let Some(big_endian) = sniff_utf16_without_bom(bytes) {
        if big_endian {
            (decode_utf16(UTF_16BE, bytes)?, "UTF-16BE")
        } else {
            (decode_utf16(UTF_16LE, bytes)?, "UTF-16LE")
        }
    } else {
        match std::str::from_utf8(bytes) {
            Ok(text) => (Cow::Borrowed(text), "UTF-8"),
            Err(e) => (decode_windows_1251(bytes, e.valid_up_to())?, "Windows-1251"),
        }
    };
    if decoded.0.contains('\0') {
        return Err(unreadable(
            "Это не текстовый файл и не таблица Excel. \
             Выберите файл CSV или XLSX со списком логинов и паролей.",
        ));
    }
    Ok(decoded)
}

/// Bytes that are not valid UTF-8 (the first bad one at `first_bad`): Windows-1251 if the
/// evidence says so, otherwise refused.
fn decode_windows_1251(bytes: &[u8], first_bad: usize) -> Result<Cow<'_, str>, PoolFileError> {
    let non_ascii = bytes.iter().filter(|b| !b.is_ascii()).count();
    if cyrillic_utf8_pairs(bytes) * 4 >= non_ascii {
        return Err(PoolFileError::Unreadable(format!(
            "Файл записан в кодировке UTF-8, но в строке {} есть испорченный символ \
             (байт, которого в UTF-8 быть не может). Откройте файл в Блокноте или Excel, \
             исправьте эту строку и сохраните файл в кодировке UTF-8.",
            line_of(bytes, first_bad)
        )));
    }
    if let Some(at) = bytes
        .iter()
        .position(|&b| !b.is_ascii() && !plausible_1251(b))
    {
        return Err(PoolFileError::Unreadable(format!(
            "Не удалось определить кодировку файла: это не UTF-8 и не Windows-1251 — \
             в строке {} есть символ, которого не бывает в русском тексте (байт 0x{:02X}). \
             Сохраните файл заново в кодировке UTF-8 (в Excel: «CSV UTF-8»).",
            line_of(bytes, at),
            bytes[at]
        )));
    }
    let (text, _) = WINDOWS_1251.decode_without_bom_handling(bytes);
    Ok(text)
}

/// How many non-overlapping two-byte UTF-8 sequences of the basic Cyrillic block
/// (U+0400–U+045F: `D0 80..BF`, `D1 80..9F`) the bytes hold. In Windows-1251 text such a
/// pair is a capital Р or С followed by a rare sign; in UTF-8 Russian it is every letter.
fn cyrillic_utf8_pairs(bytes: &[u8]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        let pair = matches!(
            (bytes[i], bytes[i + 1]),
            (0xD0, 0x80..=0xBF) | (0xD1, 0x80..=0x9F)
        );
        if pair {
            count += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    count
}

/// Whether a byte above ASCII stands, in Windows-1251, for something a Russian text holds:
/// a Cyrillic letter (including Ё, ё and the Ukrainian and Belarusian ones) or common
/// punctuation (№, «», dashes, quotes, …, no-break space, °, §, ©, ®, ±, ·, •, ™, €).
fn plausible_1251(byte: u8) -> bool {
    matches!(
        byte,
        0xC0..=0xFF
            | 0xA8
            | 0xB8
            | 0xB9
            | 0xAB
            | 0xBB
            | 0x96
            | 0x97
            | 0x85
            | 0x82
            | 0x84
            | 0x91..=0x95
            | 0xA0
            | 0xB0
            | 0xA7
            | 0xA9
            | 0xAE
            | 0xB1
            | 0xB7
            | 0x99
            | 0x88
            | 0xA1
            | 0xA2
            | 0xA5
            | 0xAA
            | 0xAF
            | 0xB2..=0xB4
            | 0xBA
            | 0xBF
    )
}

/// The 1-based line of byte `at`, counting line breaks as the text reader does (CRLF, LF
/// or a lone CR).
pub(super) fn line_of(bytes: &[u8], at: usize) -> usize {
    let before = &bytes[..at.min(bytes.len())];
    let mut line = 1;
    let mut i = 0;
    while i < before.len() {
        match before[i] {
            b'\n' => line += 1,
            b'\r' if before.get(i + 1) != Some(&b'\n') => line += 1,
            _ => {}
        }
        i += 1;
    }
    line
}

fn decode_utf16(
    encoding: &'static Encoding,
    bytes: &[u8],
) -> Result<Cow<'static, str>, PoolFileError> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| Cow::Owned(text.into_owned()))
        .ok_or_else(|| {
            unreadable(
                "Файл в кодировке Unicode (UTF-16) повреждён. \
                 Сохраните его заново из Excel или выберите вариант CSV в UTF-8.",
            )
        })
}

/// Recognises BOM-less UTF-16 by its zero bytes (text here is mostly ASCII or Cyrillic,
/// so one byte of each pair is zero or 0x04). Returns `Some(true)` for big-endian.
fn sniff_utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(1024)];
    if sample.len() < 4 || !sample.len().is_multiple_of(2) {
        return None;
    }
    let pairs = sample.len() / 2;
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    if odd * 3 >= pairs && even == 0 {
        Some(false)
    } else if even * 3 >= pairs && odd == 0 {
        Some(true)
    } else {
        None
    }
}
