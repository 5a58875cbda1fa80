//! The metrics of the notify path, the store, reconciliation and the Antom
//! client, scraped in Prometheus' text format over HTTP after a payment, a
//! forged notification and a reconciliation sweep: each counter moved.
//! (Its own test binary: a metrics recorder is installed once per process.)

use antom_testkit::keys;
use antom_testkit::mock::SendOptions;
use antom_types::{Amount, ApiResult};
use metrics_exporter_prometheus::PrometheusBuilder;

mod checkout_support;
use checkout_support::*;

/// The value of the series `name{labels}` in a Prometheus text page (0 when absent).
fn value(page: &str, series: &str) -> f64 {
    page.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            (key == series).then(|| value.parse().ok()).flatten()
        })
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_moves_the_counters_seen_by_a_prometheus_scrape() {
    let handle = PrometheusBuilder::new().install_recorder().unwrap();
    antom_tower::telemetry::describe();
    // The merchant's scrape endpoint.
    let metrics_app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move { handle.render() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_url = format!("http://{}/metrics", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, metrics_app).await.unwrap() });

    let shop = shop().await;
    let session = shop.paid_session(4200).await;
    shop.mock.pay(&session.payment_request_id).unwrap();
    shop.mock.wait_for_acknowledged(1, WAIT).await.unwrap();
    // A forged notification (wrong key) and one for an order nobody has.
    let options = SendOptions {
        client_id: shop.mock.client_id().to_string(),
        ..Default::default()
    };
    let notify = format!("{}/antom/notify", shop.url);
    let body = antom_testkit::mock::notifier::payment_notification_from_parts(
        "pay_nobody",
        "2026082300000099",
        Amount::from_minor_units(100, "SGD").unwrap(),
        ApiResult::success("success"),
    );
    let forged = antom_testkit::mock::send_notification(&notify, &body, &keys::wrong_private_key(), &options)
        .await
        .unwrap();
    assert_eq!(forged.status, 401);
    let unknown = antom_testkit::mock::send_notification(&notify, &body, &keys::antom_private_key(), &options)
        .await
        .unwrap();
    assert_eq!(unknown.status, 404);
    shop.checkout
        .reconciler()
        .min_age(std::time::Duration::ZERO)
        .run_once()
        .await;

    let (status, page) = shop.http.get(&metrics_url, "text/plain").await;
    assert_eq!(status, 200);
    assert!(value(&page, "antom_notification_received") >= 3.0, "{page}");
    assert!(value(&page, "antom_notification_verified") >= 2.0, "{page}");
    assert_eq!(
        value(&page, r#"antom_notification_rejected{reason="signature_mismatch"}"#),
        1.0,
        "{page}"
    );
    assert!(value(&page, "antom_notification_acknowledged") >= 1.0, "{page}");
    assert_eq!(
        value(&page, r#"antom_notification_not_acknowledged{reason="unknown_order"}"#),
        1.0,
        "{page}"
    );
    assert!(
        value(&page, r#"antom_store_apply{kind="payment",outcome="applied"}"#) >= 1.0,
        "{page}"
    );
    assert_eq!(
        value(&page, r#"antom_store_apply{kind="payment",outcome="refused"}"#),
        1.0,
        "{page}"
    );
    assert!(
        value(&page, r#"antom_client_requests{api="createPaymentSession",result="S"}"#) >= 1.0,
        "{page}"
    );
    assert!(
        page.contains("antom_client_request_duration") && page.contains(r#"api="createPaymentSession""#),
        "{page}"
    );
    assert_eq!(value(&page, "antom_inbox_refused"), 1.0, "{page}");
    assert!(page.contains("# HELP antom_notification_received"), "{page}");
    // No order or payment ids in any label.
    assert!(
        !page.contains(&session.order_id) && !page.contains("pay_nobody"),
        "{page}"
    );
}
