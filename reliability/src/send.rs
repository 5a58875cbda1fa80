//! Posting signed notifications (and plain JSON) over HTTP/1.1 on 127.0.0.1,
//! with a bound on how many are in flight.

use std::sync::Arc;
use std::time::Duration;

use antom_tower::signing::{KeyVersion, PrivateKey, SigningContent};
use antom_types::NOTIFICATION_ACK_SUCCESS;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tokio::sync::Semaphore;

/// hyper-util's pooled HTTP/1.1 client.
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A client keeping up to `max_idle` connections per host.
pub fn http_client(max_idle: usize) -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(max_idle)
        .pool_idle_timeout(Duration::from_secs(30))
        .build_http()
}

/// A notification as Antom sends it: the exact body and the three headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNotification {
    /// The exact body bytes the signature covers.
    pub body: Bytes,
    /// The `client-id` header.
    pub client_id: String,
    /// The `request-time` header.
    pub request_time: String,
    /// The `signature` header.
    pub signature: String,
}

impl SignedNotification {
    /// Signs `body` as Antom does: `POST <path>\n<client-id>.<request-time>.<body>`.
    pub fn sign(
        key: &PrivateKey,
        key_version: KeyVersion,
        path: &str,
        client_id: &str,
        request_time: &str,
        body: impl Into<Bytes>,
    ) -> SignedNotification {
        let body = body.into();
        let content = SigningContent::new("POST", path, client_id, request_time, &body);
        let signature = key
            .sign_header(&content, key_version)
            .expect("the test keys sign")
            .to_string();
        SignedNotification {
            body,
            client_id: client_id.to_owned(),
            request_time: request_time.to_owned(),
            signature,
        }
    }

    /// The same headers with another body (a body altered after signing).
    pub fn with_body(&self, body: impl Into<Bytes>) -> SignedNotification {
        SignedNotification {
            body: body.into(),
            ..self.clone()
        }
    }
}

/// An answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Bytes,
}

impl Answer {
    /// Whether this is the acknowledgement Antom expects: HTTP 200 and
    /// exactly [`NOTIFICATION_ACK_SUCCESS`].
    pub fn is_ack(&self) -> bool {
        self.status == 200 && self.body.as_ref() == NOTIFICATION_ACK_SUCCESS.as_bytes()
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `error` code of a JSON error answer.
    pub fn error_code(&self) -> Option<String> {
        serde_json::from_slice::<Value>(&self.body)
            .ok()?
            .get("error")?
            .as_str()
            .map(str::to_owned)
    }
}

/// POSTs one signed notification to `url`.
pub async fn post_notification(
    client: &HttpClient,
    url: &str,
    notification: &SignedNotification,
) -> Result<Answer, String> {
    let request = http::Request::post(url)
        .header("content-type", "application/json; charset=UTF-8")
        .header("client-id", notification.client_id.as_str())
        .header("request-time", notification.request_time.as_str())
        .header("signature", notification.signature.as_str())
        .body(Full::new(notification.body.clone()))
        .map_err(|e| e.to_string())?;
    let response = client.request(request).await.map_err(|e| format!("{e:?}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Answer { status, body })
}

/// POSTs every notification to `url`, at most `concurrency` in flight, in the
/// order given (each request starts as soon as a slot frees up, so they
/// overlap and finish in any order). Answers come back in the input's order.
pub async fn deliver_all(
    client: &HttpClient,
    url: &str,
    notifications: Vec<Arc<SignedNotification>>,
    concurrency: usize,
) -> Vec<Result<Answer, String>> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let url: Arc<str> = Arc::from(url);
    let mut tasks = Vec::with_capacity(notifications.len());
    for notification in notifications {
        let permit = Arc::clone(&permits).acquire_owned().await.expect("semaphore open");
        let client = client.clone();
        let url = Arc::clone(&url);
        tasks.push(tokio::spawn(async move {
            let answer = post_notification(&client, &url, &notification).await;
            drop(permit);
            answer
        }));
    }
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await.unwrap_or_else(|e| Err(format!("task failed: {e}"))));
    }
    answers
}

/// POSTs JSON: `(status, JSON answer or Null)`.
pub async fn post_json(client: &HttpClient, url: &str, body: &Value) -> (u16, Value) {
    let request = http::Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("valid request");
    let response = client.request(request).await.expect("the server answers");
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// GETs JSON: `(status, JSON answer or Null)`.
pub async fn get_json(client: &HttpClient, url: &str) -> (u16, Value) {
    let request = http::Request::get(url)
        .header("accept", "application/json")
        .body(Full::new(Bytes::new()))
        .expect("valid request");
    let response = client.request(request).await.expect("the server answers");
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}
