//! The harness of antom-rs's reliability and security tests (see `RELIABILITY.md`
//! at the repository root for what each test proves and how to re-run it).
//!
//! - [`shop`]: the merchant side as a user of the crates deploys it: the
//!   checkout routes on axum on 127.0.0.1, over any [`OrderStore`](antom_tower::store::OrderStore),
//!   with an [`AntomClient`](antom_tower::client::AntomClient) pointed at the mock Antom.
//! - [`plan`]: many orders, their notifications (final and non-final results,
//!   re-signed resends) signed ahead of time with the testkit's Antom key, a
//!   seeded shuffle with duplicates, and the check that every order ended
//!   right with each state change recorded exactly once.
//! - [`send`]: a bounded-concurrency HTTP/1.1 client that posts signed
//!   notifications and collects the answers.
//! - [`pg`], [`sqlite`]: throwaway PostgreSQL schemas and servers and SQLite
//!   files, and the faults the tests inject into them (a full disk, a server
//!   stopped and started again); [`faults`]: a store switched off and on.
//! - [`secrets`]: what the private keys look like in every text form, to search logs for.
//!
//! Everything listens and connects on 127.0.0.1 only.

pub mod faults;
pub mod pg;
pub mod plan;
pub mod secrets;
pub mod send;
pub mod shop;
pub mod sqlite;

/// The merchant client id every test uses (the mock's default).
pub const CLIENT_ID: &str = antom_testkit::mock::DEFAULT_CLIENT_ID;

/// The path of the notify route (the checkout routes under `/antom`).
pub const NOTIFY_PATH: &str = "/antom/notify";

/// The seed of the shuffles, from `ANTOM_RELIABILITY_SEED` or a fixed default,
/// printed by each test so a failing order of events can be replayed.
pub fn seed() -> u64 {
    std::env::var("ANTOM_RELIABILITY_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0x00a1_7011_5eed)
}

/// Prints one line of figures, `FIGURES <test>: k=v ...`, for RELIABILITY.md.
pub fn report(test: &str, figures: &[(&str, String)]) {
    let parts: Vec<String> = figures.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("FIGURES {test}: {}", parts.join(" "));
}
