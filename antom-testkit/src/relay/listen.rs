//! `antom listen`: connects to a relay's channel and re-posts each
//! notification to a local URL, byte for byte with its headers.
//!
//! ```no_run
//! # async fn demo() -> Result<(), antom_testkit::relay::listen::ListenError> {
//! use antom_testkit::relay::listen::{listen, ListenOptions};
//!
//! let options = ListenOptions::new("wss://relay.example", "alice", "s3cret", "http://127.0.0.1:3000/antom/notify");
//! listen(&options, |line| println!("{line}")).await?;
//! # Ok(()) }
//! ```

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

use super::wire::{self, Answer, Delivery};
use crate::mock::AckPolicy;

/// Where to connect and where to forward.
#[derive(Clone)]
pub struct ListenOptions {
    /// The relay's base URL: `ws://`, `wss://`, `http://` or `https://`.
    pub relay: String,
    /// The channel name.
    pub channel: String,
    /// The channel's secret.
    pub secret: String,
    /// The local notify URL (`http://`), e.g. `http://127.0.0.1:3000/antom/notify`.
    pub forward_to: String,
    /// How long to wait for the local app.
    pub timeout: Duration,
}

impl std::fmt::Debug for ListenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListenOptions")
            .field("relay", &self.relay)
            .field("channel", &self.channel)
            .field("forward_to", &self.forward_to)
            .finish_non_exhaustive()
    }
}

impl ListenOptions {
    /// Options with a 4 s timeout for the local app.
    pub fn new(
        relay: impl Into<String>,
        channel: impl Into<String>,
        secret: impl Into<String>,
        forward_to: impl Into<String>,
    ) -> Self {
        ListenOptions {
            relay: relay.into(),
            channel: channel.into(),
            secret: secret.into(),
            forward_to: forward_to.into(),
            timeout: super::DEFAULT_ANSWER_TIMEOUT,
        }
    }

    /// `ws(s)://<relay>/listen/<channel>`.
    pub fn websocket_url(&self) -> String {
        let base = self.relay.trim_end_matches('/');
        let base = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            base.to_owned()
        };
        format!("{base}/listen/{}", self.channel)
    }
}

/// Why listening stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListenError {
    /// The relay refused the channel or its secret (HTTP status given).
    #[error("the relay refused channel {channel:?}: HTTP {status} (wrong secret or unknown channel)")]
    Refused {
        /// The channel.
        channel: String,
        /// The relay's answer.
        status: u16,
    },
    /// The relay could not be reached or the connection broke.
    #[error("relay connection: {0}")]
    Connection(String),
    /// A bad URL.
    #[error("{0}")]
    InvalidUrl(String),
}

impl ListenError {
    /// Whether trying again later may help (not a refusal).
    pub fn is_retryable(&self) -> bool {
        matches!(self, ListenError::Connection(_))
    }
}

/// One re-posted notification, for the listener's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    /// When it came in.
    pub at: SystemTime,
    /// Path Antom posted to on the relay.
    pub path: String,
    /// The app's HTTP status, or `None` if the app did not answer.
    pub status: Option<u16>,
    /// Whether the app's answer acknowledges the notification.
    pub acknowledged: bool,
    /// Why there is no answer.
    pub error: Option<String>,
    /// How long the app took.
    pub took: Duration,
}

impl std::fmt::Display for Forwarded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = crate::mock::iso8601_utc(self.at);
        match (self.status, &self.error) {
            (Some(status), _) => write!(
                f,
                "{at}  {}  -> {status} {}  {} ms",
                self.path,
                if self.acknowledged {
                    "acknowledged"
                } else {
                    "NOT acknowledged (Antom resends)"
                },
                self.took.as_millis()
            ),
            (None, error) => write!(
                f,
                "{at}  {}  -> no answer from the app: {}",
                self.path,
                error.as_deref().unwrap_or("?")
            ),
        }
    }
}

/// What [`listen_once`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenEvent {
    /// The relay accepted the channel and secret.
    Connected,
    /// A notification was re-posted to the app.
    Forwarded(Forwarded),
}

