//! End-to-end load test of the notify route: a hyper server on 127.0.0.1 serving
//! an axum `Router` with the notify route, driven by a load generator in the
//! same process over loopback TCP (keep-alive HTTP/1.1, one request in flight
//! per connection, as Antom delivers notifications).
//!
//! Routes, each on a fresh server:
//! - `verify`: `VerifyNotificationLayer` (route layer) + a handler taking
//!   `VerifiedNotification<NotifyPayment>` and answering Antom's ACK: the notify
//!   route as a merchant writes it by hand, storing nothing.
//! - `plain`: the same route and handler parsing the same JSON from the body,
//!   without the layer: what the framework costs alone.
//! - `checkout-memory`, `checkout-sqlite`, `checkout-postgres`: the route a
//!   merchant mounts, `Checkout::router()`, on each store: verified, stored in
//!   the inbox with its state change and outbox event, then acknowledged. One
//!   order per distinct notification exists before the load; the first
//!   delivery of each pays it, later ones are duplicates (`--distinct` sets how
//!   many are new).
//!
//! The server logs at `info` to `target/notify_load/server.log` (`--log off`:
//! no subscriber), as a merchant's server would.
//!
//! Reported per run: notifications per second, latency p50/p90/p99/max, CPU
//! time per notification of the server's threads and of the load generator's
//! thread (from /proc/self/task), how many cores were busy, and, for `verify`,
//! the share of the server's CPU per notification that signature verification
//! alone accounts for (its single-thread cost, header parse + RSA verify,
//! measured by this binary just before the load).
//!
//! ```text
//! cargo run --release -p antom-benches --bin notify_load -- \
//!     [--routes plain,verify,checkout-memory,checkout-sqlite,checkout-postgres] \
//!     [--backends aws-lc-rs,rsa] [--body 1024] [--connections 32] [--duration 10] [--warmup 2] \
//!     [--server-threads 2] [--distinct 256] [--postgres-url URL] [--log info|off]
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use antom_benches::{notification_body, size_label, CLIENT_ID, NOTIFY_URI};
use antom_testkit::keys::{antom_private_key, ANTOM_PUBLIC_KEY_PEM};
use antom_tower::extract::VerifiedNotification;
use antom_tower::signing::request_time::format_epoch_millis;
use antom_tower::signing::{Backend, KeyVersion, PrivateKey, PublicKey, PublicKeyRing, SigningContent};
use antom_tower::store::OrderStore;
use antom_tower::verify_notification::VerifyNotificationLayer;
use antom_types::notify::NotifyPayment;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ACK: &str = r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#;

mod checkout;

use checkout::{StoreKind, StoreSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Plain,
    Verify,
    Checkout(StoreKind),
}

impl Route {
    fn name(self) -> &'static str {
        match self {
            Route::Plain => "plain",
            Route::Verify => "verify",
            Route::Checkout(store) => store.route_name(),
        }
    }

    fn verifies(self) -> bool {
        self != Route::Plain
    }
}

