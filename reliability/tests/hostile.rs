//! Hostile input against the notify route on 127.0.0.1.
//!
//! - Forged and altered notifications, on every store: a wrong key, a valid
//!   signature over another path, an amount changed after signing, a
//!   well-signed other amount or currency, a replay of a 26-hour-old
//!   notification, another client id, a keyVersion mix-up, a time in the
//!   future, an unknown order: all refused, never acknowledged, and the
//!   order and its state change log unchanged. A replay of a genuine
//!   notification inside the window is acknowledged as a duplicate and
//!   changes nothing either.
//! - Oversized bodies (announced, or streamed without a length): 413 before
//!   the body is read in full.
//! - Slow-loris: a body trickled a byte at a time gets 408 from the layer's
//!   body read timeout; headers trickled a byte at a time are cut off by the
//!   server's header read timeout.
//! - Deeply nested JSON, well-signed: a clear 400, no stack overflow, and the
//!   server goes on serving.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use antom_reliability::plan::{Final, PlannedOrder};
use antom_reliability::send::{post_notification, SignedNotification};
use antom_reliability::shop::{Shop, ShopConfig};
use antom_reliability::{pg, report, CLIENT_ID, NOTIFY_PATH};
use antom_testkit::keys;
use antom_tower::signing::request_time::format_epoch_millis;
use antom_tower::signing::KeyVersion;
use antom_tower::store::{MemoryOrderStore, OrderStatus, OrderStore, SqliteOrderStore};
use antom_types::Amount;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn order(id: &str, value: u64, currency: &str) -> PlannedOrder {
    PlannedOrder {
        order_id: format!("ord_{id}"),
        payment_request_id: format!("pay_{id}"),
        payment_id: format!("2026082300{id}"),
        amount: Amount::from_minor_units(value, currency).expect("amount"),
        outcome: Final::Succeeded,
        marked_pending: true,
    }
}

fn time(offset_secs: i64) -> String {
    let now = SystemTime::now();
    let at = if offset_secs >= 0 {
        now + Duration::from_secs(offset_secs.unsigned_abs())
    } else {
        now - Duration::from_secs(offset_secs.unsigned_abs())
    };
    format_epoch_millis(at)
}

fn antom_signed(path: &str, client_id: &str, request_time: &str, body: Vec<u8>) -> SignedNotification {
    SignedNotification::sign(
        &keys::antom_private_key(),
        KeyVersion(1),
        path,
        client_id,
        request_time,
        body,
    )
}

