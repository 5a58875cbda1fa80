//! The mock's control API from another language: a Python 3 script (standard
//! library only) drives a whole payment on 127.0.0.1. Needs `python3` on PATH.

use antom_testkit::keys;
use antom_testkit::mock::MockAntom;
use antom_tower::client::AntomClient;
use antom_types::CreatePaymentSessionRequest;

#[tokio::test]
async fn a_python_script_drives_a_payment_through_the_control_api() {
    let mock = MockAntom::builder().start().await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = AntomClient::builder(mock.client_id())
        .private_key(keys::merchant_private_key())
        .antom_public_keys(mock.antom_public_key_ring())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let mut request: CreatePaymentSessionRequest = serde_json::from_value(serde_json::json!({
        "productCode": "CASHIER_PAYMENT",
        "paymentRequestId": "pay_python_1",
        "paymentAmount": {"currency": "SGD", "value": "1000"},
        "paymentMethod": {"paymentMethodType": "ALIPAY_CN"},
        "paymentRedirectUrl": "http://127.0.0.1:9/return",
        "order": {"referenceOrderId": "order_python_1", "orderDescription": "Tea", "orderAmount": {"currency": "SGD", "value": "1000"}},
    }))
    .unwrap();
    request.payment_notify_url = Some(format!("http://127.0.0.1:{port}/antom/notify"));
    client.create_payment_session(&request).await.unwrap();

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/control_api.py");
    let base_url = mock.base_url().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .env("MOCK_URL", base_url)
            .env("NOTIFY_PORT", port.to_string())
            .env("PAYMENT_REQUEST_ID", "pay_python_1")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("OK: paid, resent"), "{stdout}");
    // The Rust side agrees with what the script saw.
    let payment = mock.payment("pay_python_1").unwrap();
    assert_eq!(payment.refunded_minor_units(), 300);
    assert_eq!(mock.log().notifications_for("pay_python_1").len(), 4);
}
