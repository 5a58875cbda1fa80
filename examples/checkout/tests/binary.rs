//! The `checkout` binary as a newcomer runs it: `PORT=0` (a free port), no
//! `ANTOM_*` variables (it starts the mock Antom), it prints its URL and
//! takes a payment. Then with `ANTOM_*` variables (pointed at a mock through
//! `ANTOM_BASE_URL`): it starts no mock, uses that configuration and takes a
//! payment. And its configuration errors.

use std::time::Duration;

use antom_example_support::binary::{assert_configuration_errors_are_plain_lines, drain, run};
use antom_example_support::testing::*;
use http::{Method, StatusCode};

const PROGRAM: &str = env!("CARGO_BIN_EXE_checkout");

#[tokio::test]
async fn checkout_binary_with_the_mock() {
    let dir = tempfile::tempdir().unwrap();
    let running = run(PROGRAM, dir.path(), &[]);
    let (status, page) = send(Method::GET, &format!("{}/", running.url), &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"pay\""));
    let (_, config) = get_json(&format!("{}/config.json", running.url)).await;
    assert_eq!(config["mode"], "mock");
    let (status, session) = post_json(&format!("{}/antom/sessions", running.url), &order_json(1)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert!(session["normalUrl"].as_str().unwrap().contains("/cashier/"));
    // The buyer pays on the mock's cashier page: its Pay button posts this form.
    let pay = format!("{}/pay", session["normalUrl"].as_str().unwrap());
    let (status, _) = send(Method::POST, &pay, &[], "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let order_url = format!("{}/antom/orders/{}", running.url, session["orderId"].as_str().unwrap());
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (_, order) = get_json(&order_url).await;
        if order["status"] == "succeeded" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not paid: {order}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        dir.path().join("data/checkout-mock.sqlite").is_file(),
        "the SQLite file under ./data"
    );
    drop(running);
}

#[tokio::test]
async fn checkout_binary_with_antom_variables() {
    let mock = mock().await;
    let keys = antom_testkit::keys::keys_dir();
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("ANTOM_CLIENT_ID", mock.client_id().to_owned()),
        (
            "ANTOM_MERCHANT_PRIVATE_KEY_FILE",
            keys.join("merchant_private_key.pem").display().to_string(),
        ),
        (
            "ANTOM_PUBLIC_KEY_FILE",
            keys.join("antom_public_key.pem").display().to_string(),
        ),
        ("ANTOM_BASE_URL", mock.base_url().to_owned()),
    ];
    let running = run(PROGRAM, dir.path(), &env);
    let (_, config) = get_json(&format!("{}/config.json", running.url)).await;
    assert_eq!(config["mode"], "antom");
    assert_eq!(config["environment"], "sandbox");
    let (status, session) = post_json(&format!("{}/antom/sessions", running.url), &order_json(1)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let payment_request_id = session["paymentRequestId"].as_str().unwrap();
    // The notify URL defaulted to the local one (with a warning), so the mock can deliver.
    let payment = mock
        .payment(payment_request_id)
        .expect("the session reached the configured Antom");
    assert_eq!(
        payment.payment_notify_url.as_deref(),
        Some(format!("{}/antom/notify", running.url).as_str())
    );
    mock.pay(payment_request_id).unwrap();
    let notifications = notifications_for(&mock, payment_request_id).await;
    assert!(notifications[0].acknowledged, "{notifications:#?}");
    let output = drain(&running);
    assert!(output.contains("ANTOM_NOTIFY_URL is not set"), "{output}");
    assert!(dir.path().join("data/checkout.sqlite").is_file());
}

/// A start-up configuration error: one plain `error: ...` line per problem, exit status 2.
#[test]
fn configuration_errors_are_plain_lines_and_exit_status_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_configuration_errors_are_plain_lines(PROGRAM, dir.path());
}
