//! The merchant server under test: the checkout routes of `antom-tower` on
//! axum on 127.0.0.1, as an application mounts them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use antom_testkit::keys;
use antom_tower::checkout::{Checkout, ClientAmount};
use antom_tower::client::{AntomClient, AntomRetryPolicy};
use antom_tower::store::OrderStore;
use antom_tower::verify_notification::VerifyNotificationLayer;
use antom_types::Currency;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::send::{self, HttpClient};
use crate::{CLIENT_ID, NOTIFY_PATH};

/// How to set up a [`Shop`]. `Default` gives a shop whose client points at a
/// closed port (for tests that only receive notifications).
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// The (mock) Antom the client calls; `None`: a port nothing listens on.
    pub antom_base_url: Option<String>,
    /// The paymentNotifyUrl sent to Antom; `None`: this server's notify route.
    pub notify_url: Option<String>,
    /// Retries of the client after the first attempt.
    pub client_retries: u32,
    /// Per-attempt timeout of the client.
    pub client_timeout: Duration,
    /// The notify layer's body read timeout; `None`: the layer's default.
    pub body_read_timeout: Option<Duration>,
    /// Serve with hyper's `header_read_timeout` (and a timer) instead of
    /// `axum::serve`, which sets no header timeout.
    pub header_read_timeout: Option<Duration>,
}

impl Default for ShopConfig {
    fn default() -> Self {
        ShopConfig {
            antom_base_url: None,
            notify_url: None,
            client_retries: 2,
            client_timeout: Duration::from_secs(5),
            body_read_timeout: None,
            header_read_timeout: None,
        }
    }
}

/// A running merchant server. Stops when dropped.
pub struct Shop {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The address listened on.
    pub addr: SocketAddr,
    /// The checkout the routes use (its store, its client, its reconciler).
    pub checkout: Checkout,
    /// A client for calling the routes.
    pub http: HttpClient,
    server: JoinHandle<()>,
}

impl Drop for Shop {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The Antom client as a merchant configures it: the testkit's merchant key,
/// Antom's test public keys, a fast retry schedule.
pub fn client(antom_base_url: &str, retries: u32, timeout: Duration) -> AntomClient {
    AntomClient::builder(CLIENT_ID)
        .private_key(keys::merchant_private_key())
        .antom_public_keys(keys::antom_public_key_ring())
        .base_url(antom_base_url)
        .timeout(timeout)
        .retry_policy(
            AntomRetryPolicy::new(retries)
                .base_delay(Duration::from_millis(10))
                .max_delay(Duration::from_millis(100)),
        )
        .build()
        .expect("client settings are valid")
}

/// A URL on 127.0.0.1 where nothing listens (connections are refused).
pub fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port();
    format!("http://127.0.0.1:{port}")
}

impl Shop {
    /// Binds 127.0.0.1 on a port the OS picks and serves the checkout routes
    /// under `/antom` over `store`.
    pub async fn start(store: Arc<dyn OrderStore>, config: ShopConfig) -> Shop {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        Shop::start_on(listener, store, config).await
    }

    /// Like [`Shop::start`] on a listener of your own (a fixed port).
    pub async fn start_on(listener: TcpListener, store: Arc<dyn OrderStore>, config: ShopConfig) -> Shop {
        let addr = listener.local_addr().expect("local address");
        let url = format!("http://{addr}");
        let antom = config.antom_base_url.clone().unwrap_or_else(closed_port_url);
        let mut layer = VerifyNotificationLayer::new(CLIENT_ID, keys::antom_public_key_ring());
        if let Some(timeout) = config.body_read_timeout {
            layer = layer.body_read_timeout(timeout);
        }
        // The harness chooses each order's amount: the explicit client-amount opt-in.
        let amounts = ClientAmount::new()
            .allow(Currency::SGD, 1, 9_999_999_999)
            .allow(Currency::USD, 1, 9_999_999_999);
        let checkout = Checkout::builder()
            .pricing(amounts)
            .client(client(&antom, config.client_retries, config.client_timeout))
            .shared_store(store)
            .notification_layer(layer)
            .notify_url(
                config
                    .notify_url
                    .clone()
                    .unwrap_or_else(|| format!("{url}{NOTIFY_PATH}")),
            )
            .redirect_url(format!("{url}/antom/return"))
            .prefix("/antom")
            .build()
            .expect("checkout settings are valid");
        let router = checkout.router();
        let server = match config.header_read_timeout {
            None => tokio::spawn(async move {
                let _ = axum::serve(listener, router).await;
            }),
            Some(timeout) => serve_with_header_timeout(listener, router, timeout),
        };
        Shop {
            url,
            addr,
            checkout,
            http: send::http_client(64),
            server,
        }
    }

    /// `{url}/antom/notify`.
    pub fn notify_url(&self) -> String {
        format!("{}{NOTIFY_PATH}", self.url)
    }

    /// POSTs an order to `/antom/sessions`: `(status, JSON answer)`.
    pub async fn create_session(&self, amount: u64, currency: &str) -> (u16, Value) {
        let body = serde_json::json!({
            "amount": amount,
            "currency": currency,
            "paymentMethodType": "ALIPAY_CN",
            "description": format!("reliability order of {amount} {currency}"),
        });
        send::post_json(&self.http, &format!("{}/antom/sessions", self.url), &body).await
    }

    /// GETs `/antom/orders/{id}`: `(status, JSON answer)`.
    pub async fn order(&self, order_id: &str) -> (u16, Value) {
        send::get_json(&self.http, &format!("{}/antom/orders/{order_id}", self.url)).await
    }
}

/// Serves `router` with hyper's HTTP/1 server and a timer, so that a client
/// sending its request headers too slowly (slow-loris) is cut off after
/// `header_read_timeout`: what `axum::serve` does not do (it sets no timer,
/// so hyper's header timeout never fires). The body is bounded by the notify
/// layer's own body read timeout.
pub fn serve_with_header_timeout(
    listener: TcpListener,
    router: axum::Router,
    header_read_timeout: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = TowerToHyperService::new(router.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(header_read_timeout)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
