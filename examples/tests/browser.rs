//! The checkout in a real browser: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`, with fantoccini).
//!
//! Paths, each on a fresh browser profile, with a screenshot of every step in
//! `artifacts/browser/<path>/` at the workspace root:
//!
//! - `paid`: the checkout page, Pay, the mock's cashier page, Pay, the
//!   result page, "paid" once the notification arrived;
//! - `failed`: another quantity and method, Fail on the cashier page with a
//!   result code, "payment failed";
//! - `cancelled`: Cancel on the cashier page, "payment cancelled";
//! - `sdk`: the page in Antom mode with a stand-in for the Web SDK
//!   (`tests/fixtures/fake-ams-checkout.js`): createComponent gets the
//!   paymentSessionData, each SDK event code shows its message, and
//!   SDK_PAYMENT_SUCCESSFUL leads to the result page;
//! - `sdk-missing`: Antom mode without the SDK installed: the page says how to install it.
//!
//! Without `chromium` or `chromedriver` the test is skipped with the reason
//! printed, unless `CI` is set: then it fails. `CHROMIUM` and `CHROMEDRIVER`
//! override the programs' paths.

mod common;

use std::io::Write;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use antom_examples::checkout::{self, Mode, PageOptions};
use antom_examples::setup;
use antom_testkit::mock::MockAntomHandle;
use antom_tower::store::SqliteOrderStore;
use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use http::Method;
use serde_json::{json, Value};

/// The flags this machine's closed network needs, plus a window size.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1000,1000",
];

/// Prints past the test harness's capture, so a skip is visible in `cargo test`'s output.
fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// chromium and chromedriver, or why the test cannot run.
fn tools() -> Result<(PathBuf, PathBuf), String> {
    let chromium = find_program("CHROMIUM", &["chromium", "chromium-browser"]);
    let driver = find_program("CHROMEDRIVER", &["chromedriver"]);
    match (chromium, driver) {
        (Some(chromium), Some(driver)) => Ok((chromium, driver)),
        (chromium, driver) => {
            let missing: Vec<&str> = [(chromium.is_none(), "chromium"), (driver.is_none(), "chromedriver")]
                .into_iter()
                .filter_map(|(gone, name)| gone.then_some(name))
                .collect();
            Err(format!(
                "{} not found (install Debian's packages: apt-get install -y chromium chromium-driver)",
                missing.join(" and ")
            ))
        }
    }
}

/// A chromedriver process on a free loopback port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start(program: &Path) -> Driver {
        let port = StdListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + WAIT;
        loop {
            let ready = tokio::time::timeout(Duration::from_secs(2), status(&driver.url)).await;
            if matches!(ready, Ok(true)) {
                return driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready on {}",
                driver.url
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn status(url: &str) -> bool {
    use http_body_util::Full;
    use hyper_util::client::legacy::Client as HttpClient;
    let client: HttpClient<_, Full<bytes::Bytes>> =
        HttpClient::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let Ok(uri) = format!("{url}/status").parse() else {
        return false;
    };
    client.get(uri).await.is_ok_and(|r| r.status().is_success())
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session on a fresh profile, saving screenshots under `artifacts/browser/<path>/`.
struct Browser {
    client: Client,
    shots: PathBuf,
    step: u32,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn open(driver: &Driver, chromium: &Path, path: &str) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("no browser session: {e}"));
        let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../artifacts/browser")
            .join(path);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("artifacts/browser");
        Browser {
            client,
            shots,
            step: 0,
            _profile: profile,
        }
    }

    async fn shot(&mut self, name: &str) {
        self.step += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        let file = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&file, png).expect("write screenshot");
    }

    async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    async fn click(&self, css: &str) {
        let element = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        element.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// Waits until the JavaScript expression is truthy.
    async fn until(&self, what: &str, expression: &str) {
        let script = format!("return Boolean({expression});");
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Value::Bool(true)) = self.client.execute(&script, vec![]).await {
                return;
            }
            if Instant::now() >= deadline {
                let url = self
                    .client
                    .current_url()
                    .await
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                let text = self.js("return document.body ? document.body.innerText : ''").await;
                panic!("timed out waiting for {what} ({expression}) on {url}; the page says:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn text(&self, css: &str) -> String {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        element.text().await.unwrap_or_default()
    }

    async fn close(self) {
        let _ = self.client.close().await;
    }
}

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
    browser
        .until("\"paid\"", "document.getElementById('message').textContent === 'paid'")
        .await;
    browser.shot("paid").await;
    assert_eq!(browser.text("#status").await, "succeeded");

    let order_id = order_id_on_result_page(&browser).await;
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
    browser
        .until(
            "\"payment failed\"",
            "document.getElementById('message').textContent === 'payment failed'",
        )
        .await;
    browser.shot("payment-failed").await;
    assert_eq!(browser.text("#status").await, "failed");
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
    browser
        .until(
            "\"payment cancelled\"",
            "document.getElementById('message').textContent === 'payment cancelled'",
        )
        .await;
    browser.shot("payment-cancelled").await;
    assert_eq!(browser.text("#status").await, "cancelled");
    let order_id = order_id_on_result_page(&browser).await;
    let order = order(shop, &order_id).await;
    let notifications = notifications_for(mock, order["paymentRequestId"].as_str().unwrap()).await;
    assert!(notifications.iter().any(|n| n.acknowledged), "{notifications:#?}");
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
        "SDK_CALL_URL_SUCCESS",
        "SDK_DUPLICATE_SUBMISSION_BEHAVIOR",
        "SDK_FORM_VERIFICATION_FAILED",
        "SDK_PAYMENT_AUTHORIZATION_SUCCESSFUL",
        "SDK_PAYMENT_CHALLENGE",
        "SDK_INTERNAL_ERROR",
        "SDK_CREATEPAYMENT_PARAMETER_ERROR",
        "SDK_INIT_PARAMETER_ERROR",
        "SDK_CREATECOMPONENT_ERROR",
        "SDK_SUBMIT_NETWORK_ERROR",
        "SDK_PAYMENT_SUCCESSFUL",
        "SDK_PAYMENT_PROCESSING",
        "SDK_PAYMENT_FAIL",
        "SDK_PAYMENT_CANCEL",
        "SDK_PAYMENT_ERROR",
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
    assert_eq!(unknown, "Antom SDK event SDK_SOMETHING_NEW.");

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

    // Success: the page goes to the result page, which shows "paid" once Antom (the mock) notifies.
    browser.js("__amsFire('SDK_PAYMENT_SUCCESSFUL'); return null").await;
    assert!(browser.text("#message").await.contains("Payment successful"));
    browser.shot("sdk-payment-successful").await;
    browser
        .until("the result page", "location.pathname === '/antom/return'")
        .await;
    browser.shot("result-page").await;
    mock.pay(&payment.payment_request_id).expect("the mock pays");
    browser
        .until("\"paid\"", "document.getElementById('message').textContent === 'paid'")
        .await;
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
    assert!(browser.text("#message").await.contains("npm ci --prefix examples/web"));
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
    path_sdk(&driver, &chromium, &mock).await;
    path_sdk_missing(&driver, &chromium, &mock).await;
    say(&format!(
        "browser screenshots: {}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../artifacts/browser")
            .display()
    ));
}
