//! AWS-LC backend: OpenSSL-class speed, constant-time RSA, incremental hashing.

use aws_lc_rs::digest::{Context, SHA256};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use zeroize::Zeroizing;

use super::super::content::SigningContent;

/// A parsed RSA private key (AWS-LC frees and cleanses it on drop).
pub(crate) struct PrivateKey(KeyPair);

/// A parsed RSA public key, parsed once and reused for every verification.
pub(crate) struct PublicKey(ParsedPublicKey);

fn digest(content: &SigningContent<'_>) -> aws_lc_rs::digest::Digest {
    let mut ctx = Context::new(&SHA256);
    content.for_each_part(|part| ctx.update(part));
    ctx.finish()
}

impl PrivateKey {
    pub(crate) fn from_pkcs8(der: &[u8]) -> Option<Self> {
        KeyPair::from_pkcs8(der).ok().map(Self)
    }

    pub(crate) fn from_pkcs1(der: &[u8]) -> Option<Self> {
        KeyPair::from_der(der).ok().map(Self)
    }

    pub(crate) fn generate() -> Option<Self> {
        KeyPair::generate(KeySize::Rsa2048).ok().map(Self)
    }

    pub(crate) fn modulus_bits(&self) -> usize {
        self.0.public_modulus_len() * 8
    }

    pub(crate) fn sign(&self, content: &SigningContent<'_>) -> Option<Vec<u8>> {
        let mut signature = vec![0; self.0.public_modulus_len()];
        self.0
            .sign_digest(&RSA_PKCS1_SHA256, &digest(content), &mut signature)
            .ok()?;
        Some(signature)
    }

    pub(crate) fn to_pkcs8_der(&self) -> Option<Zeroizing<Vec<u8>>> {
        let der: Pkcs8V1Der<'static> = self.0.as_der().ok()?;
        Some(Zeroizing::new(der.as_ref().to_vec()))
    }

    pub(crate) fn public_spki_der(&self) -> Option<Vec<u8>> {
        use aws_lc_rs::signature::KeyPair as _;
        let der: PublicKeyX509Der<'static> = self.0.public_key().as_der().ok()?;
        Some(der.as_ref().to_vec())
    }
}

impl PublicKey {
    /// Accepts X.509 SubjectPublicKeyInfo or PKCS#1 RSAPublicKey DER.
    pub(crate) fn from_der(der: &[u8]) -> Option<Self> {
        ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der).ok().map(Self)
    }

    pub(crate) fn modulus_bits(&self) -> Option<usize> {
        let spki = self.spki_der()?;
        aws_lc_rs::rsa::PublicKey::from_der(&spki)
            .ok()
            .map(|k| k.modulus_len() * 8)
    }

    pub(crate) fn spki_der(&self) -> Option<Vec<u8>> {
        let der: PublicKeyX509Der<'static> = self.0.as_der().ok()?;
        Some(der.as_ref().to_vec())
    }

    pub(crate) fn verify(&self, content: &SigningContent<'_>, signature: &[u8]) -> bool {
        self.0.verify_digest_sig(&digest(content), signature).is_ok()
    }
}