#[derive(Debug, Clone)]
struct Args {
    routes: Vec<Route>,
    backends: Vec<Backend>,
    body: usize,
    connections: usize,
    duration: Duration,
    warmup: Duration,
    server_threads: usize,
    distinct: usize,
    stores: StoreSettings,
    log: bool,
    rounds: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        routes: vec![Route::Plain, Route::Verify],
        backends: Backend::ALL.to_vec(),
        body: 1024,
        connections: 32,
        duration: Duration::from_secs(10),
        warmup: Duration::from_secs(2),
        server_threads: 2,
        distinct: 256,
        stores: StoreSettings {
            sqlite_dir: "target/notify_load".into(),
            postgres_url: std::env::var("ANTOM_TEST_POSTGRES_URL").ok(),
        },
        log: true,
        rounds: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--routes" => {
                args.routes = value
                    .split(',')
                    .map(|r| match r {
                        "plain" => Ok(Route::Plain),
                        "verify" => Ok(Route::Verify),
                        "checkout-memory" => Ok(Route::Checkout(StoreKind::Memory)),
                        "checkout-sqlite" => Ok(Route::Checkout(StoreKind::Sqlite)),
                        "checkout-postgres" => Ok(Route::Checkout(StoreKind::Postgres)),
                        "checkout-postgres-group" => Ok(Route::Checkout(StoreKind::PostgresGroupCommit)),
                        other => Err(format!("unknown route {other}")),
                    })
                    .collect::<Result<_, _>>()?
            }
            "--backends" => {
                args.backends = value
                    .split(',')
                    .map(|name| {
                        Backend::ALL
                            .iter()
                            .copied()
                            .find(|b| b.name() == name)
                            .ok_or_else(|| format!("unknown backend {name}"))
                    })
                    .collect::<Result<_, _>>()?
            }
            "--body" => args.body = number()? as usize,
            "--connections" => args.connections = number()?.max(1) as usize,
            "--duration" => args.duration = Duration::from_secs(number()?.max(1)),
            "--warmup" => args.warmup = Duration::from_secs(number()?),
            "--server-threads" => args.server_threads = number()?.max(1) as usize,
            "--distinct" => args.distinct = number()?.max(1) as usize,
            "--rounds" => args.rounds = number()?.max(1) as usize,
            "--postgres-url" => args.stores.postgres_url = Some(value),
            "--sqlite-dir" => args.stores.sqlite_dir = value.into(),
            "--log" => {
                args.log = match value.as_str() {
                    "info" => true,
                    "off" => false,
                    other => return Err(format!("--log: info or off, not {other}")),
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(args)
}

/// Pre-serialized signed notifications, as Antom's servers would send them
/// (signed on every core: a run with many distinct ones needs thousands of
/// RSA signatures).
fn signed_requests(addr: SocketAddr, body_len: usize, distinct: usize) -> Vec<Vec<u8>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let request_time = format_epoch_millis(SystemTime::now());
    let request_time = &request_time;
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..threads)
            .map(|part| {
                scope.spawn(move || {
                    let key = antom_private_key();
                    (part..distinct)
                        .step_by(threads)
                        .map(|seq| (seq, signed_request(&key, addr, body_len, seq as u64, request_time)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(usize, Vec<u8>)> = parts.into_iter().flat_map(|p| p.join().expect("signer")).collect();
        all.sort_unstable_by_key(|(seq, _)| *seq);
        all.into_iter().map(|(_, request)| request).collect()
    })
}

fn signed_request(key: &PrivateKey, addr: SocketAddr, body_len: usize, seq: u64, request_time: &str) -> Vec<u8> {
    let body = notification_body(body_len, seq);
    let content = SigningContent::new("POST", NOTIFY_URI, CLIENT_ID, request_time, &body);
    let signature = key.sign_header(&content, KeyVersion(1)).expect("sign").to_string();
    let mut request = format!(
        "POST {NOTIFY_URI} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json; charset=UTF-8\r\n\
         client-id: {CLIENT_ID}\r\nrequest-time: {request_time}\r\nsignature: {signature}\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request
}

/// The `paymentRequestId` of each notification [`signed_requests`] sends.
fn payment_request_ids(body_len: usize, distinct: usize) -> Vec<String> {
    (0..distinct as u64)
        .map(|seq| {
            let body: serde_json::Value = serde_json::from_slice(&notification_body(body_len, seq)).expect("json");
            body["paymentRequestId"].as_str().expect("paymentRequestId").to_owned()
        })
        .collect()
}

fn antom_keys(backend: Backend) -> Arc<PublicKeyRing> {
    let key = PublicKey::from_bytes_with(ANTOM_PUBLIC_KEY_PEM.as_bytes(), backend).expect("test key");
    Arc::new(PublicKeyRing::single(key))
}

fn ack() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], ACK)
}

async fn notify_verified(notification: VerifiedNotification<NotifyPayment>) -> impl IntoResponse {
    std::hint::black_box(notification.payload.idempotency_key());
    ack()
}

async fn notify_plain(body: Bytes) -> axum::response::Response {
    match serde_json::from_slice::<NotifyPayment>(&body) {
        Ok(payment) => {
            std::hint::black_box(payment.idempotency_key());
            ack().into_response()
        }
        Err(_) => (axum::http::StatusCode::BAD_REQUEST, "bad json").into_response(),
    }
}

/// The route's router; for a checkout route also its store (kept open for the run).
fn router(
    args: &Args,
    server: &tokio::runtime::Runtime,
    route: Route,
    backend: Backend,
) -> (Router, Option<Arc<dyn OrderStore>>) {
    match route {
        Route::Plain => (Router::new().route(NOTIFY_URI, post(notify_plain)), None),
        Route::Verify => (
            Router::new()
                .route(NOTIFY_URI, post(notify_verified))
                .route_layer(VerifyNotificationLayer::new(CLIENT_ID, antom_keys(backend))),
            None,
        ),
        Route::Checkout(kind) => {
            let ids = payment_request_ids(args.body, args.distinct);
            let built = server.block_on(checkout::checkout_router(kind, &args.stores, antom_keys(backend), &ids));
            match built {
                Ok((router, store)) => (router, Some(store)),
                Err(message) => {
                    eprintln!("notify_load: {}: {message}", route.name());
                    std::process::exit(1);
                }
            }
        }
    }
}

async fn serve(listener: TcpListener, app: Router) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// What one connection saw during the measured window.
#[derive(Default)]
struct ConnectionStats {
    latencies_us: Vec<u32>,
    errors: u64,
}

/// Reads one HTTP/1.1 response with a Content-Length; returns its status code.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).map_err(std::io::Error::other)?;
            let status: u16 = head
                .get(9..12)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| std::io::Error::other("bad status line"))?;
            let length: usize = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .ok_or_else(|| std::io::Error::other("no content-length"))?;
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(status);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn drive(
    addr: SocketAddr,
    requests: Arc<Vec<Vec<u8>>>,
    first: usize,
    measuring: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) -> ConnectionStats {
    let mut stats = ConnectionStats::default();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut buf = Vec::with_capacity(4096);
    let mut i = first;
    while !stop.load(Ordering::Relaxed) {
        let request = &requests[i % requests.len()];
        i += 1;
        let started = Instant::now();
        stream.write_all(request).await.expect("write");
        let status = read_response(&mut stream, &mut buf).await.expect("read");
        let elapsed = started.elapsed();
        if measuring.load(Ordering::Relaxed) {
            if status == 200 {
                stats
                    .latencies_us
                    .push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
            } else {
                stats.errors += 1;
            }
        }
    }
    stats
}

