//! The checkout in a real browser: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`, with fantoccini).
//!
//! Paths, each on a fresh browser profile, with a screenshot of every step in
//! `artifacts/browser/<path>/` at the workspace root:
//!
//! - `paid`: the checkout page, Pay, the mock's cashier page, Pay, the
//!   result page, "Payment received" once the notification arrived;
//! - `failed`: another quantity and method, Fail on the cashier page with a
//!   result code, "Payment failed" with the advice for that code;
//! - `cancelled`: Cancel on the cashier page, "Payment cancelled";
//! - `expired`: the result page while pending, then the mock closes the
//!   payment unpaid: "Payment time ran out";
//! - `sdk-real`: the page in Antom mode with Antom's real Web SDK
//!   (`@alipay/ams-checkout` from `examples/checkout/web/node_modules`, installed by
//!   `npm ci --prefix examples/checkout/web`). Nothing can reach Antom here, so this
//!   checks what the page does with the real SDK offline: createComponent
//!   gets the mock's paymentSessionData and the SDK parses it (it opens
//!   Antom's `CASHIER_PAYMENT_APM` component with the browser's locale), the
//!   SDK's error is shown to the buyer, Pay comes back, a second Pay
//!   unmounts first, and nothing is left on the page;
//! - `sdk`: a stand-in for the SDK (`tests/fixtures/fake-ams-checkout.js`)
//!   for the codes the offline SDK cannot produce: payment results, the
//!   launch error, a code newer than the page; SDK_PAYMENT_SUCCESSFUL leads
//!   to the result page;
//! - `sdk-missing`: Antom mode without the SDK installed: the page says how to install it.
//!
//! Chromium runs with background networking off and every host name
//! resolving to "not found" (`--host-resolver-rules`), so the real SDK's
//! attempts to reach Antom fail at once instead of waiting on the network.
//!
//! Without `chromium` or `chromedriver` the test is skipped with the reason
//! printed, unless `CI` is set: then it fails. `CHROMIUM` and `CHROMEDRIVER`
//! override the programs' paths.

use std::path::{Path, PathBuf};
use std::time::Duration;

use antom_example_checkout::{self as checkout, Mode, PageOptions};
use antom_example_support::setup;
use antom_example_support::testing::*;
use antom_testkit::mock::MockAntomHandle;
use antom_tower::store::SqliteOrderStore;

mod browser_support;
use browser_support::*;
use fantoccini::Locator;
use http::Method;
use serde_json::{json, Value};

/// The real SDK waits 15 s (its LOADTIME_LIMIT) for Antom's component before
/// it reports SDK_CREATECOMPONENT_ERROR.
const SDK_OFFLINE_WAIT: Duration = Duration::from_secs(60);

struct Shop {
    base: String,
    _dir: tempfile::TempDir,
}

async fn start_checkout(mock: &MockAntomHandle, mode: Mode, sdk_file: Option<PathBuf>) -> Shop {
    let dir = tempfile::tempdir().expect("temp dir");
    let (listener, addr) = listener().await;
    let urls = checkout::urls(addr);
    let config = setup::mock_config(mock, &urls).expect("config");
    let store = SqliteOrderStore::open(dir.path().join("data/checkout.sqlite").to_str().unwrap())
        .await
        .expect("SQLite store");
    let checkout = checkout::checkout(&config, store).expect("checkout");
    let mut options = PageOptions::new(mode, &config);
    if let Some(file) = sdk_file {
        options.sdk_file = file;
    }
    tokio::spawn(checkout::serve(
        listener,
        checkout::router(&checkout, options),
        std::future::pending(),
    ));
    Shop {
        base: urls.base_url,
        _dir: dir,
    }
}

const PAY_READY: &str = "!document.getElementById('pay').disabled";

/// Waits for the result page to show the final `status`; answers its heading.
async fn result_outcome(browser: &Browser, status: &str) -> String {
    browser
        .until(
            &format!("the result page to show {status}"),
            &format!(
                "location.pathname === '/antom/return' && document.getElementById('result') \
                 && document.getElementById('result').dataset.status === '{status}' \
                 && document.getElementById('result').dataset.final === 'true'"
            ),
        )
        .await;
    assert!(!browser.text("#status").await.is_empty());
    assert_eq!(
        browser
            .js("return document.getElementById('back').getAttribute('href')")
            .await,
        "/",
        "a link back to the shop"
    );
    browser.text("#outcome").await
}

