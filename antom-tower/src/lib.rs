//! Antom payments for the Tower ecosystem.
//!
//! - [`signing`]: the byte-exact RSA-SHA256 signing core.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod signing;