/// CPU seconds used so far by this process's threads: (the server's, the
/// load generator's). The server's are all but the `load` thread: the tokio
/// workers, and sqlx's SQLite worker threads (`sqlx-sqlite-worker-N`), which
/// do the SQLite store's work; the main thread only sleeps. PostgreSQL's own
/// processes are not counted.
fn thread_cpu_seconds() -> (f64, f64) {
    // USER_HZ is 100 on every Linux this runs on.
    const TICKS_PER_SECOND: f64 = 100.0;
    let (mut server, mut load) = (0.0, 0.0);
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return (server, load);
    };
    for task in tasks.flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
            continue;
        };
        // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
            continue;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
        let cpu = (ticks(14) + ticks(15)) / TICKS_PER_SECOND;
        if comm.trim_end() == "load" {
            load += cpu;
        } else {
            server += cpu;
        }
    }
    (server, load)
}

/// The single-thread cost of what the layer must do at the least per
/// notification: parse the signature header and verify (median of 5 batches).
fn verify_cost_us(backend: Backend, body_len: usize) -> f64 {
    let ring = antom_keys(backend);
    let request_time = format_epoch_millis(SystemTime::now());
    let body = notification_body(body_len, 1);
    let content = SigningContent::new("POST", NOTIFY_URI, CLIENT_ID, &request_time, &body);
    let header = antom_private_key()
        .sign_header(&content, KeyVersion(1))
        .expect("sign")
        .to_string();
    let mut batches: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let mut n = 0u32;
            while started.elapsed() < Duration::from_millis(300) {
                ring.verify_header_value(std::hint::black_box(&content), std::hint::black_box(&header))
                    .expect("verifies");
                n += 1;
            }
            started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        })
        .collect();
    batches.sort_by(f64::total_cmp);
    batches[2]
}

