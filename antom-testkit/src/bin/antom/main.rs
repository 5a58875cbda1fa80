//! `antom`: debug Antom signatures, generate keys, run and drive a mock Antom,
//! send test notifications, call Antom, and relay real sandbox notifications
//! to localhost. Each larger command lives in its own module.
//!
//! Exit codes: 0 success (for `verify`: the signature is valid), 1 the signature
//! is not valid, 2 unusable input (unreadable file, unparseable key, bad flag).

mod call;
mod control;
mod mock;
mod relay;
mod trigger;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use antom_tower::signing::{KeyVersion, PrivateKey, PublicKey, SignatureHeader, SigningContent};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "antom",
    version,
    about = "Debug Antom signatures, run and drive a mock Antom, trigger notifications, call Antom, relay sandbox notifications to localhost."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate an RSA-2048 key pair in PEM and in the bare base64 form the Antom Dashboard uses.
    Keygen {
        /// Folder to write private_key.pem, public_key.pem and their .base64.txt forms into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the `signature` header value for a request.
    Sign {
        /// Private key file: PKCS#8 or PKCS#1, PEM, bare base64 or DER.
        #[arg(long)]
        private_key: PathBuf,
        #[command(flatten)]
        message: MessageArgs,
        /// keyVersion to announce in the header.
        #[arg(long, default_value_t = 1)]
        key_version: u32,
    },
    /// Check a `signature` header value: prints `valid` (exit 0) or why not (exit 1).
    Verify {
        /// Public key file: X.509 SubjectPublicKeyInfo (PEM or bare base64) or PKCS#1 PEM.
        #[arg(long)]
        public_key: PathBuf,
        #[command(flatten)]
        message: MessageArgs,
        /// The `signature` header value, e.g. `algorithm=RSA256,keyVersion=1,signature=...`.
        #[arg(long)]
        signature: String,
    },
    /// Sign a sample createPaymentSession request with the test keys and verify it.
    Demo,
    /// Run the mock Antom on 127.0.0.1 until interrupted, printing each request and notification attempt.
    Mock(mock::MockArgs),
    /// Drive a running mock: pay, fail, cancel, expire, refund, dispute, advance its clock.
    MockControl(control::ControlArgs),
    /// Send one of the testkit's notifications (see --list), re-signed for the target, and print the answer.
    Trigger(trigger::TriggerArgs),
    /// Call an Antom API with the merchant configuration (AntomConfig): signed, verified, printed.
    Call(call::CallArgs),
    /// Accept Antom's notifications on a public host and hand them to `antom listen`.
    Relay(relay::RelayArgs),
    /// Connect to a relay channel and re-post each notification to a local URL.
    Listen(relay::ListenArgs),
    /// Send one signed payment notification to a local notify endpoint and print the answer.
    Notify {
        /// The notify URL, e.g. http://127.0.0.1:3000/antom/notify.
        #[arg(long)]
        to: String,
        /// paymentRequestId of the merchant's order.
        #[arg(long)]
        payment_request_id: String,
        /// The payment result to report.
        #[arg(long, value_enum)]
        status: NotifyStatus,
        /// Amount in minor units (must match the order's).
        #[arg(long, default_value_t = 100, requires = "currency")]
        amount: u64,
        /// ISO 4217 currency (must match the order's).
        #[arg(long, default_value = "USD")]
        currency: String,
        /// Antom's signing key (default: the testkit's test key, which the mock's merchants trust).
        #[arg(long)]
        private_key: Option<PathBuf>,
        /// keyVersion announced in the signature header.
        #[arg(long, default_value_t = 1)]
        key_version: u32,
        /// client-id header.
        #[arg(long, default_value = antom_testkit::mock::DEFAULT_CLIENT_ID)]
        client_id: String,
        /// paymentId (default: derived from the paymentRequestId).
        #[arg(long)]
        payment_id: Option<String>,
        /// resultCode for --status fail.
        #[arg(long, default_value = "PAYMENT_FAIL")]
        result_code: String,
    },
}

/// What `antom notify` reports.
#[derive(Clone, Copy, clap::ValueEnum)]
enum NotifyStatus {
    /// resultStatus S: the payment succeeded.
    Success,
    /// resultStatus F: the payment failed.
    Fail,
}

