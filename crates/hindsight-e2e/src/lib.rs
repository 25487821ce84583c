//! Test-only crate: the browser tests live in `tests/browser.rs`.
