//! The `warp_notify` binary as a newcomer runs it: `PORT=0` (a free port), no
//! `ANTOM_*` variables (it starts the mock Antom), it prints its URL, takes a
//! session and refuses an unsigned notification. And its configuration errors.

use antom_example_support::binary::{assert_configuration_errors_are_plain_lines, run};
use antom_example_support::testing::*;
use http::StatusCode;

const PROGRAM: &str = env!("CARGO_BIN_EXE_warp_notify");

#[tokio::test]
async fn starts_with_the_mock_and_takes_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let running = run(PROGRAM, dir.path(), &[]);
    let (status, session) = post_json(&format!("{}/sessions", running.url), &order_json(1)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert!(
        session["normalUrl"].as_str().unwrap().contains("/cashier/"),
        "{session}"
    );
    unsigned_notification_refused(&format!("{}/antom/notify", running.url)).await;
}

/// A start-up configuration error: one plain `error: ...` line per problem, exit status 2.
#[test]
fn configuration_errors_are_plain_lines_and_exit_status_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_configuration_errors_are_plain_lines(PROGRAM, dir.path());
}