/// The order id of the result page the browser is on.
async fn order_id_on_result_page(browser: &Browser) -> String {
    let url = browser.client.current_url().await.expect("url");
    url.query_pairs()
        .find(|(k, _)| k == "orderId")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("not a result page: {url}"))
}

/// Asks the checkout for the order.
async fn order(shop: &Shop, order_id: &str) -> Value {
    get_json(&format!("{}/antom/orders/{order_id}", shop.base)).await.1
}

/// From the checkout page to the mock's cashier page.
async fn to_cashier(browser: &mut Browser, shop: &Shop, quantity: Option<&str>, method: Option<&str>) {
    to_cashier_in(browser, shop, None, quantity, method).await;
}

/// The same, choosing a currency first.
async fn to_cashier_in(
    browser: &mut Browser,
    shop: &Shop,
    currency: Option<&str>,
    quantity: Option<&str>,
    method: Option<&str>,
) {
    browser.goto(&format!("{}/", shop.base)).await;
    browser.until("the page to be ready", PAY_READY).await;
    assert_eq!(browser.text("#mode").await, "Test mode · mock Antom");
    if let Some(currency) = currency {
        let select = browser.client.find(Locator::Css("#currency")).await.expect("#currency");
        select.select_by_value(currency).await.expect("choose the currency");
    }
    if let Some(quantity) = quantity {
        let input = browser.client.find(Locator::Css("#quantity")).await.expect("#quantity");
        input.clear().await.expect("clear");
        input.send_keys(quantity).await.expect("type the quantity");
    }
    if let Some(method) = method {
        browser.click(&format!("input[name=method][value={method}]")).await;
    }
    browser.shot("checkout-page").await;
    browser.click("#pay").await;
    browser
        .until(
            "the mock's cashier page",
            "location.pathname.startsWith('/cashier/') && document.getElementById('pay')",
        )
        .await;
    browser.shot("cashier-page").await;
}

async fn path_paid(driver: &Driver, chromium: &Path, mock: &MockAntomHandle, shop: &Shop) {
    let mut browser = Browser::open(driver, chromium, "paid").await;
    to_cashier(&mut browser, shop, None, None).await;
    assert_eq!(browser.text("#amount").await, "42.00 SGD");
    browser.click("#pay").await;
    browser
        .until("the result page", "location.pathname === '/antom/return'")
        .await;
    browser.shot("result-page").await;
    assert_eq!(result_outcome(&browser, "succeeded").await, "Payment received");
    assert_eq!(browser.text("#amount").await, "42.00 SGD");
    assert_eq!(browser.text("#payment-method").await, "Alipay");
    browser.shot("paid").await;

    let order_id = order_id_on_result_page(&browser).await;
    assert_eq!(browser.text("#order-id").await, order_id);
    let order = order(shop, &order_id).await;
    assert_eq!(order["status"], "succeeded", "{order}");
    let payment_request_id = order["paymentRequestId"].as_str().unwrap();
    let notifications = notifications_for(mock, payment_request_id).await;
    assert!(
        notifications.iter().any(|n| n.acknowledged && n.status == Some(200)),
        "the notification was not verified and acknowledged: {notifications:#?}"
    );
    browser.close().await;
}

async fn path_failed(driver: &Driver, chromium: &Path, mock: &MockAntomHandle, shop: &Shop) {
    let mut browser = Browser::open(driver, chromium, "failed").await;
    to_cashier(&mut browser, shop, Some("3"), Some("GCASH")).await;
    // The catalogue's price, three times.
    assert_eq!(browser.text("#amount").await, "126.00 SGD");
    assert_eq!(browser.text("#payment-method").await, "GCASH");
    let select = browser
        .client
        .find(Locator::Css("#fail-code"))
        .await
        .expect("#fail-code");
    select
        .select_by_value("USER_BALANCE_NOT_ENOUGH")
        .await
        .expect("select a result code");
    browser.shot("cashier-fail-code").await;
    browser.click("#fail").await;
    browser
        .until("the result page", "location.pathname === '/antom/return'")
        .await;
    assert_eq!(result_outcome(&browser, "failed").await, "Payment failed");
    let advice = browser.text("#advice").await;
    assert!(
        advice.contains("Your balance is not enough") && advice.contains("USER_BALANCE_NOT_ENOUGH"),
        "{advice}"
    );
    assert_eq!(browser.text("#back").await, "Try again");
    browser.shot("payment-failed").await;
    let order_id = order_id_on_result_page(&browser).await;
    let order = order(shop, &order_id).await;
    assert_eq!(order["amount"], json!({"currency": "SGD", "value": "12600"}));
    let notifications = notifications_for(mock, order["paymentRequestId"].as_str().unwrap()).await;
    assert!(notifications.iter().any(|n| n.acknowledged), "{notifications:#?}");
    let body = notifications[0].json().expect("notification body");
    assert_eq!(body["result"]["resultCode"], "USER_BALANCE_NOT_ENOUGH");
    browser.close().await;
}

