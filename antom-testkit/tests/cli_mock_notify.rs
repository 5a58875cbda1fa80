//! `antom mock` and `antom notify` as a developer runs them, on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use antom_tower::client::{AntomClient, ClientError};
use antom_tower::VerifyNotificationLayer;
use antom_types::InquiryPaymentRequest;
use axum::routing::post;

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `antom mock` with `extra` flags; answers the process and its base URL.
fn start_mock(extra: &[&str]) -> (KillOnDrop, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_antom"))
        .args(["mock", "--port", "0", "--time-scale", "1000"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let child = KillOnDrop(child);
    let mut lines = Vec::new();
    for _ in 0..5 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        lines.push(line);
    }
    let base_url = lines[0]
        .trim()
        .strip_prefix("mock Antom listening on ")
        .unwrap()
        .to_string();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    assert!(lines.iter().any(|l| l.contains("merchant_private_key.pem")));
    assert!(lines.iter().any(|l| l.contains("antom_public_key.pem")));
    (child, base_url)
}

/// An unsigned inquiryPayment: the mock refuses it before the API runs.
/// Answers the result code and whether the answer carried a `signature`.
async fn unsigned_inquiry(base_url: &str) -> (String, bool) {
    use http_body_util::{BodyExt, Full};
    let client: hyper_util::client::legacy::Client<_, Full<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let request = http::Request::post(format!("{base_url}/ams/api/v1/payments/inquiryPayment"))
        .header("content-type", "application/json; charset=UTF-8")
        .header("client-id", antom_testkit::mock::DEFAULT_CLIENT_ID)
        .body(Full::new(bytes::Bytes::from_static(br#"{"paymentRequestId":"pay_1"}"#)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let signed = response.headers().contains_key("signature");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    (body["result"]["resultCode"].as_str().unwrap().to_owned(), signed)
}

#[tokio::test]
async fn antom_mock_signs_gateway_errors_only_when_asked() {
    let (plain, base_url) = start_mock(&[]);
    assert_eq!(
        unsigned_inquiry(&base_url).await,
        ("INVALID_SIGNATURE".to_owned(), false)
    );
    drop(plain);
    let (signing, base_url) = start_mock(&["--sign-gateway-errors"]);
    assert_eq!(
        unsigned_inquiry(&base_url).await,
        ("INVALID_SIGNATURE".to_owned(), true)
    );
    drop(signing);
}

#[tokio::test]
async fn antom_mock_serves_signed_answers_on_loopback() {
    let (child, base_url) = start_mock(&[]);
    let client = AntomClient::builder(antom_testkit::mock::DEFAULT_CLIENT_ID)
        .private_key(antom_testkit::keys::merchant_private_key())
        .antom_public_keys(antom_testkit::keys::antom_public_key_ring())
        .base_url(base_url)
        .build()
        .unwrap();
    // A signed, verified answer from the mock: the payment does not exist.
    let err = client
        .inquiry_payment(&InquiryPaymentRequest::new("pay_unknown"))
        .await
        .unwrap_err();
    match err {
        ClientError::Business { result, .. } => assert_eq!(result.result_code.as_str(), "ORDER_NOT_EXIST"),
        other => panic!("expected ORDER_NOT_EXIST, got {other:?}"),
    }
    drop(child);
}

/// A merchant notify endpoint on 127.0.0.1 that verifies and answers as scripted.
async fn merchant(ack: bool) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let handler = move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            if ack {
                (axum::http::StatusCode::OK, antom_types::NOTIFICATION_ACK_SUCCESS)
            } else {
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "{\"error\":\"database down\"}",
                )
            }
        }
    };
    let layer = VerifyNotificationLayer::new(
        antom_testkit::mock::DEFAULT_CLIENT_ID,
        antom_testkit::keys::antom_public_key_ring(),
    );
    let app = axum::Router::new().route("/antom/notify", post(handler).route_layer(layer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/antom/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, calls)
}

async fn notify(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || Command::new(env!("CARGO_BIN_EXE_antom")).args(args).output().unwrap())
        .await
        .unwrap()
}

fn args(url: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "notify",
        "--to",
        url,
        "--payment-request-id",
        "pay_42",
        "--amount",
        "4200",
        "--currency",
        "SGD",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[tokio::test]
async fn antom_notify_reports_acknowledgement() {
    let (url, calls) = merchant(true).await;
    let out = notify(args(&url, &["--status", "success"])).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("HTTP 200"), "{stdout}");
    assert!(stdout.contains("acknowledged"));
    let out = notify(args(
        &url,
        &["--status", "fail", "--result-code", "USER_BALANCE_NOT_ENOUGH"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn antom_notify_reports_refusals() {
    let (url, calls) = merchant(false).await;
    let out = notify(args(&url, &["--status", "success"])).await;
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("HTTP 500") && stdout.contains("not acknowledged"),
        "{stdout}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Signed with a key the merchant does not trust: rejected by the layer, the handler never runs.
    let (url, calls) = merchant(true).await;
    let wrong = antom_testkit::keys::keys_dir().join("wrong_private_key.pem");
    let out = notify(args(
        &url,
        &["--status", "success", "--private-key", wrong.to_str().unwrap()],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("HTTP 401"));
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    // Nothing listening: unusable input, exit 2.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = notify(args(
        &format!("http://127.0.0.1:{port}/antom/notify"),
        &["--status", "success"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn antom_notify_rejects_a_bad_amount() {
    for (amount, currency, why) in [
        (
            "4200",
            "sgd",
            "--amount/--currency: currency code \"sgd\" must be three uppercase",
        ),
        ("42.00", "SGD", "invalid value '42.00'"),
    ] {
        let args: Vec<String> = [
            "notify",
            "--to",
            "http://127.0.0.1:9/antom/notify",
            "--payment-request-id",
            "pay_42",
            "--status",
            "success",
            "--amount",
            amount,
            "--currency",
            currency,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let out = notify(args).await;
        assert_eq!(out.status.code(), Some(2), "{amount} {currency}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(why), "{stderr}");
    }
}
