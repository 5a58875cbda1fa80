//! Secrets: a full run (configuration with the merchant key inline, session,
//! payment, notification, inquiry, reconciliation, and the errors bad keys
//! cause) with every log line of every crate captured at TRACE, plus the
//! `Debug` output of the objects holding keys and every error message and
//! HTTP answer: no form of any private key (the merchant's, Antom's two, the
//! wrong one) appears anywhere. See `antom_reliability::secrets` for the
//! forms searched. This file has one test: the log subscriber is global.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antom_reliability::secrets::{all_private_keys, find_leaks};
use antom_reliability::send::{self, post_notification, SignedNotification};
use antom_reliability::{report, CLIENT_ID, NOTIFY_PATH};
use antom_testkit::keys;
use antom_testkit::mock::MockAntom;
use antom_tower::checkout::{Checkout, ClientAmount};
use antom_tower::client::AntomClient;
use antom_tower::config::AntomConfig;
use antom_tower::signing::request_time::format_epoch_millis;
use antom_tower::signing::{KeyVersion, PrivateKey, PublicKey, PublicKeyRing};
use antom_tower::store::SqliteOrderStore;
use antom_tower::verify_notification::VerifyNotificationLayer;
use antom_types::InquiryPaymentRequest;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// A PEM with one character of its body changed.
fn corrupted(pem: &str) -> String {
    let mut bytes = pem.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    let i = (middle..bytes.len())
        .find(|&i| bytes[i].is_ascii_alphanumeric())
        .expect("body");
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).expect("ASCII")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_private_key_bytes_in_logs_debug_output_or_errors() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .with_span_events(FmtSpan::FULL)
        .try_init()
        .expect("the only subscriber of this test binary");
    // What is not a log line but must not leak either: Debug output, errors, answers.
    let mut said: Vec<String> = Vec::new();

    let mock = MockAntom::builder().time_scale(1_000.0).start().await.expect("mock");
    said.push(format!("{:?}", *mock));
    said.push(format!(
        "{:?}",
        MockAntom::builder().antom_signing_key(keys::antom_private_key(), KeyVersion(1))
    ));

    // The merchant's configuration, with the private key inline as a Dashboard user pastes it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let toml = format!(
        "client_id = \"{CLIENT_ID}\"\nmerchant_private_key = '''\n{}'''\nantom_public_key = '''\n{}'''\nbase_url = \"{}\"\nnotify_url = \"{url}{NOTIFY_PATH}\"\nredirect_url = \"{url}/antom/return\"\n",
        keys::MERCHANT_PRIVATE_KEY_PEM,
        keys::ANTOM_PUBLIC_KEY_PEM,
        mock.base_url()
    );
    let config = AntomConfig::from_toml_str(&toml).expect("a valid configuration");
    said.push(format!("{config:?}"));
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteOrderStore::open(dir.path().join("orders.db").to_string_lossy())
        .await
        .unwrap();
    said.push(format!("{store:?}"));
    let checkout = Checkout::from_config(&config, store)
        .unwrap()
        .pricing(ClientAmount::new().allow(antom_types::Currency::SGD, 1, 1_000_000))
        .prefix("/antom")
        .inquiry_interval(Duration::from_millis(1))
        .build()
        .unwrap();
    said.push(format!("{:?}", checkout.client()));
    let router = checkout.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let http = send::http_client(4);

    // A payment: session, the buyer pays, the notification, the order page.
    let (status, session) = send::post_json(
        &http,
        &format!("{url}/antom/sessions"),
        &serde_json::json!({"amount": 4200, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "Coffee"}),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    said.push(session.to_string());
    let paid = session["paymentRequestId"].as_str().unwrap().to_owned();
    mock.pay(&paid).unwrap();
    mock.wait_for_acknowledged(1, Duration::from_secs(30)).await.unwrap();
    let (_, order) = send::get_json(
        &http,
        &format!("{url}/antom/orders/{}", session["orderId"].as_str().unwrap()),
    )
    .await;
    assert_eq!(order["status"], "succeeded");
    said.push(order.to_string());

    // Another one settled by inquiry (the order page) and reconciliation.
    let (_, second) = send::post_json(
        &http,
        &format!("{url}/antom/sessions"),
        &serde_json::json!({"amount": 4300, "currency": "SGD", "paymentMethodType": "ALIPAY_CN", "description": "Tea"}),
    )
    .await;
    let (_, pending) = send::get_json(
        &http,
        &format!("{url}/antom/orders/{}", second["orderId"].as_str().unwrap()),
    )
    .await;
    said.push(pending.to_string());
    mock.fail(second["paymentRequestId"].as_str().unwrap(), "USER_BALANCE_NOT_ENOUGH")
        .unwrap();
    let report_ = checkout.reconciler().min_age(Duration::ZERO).run_once().await;
    said.push(format!("{report_:?}"));
    mock.wait_until_idle(Duration::from_secs(30)).await.unwrap();

    // Errors with bad keys.
    let wrong_merchant = AntomClient::builder(CLIENT_ID)
        .private_key(keys::wrong_private_key())
        .antom_public_keys(keys::antom_public_key_ring())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let error = wrong_merchant
        .inquiry_payment(&InquiryPaymentRequest::new(paid.clone()))
        .await
        .expect_err("the mock refuses a request signed with the wrong key");
    said.push(format!("{error} / {error:?}"));
    let wrong_antom = AntomClient::builder(CLIENT_ID)
        .private_key(keys::merchant_private_key())
        .antom_public_keys(PublicKeyRing::single(keys::wrong_private_key().public_key()))
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let error = wrong_antom
        .inquiry_payment(&InquiryPaymentRequest::new(paid.clone()))
        .await
        .expect_err("Antom's answer does not verify with the wrong public key");
    said.push(format!("{error} / {error:?}"));
    let forged = SignedNotification::sign(
        &keys::wrong_private_key(),
        KeyVersion(1),
        NOTIFY_PATH,
        CLIENT_ID,
        &format_epoch_millis(std::time::SystemTime::now()),
        r#"{"notifyType":"PAYMENT_RESULT"}"#,
    );
    let answer = post_notification(&http, &format!("{url}{NOTIFY_PATH}"), &forged)
        .await
        .unwrap();
    assert_eq!(answer.status, 401);
    said.push(answer.text());

    // Keys that do not load, in every way they can fail.
    let truncated = &keys::MERCHANT_PRIVATE_KEY_PEM[..keys::MERCHANT_PRIVATE_KEY_PEM.len() / 2];
    let bad_inputs = [
        corrupted(keys::MERCHANT_PRIVATE_KEY_PEM),
        corrupted(keys::ANTOM_PRIVATE_KEY_PEM),
        truncated.to_owned(),
        keys::MERCHANT_PRIVATE_KEY_BASE64.trim()[..400].to_owned(),
    ];
    for input in &bad_inputs {
        if let Err(e) = PrivateKey::parse(input) {
            said.push(format!("{e} / {e:?}"));
        }
        if let Err(e) = PublicKey::parse(input) {
            said.push(format!("{e} / {e:?}"));
        }
    }
    for pem in [keys::MERCHANT_PRIVATE_KEY_PEM, keys::ANTOM_PRIVATE_KEY_PEM] {
        let error = PublicKey::parse(pem).expect_err("a private key where a public one belongs");
        said.push(format!("{error} / {error:?}"));
    }
    for key in [
        keys::merchant_private_key(),
        keys::antom_private_key(),
        keys::antom_private_key_v2(),
        keys::wrong_private_key(),
    ] {
        said.push(format!("{key:?}"));
    }
    let swapped = toml.replace(keys::ANTOM_PUBLIC_KEY_PEM, keys::ANTOM_PRIVATE_KEY_PEM);
    let error = AntomConfig::from_toml_str(&swapped).expect_err("Antom's private key given as its public key");
    said.push(format!("{error} / {error:?}"));
    let unterminated = format!(
        "client_id = \"{CLIENT_ID}\"\nmerchant_private_key = \"{}\n",
        keys::MERCHANT_PRIVATE_KEY_BASE64.trim()
    );
    let error = AntomConfig::from_toml_str(&unterminated).expect_err("a TOML syntax error on the key's line");
    said.push(format!("{error} / {error:?}"));
    let env = BTreeMap::from([
        ("ANTOM_CLIENT_ID".to_owned(), CLIENT_ID.to_owned()),
        ("ANTOM_MERCHANT_PRIVATE_KEY".to_owned(), truncated.to_owned()),
        ("ANTOM_PUBLIC_KEY".to_owned(), keys::MERCHANT_PRIVATE_KEY_PEM.to_owned()),
    ]);
    let error = AntomConfig::from_env_map(&env).expect_err("bad keys in the environment");
    said.push(format!("{error} / {error:?}"));
    said.push(format!(
        "{:?}",
        VerifyNotificationLayer::new(CLIENT_ID, keys::antom_public_key_ring())
    ));

    mock.shutdown().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let logs = capture.text();
    let lines = logs.lines().count();
    // The capture works: it holds the run at TRACE, across crates.
    for expected in [
        "verified an Antom notification",
        "createPaymentSession",
        "inquiryPayment",
        "rejected an Antom notification",
        "TRACE",
    ] {
        assert!(logs.contains(expected), "the capture misses {expected:?}");
    }
    let keys = all_private_keys();
    // The search works: it finds a key, a piece of one, and its DER in hex.
    for key in &keys {
        assert!(!key.is_empty());
    }
    let body: String = keys::MERCHANT_PRIVATE_KEY_BASE64.trim().to_owned();
    let der_hex: String = keys::merchant_private_key()
        .to_pkcs8_der()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    for planted in [
        keys::MERCHANT_PRIVATE_KEY_PEM.to_owned(),
        format!("key=\"{}\"", &body[900..940]),
        format!("der: {}", &der_hex[der_hex.len() - 80..der_hex.len() - 40]),
    ] {
        assert!(!find_leaks(&planted, &keys).is_empty(), "the search misses {planted:?}");
    }

    let everything = format!("{logs}\n{}", said.join("\n"));
    let leaks = find_leaks(&everything, &keys);
    assert!(leaks.is_empty(), "private key material found:\n{}", leaks.join("\n"));
    report(
        "secrets",
        &[
            ("log_lines_at_trace", lines.to_string()),
            ("log_bytes", logs.len().to_string()),
            ("debug_and_error_texts", said.len().to_string()),
            ("keys_searched", keys.len().to_string()),
            (
                "forms_and_pieces_searched",
                keys.iter().map(|k| k.len()).sum::<usize>().to_string(),
            ),
            ("leaks", "0".into()),
        ],
    );
}
