//! The admin pages in a real browser (headless Chromium over WebDriver), with
//! a screenshot of every step in `artifacts/browser/admin/`: log in with the
//! token, find a paid order, refund part of it against the mock Antom, see
//! the timeline show the refund, replay a refused notification, look at the
//! chart. Skipped without Chromium unless `CI` is set, as `browser.rs`.

use std::path::Path;

use antom_example_checkout::{self as checkout, operations, Mode, PageOptions};
use antom_example_support::setup;
use antom_example_support::testing::*;
use antom_testkit::keys;
use antom_testkit::mock::SendOptions;
use antom_tower::checkout::admin::TokenAuthorization;
use antom_tower::store::{NewOrder, OrderStatus, OrderStore, SqliteOrderStore};
use antom_types::{Amount, ApiResult};
use fantoccini::Locator;
use serde_json::Value;

mod browser_support;
use browser_support::*;

const TOKEN: &str = "browser-admin-token-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_pages_in_a_real_browser() {
    let (chromium, chromedriver) = match tools() {
        Ok(tools) => tools,
        Err(reason) if std::env::var_os("CI").is_some() => {
            panic!("the browser test must run in CI (CI is set): {reason}")
        }
        Err(reason) => {
            say(&format!("skipping the_admin_pages_in_a_real_browser: {reason}"));
            return;
        }
    };
    let driver = Driver::start(&chromedriver).await;
    let mock = mock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (listener, addr) = listener().await;
    let urls = checkout::urls(addr);
    let config = setup::mock_config(&mock, &urls).expect("config");
    let store = SqliteOrderStore::open(dir.path().join("admin.sqlite").to_str().unwrap())
        .await
        .expect("SQLite store");
    let shop = checkout::checkout(&config, store).expect("checkout");
    let token = TokenAuthorization::new(TOKEN).expect("token").secure_cookie(false);
    let app =
        checkout::router(&shop, PageOptions::new(Mode::Mock, &config)).merge(operations::admin(&shop, Some(token)));
    tokio::spawn(checkout::serve(listener, app, std::future::pending()));
    let base = urls.base_url.clone();

    // A paid order, and a notification for an order the shop does not have (yet).
    let (status, session) = post_json(&format!("{base}/antom/sessions"), &order_json(3)).await;
    assert_eq!(status, 200, "{session}");
    let order_id = session["orderId"].as_str().unwrap().to_owned();
    mock.pay(session["paymentRequestId"].as_str().unwrap()).unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while shop.store().get_order(&order_id).await.unwrap().unwrap().status != OrderStatus::Succeeded {
        assert!(std::time::Instant::now() < deadline, "the order was not paid");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let amount = shop.store().get_order(&order_id).await.unwrap().unwrap().amount;
    let lost = antom_testkit::mock::notifier::payment_notification_from_parts(
        "pay_restored_from_backup",
        "2026120200000042",
        Amount::from_minor_units(990, "SGD").unwrap(),
        ApiResult::success("success"),
    );
    let options = SendOptions {
        client_id: mock.client_id().to_string(),
        ..Default::default()
    };
    let sent = antom_testkit::mock::send_notification(
        &format!("{base}/antom/notify"),
        &lost,
        &keys::antom_private_key(),
        &options,
    )
    .await
    .unwrap();
    assert_eq!(sent.status, 404);

    let mut browser = Browser::open(&driver, &chromium, "admin").await;
    // Not logged in: the login form.
    browser.goto(&format!("{base}/antom/admin/orders")).await;
    browser
        .until("the login form", "document.querySelector('#login-form')")
        .await;
    browser.shot("login").await;
    type_into(&browser, "#login-token", TOKEN).await;
    browser.click("#login-submit").await;
    browser
        .until(
            "the orders",
            &format!("document.querySelector('tr.order[data-order-id=\"{order_id}\"]')"),
        )
        .await;
    browser.shot("orders").await;
    browser
        .click(&format!("tr.order[data-order-id=\"{order_id}\"] a.order-link"))
        .await;
    browser
        .until("the timeline", "document.querySelector('#refund-form')")
        .await;
    assert_eq!(browser.text("#order-status").await.trim(), "succeeded");
    browser.shot("timeline-paid").await;

    // Refund 1.00 of it, typed as the merchant would.
    type_into(&browser, "#refund-amount", "1.00").await;
    type_into(&browser, "#refund-reason", "one sticker was torn").await;
    browser.shot("refund-form").await;
    browser.click("#refund-submit").await;
    browser
        .until("the refund result", "document.querySelector('#refund-result')")
        .await;
    let state = browser
        .js("return document.querySelector('#refund-result').dataset.state")
        .await;
    assert_eq!(state, Value::from("succeeded"));
    browser
        .until(
            "the refund on the timeline",
            "document.querySelector('li.timeline-entry.kind-refund')",
        )
        .await;
    assert_eq!(browser.text("#order-status").await.trim(), "partially_refunded");
    browser.shot("timeline-refunded").await;
    let order = shop.store().get_order(&order_id).await.unwrap().unwrap();
    assert_eq!((order.status, order.refunded), (OrderStatus::PartiallyRefunded, 100));
    assert_eq!(order.amount, amount);

    // The refused notification: restore its order, then replay it.
    shop.store()
        .create_order(NewOrder {
            order_id: "restored-from-backup".into(),
            payment_request_id: "pay_restored_from_backup".into(),
            amount: Amount::from_minor_units(990, "SGD").unwrap(),
            description: "Restored from a backup".into(),
            payment_method_type: "ALIPAY_CN".into(),
            buyer_id: None,
            session_expires_at_ms: None,
        })
        .await
        .unwrap();
    browser.click("#nav-notifications").await;
    browser
        .until(
            "the refused notification",
            "document.querySelector('button.replay-button')",
        )
        .await;
    browser.shot("refused").await;
    browser.click("button.replay-button").await;
    browser
        .until(
            "the replay result",
            "document.querySelector('#replay-result[data-outcome=\"applied\"]')",
        )
        .await;
    browser.shot("replayed").await;
    assert_eq!(
        shop.store()
            .get_order("restored-from-backup")
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Succeeded
    );

    browser.click("#nav-chart").await;
    browser
        .until("the chart", "document.querySelector('svg#payments-chart')")
        .await;
    let paid = browser
        .js("return document.querySelector('#chart-totals').dataset.paid")
        .await;
    assert_eq!(paid, Value::from("2"));
    browser.shot("chart").await;
    browser.close().await;
    say(&format!(
        "admin screenshots: {}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../artifacts/browser/admin")
            .display()
    ));
}

async fn type_into(browser: &Browser, css: &str, text: &str) {
    let element = browser
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    element.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
    element
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}
