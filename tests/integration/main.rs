//! Integration tests: the real screens (iced_test), the real binary (CLI and
//! two processes on one database), real SQLite files and real PDFs.

mod cli;
mod concurrency;
mod fund_gui;
mod gui;
mod privacy;
mod reader_gui;
mod requests_gui;
mod setup_gui;
mod stats_gui;
mod support;
mod sync;