async fn path_cancelled(driver: &Driver, chromium: &Path, mock: &MockAntomHandle, shop: &Shop) {
    let mut browser = Browser::open(driver, chromium, "cancelled").await;
    // Priced in JPY by the server's catalogue.
    to_cashier_in(&mut browser, shop, Some("JPY"), None, Some("ALIPAY_HK")).await;
    assert_eq!(browser.text("#amount").await, "4800 JPY");
    browser.click("#cancel").await;
    browser
        .until("the result page", "location.pathname === '/antom/return'")
        .await;
    assert_eq!(result_outcome(&browser, "cancelled").await, "Payment cancelled");
    assert_eq!(browser.text("#amount").await, "4800 JPY");
    browser.shot("payment-cancelled").await;
    let order_id = order_id_on_result_page(&browser).await;
    let order = order(shop, &order_id).await;
    let notifications = notifications_for(mock, order["paymentRequestId"].as_str().unwrap()).await;
    assert!(notifications.iter().any(|n| n.acknowledged), "{notifications:#?}");
    browser.close().await;
}

/// The buyer leaves the cashier page for the result page; the payment is
/// then closed unpaid.
async fn path_expired(driver: &Driver, chromium: &Path, mock: &MockAntomHandle, shop: &Shop) {
    let mut browser = Browser::open(driver, chromium, "expired").await;
    to_cashier(&mut browser, shop, Some("7"), Some("DANA")).await;
    let cashier = browser.client.current_url().await.expect("url").to_string();
    let payment = mock
        .payments()
        .into_iter()
        .find(|p| p.cashier_url == cashier)
        .expect("the cashier page's payment");
    browser.goto(&payment.payment_redirect_url).await;
    browser
        .until(
            "the pending result page",
            "document.getElementById('result') && document.getElementById('result').dataset.status === 'pending'",
        )
        .await;
    assert_eq!(browser.text("#outcome").await, "Waiting for your payment");
    browser.shot("payment-pending").await;
    mock.expire(&payment.payment_request_id)
        .expect("the mock closes the payment");
    assert_eq!(result_outcome(&browser, "expired").await, "Payment time ran out");
    assert_eq!(browser.text("#back").await, "Try again");
    browser.shot("payment-expired").await;
    browser.close().await;
}

/// Loads the real SDK bundle the way the page does (so the page's own
/// `loadSdk` finds it), records console errors and the calls the page makes
/// on the SDK, and calls through to the real methods.
const SPY_ON_REAL_SDK: &str = r#"
return (async () => {
  window.__consoleErrors = [];
  const error = console.error.bind(console);
  console.error = (...args) => { window.__consoleErrors.push(args.map(String).join(" ")); error(...args); };
  const config = await (await fetch("/config.json")).json();
  await new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = config.sdk.url;
    script.onload = resolve;
    script.onerror = () => reject(new Error("the SDK did not load"));
    document.head.appendChild(script);
  });
  window.__sdkCalls = [];
  const sdk = window.AMSCashierPayment.prototype;
  for (const name of ["createComponent", "unmount"]) {
    const real = sdk[name];
    sdk[name] = function (...args) {
      window.__sdkCalls.push({ name, sessionData: args[0] && args[0].sessionData });
      return real.apply(this, args);
    };
  }
  return typeof window.AMSCashierPayment;
})();
"#;

/// The iframe of Antom's component for the mock's session: `CASHIER_PAYMENT`, `APM`, `1.0`.
const SDK_FRAME: &str = "document.querySelector('iframe[src*=\"CASHIER_PAYMENT_APM/1.0\"]')";

/// Nothing of the SDK's is left on the page: no component, no scroll lock.
const SDK_RELEASED: &str = "document.querySelectorAll('#ams-component-container, iframe').length === 0      && getComputedStyle(document.body).overflow !== 'hidden'";

