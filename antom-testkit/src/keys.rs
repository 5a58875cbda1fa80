//! The testkit's RSA-2048 key pairs. **Test-only**: they are public, committed
//! on purpose, and prove nothing; never configure them in production.
//!
//! ```
//! let merchant = antom_testkit::keys::merchant_private_key();
//! let antom = antom_testkit::keys::antom_public_key_ring();
//! assert_eq!(merchant.modulus_bits(), 2048);
//! assert!(!antom.is_empty());
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use antom_tower::signing::{KeyVersion, PrivateKey, PublicKey, PublicKeyRing};

/// PEM of the merchant's test private key (PKCS#8).
pub const MERCHANT_PRIVATE_KEY_PEM: &str = include_str!("../keys/merchant_private_key.pem");
/// The same key as PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`).
pub const MERCHANT_PRIVATE_KEY_PKCS1_PEM: &str = include_str!("../keys/merchant_private_key_pkcs1.pem");
/// The same key as bare base64 PKCS#8, the form the Antom Dashboard shows.
pub const MERCHANT_PRIVATE_KEY_BASE64: &str = include_str!("../keys/merchant_private_key.base64.txt");
/// PEM of the merchant's test public key (what the mock Antom verifies requests with).
pub const MERCHANT_PUBLIC_KEY_PEM: &str = include_str!("../keys/merchant_public_key.pem");
/// PEM of the mock Antom's signing key, keyVersion 1.
pub const ANTOM_PRIVATE_KEY_PEM: &str = include_str!("../keys/antom_private_key.pem");
/// PEM of Antom's test public key, keyVersion 1 (what a merchant configures).
pub const ANTOM_PUBLIC_KEY_PEM: &str = include_str!("../keys/antom_public_key.pem");
/// Bare base64 of Antom's test public key, as the Antom Dashboard shows it.
pub const ANTOM_PUBLIC_KEY_BASE64: &str = include_str!("../keys/antom_public_key.base64.txt");
/// PEM of a second mock Antom signing key, keyVersion 2 (key rotation tests).
pub const ANTOM_PRIVATE_KEY_V2_PEM: &str = include_str!("../keys/antom_private_key_v2.pem");
/// PEM of the public half of the keyVersion 2 key.
pub const ANTOM_PUBLIC_KEY_V2_PEM: &str = include_str!("../keys/antom_public_key_v2.pem");
/// PEM of an unrelated key, for "signed with the wrong key" tests.
pub const WRONG_PRIVATE_KEY_PEM: &str = include_str!("../keys/wrong_private_key.pem");

/// The folder holding the key files, for tools that take paths.
pub fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keys")
}

/// The merchant's test private key.
pub fn merchant_private_key() -> PrivateKey {
    parse_private(MERCHANT_PRIVATE_KEY_PEM)
}

/// The merchant's test public key.
pub fn merchant_public_key() -> PublicKey {
    parse_public(MERCHANT_PUBLIC_KEY_PEM)
}

/// The mock Antom's signing key (keyVersion 1).
pub fn antom_private_key() -> PrivateKey {
    parse_private(ANTOM_PRIVATE_KEY_PEM)
}

/// The mock Antom's keyVersion 2 signing key.
pub fn antom_private_key_v2() -> PrivateKey {
    parse_private(ANTOM_PRIVATE_KEY_V2_PEM)
}

/// A key Antom never used.
pub fn wrong_private_key() -> PrivateKey {
    parse_private(WRONG_PRIVATE_KEY_PEM)
}

/// Antom's test public key (keyVersion 1).
pub fn antom_public_key() -> PublicKey {
    parse_public(ANTOM_PUBLIC_KEY_PEM)
}

/// Antom's test public keys, keyVersion 1 and 2, as a merchant would configure them.
pub fn antom_public_key_ring() -> Arc<PublicKeyRing> {
    Arc::new(
        PublicKeyRing::new()
            .with_key(KeyVersion(1), antom_public_key())
            .with_key(KeyVersion(2), parse_public(ANTOM_PUBLIC_KEY_V2_PEM)),
    )
}

/// The merchant's test public key as a ring (what the mock Antom verifies with).
pub fn merchant_public_key_ring() -> Arc<PublicKeyRing> {
    Arc::new(PublicKeyRing::single(merchant_public_key()))
}

// The embedded keys are checked by this crate's tests; failing here is a build defect.
fn parse_private(pem: &str) -> PrivateKey {
    PrivateKey::parse(pem).expect("embedded test key parses")
}

fn parse_public(pem: &str) -> PublicKey {
    PublicKey::parse(pem).expect("embedded test key parses")
}
