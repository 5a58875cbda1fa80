//! The four binaries as a newcomer runs them: `PORT=0` (a free port), no
//! `ANTOM_*` variables (they start the mock Antom), each prints its URL and
//! answers. And the checkout binary with `ANTOM_*` variables (pointed at a
//! mock through `ANTOM_BASE_URL`): it starts no mock, uses that configuration
//! and takes a payment.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use http::{Method, StatusCode};

/// A running binary, killed on drop.
struct Running {
    child: Child,
    url: String,
    output: mpsc::Receiver<String>,
    /// What it printed up to its URL.
    start: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `program` in `dir` with `env` on top of a clean `ANTOM_*`-free
/// environment and waits for the line naming its `http://127.0.0.1:` URL.
fn run(program: &str, dir: &Path, env: &[(&str, String)]) -> Running {
    let mut command = Command::new(program);
    command
        .current_dir(dir)
        .env("PORT", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("ANTOM_")) {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap_or_else(|e| panic!("{program}: {e}"));
    let (tx, output) = mpsc::channel();
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let mut seen = Vec::new();
    let url = loop {
        match output.recv_timeout(WAIT) {
            Ok(line) => {
                let found = line.find("http://127.0.0.1:").map(|at| {
                    line[at..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.'))
                        .collect::<String>()
                });
                seen.push(line.clone());
                // The merchant server's line, not the mock's or Antom's.
                let merchant = line.contains("ready: open http") || line.contains(" server on http");
                if let Some(url) = found.filter(|_| merchant) {
                    break url.trim_end_matches([':', '/', '.']).to_owned();
                }
            }
            Err(_) => panic!("{program} printed no URL within {WAIT:?}; output:\n{}", seen.join("\n")),
        }
    };
    Running {
        child,
        url,
        output,
        start: seen,
    }
}

/// Everything the binary printed so far.
fn drain(running: &Running) -> String {
    let later = std::iter::from_fn(|| running.output.recv_timeout(Duration::from_millis(50)).ok());
    running
        .start
        .iter()
        .cloned()
        .chain(later)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn checkout_binary_with_the_mock() {
    let dir = tempfile::tempdir().unwrap();
    let running = run(env!("CARGO_BIN_EXE_checkout"), dir.path(), &[]);
    let (status, page) = send(Method::GET, &format!("{}/", running.url), &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"pay\""));
    let (_, config) = get_json(&format!("{}/config.json", running.url)).await;
    assert_eq!(config["mode"], "mock");
    let (status, session) = post_json(&format!("{}/antom/sessions", running.url), &order_json(1)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert!(session["normalUrl"].as_str().unwrap().contains("/cashier/"));
    // The buyer pays on the mock's cashier page: its Pay button posts this form.
    let pay = format!("{}/pay", session["normalUrl"].as_str().unwrap());
    let (status, _) = send(Method::POST, &pay, &[], "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let order_url = format!("{}/antom/orders/{}", running.url, session["orderId"].as_str().unwrap());
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (_, order) = get_json(&order_url).await;
        if order["status"] == "succeeded" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not paid: {order}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        dir.path().join("data/checkout-mock.sqlite").is_file(),
        "the SQLite file under ./data"
    );
    drop(running);
}

#[tokio::test]
async fn checkout_binary_with_antom_variables() {
    let mock = mock().await;
    let keys = antom_testkit::keys::keys_dir();
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("ANTOM_CLIENT_ID", mock.client_id().to_owned()),
        (
            "ANTOM_MERCHANT_PRIVATE_KEY_FILE",
            keys.join("merchant_private_key.pem").display().to_string(),
        ),
        (
            "ANTOM_PUBLIC_KEY_FILE",
            keys.join("antom_public_key.pem").display().to_string(),
        ),
        ("ANTOM_BASE_URL", mock.base_url().to_owned()),
    ];
    let running = run(env!("CARGO_BIN_EXE_checkout"), dir.path(), &env);
    let (_, config) = get_json(&format!("{}/config.json", running.url)).await;
    assert_eq!(config["mode"], "antom");
    assert_eq!(config["environment"], "sandbox");
    let (status, session) = post_json(&format!("{}/antom/sessions", running.url), &order_json(1)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let payment_request_id = session["paymentRequestId"].as_str().unwrap();
    // The notify URL defaulted to the local one (with a warning), so the mock can deliver.
    let payment = mock
        .payment(payment_request_id)
        .expect("the session reached the configured Antom");
    assert_eq!(
        payment.payment_notify_url.as_deref(),
        Some(format!("{}/antom/notify", running.url).as_str())
    );
    mock.pay(payment_request_id).unwrap();
    let notifications = notifications_for(&mock, payment_request_id).await;
    assert!(notifications[0].acknowledged, "{notifications:#?}");
    let output = drain(&running);
    assert!(output.contains("ANTOM_NOTIFY_URL is not set"), "{output}");
    assert!(dir.path().join("data/checkout.sqlite").is_file());
}

#[tokio::test]
async fn the_other_binaries_start_and_take_sessions() {
    for (program, sessions_json) in [
        (env!("CARGO_BIN_EXE_hyper_notify"), true),
        (env!("CARGO_BIN_EXE_warp_notify"), true),
        (env!("CARGO_BIN_EXE_tonic_checkout"), false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let running = run(program, dir.path(), &[]);
        if sessions_json {
            let (status, session) = post_json(&format!("{}/sessions", running.url), &order_json(1)).await;
            assert_eq!(status, StatusCode::OK, "{program}: {session}");
        } else {
            use antom_examples::proto::checkout_client::CheckoutClient;
            use antom_examples::proto::CreateSessionRequest;
            let mut client = CheckoutClient::connect(running.url.clone()).await.expect("gRPC");
            let session = client
                .create_session(CreateSessionRequest {
                    product_id: "sticker-pack".into(),
                    quantity: 1,
                    currency: "SGD".into(),
                    payment_method_type: "ALIPAY_CN".into(),
                })
                .await
                .expect("CreateSession")
                .into_inner();
            assert!(session.normal_url.contains("/cashier/"));
        }
        unsigned_notification_refused(&format!("{}/antom/notify", running.url)).await;
    }
}

/// A start-up configuration error: one plain `error: ...` line per problem
/// on stderr (no `Error: ` Debug dump, no quoted `\n`), exit status 2, in
/// each of the four binaries.
#[test]
fn configuration_errors_are_plain_lines_and_exit_status_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let binaries = [
        env!("CARGO_BIN_EXE_checkout"),
        env!("CARGO_BIN_EXE_hyper_notify"),
        env!("CARGO_BIN_EXE_warp_notify"),
        env!("CARGO_BIN_EXE_tonic_checkout"),
    ];
    let cases: [(&[(&str, &str)], usize); 2] = [
        (&[("PORT", "eighty")], 1),
        // Client id set, both keys missing, a region that does not exist.
        (&[("ANTOM_CLIENT_ID", "SANDBOX_X"), ("ANTOM_REGION", "mars")], 3),
    ];
    for program in binaries {
        for (env, problems) in cases {
            let mut command = Command::new(program);
            command.current_dir(dir.path()).env("PORT", "0").env("RUST_LOG", "off");
            for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("ANTOM_")) {
                command.env_remove(name);
            }
            command.envs(env.iter().copied());
            let output = command.output().unwrap_or_else(|e| panic!("{program}: {e}"));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{program} {env:?}: {stderr}");
            let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error: ")).collect();
            assert!(
                errors.len() >= problems,
                "{program} {env:?}: one line per problem: {stderr}"
            );
            assert!(!stderr.contains("Error: "), "{program}: no Debug dump: {stderr}");
            assert!(
                !stderr.contains("\\n") && !stderr.contains("\\\""),
                "{program}: no escapes: {stderr}"
            );
        }
    }
}
