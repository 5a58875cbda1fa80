//! The warp example on 127.0.0.1 with the mock Antom: full payments
//! (paid, failed, cancelled), and notifications that fail verification.

use std::sync::Arc;

use antom_example_support::setup::{self, MerchantUrls};
use antom_example_support::shop::Shop;
use antom_example_support::testing::listener;
use antom_example_warp::{self as warp_notify, NOTIFY_PATH, RETURN_PATH};
use antom_testkit::mock::MockAntomHandle;
use antom_tower::store::MemoryOrderStore;

/// Starts the example against `mock`; answers its base URL and the shop.
async fn start(mock: &MockAntomHandle) -> (String, Shop) {
    let (listener, addr) = listener().await;
    let urls = MerchantUrls::new(addr, NOTIFY_PATH, RETURN_PATH);
    let config = setup::mock_config(mock, &urls).expect("config");
    let shop = Shop::new(&config, Arc::new(MemoryOrderStore::new())).expect("shop");
    tokio::spawn(warp_notify::serve(listener, shop.clone(), setup::verify_layer(&config)));
    (urls.base_url, shop)
}

antom_example_support::shop_example_tests!(start, NOTIFY_PATH);
