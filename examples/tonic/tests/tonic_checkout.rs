//! The tonic example on 127.0.0.1 with the mock Antom: CreateSession and
//! GetOrder over gRPC, the notification over HTTP/1.1 on the same port.

use std::sync::Arc;

use antom_example_support::setup::{self, MerchantUrls};
use antom_example_support::shop::Shop;
use antom_example_support::testing::*;
use antom_example_tonic::proto::checkout_client::CheckoutClient;
use antom_example_tonic::proto::{CreateSessionRequest, GetOrderRequest, OrderStatus};
use antom_example_tonic::{self as tonic_checkout, NOTIFY_PATH, RETURN_PATH};
use antom_testkit::mock::MockAntomHandle;
use antom_tower::store::{MemoryOrderStore, ResultSource};
use tonic::transport::Channel;
use tonic::Code;

/// Starts the example against `mock`; answers a connected client, the server's base URL and the shop.
async fn start(mock: &MockAntomHandle) -> (CheckoutClient<Channel>, String, Shop) {
    let (listener, addr) = listener().await;
    let urls = MerchantUrls::new(addr, NOTIFY_PATH, RETURN_PATH);
    let config = setup::mock_config(mock, &urls).expect("config");
    let shop = Shop::new(&config, Arc::new(MemoryOrderStore::new())).expect("shop");
    tokio::spawn(tonic_checkout::serve(
        listener,
        shop.clone(),
        setup::verify_layer(&config),
    ));
    let client = CheckoutClient::connect(urls.base_url.clone())
        .await
        .expect("gRPC connect");
    (client, urls.base_url, shop)
}

fn sticker_pack(quantity: u64) -> CreateSessionRequest {
    CreateSessionRequest {
        product_id: "sticker-pack".into(),
        quantity,
        currency: "SGD".into(),
        payment_method_type: "ALIPAY_CN".into(),
    }
}

async fn order_status(client: &mut CheckoutClient<Channel>, order_id: &str) -> OrderStatus {
    let order = client
        .get_order(GetOrderRequest {
            order_id: order_id.into(),
        })
        .await
        .expect("GetOrder")
        .into_inner();
    order.status()
}

#[tokio::test]
async fn full_payments_over_grpc() {
    let mock = mock().await;
    let (mut client, _, shop) = start(&mock).await;
    for (buyer, expected) in [
        (Buyer::Pays, OrderStatus::Succeeded),
        (Buyer::Fails, OrderStatus::Failed),
        (Buyer::Cancels, OrderStatus::Cancelled),
    ] {
        let session = client
            .create_session(sticker_pack(1))
            .await
            .expect("CreateSession")
            .into_inner();
        assert!(!session.payment_session_data.is_empty());
        assert_eq!(
            Some(session.normal_url.clone()),
            mock.cashier_url(&session.payment_request_id)
        );
        assert_eq!(order_status(&mut client, &session.order_id).await, OrderStatus::Pending);

        match buyer {
            Buyer::Pays => mock.pay(&session.payment_request_id).map(drop),
            Buyer::Fails => mock.fail(&session.payment_request_id, "RISK_REJECT").map(drop),
            Buyer::Cancels => mock.cancel(&session.payment_request_id).map(drop),
        }
        .expect("buyer action");
        let notifications = notifications_for(&mock, &session.payment_request_id).await;
        assert_eq!(notifications.len(), 1, "{notifications:#?}");
        assert!(notifications[0].acknowledged, "{:#?}", notifications[0]);

        let order = client
            .get_order(GetOrderRequest {
                order_id: session.order_id.clone(),
            })
            .await
            .expect("GetOrder")
            .into_inner();
        assert_eq!(order.status(), expected, "{buyer:?}");
        assert!(order.is_final);
        assert_eq!((order.amount_minor, order.currency.as_str()), (4200, "SGD"));
        let changes = shop.store().state_changes(&session.order_id).await.unwrap();
        assert_eq!(changes.last().map(|c| c.source), Some(ResultSource::Notification));
    }
}

#[tokio::test]
async fn forged_and_unsigned_notifications_are_refused() {
    let mock = forging_mock().await;
    let (mut client, base, _) = start(&mock).await;
    let session = client
        .create_session(sticker_pack(1))
        .await
        .expect("CreateSession")
        .into_inner();
    mock.pay(&session.payment_request_id).expect("pay");
    let notifications = notifications_for(&mock, &session.payment_request_id).await;
    assert_eq!(notifications.len(), 8);
    assert!(
        notifications.iter().all(|n| n.status == Some(401)),
        "{notifications:#?}"
    );
    assert_eq!(order_status(&mut client, &session.order_id).await, OrderStatus::Pending);
    unsigned_notification_refused(&format!("{base}{NOTIFY_PATH}")).await;
}

#[tokio::test]
async fn grpc_errors() {
    let mock = mock().await;
    let (mut client, _, _) = start(&mock).await;
    let invalid = client.create_session(sticker_pack(0)).await.expect_err("zero quantity");
    assert_eq!(invalid.code(), Code::InvalidArgument, "{invalid:?}");
    let missing = client
        .get_order(GetOrderRequest {
            order_id: "ord_nope".into(),
        })
        .await
        .expect_err("unknown order");
    assert_eq!(missing.code(), Code::NotFound);
}
