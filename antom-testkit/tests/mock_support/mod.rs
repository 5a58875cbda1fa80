//! Helpers shared by the mock_* tests: a merchant-side API client that signs
//! with the testkit's merchant key and checks Antom's signature on answers,
//! and a merchant notification endpoint that verifies and counts
//! notifications and answers as scripted.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use antom_testkit::keys;
use antom_tower::signing::{request_time, KeyVersion, PrivateKey, PublicKeyRing, SigningContent};
use antom_types::NOTIFICATION_ACK_SUCCESS;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub const CREATE: &str = "/ams/api/v1/payments/createPaymentSession";
pub const INQUIRY: &str = "/ams/api/v1/payments/inquiryPayment";
pub const CANCEL: &str = "/ams/api/v1/payments/cancel";
pub const REFUND: &str = "/ams/api/v1/payments/refund";
pub const INQUIRY_REFUND: &str = "/ams/api/v1/payments/inquiryRefund";

pub type Http = Client<HttpConnector, Full<Bytes>>;

pub fn http() -> Http {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http()
}

/// An answer from the mock (or anything else).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn result_code(&self) -> String {
        self.json()["result"]["resultCode"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn result_status(&self) -> String {
        self.json()["result"]["resultStatus"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn is_signed(&self) -> bool {
        self.headers.contains_key("signature")
    }

    /// Verifies Antom's signature over `POST <path>\n<client-id>.<response-time>.<body>`.
    pub fn verify(&self, path: &str, ring: &PublicKeyRing) -> Result<KeyVersion, String> {
        let client_id = self.header("client-id").ok_or("no client-id header")?;
        let time = self.header("response-time").ok_or("no response-time header")?;
        let signature = self.header("signature").ok_or("no signature header")?;
        let content = SigningContent::new("POST", path, client_id, time, &self.body);
        ring.verify_header_value(&content, signature).map_err(|e| e.to_string())
    }
}

/// Calls the mock as a merchant would.
pub struct Merchant {
    pub base_url: String,
    pub client_id: String,
    pub key: PrivateKey,
    pub key_version: KeyVersion,
    pub http: Http,
}

impl Merchant {
    pub fn new(base_url: &str) -> Merchant {
        Merchant {
            base_url: base_url.to_owned(),
            client_id: antom_testkit::mock::DEFAULT_CLIENT_ID.to_owned(),
            key: keys::merchant_private_key(),
            key_version: KeyVersion(1),
            http: http(),
        }
    }

    /// Signs and POSTs `body` to `path`.
    pub async fn call(&self, path: &str, body: &Value) -> Reply {
        self.call_bytes(path, serde_json::to_vec(body).unwrap()).await
    }

    pub async fn call_bytes(&self, path: &str, body: Vec<u8>) -> Reply {
        let time = request_time::format_epoch_millis(SystemTime::now());
        let content = SigningContent::new("POST", path, &self.client_id, &time, &body);
        let signature = self.key.sign_header(&content, self.key_version).unwrap().to_string();
        self.send(
            path,
            body,
            &[
                ("client-id", self.client_id.as_str()),
                ("request-time", time.as_str()),
                ("signature", signature.as_str()),
            ],
        )
        .await
    }

    /// POSTs with exactly these headers (plus content-type).
    pub async fn send(&self, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Reply {
        self.try_send(path, body, headers).await.expect("the mock answers")
    }

    pub async fn try_send(&self, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Result<Reply, String> {
        let mut request = http::Request::post(format!("{}{path}", self.base_url))
            .header("content-type", "application/json; charset=UTF-8");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .http
            .request(request.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .map_err(|e| format!("{e:?}"))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Reply { status, headers, body })
    }

    /// A plain GET (the cashier page).
    pub async fn get(&self, url: &str) -> Reply {
        let response = self
            .http
            .request(http::Request::get(url).body(Full::new(Bytes::new())).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body }
    }

    /// An unsigned POST of `body` to a full URL (the control API).
    pub async fn post_raw(&self, url: &str, body: Vec<u8>) -> Reply {
        let request = http::Request::post(url).body(Full::new(Bytes::from(body))).unwrap();
        let response = self.http.request(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body }
    }

    /// A form POST (a cashier button).
    pub async fn post_form(&self, url: &str, form: &str) -> Reply {
        let request = http::Request::post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(form.to_owned())))
            .unwrap();
        let response = self.http.request(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body }
    }
}

/// A createPaymentSession body.
pub fn session_request(payment_request_id: &str, value: &str, notify_url: Option<&str>) -> Value {
    let mut body = serde_json::json!({
        "productCode": "CASHIER_PAYMENT",
        "paymentRequestId": payment_request_id,
        "paymentAmount": {"currency": "SGD", "value": value},
        "paymentMethod": {"paymentMethodType": "SHOPEEPAY_SG"},
        "paymentRedirectUrl": format!("https://shop.example/return?order={payment_request_id}"),
        "order": {
            "referenceOrderId": format!("order-{payment_request_id}"),
            "orderDescription": "Two coffees",
            "orderAmount": {"currency": "SGD", "value": value}
        }
    });
    if let Some(url) = notify_url {
        body["paymentNotifyUrl"] = Value::String(url.to_owned());
    }
    body
}

/// How the merchant endpoint answers the next notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Ack,
    Status500,
    /// HTTP 200 with a body that is not the acknowledgement.
    WrongBody,
}

/// One notification the merchant endpoint received.
#[derive(Debug, Clone)]
pub struct Received {
    pub verified: bool,
    pub key_version: Option<KeyVersion>,
    pub path: String,
    pub body: String,
    pub request_time: String,
    pub at: Instant,
    pub answered: Option<Answer>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Clone)]
