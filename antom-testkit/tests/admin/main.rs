//! The admin pages over HTTP on 127.0.0.1, against the mock Antom, on every
//! store: authorization, the orders list, an order's timeline with the refund
//! form, disputes, refused notifications and their replay, escaping, the
//! security headers, CSRF refusals and the chart's counts.

use std::sync::Arc;

use antom_testkit::mock::control::{DisputeOrder, RefundOrder};
use antom_tower::checkout::admin::TokenAuthorization;
use antom_tower::store::{
    InboxOutcome, InboxQuery, NewOrder, Order, OrderStatus, OrderStore, PaymentOutcome, PaymentResult, RefundState,
    ResultSource,
};
use antom_types::{Amount, ApiResult};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client as HyperClient};
use hyper_util::rt::TokioExecutor;

#[path = "../checkout_support/mod.rs"]
mod checkout_support;
use checkout_support::*;

mod authorization;
mod client;
mod orders;
mod timeline;

use client::Client;

/// The shop with its admin pages on a listener of their own, and a client for them.
struct AdminShop {
    shop: Shop,
    admin: Client,
}

async fn admin_shop(store: Arc<dyn OrderStore>) -> AdminShop {
    let shop = shop_with(store, true).await;
    let token = format!("admin-token-{}", uuid_like());
    let authorization = TokenAuthorization::new(token.clone()).unwrap().secure_cookie(false);
    let app = shop.checkout.admin_router(authorization);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    AdminShop {
        shop,
        admin: Client {
            url,
            token,
            cookie: None,
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
        },
    }
}

/// The values of attribute `name` in document order.
fn attr_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

fn sgd(minor: u64) -> Amount {
    Amount::from_minor_units(minor, "SGD").unwrap()
}

/// An order stored directly, then moved to `outcome` (if any).
async fn stored_order(
    store: &dyn OrderStore,
    id: &str,
    description: &str,
    method: &str,
    outcome: Option<PaymentOutcome>,
) -> Order {
    let order = store
        .create_order(NewOrder {
            order_id: id.into(),
            payment_request_id: format!("pay-{id}"),
            amount: sgd(2500),
            description: description.into(),
            payment_method_type: method.into(),
            buyer_id: None,
            session_expires_at_ms: None,
        })
        .await
        .unwrap();
    if let Some(outcome) = outcome {
        store.mark_pending(id).await.unwrap();
        store
            .apply_payment_result(&PaymentResult {
                payment_request_id: order.payment_request_id.clone(),
                payment_id: Some(format!("antom-{id}")),
                amount: order.amount,
                outcome,
                source: ResultSource::Notification,
                result_code: None,
            })
            .await
            .unwrap();
    }
    store.get_order(id).await.unwrap().unwrap()
}

/// An order paid through the mock Antom (session, payment, notification).
async fn paid_order(shop: &Shop, amount: u64) -> String {
    let session = shop.paid_session(amount).await;
    let before = shop.mock.log().notifications().len();
    shop.mock.pay(&session.payment_request_id).unwrap();
    shop.mock.wait_for_acknowledged(before + 1, WAIT).await.unwrap();
    session.order_id
}
