//! cargo-fuzz target `content_to_sign`: see `antom_fuzz::content_to_sign` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| antom_fuzz::content_to_sign(data));
