//! Real sandbox notifications on a developer's machine: `antom relay` and
//! `antom listen`.
//!
//! Antom cannot reach `127.0.0.1`. The relay runs on any public host and
//! accepts Antom's notifications at one URL per developer (a *channel*):
//! `https://relay.example/c/<channel>/<anything>`. The developer's
//! [`listen`](listen::listen) opens an outbound WebSocket to
//! `/listen/<channel>`, presenting the channel's secret, and re-posts each
//! notification to the local app byte for byte with its headers; the app's
//! answer goes back over the socket and the relay answers Antom with it.
//!
//! ```text
//! Antom ──POST /c/alice/antom/notify──▶ relay ══WebSocket══▶ antom listen ──POST──▶ 127.0.0.1:3000/antom/notify
//!       ◀──── the app's answer ──────── relay ◀═════════════ antom listen ◀──────── the app
//! ```
//!
//! What the relay promises:
//!
//! - **Nothing is lost.** With no listener connected, a listener that drops
//!   mid-delivery, or no answer within [`RelayConfig::answer_timeout`], the
//!   relay answers Antom `503` / `504` with a non-`SUCCESS` body, so Antom
//!   resends on its schedule and the resend reaches the listener once it is
//!   back. The relay stores nothing: Antom's retries are the queue.
//! - **Bytes are not touched.** The body and every end-to-end header reach
//!   the app as Antom sent them; only hop-by-hop headers (`host`,
//!   `content-length`, `connection`...) are left to each hop. The relay holds
//!   no key and never signs anything.
//! - **A channel needs its secret.** A listener presenting a wrong (or no)
//!   secret is refused with `401` before the WebSocket opens; a second
//!   listener with the right one replaces the first.
//!
//! # The path
//!
//! Antom signs the path of the URL it posts to, here `/c/alice/antom/notify`.
//! The app receives the notification on its own path (`/antom/notify`), so
//! its verifier must put the relay's prefix back:
//! `VerifyNotificationLayer::proxy_path_prefix("/c/alice")`, exactly as
//! behind a reverse proxy that strips a prefix.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use antom_testkit::relay::{Relay, RelayConfig};
//!
//! let relay = Relay::start(RelayConfig::new().channel("alice", "s3cret"), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("give Antom {}", relay.channel_url("alice", "/antom/notify"));
//! # Ok(()) }
//! ```

pub mod listen;
pub mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use self::wire::{Answer, Delivery};

/// How long the relay waits for the app's answer by default: under the 5 s
/// the mock (and, as far as is known, Antom) waits for a notify URL.
pub const DEFAULT_ANSWER_TIMEOUT: Duration = Duration::from_secs(4);

/// How many [`RelayEvent`]s [`Relay::events`] keeps.
pub const MAX_EVENTS: usize = 10_000;

/// Channels and their secrets, and timing.
#[derive(Clone)]
pub struct RelayConfig {
    channels: HashMap<String, String>,
    answer_timeout: Duration,
}

impl std::fmt::Debug for RelayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets stay out of Debug output.
        f.debug_struct("RelayConfig")
            .field("channels", &self.channels.keys().collect::<Vec<_>>())
            .field("answer_timeout", &self.answer_timeout)
            .finish()
    }
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            channels: HashMap::new(),
            answer_timeout: DEFAULT_ANSWER_TIMEOUT,
        }
    }
}

impl RelayConfig {
    /// No channels yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a channel (letters, digits, `-`, `_`) whose listener must present `secret`.
    pub fn channel(mut self, name: impl Into<String>, secret: impl Into<String>) -> Self {
        self.channels.insert(name.into(), secret.into());
        self
    }

    /// How long to wait for the app's answer before answering Antom `504`.
    pub fn answer_timeout(mut self, timeout: Duration) -> Self {
        self.answer_timeout = timeout;
        self
    }
}

/// One notification handled by the relay, for its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayEvent {
    /// Order among all events, from 1.
    pub seq: u64,
    /// When it arrived.
    pub at: SystemTime,
    /// The channel.
    pub channel: String,
    /// Path and query Antom posted to.
    pub path: String,
    /// The status answered to Antom.
    pub status: u16,
    /// What happened: `delivered`, `no listener`, `listener gone`, `timeout`.
    pub outcome: &'static str,
}

