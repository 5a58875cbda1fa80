//! Antom's message signing: RSA PKCS#1 v1.5 with SHA-256 over
//! `<METHOD> <URI>\n<client-id>.<time>.<body>`.
//!
//! This module is the byte-exact core the layers build on:
//! [`SigningContent`] (what is signed), [`SignatureHeader`] (how the signature
//! travels), [`PrivateKey`] / [`PublicKey`] / [`PublicKeyRing`] (keys in every
//! form the Antom Dashboard hands out) and [`request_time`] (judging the age of
//! a `request-time` header in any of the forms the official libraries send).
//!
//! ```
//! use antom_tower::signing::{PrivateKey, PublicKeyRing, SigningContent};
//!
//! # let private_pem = include_str!("../../keys/merchant_private_key.pem");
//! let key = PrivateKey::parse(private_pem)?;
//! let body = br#"{"paymentRequestId":"pay_1"}"#;
//! let content = SigningContent::new("POST", "/ams/api/v1/payments/inquiryPayment", "CLIENT", "1700000000000", body);
//! let header = key.sign_header(&content, Default::default())?.to_string();
//!
//! let ring = PublicKeyRing::single(key.public_key());
//! ring.verify_header_value(&content, &header)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backend;
mod content;
mod header;
mod key;
pub mod request_time;

pub use content::SigningContent;
pub use header::{
    decode_signature_value, encode_signature_value, KeyVersion, SignatureHeader, SignatureHeaderError, ALGORITHM_RSA256,
};
pub use key::{Backend, KeyError, KeyRole, PrivateKey, PublicKey, PublicKeyRing, MIN_KEY_BITS};

#[cfg(not(any(feature = "aws-lc", feature = "rsa")))]
compile_error!("antom-tower needs a signing backend: enable the `aws-lc` (default) or `rsa` feature");

/// Something that signs Antom content. Implemented by [`PrivateKey`]; implement
/// it to sign with an HSM or a KMS instead.
pub trait Signer: Send + Sync {
    /// Returns the raw RSA PKCS#1 v1.5 SHA-256 signature of the content.
    fn sign(&self, content: &SigningContent<'_>) -> Result<Vec<u8>, SignError>;
}

/// Something that verifies Antom content. Implemented by [`PublicKey`].
pub trait Verifier: Send + Sync {
    /// Checks a raw signature over the content.
    fn verify(&self, content: &SigningContent<'_>, signature: &[u8]) -> Result<(), VerifyError>;
}

/// Signing failed inside the backend (never contains key material).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The cryptographic backend reported a failure.
    #[error("the signing backend failed")]
    Backend,
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The `signature` header could not be parsed.
    #[error("malformed signature header: {0}")]
    Header(#[from] SignatureHeaderError),
    /// No public key is configured for the header's keyVersion.
    #[error("no public key configured for keyVersion {0}")]
    UnknownKeyVersion(KeyVersion),
    /// The signature does not match the content and key (wrong key, tampered
    /// body, wrong path, client id or time).
    #[error("signature does not match the content (wrong key, or the message was altered)")]
    Mismatch,
}