/// Every forgery against one order on `store`; returns how many were refused.
async fn forgeries_change_nothing(store: Arc<dyn OrderStore>) -> usize {
    let target = order("forged", 4200, "SGD");
    store.create_order(target.new_order()).await.expect("create");
    store.mark_pending(&target.order_id).await.expect("pending");
    let before = store.get_order(&target.order_id).await.unwrap().unwrap();
    let shop = Shop::start(Arc::clone(&store), ShopConfig::default()).await;
    let url = shop.notify_url();
    let body = target.body(true);
    let now = time(-1);
    let genuine = antom_signed(NOTIFY_PATH, CLIENT_ID, &now, body.clone());

    let mut other_amount = target.clone();
    other_amount.amount = Amount::from_minor_units(1, "SGD").unwrap();
    let mut other_currency = target.clone();
    other_currency.amount = Amount::from_minor_units(4200, "USD").unwrap();
    let altered_body = String::from_utf8(body.clone())
        .unwrap()
        .replace("\"4200\"", "\"1\"")
        .into_bytes();
    assert_ne!(altered_body, body);
    let mut other_client = antom_signed(NOTIFY_PATH, "SANDBOX_SOMEONE_ELSE", &now, body.clone());
    let signed_for_other_client_sent_as_ours = SignedNotification {
        client_id: CLIENT_ID.to_owned(),
        ..other_client.clone()
    };
    other_client.client_id = "SANDBOX_SOMEONE_ELSE".to_owned();
    let unknown = order("nobody", 4200, "SGD");

    let cases: Vec<(&str, SignedNotification, u16, &str)> = vec![
        (
            "signed with a key Antom never used",
            SignedNotification::sign(
                &keys::wrong_private_key(),
                KeyVersion(1),
                NOTIFY_PATH,
                CLIENT_ID,
                &now,
                body.clone(),
            ),
            401,
            "signature_mismatch",
        ),
        (
            "valid signature over another path",
            antom_signed("/antom/other", CLIENT_ID, &now, body.clone()),
            401,
            "signature_mismatch",
        ),
        (
            "valid signature over the path with a query",
            antom_signed("/antom/notify?paid=1", CLIENT_ID, &now, body.clone()),
            401,
            "signature_mismatch",
        ),
        (
            "amount changed after signing",
            genuine.with_body(altered_body),
            401,
            "signature_mismatch",
        ),
        (
            "well-signed, another amount",
            antom_signed(NOTIFY_PATH, CLIENT_ID, &now, other_amount.body(true)),
            400,
            "amount_mismatch",
        ),
        (
            "well-signed, another currency",
            antom_signed(NOTIFY_PATH, CLIENT_ID, &now, other_currency.body(true)),
            400,
            "amount_mismatch",
        ),
        (
            "replay of a notification signed 26 hours ago",
            antom_signed(NOTIFY_PATH, CLIENT_ID, &time(-26 * 3600), body.clone()),
            401,
            "request_time_too_old",
        ),
        (
            "request-time an hour ahead",
            antom_signed(NOTIFY_PATH, CLIENT_ID, &time(3600), body.clone()),
            401,
            "request_time_in_future",
        ),
        ("for another client id", other_client, 401, "client_id_mismatch"),
        (
            "signed for another client id, sent with ours",
            signed_for_other_client_sent_as_ours,
            401,
            "signature_mismatch",
        ),
        (
            "signed with key 2, labelled keyVersion 1",
            SignedNotification::sign(
                &keys::antom_private_key_v2(),
                KeyVersion(1),
                NOTIFY_PATH,
                CLIENT_ID,
                &now,
                body.clone(),
            ),
            401,
            "signature_mismatch",
        ),
        (
            "an unknown keyVersion",
            SignedNotification::sign(
                &keys::antom_private_key(),
                KeyVersion(7),
                NOTIFY_PATH,
                CLIENT_ID,
                &now,
                body.clone(),
            ),
            401,
            "unknown_key_version",
        ),
        (
            "well-signed, for an order this shop never made",
            antom_signed(NOTIFY_PATH, CLIENT_ID, &now, unknown.body(true)),
            404,
            "unknown_order",
        ),
    ];
    for (name, notification, status, code) in &cases {
        let answer = post_notification(&shop.http, &url, notification)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!answer.is_ack(), "{name}: acknowledged");
        assert_eq!(answer.status, *status, "{name}: {}", answer.text());
        assert_eq!(answer.error_code().as_deref(), Some(*code), "{name}: {}", answer.text());
    }
    let after = store.get_order(&target.order_id).await.unwrap().unwrap();
    assert_eq!(after, before, "nothing changed");
    assert_eq!(store.state_changes(&target.order_id).await.unwrap().len(), 1);
    assert!(store.get_order(&unknown.order_id).await.unwrap().is_none());

    // The genuine one is applied; replaying it (same bytes, same headers) is a harmless duplicate.
    let first = post_notification(&shop.http, &url, &genuine).await.unwrap();
    assert!(first.is_ack(), "{}", first.text());
    let paid = store.get_order(&target.order_id).await.unwrap().unwrap();
    assert_eq!(paid.status, OrderStatus::Succeeded);
    for _ in 0..3 {
        let replay = post_notification(&shop.http, &url, &genuine).await.unwrap();
        assert!(replay.is_ack(), "a resend is acknowledged: {}", replay.text());
    }
    // A well-signed contradiction of the final state is refused too.
    let mut failed = target.clone();
    failed.outcome = Final::Failed;
    let contradiction = antom_signed(NOTIFY_PATH, CLIENT_ID, &now, failed.body(true));
    let answer = post_notification(&shop.http, &url, &contradiction).await.unwrap();
    assert_eq!(
        (answer.status, answer.error_code().as_deref()),
        (409, Some("illegal_transition"))
    );
    assert_eq!(store.get_order(&target.order_id).await.unwrap().unwrap(), paid);
    assert_eq!(store.state_changes(&target.order_id).await.unwrap().len(), 2);
    cases.len() + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_notifications_change_nothing_on_the_memory_store() {
    let refused = forgeries_change_nothing(Arc::new(MemoryOrderStore::new())).await;
    report(
        "forged_memory",
        &[("refused", refused.to_string()), ("changed", "0".into())],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_notifications_change_nothing_on_a_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteOrderStore::open(dir.path().join("orders.db").to_string_lossy())
        .await
        .expect("open");
    let refused = forgeries_change_nothing(Arc::new(store)).await;
    report(
        "forged_sqlite",
        &[("refused", refused.to_string()), ("changed", "0".into())],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_notifications_change_nothing_on_postgresql() {
    let Some(server) = pg::server("forged_notifications_change_nothing_on_postgresql").await else {
        return;
    };
    let schema = server.fresh_schema("forged").await;
    let store = server.store(&schema, &pg::unique("antom-rel-forged"), 4).await;
    let refused = forgeries_change_nothing(Arc::new(store)).await;
    report(
        "forged_postgres",
        &[("refused", refused.to_string()), ("changed", "0".into())],
    );
    server.cleanup().await;
}

// ---------------------------------------------------------------------------
// Raw HTTP, for what a well-behaved client cannot send.

/// The request head of a signed notification of `length` bytes (or chunked).
fn head(notification: &SignedNotification, length: Option<usize>) -> String {
    let framing = match length {
        Some(n) => format!("content-length: {n}"),
        None => "transfer-encoding: chunked".to_owned(),
    };
    format!(
        "POST {NOTIFY_PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nclient-id: {}\r\nrequest-time: {}\r\nsignature: {}\r\n{framing}\r\n\r\n",
        notification.client_id, notification.request_time, notification.signature
    )
}

/// Reads until the status line is in; `(status, everything read)`.
async fn read_status(stream: &mut tokio::net::tcp::OwnedReadHalf) -> (u16, String) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&seen).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused_before_they_are_read() {
    let shop = Shop::start(Arc::new(MemoryOrderStore::new()), ShopConfig::default()).await;
    // Announced: 64 KiB + 1, validly signed; refused on the header alone.
    let big = vec![b' '; 64 * 1024 + 1];
    let announced = antom_signed(NOTIFY_PATH, CLIENT_ID, &time(-1), big);
    let answer = post_notification(&shop.http, &shop.notify_url(), &announced)
        .await
        .unwrap();
    assert_eq!(
        (answer.status, answer.error_code().as_deref()),
        (413, Some("body_too_large"))
    );

    // Streamed without a length: up to 64 MiB offered, refused once 64 KiB are counted.
    let offered: usize = 64 * 1024 * 1024;
    let notification = antom_signed(NOTIFY_PATH, CLIENT_ID, &time(-1), Vec::new());
    let stream = TcpStream::connect(shop.addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        let mut written = 0usize;
        if writer.write_all(head(&notification, None).as_bytes()).await.is_err() {
            return written;
        }
        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
        while written < offered {
            if writer.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
            written += 64 * 1024;
        }
        written
    });
    let (status, text) = tokio::time::timeout(Duration::from_secs(30), read_status(&mut reader))
        .await
        .expect("answered");
    assert_eq!(status, 413, "{text}");
    assert!(
        text.contains("body_too_large") || text.contains("content-length"),
        "{text}"
    );
    drop(reader);
    let written = tokio::time::timeout(Duration::from_secs(30), writing)
        .await
        .expect("the server stops reading, the writer fails")
        .expect("writer task");
    assert!(written < offered, "the server read the whole {offered} bytes");
    report(
        "oversized",
        &[
            ("offered_bytes", offered.to_string()),
            ("written_before_refusal", written.to_string()),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_cut_off_by_the_body_read_timeout() {
    let config = ShopConfig {
        body_read_timeout: Some(Duration::from_secs(1)),
        ..ShopConfig::default()
    };
    let shop = Shop::start(Arc::new(MemoryOrderStore::new()), config).await;
    let target = order("slow", 4200, "SGD");
    let notification = antom_signed(NOTIFY_PATH, CLIENT_ID, &time(-1), target.body(true));
    let stream = TcpStream::connect(shop.addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let length = notification.body.len();
    let body = notification.body.clone();
    let head = head(&notification, Some(length));
    let writing = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await.expect("head");
        let mut sent = 0;
        // One byte every 100 ms: the whole body would take minutes.
        for byte in body.iter() {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            sent += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        sent
    });
    let (status, text) = tokio::time::timeout(Duration::from_secs(30), read_status(&mut reader))
        .await
        .expect("the server answers instead of waiting for the trickle");
    assert_eq!(status, 408, "{text}");
    assert!(text.contains("body_read_timeout"), "{text}");
    // And it hangs up: the rest of the trickle goes nowhere.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), reader.read_to_end(&mut rest)).await;
    writing.abort();
    report(
        "slow_loris_body",
        &[("body_bytes", length.to_string()), ("answer", "408".into())],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickled_headers_are_cut_off_by_the_header_read_timeout() {
    let config = ShopConfig {
        header_read_timeout: Some(Duration::from_secs(1)),
        ..ShopConfig::default()
    };
    let shop = Shop::start(Arc::new(MemoryOrderStore::new()), config).await;
    let stream = TcpStream::connect(shop.addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        let _ = writer
            .write_all(b"POST /antom/notify HTTP/1.1\r\nhost: 127.0.0.1\r\n")
            .await;
        // A header that never ends, one byte every 100 ms (at most 60 s of it).
        for _ in 0..600 {
            if writer.write_all(b"x").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(30), reader.read_to_end(&mut rest)).await;
    writing.abort();
    assert!(closed.is_ok(), "the server hung up on the trickled headers");
    let text = String::from_utf8_lossy(&rest);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_json_is_refused_clearly_and_the_server_goes_on() {
    let store: Arc<dyn OrderStore> = Arc::new(MemoryOrderStore::new());
    let target = order("nested", 4200, "SGD");
    store.create_order(target.new_order()).await.unwrap();
    store.mark_pending(&target.order_id).await.unwrap();
    let shop = Shop::start(Arc::clone(&store), ShopConfig::default()).await;
    let url = shop.notify_url();
    let depth = 30_000; // two bytes a level: just under the 64 KiB limit
    let bodies = [
        (
            "arrays in a field",
            format!(
                r#"{{"notifyType":"PAYMENT_RESULT","deep":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        ),
        ("a bare array", format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        (
            "objects",
            format!(
                r#"{{"notifyType":"PAYMENT_PENDING","deep":{}1{}}}"#,
                r#"{"a":"#.repeat(10_000),
                "}".repeat(10_000)
            ),
        ),
    ];
    for (name, body) in &bodies {
        assert!(body.len() <= 64 * 1024, "{name}: {} bytes", body.len());
        let signed = antom_signed(NOTIFY_PATH, CLIENT_ID, &time(-1), body.clone().into_bytes());
        let answer = post_notification(&shop.http, &url, &signed).await.expect("answered");
        assert_eq!(answer.status, 400, "{name}: {}", answer.text());
        assert_eq!(answer.error_code().as_deref(), Some("invalid_notification"), "{name}");
        assert!(answer.text().contains("recursion limit"), "{name}: {}", answer.text());
    }
    // Nested within the parser's limit, in a field nobody reads: a valid notification.
    let mut value: serde_json::Value = serde_json::from_slice(&target.body(true)).unwrap();
    value["extension"] = serde_json::from_str(&format!("{}{}", "[".repeat(100), "]".repeat(100))).unwrap();
    let signed = antom_signed(NOTIFY_PATH, CLIENT_ID, &time(-1), serde_json::to_vec(&value).unwrap());
    let answer = post_notification(&shop.http, &url, &signed).await.expect("answered");
    assert!(answer.is_ack(), "{}", answer.text());
    assert_eq!(
        store.get_order(&target.order_id).await.unwrap().unwrap().status,
        OrderStatus::Succeeded
    );
}