struct HarnessState {
    ring: Arc<PublicKeyRing>,
    script: Arc<Mutex<VecDeque<Answer>>>,
    default: Answer,
    received: Arc<Mutex<Vec<Received>>>,
}

/// A merchant's notification endpoint on 127.0.0.1: verifies the signature
/// with Antom's test public keys (refusing with 401 when it does not
/// verify), records, and answers the scripted answers, then `default`.
pub struct NotifyHarness {
    pub addr: SocketAddr,
    state: HarnessState,
    task: tokio::task::JoinHandle<()>,
}

impl NotifyHarness {
    pub async fn start(script: Vec<Answer>, default: Answer) -> NotifyHarness {
        let state = HarnessState {
            ring: keys::antom_public_key_ring(),
            script: Arc::new(Mutex::new(script.into())),
            default,
            received: Arc::default(),
        };
        let app = Router::new()
            .route("/antom/notify", post(notify))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        NotifyHarness { addr, state, task }
    }

    pub async fn acking() -> NotifyHarness {
        NotifyHarness::start(Vec::new(), Answer::Ack).await
    }

    pub fn url(&self) -> String {
        format!("http://{}/antom/notify?shop=1", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    pub fn verified(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.verified).collect()
    }
}

impl Drop for NotifyHarness {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn notify(State(state): State<HarnessState>, uri: Uri, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let path = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let client_id = header("client-id");
    let time = header("request-time");
    let content = SigningContent::new("POST", &path, &client_id, &time, &body);
    let key_version = state.ring.verify_header_value(&content, &header("signature")).ok();
    let verified = key_version.is_some();
    let answer = verified.then(|| state.script.lock().unwrap().pop_front().unwrap_or(state.default));
    state.received.lock().unwrap().push(Received {
        verified,
        key_version,
        path,
        body: String::from_utf8_lossy(&body).into_owned(),
        request_time: time,
        at: Instant::now(),
        answered: answer,
    });
    match answer {
        None => (StatusCode::UNAUTHORIZED, "invalid signature".to_owned()).into_response(),
        Some(Answer::Ack) => (
            StatusCode::OK,
            [("content-type", "application/json")],
            NOTIFICATION_ACK_SUCCESS.to_owned(),
        )
            .into_response(),
        Some(Answer::Status500) => (StatusCode::INTERNAL_SERVER_ERROR, "try later".to_owned()).into_response(),
        Some(Answer::WrongBody) => (StatusCode::OK, "ok".to_owned()).into_response(),
    }
}

/// Generous timeout for waits on the scaled clock.
pub const WAIT: Duration = Duration::from_secs(10);
