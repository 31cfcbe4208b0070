//! File imports.
//!
//! [`pool`] is the public face: the login pool file, all or nothing. Behind it, one
//! module per way a file is read: `decode` (the encoding of a text file, decided on
//! evidence), `delimited` (CSV/TSV lines), `sheet` (spreadsheets: the ZIP container read
//! with bounds, cells) with `xlsx` and `ods` streaming the first sheet row by row.

mod decode;
mod delimited;
#[cfg(test)]
mod fuzz_regressions;
mod ods;
pub mod pool;
mod sheet;
mod xlsx;
