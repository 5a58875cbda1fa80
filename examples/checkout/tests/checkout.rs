//! The local checkout (axum, the checkout routes, SQLite) on 127.0.0.1 with
//! the mock Antom: full payments through the routes the page uses, the page
//! itself, its configuration and the Web SDK route.

use std::path::PathBuf;

use antom_example_checkout::{self as checkout, Mode, PageOptions, SDK_PATH};
use antom_example_support::setup;
use antom_example_support::testing::*;
use antom_testkit::mock::MockAntomHandle;
use antom_tower::checkout::Checkout;
use antom_tower::store::{ResultSource, SqliteOrderStore};
use http::{Method, StatusCode};

struct Server {
    base: String,
    checkout: Checkout,
    _dir: tempfile::TempDir,
}

async fn start(mock: &MockAntomHandle, mode: Mode, sdk_file: Option<PathBuf>) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let (listener, addr) = listener().await;
    let urls = checkout::urls(addr);
    let config = setup::mock_config(mock, &urls).expect("config");
    let store = SqliteOrderStore::open(dir.path().join("data/checkout.sqlite").to_str().unwrap())
        .await
        .expect("SQLite store");
    let checkout = checkout::checkout(&config, store).expect("checkout");
    let mut options = PageOptions::new(mode, &config);
    if let Some(file) = sdk_file {
        options.sdk_file = file;
    }
    let app = checkout::router(&checkout, options);
    tokio::spawn(checkout::serve(listener, app, std::future::pending()));
    Server {
        base: urls.base_url,
        checkout,
        _dir: dir,
    }
}

#[tokio::test]
async fn paid_failed_and_cancelled_orders() {
    let mock = mock().await;
    let server = start(&mock, Mode::Mock, None).await;
    let antom = format!("{}/antom", server.base);
    let paid = json_payment_flow(&mock, &antom, Buyer::Pays).await;
    json_payment_flow(&mock, &antom, Buyer::Fails).await;
    json_payment_flow(&mock, &antom, Buyer::Cancels).await;

    // The paid order was moved by the verified notification, and is in SQLite.
    let order_id = paid["orderId"].as_str().unwrap();
    let changes = server.checkout.store().state_changes(order_id).await.unwrap();
    assert!(
        changes.iter().any(|c| c.source == ResultSource::Notification),
        "{changes:#?}"
    );
}

#[tokio::test]
async fn forged_and_unsigned_notifications_are_refused() {
    let mock = forging_mock().await;
    let server = start(&mock, Mode::Mock, None).await;
    let antom = format!("{}/antom", server.base);
    let (_, session) = post_json(&format!("{antom}/sessions"), &order_json(1)).await;
    let payment_request_id = session["paymentRequestId"].as_str().unwrap();
    mock.pay(payment_request_id).unwrap();
    let notifications = notifications_for(&mock, payment_request_id).await;
    assert_eq!(notifications.len(), 8);
    assert!(
        notifications.iter().all(|n| n.status == Some(401)),
        "{notifications:#?}"
    );
    let changes = server
        .checkout
        .store()
        .state_changes(session["orderId"].as_str().unwrap())
        .await
        .unwrap();
    assert!(
        changes.iter().all(|c| c.source != ResultSource::Notification),
        "{changes:#?}"
    );
    unsigned_notification_refused(&format!("{antom}/notify")).await;
}

#[tokio::test]
async fn serves_the_page_and_its_configuration() {
    let mock = mock().await;
    let server = start(&mock, Mode::Mock, None).await;
    let (status, html) = send(Method::GET, &format!("{}/", server.base), &[], "").await;
    assert_eq!(status, StatusCode::OK);
    for id in [
        "id=\"pay\"",
        "id=\"quantity\"",
        "id=\"price\"",
        "id=\"methods\"",
        "/app.js",
        "/style.css",
    ] {
        assert!(html.contains(id), "{id} missing from the page");
    }
    for asset in ["/app.js", "/style.css"] {
        let (status, text) = send(Method::GET, &format!("{}{asset}", server.base), &[], "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!text.is_empty());
    }
    let (status, config) = get_json(&format!("{}/config.json", server.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["mode"], "mock");
    assert_eq!(config["environment"], "sandbox");
    assert_eq!(config["sessionsUrl"], "/antom/sessions");
    assert_eq!(config["returnUrl"], "/antom/return");
    assert_eq!(config["sdk"]["url"], SDK_PATH);

    // The result page as a browser asks for it.
    let (_, session) = post_json(&format!("{}/antom/sessions", server.base), &order_json(1)).await;
    let url = format!(
        "{}/antom/return?orderId={}",
        server.base,
        session["orderId"].as_str().unwrap()
    );
    let (status, page) = send(Method::GET, &url, &[("accept", "text/html")], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"status\""), "{page}");
}

#[tokio::test]
async fn serves_the_web_sdk_only_when_installed() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.js");
    let server = start(&mock, Mode::Antom, Some(missing)).await;
    let (_, config) = get_json(&format!("{}/config.json", server.base)).await;
    assert_eq!(config["mode"], "antom");
    assert_eq!(config["sdk"]["available"], false);
    assert_eq!(config["sdk"]["install"], "npm ci --prefix examples/checkout/web");
    let (status, text) = send(Method::GET, &format!("{}{SDK_PATH}", server.base), &[], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(text.contains("npm ci --prefix examples/checkout/web"), "{text}");

    let installed = dir.path().join("ams-checkout.min.js");
    std::fs::write(&installed, "window.AMSCashierPayment = function () {};\n").unwrap();
    let server = start(&mock, Mode::Antom, Some(installed)).await;
    let (_, config) = get_json(&format!("{}/config.json", server.base)).await;
    assert_eq!(config["sdk"]["available"], true);
    let (status, text) = send(Method::GET, &format!("{}{SDK_PATH}", server.base), &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.starts_with("window.AMSCashierPayment"));
}

#[test]
fn the_default_sdk_file_is_the_umd_bundle_of_the_pinned_package() {
    let lock: serde_json::Value =
        serde_json::from_str(include_str!("../web/package-lock.json")).expect("package-lock.json");
    assert!(lock["packages"]["node_modules/@alipay/ams-checkout"]["version"].is_string());
    let file = checkout::default_sdk_file();
    assert!(file.ends_with("web/node_modules/@alipay/ams-checkout/dist/umd/ams-checkout.min.js"));
}
