//! A warp 0.4 server whose notify filter is wrapped in
//! `VerifyNotificationLayer` through `warp::service` (warp's Tower interop).
//!
//! ```sh
//! cargo run -p antom-example-warp
//! curl -s -H 'content-type: application/json' localhost:3003/sessions -d '{"productId":"sticker-pack","quantity":1,"currency":"SGD","paymentMethodType":"ALIPAY_CN"}'
//! ```

use std::sync::Arc;

use antom_example_support::setup::{self, MerchantUrls};
use antom_example_support::shop::Shop;
use antom_example_support::BoxError;
use antom_example_warp::{self as warp_notify, NOTIFY_PATH, RETURN_PATH};
use antom_tower::store::MemoryOrderStore;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // One plain line per problem and exit status 2, not `Error: <Debug>`.
    setup::exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    setup::init_tracing();
    let port = setup::port_from_env(3003)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let urls = MerchantUrls::new(listener.local_addr()?, NOTIFY_PATH, RETURN_PATH);
    let (backend, config) = setup::backend_for(&urls).await?;
    let shop = Shop::new(&config, Arc::new(MemoryOrderStore::new()))?;
    println!(
        "warp server on {}: POST /sessions, GET /orders/{{id}}, POST {NOTIFY_PATH}",
        urls.base_url
    );
    if let Some(mock) = backend.mock() {
        println!(
            "pay an order on the mock's cashier page: the normalUrl that POST /sessions answers ({})",
            mock.base_url()
        );
    }
    tokio::select! {
        result = warp_notify::serve(listener, shop, setup::verify_layer(&config)) => result?,
        () = setup::ctrl_c() => {}
    }
    Ok(())
}
