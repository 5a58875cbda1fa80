//! cargo-fuzz target `signature_header`: see `antom_fuzz::signature_header` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| antom_fuzz::signature_header(data));
