//! The warp example on 127.0.0.1 with the mock Antom: full payments
//! (paid, failed, cancelled), and notifications that fail verification.

use std::sync::Arc;

use antom_example_support::setup::{self, MerchantUrls};
use antom_example_support::shop::Shop;
use antom_example_support::testing::*;
use antom_example_warp::{self as warp_notify, NOTIFY_PATH, RETURN_PATH};
use antom_testkit::mock::MockAntomHandle;
use antom_tower::store::{MemoryOrderStore, ResultSource};

/// Starts the example against `mock`; answers its base URL and the shop.
async fn start(mock: &MockAntomHandle) -> (String, Shop) {
    let (listener, addr) = listener().await;
    let urls = MerchantUrls::new(addr, NOTIFY_PATH, RETURN_PATH);
    let config = setup::mock_config(mock, &urls).expect("config");
    let shop = Shop::new(&config, Arc::new(MemoryOrderStore::new())).expect("shop");
    tokio::spawn(warp_notify::serve(listener, shop.clone(), setup::verify_layer(&config)));
    (urls.base_url, shop)
}

#[tokio::test]
async fn a_paid_order_succeeds_by_verified_notification() {
    let mock = mock().await;
    let (base, shop) = start(&mock).await;
    let order = json_payment_flow(&mock, &base, Buyer::Pays).await;
    let changes = shop
        .store()
        .state_changes(order["orderId"].as_str().unwrap())
        .await
        .unwrap();
    let last = changes.last().expect("a state change");
    assert_eq!(last.source, ResultSource::Notification, "{changes:?}");
    assert_eq!(order["paymentId"], mock.payments()[0].payment_id.as_str());
}

#[tokio::test]
async fn failed_and_cancelled_payments() {
    let mock = mock().await;
    let (base, _) = start(&mock).await;
    json_payment_flow(&mock, &base, Buyer::Fails).await;
    json_payment_flow(&mock, &base, Buyer::Cancels).await;
}

#[tokio::test]
async fn forged_and_unsigned_notifications_are_refused() {
    let mock = forging_mock().await;
    let (base, _) = start(&mock).await;
    forged_notification_refused(&mock, &base).await;
    unsigned_notification_refused(&format!("{base}{NOTIFY_PATH}")).await;
}

#[tokio::test]
async fn bad_requests() {
    let mock = mock().await;
    let (base, _) = start(&mock).await;
    let (status, body) = post_json(&format!("{base}/sessions"), &order_json(0)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "invalid_order");
    let (status, _) = get_json(&format!("{base}/orders/ord_nope")).await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&format!("{base}/nowhere")).await;
    assert_eq!(status, 404);
}