/// The parts of the content to sign.
#[derive(Args)]
struct MessageArgs {
    /// HTTP method (POST for every Antom API).
    #[arg(long, default_value = "POST")]
    method: String,
    /// Request path as sent, with its query string if any.
    #[arg(long)]
    uri: String,
    /// Merchant client id.
    #[arg(long)]
    client_id: String,
    /// The request-time (or response-time) header value, exactly as sent.
    #[arg(long)]
    request_time: String,
    /// File holding the exact body bytes (`-` for standard input).
    #[arg(long)]
    body_file: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Keygen { out } => keygen(&out),
        Command::Sign {
            private_key,
            message,
            key_version,
        } => {
            let key =
                PrivateKey::from_bytes(&read(&private_key)?).map_err(|e| format!("{}: {e}", private_key.display()))?;
            let body = read_body(&message.body_file)?;
            let header = key
                .sign_header(&message.content(&body), KeyVersion(key_version))
                .map_err(|e| e.to_string())?;
            println!("{header}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            public_key,
            message,
            signature,
        } => {
            let key =
                PublicKey::from_bytes(&read(&public_key)?).map_err(|e| format!("{}: {e}", public_key.display()))?;
            let body = read_body(&message.body_file)?;
            let outcome = SignatureHeader::parse(&signature)
                .map_err(|e| format!("malformed signature header: {e}"))
                .and_then(|header| {
                    key.verify(&message.content(&body), &header.signature)
                        .map_err(|e| e.to_string())
                });
            Ok(match outcome {
                Ok(()) => {
                    println!("valid");
                    ExitCode::SUCCESS
                }
                Err(why) => {
                    println!("invalid: {why}");
                    ExitCode::from(1)
                }
            })
        }
        Command::Demo => demo(),
        Command::Mock(args) => runtime()?.block_on(mock::run(args)),
        Command::MockControl(args) => control::run(args),
        Command::Trigger(args) => trigger::run(args),
        Command::Call(args) => call::run(args),
        Command::Relay(args) => runtime()?.block_on(relay::relay(args)),
        Command::Listen(args) => runtime()?.block_on(relay::listen_command(args)),
        Command::Notify {
            to,
            payment_request_id,
            status,
            amount,
            currency,
            private_key,
            key_version,
            client_id,
            payment_id,
            result_code,
        } => {
            let key = match private_key {
                Some(path) => PrivateKey::from_bytes(&read(&path)?).map_err(|e| format!("{}: {e}", path.display()))?,
                None => antom_testkit::keys::antom_private_key(),
            };
            let amount = antom_types::Amount::from_minor_units(amount, &currency)
                .map_err(|e| format!("--amount/--currency: {e}"))?;
            let result = match status {
                NotifyStatus::Success => antom_types::ApiResult::success("success"),
                NotifyStatus::Fail => antom_types::ApiResult::new(
                    antom_types::ResultCode::from(result_code.as_str()),
                    antom_types::ResultStatus::Failed,
                    Some("payment failed".to_string()),
                ),
            };
            let payment_id = payment_id.unwrap_or_else(|| format!("antom_{payment_request_id}"));
            let body = antom_testkit::mock::notifier::payment_notification_from_parts(
                &payment_request_id,
                payment_id,
                amount,
                result,
            );
            let options = antom_testkit::mock::SendOptions {
                client_id,
                key_version: KeyVersion(key_version),
                ..Default::default()
            };
            let sent = runtime()?
                .block_on(antom_testkit::mock::send_notification(&to, &body, &key, &options))
                .map_err(|e| format!("{to}: {e}"))?;
            println!("HTTP {}\n{}", sent.status, sent.response_body);
            if sent.acknowledged {
                println!("acknowledged");
                Ok(ExitCode::SUCCESS)
            } else {
                println!("not acknowledged: Antom would resend this notification");
                Ok(ExitCode::from(1))
            }
        }
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

impl MessageArgs {
    fn content<'a>(&'a self, body: &'a [u8]) -> SigningContent<'a> {
        SigningContent::new(&self.method, &self.uri, &self.client_id, &self.request_time, body)
    }
}

fn keygen(out: &Path) -> Result<ExitCode, String> {
    let key = PrivateKey::generate(Default::default()).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let public = key.public_key();
    let private_b64 = zeroize::Zeroizing::new(STANDARD.encode(&*key.to_pkcs8_der()));
    write_private(&out.join("private_key.pem"), key.to_pkcs8_pem().as_bytes())?;
    write_private(&out.join("private_key.base64.txt"), private_b64.as_bytes())?;
    write(&out.join("public_key.pem"), public.to_pem().as_bytes())?;
    write(&out.join("public_key.base64.txt"), public.to_base64().as_bytes())?;
    println!("wrote {}/{{private_key,public_key}}.pem and .base64.txt", out.display());
    println!("upload public_key.base64.txt to the Antom Dashboard; keep private_key.* secret");
    Ok(ExitCode::SUCCESS)
}

fn demo() -> Result<ExitCode, String> {
    use antom_testkit::keys;
    let body = br#"{"productCode":"CASHIER_PAYMENT","paymentRequestId":"demo_0001","order":{"referenceOrderId":"order_0001","orderDescription":"Cappuccino","orderAmount":{"currency":"SGD","value":"450"}},"paymentAmount":{"currency":"SGD","value":"450"},"paymentMethod":{"paymentMethodType":"ALIPAY_CN"},"paymentRedirectUrl":"http://127.0.0.1:3000/antom/return","paymentNotifyUrl":"http://127.0.0.1:3000/antom/notify"}"#;
    let time = antom_tower::signing::request_time::format_epoch_millis(std::time::SystemTime::now());
    let content = SigningContent::new(
        "POST",
        "/ams/sandbox/api/v1/payments/createPaymentSession",
        "SANDBOX_TEST_CLIENT",
        &time,
        body,
    );
    let header = keys::merchant_private_key()
        .sign_header(&content, KeyVersion(1))
        .map_err(|e| e.to_string())?;
    println!("content to sign:\n{}\n", String::from_utf8_lossy(&content.to_bytes()));
    println!(
        "client-id: {}\nrequest-time: {time}\nsignature: {header}\n",
        content.client_id
    );
    let verdict = keys::merchant_public_key().verify(&content, &header.signature);
    println!(
        "verified with the merchant public key: {}",
        if verdict.is_ok() { "valid" } else { "INVALID" }
    );
    let tampered = SigningContent {
        body: &body[..body.len() - 1],
        ..content
    };
    let tampered_verdict = keys::merchant_public_key().verify(&tampered, &header.signature);
    println!(
        "a body missing one byte: {}",
        if tampered_verdict.is_ok() {
            "valid (BUG)"
        } else {
            "invalid, as it must be"
        }
    );
    Ok(if verdict.is_ok() && tampered_verdict.is_err() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub(crate) fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn read_body(path: &Path) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut body).map_err(|e| format!("stdin: {e}"))?;
        return Ok(body);
    }
    read(path)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Private key files are readable by their owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(bytes).map_err(|e| format!("{}: {e}", path.display()))
}
