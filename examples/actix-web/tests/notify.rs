//! The actix-web notify endpoint on 127.0.0.1, through antom-testkit's
//! notify-endpoint contract (the battery every Tower example passes), over HTTP.

use std::sync::Arc;

use actix_web::dev::ServerHandle;
use antom_example_actix_web::{NotifyState, NOTIFY_PATH};
use antom_testkit::contract::{self, HttpEndpoint};
use antom_testkit::fixtures::{self, NotificationBuilder};
use antom_testkit::keys;
use antom_tower::store::{MemoryOrderStore, NewOrder, OrderStatus, OrderStore, ResultSource};
use antom_tower::NotificationVerifier;
use antom_types::{Amount, NotifyPayment};
use http::StatusCode;

const CLIENT_ID: &str = "SANDBOX_ACTIX_EXAMPLE_01";

/// The example on 127.0.0.1 with an empty memory store: its base URL, the
/// store and the server's handle.
fn start() -> (HttpEndpoint, Arc<MemoryOrderStore>, ServerHandle) {
    let store = Arc::new(MemoryOrderStore::new());
    let verifier = NotificationVerifier::new(CLIENT_ID, keys::antom_public_key_ring());
    let state = NotifyState::new(verifier, store.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let base_url = format!("http://{}", listener.local_addr().expect("local address"));
    let server = antom_example_actix_web::server(listener, state).expect("server starts");
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (HttpEndpoint::new(&base_url).expect("base URL"), store, handle)
}

/// An order waiting for the payment `notification` reports.
async fn order_for(store: &MemoryOrderStore, notification: &fixtures::Fixture) -> String {
    let payment: NotifyPayment = serde_json::from_slice(notification.body()).expect("a payment notification");
    let order = store
        .create_order(NewOrder {
            order_id: format!("ord_{}", payment.payment_request_id),
            payment_request_id: payment.payment_request_id.clone(),
            amount: payment.payment_amount,
            description: "Sticker pack".to_owned(),
            payment_method_type: "ALIPAY_CN".to_owned(),
            buyer_id: None,
            session_expires_at_ms: None,
        })
        .await
        .expect("order created");
    order.order_id
}

#[actix_web::test]
async fn passes_the_notify_endpoint_contract() {
    let (endpoint, store, server) = start();
    let order_id = order_for(&store, &fixtures::notify_payment_success()).await;

    let report = contract::check_notify_endpoint(|| endpoint.clone(), NOTIFY_PATH, CLIENT_ID).await;
    assert!(report.passed(), "{report}");
    assert_eq!(report.cases.len(), 13);

    // Refused with the verifier's typed statuses, as the Tower layer refuses them.
    let status = |name: &str| report.case(name).and_then(|case| case.status);
    assert_eq!(status("tampered_body"), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(status("wrong_client_id"), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(status("stale_request_time"), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(status("missing_signature"), Some(StatusCode::BAD_REQUEST));
    assert_eq!(status("oversized_body"), Some(StatusCode::PAYLOAD_TOO_LARGE));

    // The valid notification paid the order once; its duplicate and resend changed nothing.
    let order = store.get_order(&order_id).await.unwrap().expect("the order");
    assert_eq!(order.status, OrderStatus::Succeeded);
    let changes = store.state_changes(&order_id).await.unwrap();
    let paid: Vec<_> = changes
        .iter()
        .filter(|change| change.to == OrderStatus::Succeeded)
        .collect();
    assert_eq!(paid.len(), 1, "{changes:?}");
    assert_eq!(paid[0].source, ResultSource::Notification);
    server.stop(true).await;
}

#[actix_web::test]
async fn rejections_carry_the_layers_code_and_json() {
    let (endpoint, _store, server) = start();
    let paid = fixtures::notify_payment_success()
        .resigned_for(NOTIFY_PATH, CLIENT_ID)
        .fresh();

    let answer = contract::assert_rejects(
        endpoint.clone(),
        &paid.clone().without_header("signature"),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let body: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    assert_eq!(body["error"], "missing_header");
    assert_eq!(body["message"], "missing `signature` header");
    assert_eq!(answer.headers["content-type"], "application/json");

    let forged = paid
        .clone()
        .resigned_with(keys::wrong_private_key(), Default::default());
    let answer = contract::assert_rejects(endpoint.clone(), &forged, StatusCode::UNAUTHORIZED).await;
    let body: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    assert_eq!(body["error"], "signature_mismatch");
    server.stop(true).await;
}

#[actix_web::test]
async fn a_verified_notification_for_an_unknown_order_is_not_acknowledged() {
    let (endpoint, _store, server) = start();
    let amount = Amount::from_minor_units(1999, "SGD").expect("amount");
    let unknown = NotificationBuilder::payment("pay_nobody_ordered", amount)
        .build()
        .resigned_for(NOTIFY_PATH, CLIENT_ID)
        .fresh();
    let answer = contract::assert_rejects(endpoint, &unknown, StatusCode::NOT_FOUND).await;
    let body: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    assert_eq!(body["error"], "unknown_order", "Antom resends until the order exists");
    server.stop(true).await;
}
