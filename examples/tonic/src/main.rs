//! A gRPC checkout service (CreateSession, GetOrder) served by tonic, with
//! Antom's notify route on the same port.
//!
//! ```sh
//! cargo run -p antom-example-tonic
//! grpcurl -plaintext -import-path examples/tonic/proto -proto checkout.proto \
//!   -d '{"product_id":"sticker-pack","quantity":1,"currency":"SGD","payment_method_type":"ALIPAY_CN"}' \
//!   127.0.0.1:3002 antom.examples.checkout.v1.Checkout/CreateSession
//! ```

use std::sync::Arc;

use antom_example_support::setup::{self, MerchantUrls};
use antom_example_support::shop::Shop;
use antom_example_support::BoxError;
use antom_example_tonic::{self as tonic_checkout, NOTIFY_PATH, RETURN_PATH};
use antom_tower::store::MemoryOrderStore;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // One plain line per problem and exit status 2, not `Error: <Debug>`.
    setup::exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    setup::init_tracing();
    let port = setup::port_from_env(3002)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let urls = MerchantUrls::new(listener.local_addr()?, NOTIFY_PATH, RETURN_PATH);
    let (backend, config) = setup::backend_for(&urls).await?;
    let shop = Shop::new(&config, Arc::new(MemoryOrderStore::new()))?;
    println!(
        "tonic server on {}: gRPC antom.examples.checkout.v1.Checkout (examples/tonic/proto/checkout.proto), POST {NOTIFY_PATH}",
        urls.base_url
    );
    if let Some(mock) = backend.mock() {
        println!(
            "pay an order on the mock's cashier page: CreateSession's normal_url ({})",
            mock.base_url()
        );
    }
    let verify = setup::verify_layer(&config);
    tokio::select! {
        result = tonic_checkout::serve(listener, shop, verify) => result?,
        () = setup::ctrl_c() => {}
    }
    Ok(())
}
