//! The test shop shared by the checkout tests: the mock Antom and a merchant
//! server with the checkout routes under /antom, both on 127.0.0.1.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use antom_testkit::keys;
use antom_testkit::mock::{MockAntom, MockAntomHandle, SendOptions, SentNotification};
use antom_tower::checkout::pricing::{self, PriceOrder, PricedOrder, PricingError, PricingRequest};
use antom_tower::checkout::{Checkout, CheckoutBuilder, CreateSessionResponse, OrderView};
use antom_tower::client::{AntomClient, AntomRetryPolicy};
use antom_tower::store::{
    MemoryOrderStore, OrderStatus, OrderStore, PostgresOrderStore, SqliteOrderStore, StateChange,
};
use antom_types::{Amount, Goods};
use serde_json::{json, Value};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Shop {
    pub url: String,
    pub checkout: Checkout,
    pub mock: MockAntomHandle,
    pub http: reqwest_lite::Client,
}

/// The test shop's catalogue: stickers at 1.00 SGD each, priced on the server.
pub fn catalogue() -> impl PriceOrder {
    pricing::from_fn(|request: PricingRequest| async move {
        if request.body["productId"] != "sticker" {
            return Err(PricingError::UnknownItem(request.body["productId"].to_string()));
        }
        let quantity = request.body["quantity"]
            .as_u64()
            .filter(|q| (1..=100_000).contains(q))
            .ok_or_else(|| PricingError::Invalid("quantity: 1 to 100000".into()))?;
        let amount =
            Amount::from_minor_units(100 * quantity, "SGD").map_err(|e| PricingError::Invalid(e.to_string()))?;
        Ok(PricedOrder::new(amount, format!("{quantity} stickers")).with_goods([Goods::new("sticker", "Sticker")]))
    })
}

/// Starts the mock Antom and a merchant server with the checkout routes under /antom.
pub async fn shop_with(store: Arc<dyn OrderStore>, notify_reachable: bool) -> Shop {
    shop_configured(store, notify_reachable, |builder| builder).await
}

/// [`shop_with`], with more builder settings.
pub async fn shop_configured(
    store: Arc<dyn OrderStore>,
    notify_reachable: bool,
    configure: impl FnOnce(CheckoutBuilder) -> CheckoutBuilder,
) -> Shop {
    let mock = MockAntom::builder().time_scale(100_000.0).start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let notify_url = if notify_reachable {
        format!("{url}/antom/notify")
    } else {
        // Every notification is lost: a port nothing listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("http://127.0.0.1:{port}/antom/notify")
    };
    let client = AntomClient::builder(mock.client_id())
        .private_key(keys::merchant_private_key())
        .antom_public_keys(mock.antom_public_key_ring())
        .base_url(mock.base_url())
        .retry_policy(AntomRetryPolicy::new(2).base_delay(Duration::from_millis(5)))
        .build()
        .unwrap();
    let builder = Checkout::builder()
        .pricing(catalogue())
        .payment_methods(["ALIPAY_CN", "GCASH"])
        .client(client)
        .shared_store(store)
        .notification_keys(mock.client_id(), mock.antom_public_key_ring())
        .notify_url(notify_url)
        .redirect_url(format!("{url}/antom/return"))
        .prefix("/antom");
    let checkout = configure(builder).build().unwrap();
    let app = checkout.router();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .await
            .unwrap()
    });
    Shop {
        url,
        checkout,
        mock,
        http: reqwest_lite::Client::new(),
    }
}

pub async fn shop() -> Shop {
    shop_with(Arc::new(MemoryOrderStore::new()), true).await
}

impl Shop {
    pub async fn create_session(&self, body: Value) -> (u16, Value) {
        let (status, body, _) = self.post_session(&body, &[]).await;
        (status, body)
    }

    pub async fn post_session(&self, body: &Value, headers: &[(&str, &str)]) -> (u16, Value, http::HeaderMap) {
        self.http
            .post_json_with(&format!("{}/antom/sessions", self.url), body, headers)
            .await
    }