/// Connects once and forwards until the connection ends, reporting to `on_event`.
pub async fn listen_once(options: &ListenOptions, mut on_event: impl FnMut(ListenEvent)) -> Result<(), ListenError> {
    let forward_to: http::Uri = options
        .forward_to
        .parse()
        .map_err(|e| ListenError::InvalidUrl(format!("--forward-to {}: {e}", options.forward_to)))?;
    if forward_to.scheme_str() != Some("http") {
        return Err(ListenError::InvalidUrl(format!(
            "--forward-to {} must be an http:// URL",
            options.forward_to
        )));
    }
    let mut request = options
        .websocket_url()
        .into_client_request()
        .map_err(|e| ListenError::InvalidUrl(format!("--relay {}: {e}", options.relay)))?;
    request.headers_mut().insert(
        wire::AUTHORIZATION,
        format!("Bearer {}", options.secret)
            .parse()
            .map_err(|_| ListenError::InvalidUrl("the secret is not a valid header value".into()))?,
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await.map_err(|e| match e {
        tungstenite::Error::Http(response) => ListenError::Refused {
            channel: options.channel.clone(),
            status: response.status().as_u16(),
        },
        other => ListenError::Connection(other.to_string()),
    })?;
    on_event(ListenEvent::Connected);
    let (mut sink, mut stream) = socket.split();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http();
    let (answers_tx, mut answers) = mpsc::channel::<(Answer, Forwarded)>(64);
    loop {
        tokio::select! {
            message = stream.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Ping(p))) => {
                        let _ = sink.send(Message::Pong(p)).await;
                        continue;
                    }
                    Some(Ok(Message::Close(_))) | None => return Err(ListenError::Connection("the relay closed the connection".into())),
                    Some(Err(e)) => return Err(ListenError::Connection(e.to_string())),
                    Some(Ok(_)) => continue,
                };
                let Ok(delivery) = serde_json::from_str::<Delivery>(text.as_str()) else { continue };
                let client = client.clone();
                let uri = forward_to.clone();
                let tx = answers_tx.clone();
                let timeout = options.timeout;
                tokio::spawn(async move {
                    let answer = forward(&client, uri, &delivery, timeout).await;
                    let _ = tx.send(answer).await;
                });
            }
            Some((answer, forwarded)) = answers.recv() => {
                let text = serde_json::to_string(&answer).expect("an answer serializes");
                on_event(ListenEvent::Forwarded(forwarded));
                if let Err(e) = sink.send(Message::Text(text.into())).await {
                    return Err(ListenError::Connection(e.to_string()));
                }
            }
        }
    }
}

/// Listens and reconnects after a broken connection (every second) until
/// the relay refuses; `on_line` gets one line per delivery and per (re)connection.
pub async fn listen(options: &ListenOptions, mut on_line: impl FnMut(String)) -> Result<(), ListenError> {
    loop {
        let mut connected = false;
        let result = listen_once(options, |event| match event {
            ListenEvent::Connected => {
                connected = true;
                on_line(format!("connected to {}", options.websocket_url()));
            }
            ListenEvent::Forwarded(forwarded) => on_line(forwarded.to_string()),
        })
        .await;
        if connected {
            on_line(format!(
                "relay connection lost; reconnecting to {}",
                options.websocket_url()
            ));
        }
        match result {
            Err(e) if e.is_retryable() => tokio::time::sleep(Duration::from_secs(1)).await,
            other => return other,
        }
    }
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// Posts the notification to the app as it came, and wraps up the answer.
async fn forward(client: &HttpClient, uri: http::Uri, delivery: &Delivery, timeout: Duration) -> (Answer, Forwarded) {
    let at = SystemTime::now();
    let started = Instant::now();
    let method = http::Method::from_bytes(delivery.method.as_bytes()).unwrap_or(http::Method::POST);
    let mut request = http::Request::new(Full::new(wire::decode_body(&delivery.body)));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = wire::decode_headers(&delivery.headers);
    let outcome = tokio::time::timeout(timeout, async {
        let response = client.request(request).await.map_err(|e| e.to_string())?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok::<_, String>((parts, body))
    })
    .await
    .unwrap_or_else(|_| Err(format!("no answer within {timeout:?}")));
    match outcome {
        Ok((parts, body)) => {
            let status = parts.status.as_u16();
            (
                Answer {
                    id: delivery.id,
                    status,
                    headers: wire::encode_headers(&parts.headers),
                    body: wire::encode_body(&body),
                },
                Forwarded {
                    at,
                    path: delivery.path.clone(),
                    status: Some(status),
                    acknowledged: AckPolicy::Parsed.is_ack(status, &body),
                    error: None,
                    took: started.elapsed(),
                },
            )
        }
        Err(error) => {
            let body = serde_json::json!({"result": {"resultCode": "APP_UNREACHABLE", "resultStatus": "F", "resultMessage": error}});
            (
                Answer {
                    id: delivery.id,
                    status: 502,
                    headers: vec![("content-type".into(), wire::encode_body(b"application/json"))],
                    body: wire::encode_body(body.to_string().as_bytes()),
                },
                Forwarded {
                    at,
                    path: delivery.path.clone(),
                    status: None,
                    acknowledged: false,
                    error: Some(error),
                    took: started.elapsed(),
                },
            )
        }
    }
}