/// Antom mode with Antom's real Web SDK, offline.
async fn path_sdk_real(driver: &Driver, chromium: &Path, mock: &MockAntomHandle) {
    let bundle = checkout::default_sdk_file();
    if !bundle.is_file() {
        let reason = format!(
            "{} is missing: run `{}`",
            bundle.display(),
            checkout::SDK_INSTALL_COMMAND
        );
        if std::env::var_os("CI").is_some() {
            panic!("the real Web SDK must be tested in CI: {reason}");
        }
        say(&format!("skipping the real-SDK path: {reason}"));
        return;
    }
    let shop = start_checkout(mock, Mode::Antom, None).await;
    // A German browser: the SDK gets de_DE.
    let mut browser = Browser::open_with(driver, chromium, "sdk-real", &["--accept-lang=de-DE"]).await;
    browser.goto(&format!("{}/", shop.base)).await;
    browser.until("the page to be ready", PAY_READY).await;
    assert_eq!(browser.text("#mode").await, "Antom sandbox");
    assert_eq!(browser.js("return antomCheckout.sdkLocale()").await, "de_DE");
    assert_eq!(browser.js(SPY_ON_REAL_SDK).await, "function");
    browser.shot("checkout-page").await;
    let payments_before = mock.payments().len();

    // Pay: the real SDK gets the mock's session and opens Antom's component for it.
    browser.click("#pay").await;
    browser
        .until(
            "the SDK's component",
            &format!("__sdkCalls.length === 1 && {SDK_FRAME}"),
        )
        .await;
    let first = browser.js("return __sdkCalls[0]").await;
    assert_eq!(first["name"], "createComponent");
    let session_data = first["sessionData"].as_str().expect("sessionData").to_owned();
    assert!(
        mock.payments().iter().any(|p| p.payment_session_data == session_data),
        "createComponent got the paymentSessionData the mock just returned"
    );
    // The iframe's address is the SDK's reading of the session: its
    // paymentSessionConfig (CASHIER_PAYMENT, APM, 1.0), its site (SG) and the locale.
    let frame = browser.js(&format!("return {SDK_FRAME}.src")).await;
    let frame = frame.as_str().unwrap_or_default();
    assert!(
        frame.contains("locale=de_DE") && frame.contains("hostSign=SG"),
        "{frame}"
    );
    assert_eq!(browser.text("#message").await, "Loading Antom's payment form…");
    assert_eq!(browser.text("#pay").await, "Please wait…");
    browser.shot("sdk-loading").await;

    // Antom's component cannot load here: the SDK gives up and says so; the
    // page shows it, releases the component and gives Pay back.
    let offline = format!("{PAY_READY} && document.getElementById('message').textContent.includes('could not start')");
    browser
        .until_within("the SDK's error and Pay again", &offline, SDK_OFFLINE_WAIT)
        .await;
    browser.until("the component to be released", SDK_RELEASED).await;
    assert_eq!(browser.text("#pay").await, "Pay");
    browser.shot("sdk-offline-error").await;
    let errors = browser.js("return __consoleErrors").await;
    assert!(
        !errors.to_string().contains("Parsing sessionData is abnormal"),
        "the SDK could not parse the mock's paymentSessionData: {errors}"
    );

    // A second Pay: a new session, and the previous component is unmounted first.
    browser.click("#pay").await;
    browser
        .until(
            "the second createComponent",
            "__sdkCalls.filter(c => c.name === 'createComponent').length === 2",
        )
        .await;
    let calls = browser.js("return __sdkCalls.map(c => c.name)").await;
    let calls: Vec<&str> = calls.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    let second = calls.iter().rposition(|c| *c == "createComponent").unwrap();
    assert!(
        calls[1..second].contains(&"unmount"),
        "no unmount() between the two createComponent calls: {calls:?}"
    );
    let second_data = browser
        .js("return __sdkCalls.filter(c => c.name === 'createComponent')[1].sessionData")
        .await;
    assert_ne!(
        second_data,
        session_data.as_str(),
        "a new session after the SDK's error"
    );
    assert_eq!(mock.payments().len(), payments_before + 2);
    browser
        .until_within("the SDK's error and Pay again", &offline, SDK_OFFLINE_WAIT)
        .await;
    browser.until("the component to be released", SDK_RELEASED).await;
    browser.shot("sdk-second-pay").await;
    browser.close().await;
}

