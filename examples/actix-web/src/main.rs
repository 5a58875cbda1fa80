//! The actix-web notify endpoint, configured from the `ANTOM_*` variables
//! (`antom_tower::config::AntomConfig::from_env`), orders in memory.
//!
//! ```sh
//! cargo run -p antom-example-actix-web
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use antom_example_actix_web::{NotifyState, NOTIFY_PATH};
use antom_tower::config::AntomConfig;
use antom_tower::store::MemoryOrderStore;
use antom_tower::NotificationVerifier;

#[actix_web::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One plain line per problem, not `Error: <Debug>`.
            eprintln!("{error}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = AntomConfig::from_env()?;
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("PORT: expected a port number, got {port:?}"))?,
        Err(_) => 3002,
    };
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    println!(
        "actix-web notify endpoint on http://{}{NOTIFY_PATH}",
        listener.local_addr()?
    );
    let verifier = NotificationVerifier::new(config.client_id.clone(), config.antom_public_keys.clone());
    let state = NotifyState::new(verifier, Arc::new(MemoryOrderStore::new()));
    antom_example_actix_web::server(listener, state)?.await?;
    Ok(())
}
