//! Cryptographic backends behind [`PrivateKey`](super::PrivateKey) and [`PublicKey`](super::PublicKey).
//! Each hashes the content incrementally, so the body is never copied to be signed.

#[cfg(feature = "aws-lc")]
pub(crate) mod aws_lc;
#[cfg(feature = "rsa")]
pub(crate) mod rust_rsa;
