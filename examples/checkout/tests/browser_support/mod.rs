//! The browser harness shared by the browser tests: chromedriver on a free
//! loopback port, a headless Chromium session on a fresh profile with the
//! flags this machine's closed network needs, screenshots of every step under
//! `artifacts/browser/<path>/` at the workspace root.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use antom_example_support::testing::WAIT;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// The flags this machine's closed network needs, plus a window size.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    // No DNS: Antom's hosts (and any other) fail at once; the servers are on 127.0.0.1.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--window-size=1000,1000",
];

/// Prints past the test harness's capture, so a skip is visible in `cargo test`'s output.
pub fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

pub fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
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
pub fn tools() -> Result<(PathBuf, PathBuf), String> {
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
pub struct Driver {
    child: Child,
    /// chromedriver's base URL.
    pub url: String,
}

impl Driver {
    pub async fn start(program: &Path) -> Driver {
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
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    shots: PathBuf,
    step: u32,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn open(driver: &Driver, chromium: &Path, path: &str) -> Browser {
        Browser::open_with(driver, chromium, path, &[]).await
    }

    /// The same, with more Chromium flags.
    pub async fn open_with(driver: &Driver, chromium: &Path, path: &str, extra: &[&str]) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().chain(extra).map(|f| f.to_string()).collect();
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
            .join("../../artifacts/browser")
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

    pub async fn shot(&mut self, name: &str) {
        self.step += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        let file = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&file, png).expect("write screenshot");
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    pub async fn click(&self, css: &str) {
        let element = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        element.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// Waits until the JavaScript expression is truthy.
    pub async fn until(&self, what: &str, expression: &str) {
        self.until_within(what, expression, WAIT).await;
    }

    /// The same, with another deadline.
    pub async fn until_within(&self, what: &str, expression: &str, wait: Duration) {
        let script = format!("return Boolean({expression});");
        let deadline = Instant::now() + wait;
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

    pub async fn text(&self, css: &str) -> String {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        element.text().await.unwrap_or_default()
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
