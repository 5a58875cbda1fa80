//! AntomConfig from environment variables and TOML: every setting, every problem on its own line.

use std::collections::BTreeMap;

use antom_tower::client::{Environment, Region};
use antom_tower::config::AntomConfig;

fn keys_dir() -> String {
    format!("{}/../antom-testkit/keys", env!("CARGO_MANIFEST_DIR"))
}

fn env(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

type Body = http_body_util::Full<bytes::Bytes>;
type Answer = std::future::Ready<Result<http::Response<Body>, std::convert::Infallible>>;

/// The tests only read the built client's settings; nothing is sent.
fn unused_transport() -> tower::util::ServiceFn<fn(http::Request<Body>) -> Answer> {
    fn answer(_req: http::Request<Body>) -> Answer {
        std::future::ready(Ok(http::Response::new(Body::default())))
    }
    tower::service_fn(answer as fn(http::Request<Body>) -> Answer)
}

fn complete() -> Vec<(&'static str, String)> {
    vec![
        ("ANTOM_CLIENT_ID", "SANDBOX_5YBZ0E2ZC7CZ04567".into()),
        (
            "ANTOM_MERCHANT_PRIVATE_KEY_FILE",
            format!("{}/merchant_private_key.pem", keys_dir()),
        ),
        (
            "ANTOM_PUBLIC_KEY",
            std::fs::read_to_string(format!("{}/antom_public_key.base64.txt", keys_dir())).unwrap(),
        ),
        ("ANTOM_NOTIFY_URL", "https://shop.example/antom/notify".into()),
        ("ANTOM_REDIRECT_URL", "https://shop.example/antom/return".into()),
    ]
}

#[test]
fn complete_environment_loads_with_defaults() {
    let config = AntomConfig::from_env_map(&env(&complete())).unwrap();
    assert_eq!(config.client_id, "SANDBOX_5YBZ0E2ZC7CZ04567");
    assert_eq!(config.environment, Environment::Sandbox);
    assert_eq!(config.region, Region::Asia);
    assert_eq!(config.base_url, None);
    assert_eq!(config.merchant_private_key.modulus_bits(), 2048);
    let client = config.client_builder().transport(unused_transport()).build().unwrap();
    assert_eq!(client.base_url(), "https://open-sea-global.alipay.com");
}

#[test]
fn every_setting_is_read() {
    let mut vars = complete();
    vars.push(("ANTOM_ENV", "production".into()));
    vars.push(("ANTOM_REGION", "europe".into()));
    vars.push(("ANTOM_BASE_URL", "http://127.0.0.1:4000".into()));
    let config = AntomConfig::from_env_map(&env(&vars)).unwrap();
    assert_eq!(config.environment, Environment::Production);
    assert_eq!(config.region, Region::Europe);
    let client = config.client_builder().transport(unused_transport()).build().unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:4000");
    assert_eq!(client.environment(), Environment::Production);
}

#[test]
fn every_problem_is_reported_once_on_its_own_line() {
    let vars = vec![
        ("ANTOM_MERCHANT_PRIVATE_KEY", "not a key".to_string()),
        ("ANTOM_MERCHANT_PRIVATE_KEY_FILE", "/nonexistent".to_string()),
        // The merchant's own private key where Antom's public key belongs.
        (
            "ANTOM_PUBLIC_KEY_FILE",
            format!("{}/merchant_private_key.pem", keys_dir()),
        ),
        ("ANTOM_ENV", "staging".into()),
        ("ANTOM_REGION", "mars".into()),
        ("ANTOM_NOTIFY_URL", "/relative".into()),
    ];
    let err = AntomConfig::from_env_map(&env(&vars)).unwrap_err();
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), err.problems.len());
    let expect = [
        "ANTOM_CLIENT_ID is not set",
        "set either ANTOM_MERCHANT_PRIVATE_KEY or ANTOM_MERCHANT_PRIVATE_KEY_FILE, not both",
        "ANTOM_PUBLIC_KEY_FILE",
        "ANTOM_ENV: unknown Antom environment `staging`",
        "ANTOM_REGION: unknown Antom region `mars`",
        "ANTOM_NOTIFY_URL is not an absolute http(s) URL",
        "ANTOM_REDIRECT_URL is not set",
    ];
    assert_eq!(lines.len(), expect.len(), "{text}");
    for (line, expected) in lines.iter().zip(expect) {
        assert!(line.starts_with(expected), "{line:?} should start with {expected:?}");
    }
    assert!(lines[2].contains("this is a private key"));
    // Never any key material in the message.
    let bare = std::fs::read_to_string(format!("{}/merchant_private_key.base64.txt", keys_dir())).unwrap();
    assert!(!text.contains(&bare[40..80]));
}

#[test]
fn a_bad_inline_key_names_the_variable_and_the_form() {
    let mut vars = complete();
    vars.retain(|(k, _)| *k != "ANTOM_MERCHANT_PRIVATE_KEY_FILE");
    vars.push((
        "ANTOM_MERCHANT_PRIVATE_KEY",
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA".into(),
    ));
    let err = AntomConfig::from_env_map(&env(&vars)).unwrap_err();
    assert_eq!(err.problems.len(), 1);
    assert!(
        err.problems[0].starts_with("ANTOM_MERCHANT_PRIVATE_KEY: private key"),
        "{err}"
    );
    assert!(err.problems[0].contains("PKCS#8"), "{err}");
}

#[test]
fn toml_file_with_environment_override() {
    let dir = std::env::temp_dir().join(format!("antom-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("antom.toml");
    std::fs::write(
        &path,
        format!(
            "client_id = \"ALIVE_CLIENT\"\nmerchant_private_key_file = \"{k}/merchant_private_key_pkcs1.pem\"\n\
             antom_public_key_file = \"{k}/antom_public_key.pem\"\nregion = \"north-america\"\n\
             notify_url = \"https://shop.example/n\"\nredirect_url = \"https://shop.example/r\"\n",
            k = keys_dir()
        ),
    )
    .unwrap();
    let config = AntomConfig::from_toml_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        config.environment,
        Environment::Production,
        "no SANDBOX_ prefix: production"
    );
    assert_eq!(config.region, Region::NorthAmerica);
    // A misspelt key in the file is a clear error, not silently ignored.
    let err = AntomConfig::from_toml_str("client_idd = \"x\"").unwrap_err();
    assert!(err.to_string().contains("client_idd"), "{err}");
    let debug = format!("{config:?}");
    assert!(
        debug.contains("ALIVE_CLIENT") && debug.contains("PrivateKey {"),
        "{debug}"
    );
}
