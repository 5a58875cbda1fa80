//! `antom call`: one signed call to Antom (sandbox, production or the mock)
//! with the merchant's configuration; prints the answer and its verdicts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use antom_tower::config::AntomConfig;
use antom_tower::sign_request::SignRequestLayer;
use antom_tower::verify_response::{ResponseSignature, VerifyResponseLayer};
use antom_tower::BoxError;
use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower::{ServiceBuilder, ServiceExt};

/// `antom call` arguments.
#[derive(clap::Args)]
pub struct CallArgs {
    /// The API: a name under /ams/api/v1/payments/ (inquiryPayment, createPaymentSession,
    /// cancel, refund, inquiryRefund, capture...) or a full production path (/ams/api/v1/...).
    api: String,
    /// The request body: a JSON file, or - for standard input (default: {}).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Set a body field: json.path=value (repeatable), e.g. --set paymentRequestId=pay_123.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// A TOML configuration file (AntomConfig); ANTOM_* environment variables override it.
    /// Without it the configuration comes from ANTOM_* variables alone.
    #[arg(long)]
    config: Option<PathBuf>,
}

/// The raw answer as the transport saw it, before verification.
#[derive(Default)]
struct Seen {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

pub fn run(args: CallArgs) -> Result<ExitCode, String> {
    let config = match &args.config {
        Some(path) => AntomConfig::from_toml_file_and_env(path),
        None => AntomConfig::from_env(),
    }
    .map_err(|e| format!("configuration:\n{e}"))?;
    let body = match &args.json {
        Some(path) if path == Path::new("-") => super::read_body(path)?,
        Some(path) => super::read(path)?,
        None => b"{}".to_vec(),
    };
    let body = antom_testkit::trigger::apply_overrides(&body, &args.set).map_err(|e| e.to_string())?;
    let production_path = if args.api.starts_with('/') {
        args.api.clone()
    } else {
        format!("/ams/api/v1/payments/{}", args.api)
    };
    let path = config.environment.path(&production_path);
    let base = config
        .base_url
        .clone()
        .unwrap_or_else(|| config.region.base_url().to_owned());
    let url = format!("{}{path}", base.trim_end_matches('/'));
    super::runtime()?.block_on(call(&config, &url, body))
}

async fn call(config: &AntomConfig, url: &str, body: Vec<u8>) -> Result<ExitCode, String> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    // Certificates are checked against the webpki roots; http:// only for a mock.
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let tap = {
        let seen = Arc::clone(&seen);
        tower::service_fn(move |request: Request<Full<Bytes>>| {
            let client = client.clone();
            let seen = Arc::clone(&seen);
            async move {
                let response = client.request(request).await?;
                let (parts, body) = response.into_parts();
                let body = body.collect().await?.to_bytes();
                let mut s = seen.lock().unwrap_or_else(|p| p.into_inner());
                s.status = parts.status.as_u16();
                s.headers = parts.headers.clone();
                s.body = body.clone();
                Ok::<_, BoxError>(Response::from_parts(parts, Full::new(body)))
            }
        })
    };
    let service = ServiceBuilder::new()
        .layer(SignRequestLayer::new(
            config.client_id.clone(),
            config.merchant_private_key.clone(),
        ))
        .layer(VerifyResponseLayer::new(
            config.client_id.clone(),
            config.antom_public_keys.clone(),
        ))
        .service(tap);
    let request = Request::post(url)
        .header(http::header::CONTENT_TYPE, "application/json; charset=UTF-8")
        .body(Full::new(Bytes::from(body.clone())))
        .map_err(|e| format!("{url}: {e}"))?;
    println!("POST {url}\n{}\n", String::from_utf8_lossy(&body));
    let outcome = service.oneshot(request).await;
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    if seen.status == 0 {
        let error = outcome.err().map(|e| error_chain(e.as_ref())).unwrap_or_default();
        return Err(format!("{url}: no answer: {error}"));
    }
    println!("HTTP {}", seen.status);
    for name in ["client-id", "response-time", "signature"] {
        if let Some(value) = seen.headers.get(name).and_then(|v| v.to_str().ok()) {
            println!("{name}: {value}");
        }
    }
    let json: Option<serde_json::Value> = serde_json::from_slice(&seen.body).ok();
    match &json {
        Some(v) => println!("\n{}\n", serde_json::to_string_pretty(v).unwrap_or_default()),
        None => println!("\n{}\n", String::from_utf8_lossy(&seen.body)),
    }
    let field = |name: &str| {
        json.as_ref()
            .and_then(|v| v.pointer(&format!("/result/{name}")))
            .and_then(|v| v.as_str())
            .unwrap_or("-")
            .to_owned()
    };
    let status = field("resultStatus");
    println!("result: {status} {} {}", field("resultCode"), field("resultMessage"));
    let verdict = match &outcome {
        Ok(response) => match response.extensions().get::<ResponseSignature>() {
            Some(ResponseSignature::Verified { key_version }) => {
                format!("valid (Antom's key, keyVersion {})", key_version.0)
            }
            Some(ResponseSignature::Unsigned) => "unsigned (accepted only as an error answer)".to_owned(),
            None => "not checked".to_owned(),
        },
        Err(e) => format!("INVALID: {}", error_chain(e.as_ref())),
    };
    println!("response signature: {verdict}");
    Ok(match (&outcome, status.as_str()) {
        (Ok(_), "S") => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