/// Antom mode with the stand-in SDK.
async fn path_sdk(driver: &Driver, chromium: &Path, mock: &MockAntomHandle) {
    let fake_sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-ams-checkout.js");
    let shop = start_checkout(mock, Mode::Antom, Some(fake_sdk)).await;
    let mut browser = Browser::open(driver, chromium, "sdk").await;
    browser.goto(&format!("{}/", shop.base)).await;
    browser.until("the page to be ready", PAY_READY).await;
    assert_eq!(browser.text("#mode").await, "Antom sandbox");
    browser.shot("checkout-page").await;
    browser.click("#pay").await;
    browser
        .until(
            "createComponent",
            "window.__ams && window.__ams.components.length === 1",
        )
        .await;

    // The SDK was set up and started as Antom documents it.
    let ams = browser
        .js("return {environment: __ams.options.environment, locale: __ams.options.locale, component: __ams.components[0]}")
        .await;
    assert_eq!(ams["environment"], "sandbox");
    assert_eq!(ams["locale"], "en_US");
    assert_eq!(ams["component"]["appearance"]["showLoading"], true);
    let session_data = ams["component"]["sessionData"]
        .as_str()
        .expect("sessionData")
        .to_owned();
    let payment = mock
        .payments()
        .into_iter()
        .find(|p| p.payment_session_data == session_data)
        .expect("createComponent got the paymentSessionData of the session just created");

    // Every event code the page knows has a message, and unknown ones get one too.
    let events = browser
        .js("return Object.keys(antomCheckout.EVENTS).map(code => [code, antomCheckout.describeEvent(code).text])")
        .await;
    let events = events.as_array().expect("events");
    for code in [
        "SDK_START_OF_LOADING",
        "SDK_END_OF_LOADING",
        "SDK_CALL_URL_ERROR",
        "SDK_LAUNCH_PAYMENT_APP_ERROR",
        "SDK_REDIRECT",
        "SDK_CALL_URL_SUCCESS",
        "SDK_DUPLICATE_SUBMISSION_BEHAVIOR",
        "SDK_FORM_VERIFICATION_FAILED",
        "SDK_PAYMENT_AUTHORIZATION_SUCCESSFUL",
        "SDK_PAYMENT_CHALLENGE",
        "SDK_INTERNAL_ERROR",
        "SDK_CREATEPAYMENT_PARAMETER_ERROR",
        "SDK_INIT_PARAMETER_ERROR",
        "SDK_CREATECOMPONENT_ERROR",
        "SDK_CREATE_COMPONENT_ERROR",
        "SDK_SUBMIT_NETWORK_ERROR",
        "SDK_PAYMENT_SUCCESSFUL",
        "SDK_PAYMENT_PROCESSING",
        "SDK_PAYMENT_FAIL",
        "SDK_PAYMENT_CANCEL",
        "SDK_PAYMENT_ERROR",
        "SDK_PAYMENT_WARN",
        "SDK_PAYMENT_SHIPPINGCHANGE",
        "SDK_PAYMENT_APPROVE",
    ] {
        let entry = events
            .iter()
            .find(|e| e[0] == code)
            .unwrap_or_else(|| panic!("{code} not handled"));
        assert!(
            code == "SDK_END_OF_LOADING" || !entry[1].as_str().unwrap_or("").is_empty(),
            "{code} has no message"
        );
    }
    let unknown = browser
        .js("return antomCheckout.describeEvent('SDK_SOMETHING_NEW').text")
        .await;
    assert_eq!(unknown, "The payment form stopped. Press Pay to try again.");

    // A failure shows the advice for its paymentResultCode; Pay works again.
    browser
        .js("__amsFire('SDK_PAYMENT_FAIL', {paymentResultCode: 'USER_BALANCE_NOT_ENOUGH'}); return null")
        .await;
    let message = browser.text("#message").await;
    assert!(
        message.contains("USER_BALANCE_NOT_ENOUGH") && message.contains("balance is not enough"),
        "{message}"
    );
    browser.until("Pay to be enabled again", PAY_READY).await;
    browser.shot("sdk-payment-fail").await;

    // A cancel keeps the session: Pay reopens the component with the same sessionData.
    browser.click("#pay").await;
    browser
        .until("a second session's component", "__ams.components.length === 2")
        .await;
    browser.js("__amsFire('SDK_PAYMENT_CANCEL'); return null").await;
    assert!(browser.text("#message").await.contains("without paying"));
    browser.shot("sdk-payment-cancel").await;
    browser.click("#pay").await;
    browser
        .until("the component again", "__ams.components.length === 3")
        .await;
    let same = browser
        .js("return __ams.components[2].sessionData === __ams.components[1].sessionData")
        .await;
    assert_eq!(same, true, "after SDK_PAYMENT_CANCEL the session is reused");
    let current = browser.js("return __ams.components[2].sessionData").await;
    let payment = mock
        .payments()
        .into_iter()
        .find(|p| current == p.payment_session_data.as_str())
        .unwrap_or(payment);

    // The redirect-failure code of the current SDK, and a code newer than the
    // page: each shows its message and gives Pay back, keeping the session.
    for (code, text) in [
        ("SDK_LAUNCH_PAYMENT_APP_ERROR", "could not be opened"),
        ("SDK_SOMETHING_NEW", "The payment form stopped"),
    ] {
        assert_eq!(browser.text("#pay").await, "Please wait…");
        browser.js(&format!("__amsFire('{code}'); return null")).await;
        assert!(browser.text("#message").await.contains(text), "{code}");
        browser
            .until(&format!("Pay to come back after {code}"), PAY_READY)
            .await;
        browser.shot(&code.to_lowercase()).await;
        let count = browser.js("return __ams.components.length").await.as_u64().unwrap();
        browser.click("#pay").await;
        browser
            .until("the component", &format!("__ams.components.length === {}", count + 1))
            .await;
    }
    // Every createComponent after the first came after an unmount().
    let calls = browser.js("return __ams.calls").await;
    let calls: Vec<&str> = calls.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for (i, call) in calls.iter().enumerate().skip(1) {
        if *call == "createComponent" {
            let previous = calls[..i].iter().rposition(|c| *c == "createComponent").unwrap();
            assert!(
                calls[previous..i].contains(&"unmount"),
                "createComponent without unmount() first: {calls:?}"
            );
        }
    }

    // Success: the page goes to the result page, which shows "Payment received" once Antom (the mock) notifies.
    let current = browser.js("return __ams.components[4].sessionData").await;
    let payment = mock
        .payments()
        .into_iter()
        .find(|p| current == p.payment_session_data.as_str())
        .unwrap_or(payment);
    browser.js("__amsFire('SDK_PAYMENT_SUCCESSFUL'); return null").await;
    assert!(browser.text("#message").await.contains("Payment successful"));
    browser.shot("sdk-payment-successful").await;
    browser
        .until("the result page", "location.pathname === '/antom/return'")
        .await;
    browser.shot("result-page").await;
    mock.pay(&payment.payment_request_id).expect("the mock pays");
    assert_eq!(result_outcome(&browser, "succeeded").await, "Payment received");
    browser.shot("paid").await;
    browser.close().await;
}

