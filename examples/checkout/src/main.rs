//! The local checkout: the mock Antom and the merchant server (axum, the
//! checkout routes, a SQLite store under ./data, the checkout page).
//!
//! ```sh
//! cargo run -p antom-example-checkout        # then open the printed URL
//! ```
//!
//! With `ANTOM_CLIENT_ID`, `ANTOM_MERCHANT_PRIVATE_KEY(_FILE)` and
//! `ANTOM_PUBLIC_KEY(_FILE)` set it starts no mock and talks to Antom's
//! sandbox (or production) instead; see README.md. `PORT` (default 3000)
//! picks the port.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use antom_example_checkout::{self as checkout, operations, Mode, PageOptions};
use antom_example_support::setup::{self, Backend};
use antom_example_support::BoxError;
use antom_tower::store::SqliteOrderStore;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // One plain line per problem and exit status 2, not `Error: <Debug>`.
    setup::exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let tracer_provider = operations::init_tracing()?;
    let port = setup::port_from_env(3000)?;
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e} (set PORT to use another port)"))?;
    let addr = listener.local_addr()?;
    let urls = checkout::urls(addr);
    let (backend, config) = setup::backend_for(&urls).await?;

    // The mock keeps its payments in memory, so its orders get a file of
    // their own, started afresh each run; orders made with Antom are kept.
    let (db, mode) = match &backend {
        Backend::Mock(_) => ("data/checkout-mock.sqlite", Mode::Mock),
        Backend::Antom => ("data/checkout.sqlite", Mode::Antom),
    };
    std::fs::create_dir_all("data")?;
    if mode == Mode::Mock {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{db}{suffix}"));
        }
    }
    let store = SqliteOrderStore::open(db).await?;
    let checkout = checkout::checkout(&config, store)?;
    let _reconciler = checkout.reconciler().interval(Duration::from_secs(30)).spawn();
    let options = PageOptions::new(mode, &config);
    if mode == Mode::Antom && !options.sdk_file.is_file() {
        eprintln!(
            "warning: Antom's Web SDK is not installed ({}); run `{}` first",
            options.sdk_file.display(),
            checkout::SDK_INSTALL_COMMAND
        );
    }
    let admin_token = operations::admin_token_from_env(true)?;
    let admin_mounted = admin_token.is_some();
    let app = checkout::router(&checkout, options).merge(operations::admin(&checkout, admin_token));
    let metrics_addr = match std::env::var("METRICS_PORT").as_deref() {
        Ok("off") => None,
        _ => {
            let port = setup::port_from_env_var("METRICS_PORT", 9464)?;
            // A busy metrics port leaves the checkout running without metrics.
            match tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await {
                Ok(listener) => {
                    let addr = listener.local_addr()?;
                    let metrics = operations::metrics_router(operations::install_metrics()?);
                    tokio::spawn(checkout::serve(listener, metrics, setup::ctrl_c()));
                    Some(addr)
                }
                Err(e) => {
                    tracing::warn!(port, error = %e, "metrics not served (set METRICS_PORT to another port)");
                    None
                }
            }
        }
    };

    println!();
    println!("  Checkout ready: open {}/ in your browser", urls.base_url);
    println!("  Orders are stored in {}", Path::new(db).display());
    if let Some(mock) = backend.mock() {
        println!(
            "  Payments go to the mock Antom at {} (its cashier page plays the buyer)",
            mock.base_url()
        );
    }
    if admin_mounted {
        println!(
            "  Admin pages: {}/antom/admin/orders (log in with ANTOM_ADMIN_TOKEN)",
            urls.base_url
        );
    }
    if let Some(addr) = metrics_addr {
        println!("  Metrics: http://{addr}/metrics");
    }
    println!("  Press Ctrl-C to stop.");
    println!();
    checkout::serve(listener, app, setup::ctrl_c()).await?;
    if let Some(provider) = tracer_provider {
        let _ = provider.shutdown();
    }
    Ok(())
}
