//! The `tonic_checkout` binary as a newcomer runs it: `PORT=0` (a free port), no
//! `ANTOM_*` variables (it starts the mock Antom), it prints its URL, takes a
//! session and refuses an unsigned notification. And its configuration errors.

use antom_example_support::binary::{assert_configuration_errors_are_plain_lines, run};
use antom_example_support::testing::*;
use antom_example_tonic::proto::checkout_client::CheckoutClient;
use antom_example_tonic::proto::CreateSessionRequest;

const PROGRAM: &str = env!("CARGO_BIN_EXE_tonic_checkout");

#[tokio::test]
async fn starts_with_the_mock_and_takes_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let running = run(PROGRAM, dir.path(), &[]);
    let mut client = CheckoutClient::connect(running.url.clone()).await.expect("gRPC");
    let session = client
        .create_session(CreateSessionRequest {
            product_id: "sticker-pack".into(),
            quantity: 1,
            currency: "SGD".into(),
            payment_method_type: "ALIPAY_CN".into(),
        })
        .await
        .expect("CreateSession")
        .into_inner();
    assert!(session.normal_url.contains("/cashier/"));
    unsigned_notification_refused(&format!("{}/antom/notify", running.url)).await;
}

/// A start-up configuration error: one plain `error: ...` line per problem, exit status 2.
#[test]
fn configuration_errors_are_plain_lines_and_exit_status_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_configuration_errors_are_plain_lines(PROGRAM, dir.path());
}
