//! cargo-fuzz target `amount`: see `antom_fuzz::amount` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| antom_fuzz::amount(data));