    pub async fn order(&self, order_id: &str) -> OrderView {
        let (status, body) = self
            .http
            .get(&format!("{}/antom/orders/{order_id}", self.url), "application/json")
            .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    pub async fn paid_session(&self, amount: u64) -> CreateSessionResponse {
        let (status, body) = self
            .create_session(json!({"productId": "sticker", "quantity": amount / 100, "paymentMethodType": "ALIPAY_CN"}))
            .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }

    /// Sends `notification` to the shop's notify route, signed with Antom's
    /// key for the mock's client id, as Antom would.
    pub async fn notify_signed<T: serde::Serialize>(&self, notification: &T) -> SentNotification {
        let options = SendOptions {
            client_id: self.mock.client_id().to_string(),
            ..Default::default()
        };
        antom_testkit::mock::send_notification(
            &format!("{}/antom/notify", self.url),
            notification,
            &keys::antom_private_key(),
            &options,
        )
        .await
        .unwrap()
    }

    pub async fn changes(&self, order_id: &str) -> Vec<StateChange> {
        self.checkout.store().state_changes(order_id).await.unwrap()
    }
}

pub fn transitions(changes: &[StateChange]) -> Vec<(OrderStatus, OrderStatus)> {
    changes.iter().map(|c| (c.from, c.to)).collect()
}

/// Every store the checkout can run on: memory, SQLite, and PostgreSQL when
/// `ANTOM_TEST_POSTGRES_URL` is set (each in a fresh schema).
pub async fn every_store() -> Vec<(&'static str, Arc<dyn OrderStore>)> {
    let mut stores: Vec<(&'static str, Arc<dyn OrderStore>)> = vec![
        ("memory", Arc::new(MemoryOrderStore::new())),
        ("sqlite", Arc::new(SqliteOrderStore::in_memory().await.unwrap())),
    ];
    match std::env::var("ANTOM_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let admin = sqlx::PgPool::connect(&url)
                .await
                .expect("connect to ANTOM_TEST_POSTGRES_URL");
            let schema = format!("antom_checkout_{}_{}", std::process::id(), uuid_like());
            sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
                .execute(&admin)
                .await
                .unwrap();
            let options = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&url)
                .unwrap()
                .options([("search_path", schema.as_str())]);
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await
                .unwrap();
            stores.push(("postgres", Arc::new(PostgresOrderStore::from_pool(pool).await.unwrap())));
        }
        _ if std::env::var_os("CI").is_some() => panic!("CI is set: ANTOM_TEST_POSTGRES_URL is required"),
        _ => eprintln!("PostgreSQL skipped: ANTOM_TEST_POSTGRES_URL is not set"),
    }
    stores
}

pub fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}")
}

/// A very small HTTP/1.1 client over hyper, so the tests need no extra HTTP crate.
pub mod reqwest_lite {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::{connect::HttpConnector, Client as HyperClient};
    use hyper_util::rt::TokioExecutor;

    pub struct Client(HyperClient<HttpConnector, Full<Bytes>>);

    impl Client {
        pub fn new() -> Self {
            Client(HyperClient::builder(TokioExecutor::new()).build_http())
        }

        pub async fn post_json_with(
            &self,
            url: &str,
            body: &serde_json::Value,
            headers: &[(&str, &str)],
        ) -> (u16, serde_json::Value, http::HeaderMap) {
            let mut request = http::Request::post(url).header("content-type", "application/json");
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let request = request.body(Full::new(Bytes::from(body.to_string()))).unwrap();
            let response = self.0.request(request).await.unwrap();
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
                headers,
            )
        }

        pub async fn get(&self, url: &str, accept: &str) -> (u16, String) {
            let request = http::Request::get(url)
                .header("accept", accept)
                .body(Full::new(Bytes::new()))
                .unwrap();
            let response = self.0.request(request).await.unwrap();
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}