struct RunResult {
    round: usize,
    route: Route,
    distinct: usize,
    backend: Backend,
    per_second: f64,
    p50_us: u32,
    p90_us: u32,
    p99_us: u32,
    max_us: u32,
    errors: u64,
    server_cpu_us: f64,
    client_cpu_us: f64,
    verify_us: Option<f64>,
}

fn run(args: &Args, route: Route, backend: Backend) -> RunResult {
    let verify_us = route.verifies().then(|| verify_cost_us(backend, args.body));

    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.server_threads)
        .thread_name("server")
        .enable_all()
        .build()
        .expect("server runtime");
    let listener = server
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local addr");
    let (app, store) = router(args, &server, route, backend);
    server.spawn(serve(listener, app));

    let requests = Arc::new(signed_requests(addr, args.body, args.distinct));
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let client = {
        let (requests, measuring, stop) = (requests.clone(), measuring.clone(), stop.clone());
        let connections = args.connections;
        std::thread::Builder::new()
            .name("load".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("client runtime");
                runtime.block_on(async move {
                    let tasks: Vec<_> = (0..connections)
                        .map(|c| {
                            let first = c * requests.len() / connections;
                            tokio::spawn(drive(addr, requests.clone(), first, measuring.clone(), stop.clone()))
                        })
                        .collect();
                    let mut all = Vec::with_capacity(tasks.len());
                    for task in tasks {
                        all.push(task.await.expect("connection task"));
                    }
                    all
                })
            })
            .expect("load thread")
    };

    std::thread::sleep(args.warmup);
    let cpu_before = thread_cpu_seconds();
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    std::thread::sleep(args.duration);
    measuring.store(false, Ordering::Relaxed);
    let window = started.elapsed();
    let cpu_after = thread_cpu_seconds();
    stop.store(true, Ordering::Relaxed);
    let stats = client.join().expect("load thread");
    server.shutdown_background();
    drop(store);

    let errors = stats.iter().map(|s| s.errors).sum();
    let mut latencies: Vec<u32> = stats.into_iter().flat_map(|s| s.latencies_us).collect();
    latencies.sort_unstable();
    let n = latencies.len().max(1);
    let pct = |p: f64| {
        latencies
            .get(((n as f64 * p) as usize).min(n - 1))
            .copied()
            .unwrap_or(0)
    };
    let count = latencies.len() as f64;
    RunResult {
        round: 1,
        route,
        distinct: args.distinct,
        backend,
        per_second: count / window.as_secs_f64(),
        p50_us: pct(0.50),
        p90_us: pct(0.90),
        p99_us: pct(0.99),
        max_us: latencies.last().copied().unwrap_or(0),
        errors,
        server_cpu_us: (cpu_after.0 - cpu_before.0) * 1e6 / count.max(1.0),
        client_cpu_us: (cpu_after.1 - cpu_before.1) * 1e6 / count.max(1.0),
        verify_us,
    }
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("notify_load: {message}");
            }
            eprintln!(
                "usage: notify_load [--routes plain,verify,checkout-memory,checkout-sqlite,checkout-postgres] \
                 [--backends aws-lc-rs,rsa] [--body BYTES] [--connections N] [--duration SECS] [--warmup SECS] \
                 [--server-threads N] [--distinct N] [--rounds N] [--postgres-url URL] [--sqlite-dir DIR] \
                 [--log info|off]"
            );
            std::process::exit(2);
        }
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "notify_load: body {}, {} connections, {} s measured after {} s warm-up, {} server threads, \
         load generator on 1 thread in the same process, {} cores available",
        size_label(args.body),
        args.connections,
        args.duration.as_secs(),
        args.warmup.as_secs(),
        args.server_threads,
        cores
    );

    if args.log {
        install_log();
    }
    let mut results = Vec::new();
    for round in 1..=args.rounds {
        for &backend in &args.backends {
            for &route in &args.routes {
                if route == Route::Plain
                    && results
                        .iter()
                        .any(|r: &RunResult| r.round == round && r.route == Route::Plain)
                {
                    continue; // No verification: the backend makes no difference.
                }
                let mut result = run(&args, route, backend);
                result.round = round;
                eprintln!(
                    "round {round}: {} {}: {:.0}/s, {:.1} µs server CPU",
                    route.name(),
                    backend.name(),
                    result.per_second,
                    result.server_cpu_us
                );
                results.push(result);
            }
        }
    }
    report(&results);
}

