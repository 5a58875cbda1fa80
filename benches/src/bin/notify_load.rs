//! End-to-end load test of the notify route: a hyper server on 127.0.0.1 serving
//! an axum `Router` with the notify route, driven by a load generator in the
//! same process over loopback TCP (keep-alive HTTP/1.1, one request in flight
//! per connection, as Antom delivers notifications).
//!
//! Two routes, each on a fresh server:
//! - `verify`: `VerifyNotificationLayer` (route layer) + a handler taking
//!   `VerifiedNotification<NotifyPayment>` and answering Antom's ACK: the notify
//!   route as a merchant writes it.
//! - `plain`: the same route and handler parsing the same JSON from the body,
//!   without the layer: what the framework costs alone.
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
//!     [--routes plain,verify] [--backends aws-lc-rs,rsa] [--body 1024] [--connections 32] \
//!     [--duration 10] [--warmup 2] [--server-threads 2] [--distinct 256]
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use antom_benches::{notification_body, size_label, CLIENT_ID, NOTIFY_URI};
use antom_testkit::keys::{antom_private_key, ANTOM_PUBLIC_KEY_PEM};
use antom_tower::extract::VerifiedNotification;
use antom_tower::signing::request_time::format_epoch_millis;
use antom_tower::signing::{Backend, KeyVersion, PublicKey, PublicKeyRing, SigningContent};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Plain,
    Verify,
}

impl Route {
    fn name(self) -> &'static str {
        match self {
            Route::Plain => "plain",
            Route::Verify => "verify",
        }
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
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(args)
}

/// Pre-serialized signed notifications, as Antom's servers would send them.
fn signed_requests(addr: SocketAddr, body_len: usize, distinct: usize) -> Vec<Vec<u8>> {
    let key = antom_private_key();
    let request_time = format_epoch_millis(SystemTime::now());
    (0..distinct as u64)
        .map(|seq| {
            let body = notification_body(body_len, seq);
            let content = SigningContent::new("POST", NOTIFY_URI, CLIENT_ID, &request_time, &body);
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

fn router(route: Route, backend: Backend) -> Router {
    match route {
        Route::Plain => Router::new().route(NOTIFY_URI, post(notify_plain)),
        Route::Verify => Router::new()
            .route(NOTIFY_URI, post(notify_verified))
            .route_layer(VerifyNotificationLayer::new(CLIENT_ID, antom_keys(backend))),
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

/// CPU seconds used so far by this process's threads whose name starts with each prefix.
fn thread_cpu_seconds(prefixes: &[&str]) -> Vec<f64> {
    // USER_HZ is 100 on every Linux this runs on.
    const TICKS_PER_SECOND: f64 = 100.0;
    let mut totals = vec![0.0; prefixes.len()];
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return totals;
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
        for (total, prefix) in totals.iter_mut().zip(prefixes) {
            if comm.trim_end().starts_with(prefix) {
                *total += cpu;
            }
        }
    }
    totals
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
    route: Route,
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
    let verify_us = (route == Route::Verify).then(|| verify_cost_us(backend, args.body));

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
    server.spawn(serve(listener, router(route, backend)));

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
    let cpu_before = thread_cpu_seconds(&["server", "load"]);
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    std::thread::sleep(args.duration);
    measuring.store(false, Ordering::Relaxed);
    let window = started.elapsed();
    let cpu_after = thread_cpu_seconds(&["server", "load"]);
    stop.store(true, Ordering::Relaxed);
    let stats = client.join().expect("load thread");
    server.shutdown_background();

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
        route,
        backend,
        per_second: count / window.as_secs_f64(),
        p50_us: pct(0.50),
        p90_us: pct(0.90),
        p99_us: pct(0.99),
        max_us: latencies.last().copied().unwrap_or(0),
        errors,
        server_cpu_us: (cpu_after[0] - cpu_before[0]) * 1e6 / count.max(1.0),
        client_cpu_us: (cpu_after[1] - cpu_before[1]) * 1e6 / count.max(1.0),
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
                "usage: notify_load [--routes plain,verify] [--backends aws-lc-rs,rsa] [--body BYTES] \
                 [--connections N] [--duration SECS] [--warmup SECS] [--server-threads N] [--distinct N]"
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

    let mut results = Vec::new();
    for &backend in &args.backends {
        for &route in &args.routes {
            if route == Route::Plain && results.iter().any(|r: &RunResult| r.route == Route::Plain) {
                continue; // No verification: the backend makes no difference.
            }
            let result = run(&args, route, backend);
            results.push(result);
        }
    }

    println!();
    println!(
        "| route | backend | notifications/s | p50 µs | p90 µs | p99 µs | max µs | errors | server CPU µs/notif | \
         load-gen CPU µs/notif | cores busy | verify µs (1 thread) | verify share of server CPU |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &results {
        let (verify, share) = match r.verify_us {
            Some(v) => (format!("{v:.1}"), format!("{:.0}%", 100.0 * v / r.server_cpu_us)),
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {} | {} | {:.0} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {:.2} | {} | {} |",
            r.route.name(),
            if r.route == Route::Plain { "-" } else { r.backend.name() },
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
    if let Some(plain) = results.iter().find(|r| r.route == Route::Plain) {
        for r in results.iter().filter(|r| r.route == Route::Verify) {
            let added = r.server_cpu_us - plain.server_cpu_us;
            println!();
            println!(
                "{}: the layer adds {:.1} µs of server CPU per notification over the plain route \
                 ({:.1} → {:.1} µs); verification alone is {:.1} µs of it; throughput {:.2}x the plain route's.",
                r.backend.name(),
                added,
                plain.server_cpu_us,
                r.server_cpu_us,
                r.verify_us.unwrap_or(0.0),
                r.per_second / plain.per_second
            );
        }
    }
}