/// A running relay. Stops when dropped or on [`shutdown`](Self::shutdown).
pub struct Relay {
    addr: SocketAddr,
    state: Arc<RelayState>,
    shutdown: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// Serves on `addr` (port 0: any free port).
    pub async fn start(config: RelayConfig, addr: SocketAddr) -> std::io::Result<Relay> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(RelayState {
            config,
            listeners: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            next_conn: AtomicU64::new(1),
            next_event: AtomicU64::new(1),
            events: watch::channel(Vec::new()).0,
        });
        let app = router(Arc::clone(&state));
        let (shutdown, mut stop) = watch::channel(false);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|down| *down).await;
                })
                .await;
        });
        Ok(Relay {
            addr,
            state,
            shutdown,
            task: Mutex::new(Some(task)),
        })
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL to give Antom for `channel`, ending in `path` (e.g. `/antom/notify`).
    pub fn channel_url(&self, channel: &str, path: &str) -> String {
        format!("{}{}{path}", self.base_url(), channel_prefix(channel))
    }

    /// Whether a listener is connected to `channel`.
    pub fn is_listening(&self, channel: &str) -> bool {
        self.state.lock().contains_key(channel)
    }

    /// Waits until a listener is connected to `channel` (or `timeout`); returns whether one is.
    pub async fn wait_for_listener(&self, channel: &str, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while !self.is_listening(channel) {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// The notifications handled so far (the latest [`MAX_EVENTS`] at most).
    pub fn events(&self) -> Vec<RelayEvent> {
        self.state.events.borrow().clone()
    }

    /// A receiver that sees the event list change (for printing them as they come).
    pub fn subscribe(&self) -> watch::Receiver<Vec<RelayEvent>> {
        self.state.events.subscribe()
    }

    /// Stops serving.
    pub async fn shutdown(&self) {
        let _ = self.shutdown.send(true);
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
    }
}

/// `/c/<channel>`: the path prefix of a channel's public URL, which the app
/// passes to `proxy_path_prefix`.
pub fn channel_prefix(channel: &str) -> String {
    format!("/c/{channel}")
}

struct RelayState {
    config: RelayConfig,
    listeners: Mutex<HashMap<String, Connected>>,
    next_id: AtomicU64,
    next_conn: AtomicU64,
    next_event: AtomicU64,
    events: watch::Sender<Vec<RelayEvent>>,
}

impl RelayState {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Connected>> {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn record(&self, mut event: RelayEvent) {
        event.seq = self.next_event.fetch_add(1, Ordering::Relaxed);
        self.events.send_modify(|list| {
            // A relay runs for weeks: keep the recent history only.
            if list.len() >= MAX_EVENTS {
                list.drain(..MAX_EVENTS / 2);
            }
            list.push(event);
        });
    }
}

/// The connected listener of a channel.
#[derive(Clone)]
struct Connected {
    conn: u64,
    outgoing: mpsc::Sender<(Delivery, oneshot::Sender<Answer>)>,
}

fn router(state: Arc<RelayState>) -> Router {
    Router::new()
        .route("/c/{channel}", any(notify_root))
        .route("/c/{channel}/{*rest}", any(notify))
        .route("/listen/{channel}", get(listen_upgrade))
        .route(
            "/",
            get(|| async {
                "antom relay: Antom posts to /c/<channel>/..., antom listen connects to /listen/<channel>\n"
            }),
        )
        .with_state(state)
}

async fn notify_root(
    state: State<Arc<RelayState>>,
    Path(channel): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    relay_one(state, channel, method, uri, headers, body).await
}

async fn notify(
    state: State<Arc<RelayState>>,
    Path((channel, _rest)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    relay_one(state, channel, method, uri, headers, body).await
}

async fn relay_one(
    State(state): State<Arc<RelayState>>,
    channel: String,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str()).to_owned();
    let at = SystemTime::now();
    if !state.config.channels.contains_key(&channel) {
        return not_acknowledged(StatusCode::NOT_FOUND, "UNKNOWN_CHANNEL", "no such relay channel");
    }
    let listener = state.lock().get(&channel).cloned();
    let event = |status: StatusCode, outcome| RelayEvent {
        seq: 0,
        at,
        channel: channel.clone(),
        path: path.clone(),
        status: status.as_u16(),
        outcome,
    };
    let Some(listener) = listener else {
        state.record(event(StatusCode::SERVICE_UNAVAILABLE, "no listener"));
        return not_acknowledged(
            StatusCode::SERVICE_UNAVAILABLE,
            "NO_LISTENER",
            "no antom listen is connected to this channel; Antom will resend",
        );
    };
    let delivery = Delivery {
        id: state.next_id.fetch_add(1, Ordering::Relaxed),
        method: method.to_string(),
        path: path.clone(),
        headers: wire::encode_headers(&headers),
        body: wire::encode_body(&body),
    };
    let (answer_tx, answer_rx) = oneshot::channel();
    if listener.outgoing.send((delivery, answer_tx)).await.is_err() {
        state.record(event(StatusCode::SERVICE_UNAVAILABLE, "listener gone"));
        return not_acknowledged(StatusCode::SERVICE_UNAVAILABLE, "NO_LISTENER", "the listener went away");
    }
    match tokio::time::timeout(state.config.answer_timeout, answer_rx).await {
        Ok(Ok(answer)) => {
            let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
            state.record(event(status, "delivered"));
            let mut response = Response::new(Body::from(wire::decode_body(&answer.body)));
            *response.status_mut() = status;
            *response.headers_mut() = wire::decode_headers(&answer.headers);
            response
        }
        Ok(Err(_)) => {
            state.record(event(StatusCode::BAD_GATEWAY, "listener gone"));
            not_acknowledged(
                StatusCode::BAD_GATEWAY,
                "LISTENER_GONE",
                "the listener dropped before answering",
            )
        }
        Err(_) => {
            state.record(event(StatusCode::GATEWAY_TIMEOUT, "timeout"));
            not_acknowledged(
                StatusCode::GATEWAY_TIMEOUT,
                "LISTENER_TIMEOUT",
                "the app did not answer in time",
            )
        }
    }
}

/// A body Antom will not take for an acknowledgement.
fn not_acknowledged(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let body = serde_json::json!({"result": {"resultCode": code, "resultStatus": "F", "resultMessage": message}});
    (status, axum::Json(body)).into_response()
}

async fn listen_upgrade(
    State(state): State<Arc<RelayState>>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response<Body> {
    let Some(secret) = state.config.channels.get(&channel) else {
        return (StatusCode::NOT_FOUND, "no such relay channel\n").into_response();
    };
    let presented = headers
        .get(wire::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !constant_time_eq(presented.as_bytes(), secret.as_bytes()) {
        return (StatusCode::UNAUTHORIZED, "wrong channel secret\n").into_response();
    }
    upgrade.on_upgrade(move |socket| serve_listener(state, channel, socket))
}

/// Compares secrets without revealing where they differ through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn serve_listener(state: Arc<RelayState>, channel: String, mut socket: WebSocket) {
    let conn = state.next_conn.fetch_add(1, Ordering::Relaxed);
    let (outgoing, mut deliveries) = mpsc::channel::<(Delivery, oneshot::Sender<Answer>)>(64);
    state.lock().insert(channel.clone(), Connected { conn, outgoing });
    let mut waiting: HashMap<u64, oneshot::Sender<Answer>> = HashMap::new();
    loop {
        tokio::select! {
            next = deliveries.recv() => {
                let Some((delivery, answer)) = next else { break };
                let text = serde_json::to_string(&delivery).expect("a delivery serializes");
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break; // `answer` dropped: the notification is answered 502, Antom resends
                }
                waiting.insert(delivery.id, answer);
            }
            message = socket.recv() => {
                match message {
                    Some(Ok(Message::Text(text))) => {
                        if let Ok(answer) = serde_json::from_str::<Answer>(text.as_str()) {
                            if let Some(tx) = waiting.remove(&answer.id) {
                                let _ = tx.send(answer);
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                }
            }
        }
    }
    let mut listeners = state.lock();
    if listeners.get(&channel).is_some_and(|c| c.conn == conn) {
        listeners.remove(&channel);
    }
}