/// Antom mode without the SDK: the page says how to install it and keeps Pay disabled.
async fn path_sdk_missing(driver: &Driver, chromium: &Path, mock: &MockAntomHandle) {
    let missing = std::env::temp_dir().join("antom-examples-no-such-sdk.js");
    let shop = start_checkout(mock, Mode::Antom, Some(missing)).await;
    let mut browser = Browser::open(driver, chromium, "sdk-missing").await;
    browser.goto(&format!("{}/", shop.base)).await;
    browser
        .until(
            "the not-installed message",
            "document.getElementById('message').textContent.includes('not installed')",
        )
        .await;
    assert!(browser
        .text("#message")
        .await
        .contains("npm ci --prefix examples/checkout/web"));
    assert_eq!(browser.js("return document.getElementById('pay').disabled").await, true);
    browser.shot("sdk-not-installed").await;
    let (status, _) = send(Method::GET, &format!("{}{}", shop.base, checkout::SDK_PATH), &[], "").await;
    assert_eq!(status, 404);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_in_a_real_browser() {
    let (chromium, chromedriver) = match tools() {
        Ok(tools) => tools,
        Err(reason) if std::env::var_os("CI").is_some() => {
            panic!("the browser test must run in CI (CI is set): {reason}")
        }
        Err(reason) => {
            say(&format!("skipping checkout_in_a_real_browser: {reason}"));
            return;
        }
    };
    let driver = Driver::start(&chromedriver).await;
    let mock = mock().await;
    let shop = start_checkout(&mock, Mode::Mock, None).await;
    path_paid(&driver, &chromium, &mock, &shop).await;
    path_failed(&driver, &chromium, &mock, &shop).await;
    path_cancelled(&driver, &chromium, &mock, &shop).await;
    path_expired(&driver, &chromium, &mock, &shop).await;
    path_sdk_real(&driver, &chromium, &mock).await;
    path_sdk(&driver, &chromium, &mock).await;
    path_sdk_missing(&driver, &chromium, &mock).await;
    say(&format!(
        "browser screenshots: {}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../artifacts/browser")
            .display()
    ));
}
