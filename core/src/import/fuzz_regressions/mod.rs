//! Inputs the coverage-guided fuzzer (`core/fuzz`, target `pool_file`) found to break the
//! pool parser, kept byte for byte as it saved them. In that target the first byte chooses
//! the file name ([`FUZZ_NAMES`], byte modulo 4) and the rest is the file, so each input is
//! replayed here the same way. Every input must give a pool or an error, never a panic.

use std::io::Cursor;

use super::pool::{PoolFileError, parse_pool};

/// The file names the `pool_file` fuzz target chooses from.
const FUZZ_NAMES: [&str; 4] = ["pool.csv", "pool.txt", "pool.xlsx", "pool.ods"];

/// Parses a saved fuzz input as the fuzz target did.
fn parse_fuzz_input(input: &[u8]) -> Result<super::pool::ParsedPool, PoolFileError> {
    let (&first, file) = input.split_first().expect("a fuzz input has a name byte");
    parse_pool(file, FUZZ_NAMES[usize::from(first) % FUZZ_NAMES.len()])
}

fn assert_refused_as_broken_workbook(result: Result<super::pool::ParsedPool, PoolFileError>) {
    match result {
        Err(PoolFileError::Unreadable(message)) => {
            assert!(message.contains("как таблицу Excel"), "{message}")
        }
        other => panic!("expected the workbook to be refused, got {other:?}"),
    }
}

/// A ZIP whose central directory gives `content.xml` an extended-timestamp extra field
/// (0x5455) that says it is empty but is followed by one more byte.
fn zip_with_an_empty_extended_timestamp() -> Vec<u8> {
    let name = b"content.xml";
    let extra = [0x55, 0x54, 0, 0, 1];
    let mut zip = Vec::new();
    // Local header: version, flags, method, time, date, crc, sizes, name and extra lengths.
    zip.extend_from_slice(b"PK\x03\x04");
    zip.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    zip.extend_from_slice(&[0; 12]);
    zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
    zip.extend_from_slice(&[0, 0]);
    zip.extend_from_slice(name);
    let directory_start = zip.len() as u32;
    // Central header: versions, flags, method, time, date, crc, sizes, name and extra
    // lengths; comment length, disk, attributes and the local header's offset (0).
    zip.extend_from_slice(b"PK\x01\x02");
    zip.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    zip.extend_from_slice(&[0; 12]);
    zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
    zip.extend_from_slice(&(extra.len() as u16).to_le_bytes());
    zip.extend_from_slice(&[0; 14]);
    zip.extend_from_slice(name);
    zip.extend_from_slice(&extra);
    let directory_len = zip.len() as u32 - directory_start;
    // End of central directory: one entry.
    zip.extend_from_slice(b"PK\x05\x06");
    zip.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    zip.extend_from_slice(&directory_len.to_le_bytes());
    zip.extend_from_slice(&directory_start.to_le_bytes());
    zip.extend_from_slice(&[0, 0]);
    zip
}

/// zip 4.6.1 computed `0 - 1` on an empty extended-timestamp field: a panic ("attempt to
/// subtract with overflow") wherever overflow checks are on (debug builds, the tests).
/// Found twice by the fuzzer; zip 5.1.1 refuses the field.
#[test]
fn a_zip_with_an_empty_extended_timestamp_is_refused_not_a_panic() {
    for input in [
        &include_bytes!("zip_empty_extended_timestamp_1.bin")[..],
        &include_bytes!("zip_empty_extended_timestamp_2.bin")[..],
    ] {
        assert_refused_as_broken_workbook(parse_fuzz_input(input));
    }
    let zip = zip_with_an_empty_extended_timestamp();
    assert!(zip::ZipArchive::new(Cursor::new(&zip[..])).is_err());
    for name in ["pool.ods", "pool.xlsx", "pool.csv"] {
        assert_refused_as_broken_workbook(parse_pool(&zip, name));
    }
}