/// Logs at `info` to a file, formatted as tracing-subscriber's default: the
/// cost of a merchant's logging stays in the figures.
fn install_log() {
    let dir = std::path::Path::new("target/notify_load");
    let _ = std::fs::create_dir_all(dir);
    let file = std::fs::File::create(dir.join("server.log")).expect("target/notify_load/server.log");
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(std::io::LineWriter::new(file)))
        .init();
}

fn report(results: &[RunResult]) {
    println!();
    println!(
        "| round | route | backend | distinct | notifications/s | p50 µs | p90 µs | p99 µs | max µs | errors | \
         server CPU µs/notif | load-gen CPU µs/notif | cores busy | verify µs (1 thread) | verify share of server CPU |"
    );
    println!(
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for r in results {
        let (verify, share) = match r.verify_us {
            Some(v) => (format!("{v:.1}"), format!("{:.0}%", 100.0 * v / r.server_cpu_us)),
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {:.2} | {} | {} |",
            r.round,
            r.route.name(),
            if r.route == Route::Plain { "-" } else { r.backend.name() },
            r.distinct,
            r.per_second,
            r.p50_us,
            r.p90_us,
            r.p99_us,
            r.max_us,
            r.errors,
            r.server_cpu_us,
            r.client_cpu_us,
            r.per_second * (r.server_cpu_us + r.client_cpu_us) / 1e6,
            verify,
            share
        );
    }
    // Ratios within a round, then the median over rounds: a slow phase of
    // the machine hits both sides of a ratio alike.
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let mut lines = Vec::new();
    for r in results.iter().filter(|r| r.round == 1 && r.route.verifies()) {
        let (route, backend) = (r.route, r.backend);
        let same = |x: &&RunResult| x.route == route && x.backend == backend;
        let runs: Vec<&RunResult> = results.iter().filter(same).collect();
        let cpu = median(runs.iter().map(|x| x.server_cpu_us).collect());
        let rate = median(runs.iter().map(|x| x.per_second).collect());
        let versus = |other: Route| {
            median(
                runs.iter()
                    .filter_map(|x| {
                        results
                            .iter()
                            .find(|y| {
                                y.round == x.round
                                    && y.route == other
                                    && (other == Route::Plain || y.backend == backend)
                            })
                            .map(|y| x.per_second / y.per_second)
                    })
                    .collect(),
            )
        };
        let mut line = format!(
            "{} {}: {rate:.0}/s, {cpu:.1} µs of server CPU per notification (medians over {} rounds)",
            route.name(),
            backend.name(),
            runs.len()
        );
        if route != Route::Verify {
            line += &format!("; throughput {:.2}x the verify route's", versus(Route::Verify));
        }
        if results.iter().any(|y| y.route == Route::Plain) {
            line += &format!("; {:.2}x the plain route's", versus(Route::Plain));
        }
        lines.push(line);
    }
    println!();
    for line in lines {
        println!("{line}");
    }
}
