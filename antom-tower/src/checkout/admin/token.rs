//! [`TokenAuthorization`]: a ready-made authorization layer for the admin
//! router, for a shop with one secret admin token.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{FromRequest, Request};
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tower::{Layer, Service};
use zeroize::Zeroizing;

use super::page::{self, attr};
use super::AdminBase;

/// The shortest token [`TokenAuthorization::new`] accepts.
pub const MIN_TOKEN_LEN: usize = 16;

/// How long a login lasts by default: 12 hours.
const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(12 * 60 * 60);

const COOKIE: &str = "antom_admin_session";

/// A token [`TokenAuthorization`] does not accept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Shorter than [`MIN_TOKEN_LEN`] characters (or blank).
    #[error("the admin token must have at least {MIN_TOKEN_LEN} characters")]
    TooShort,
    /// The environment variable is set but not valid Unicode.
    #[error("the environment variable {0} is not valid Unicode")]
    NotUnicode(String),
}

/// The admin router's authorization by one secret token: a ready-made
/// layer for a shop with one admin token.
///
/// A request is authorized by `Authorization: Bearer <token>` (for scripts)
/// or by the session cookie its login form sets (for a browser):
///
/// * `GET {prefix}/admin/login` shows the form; `POST` checks the token
///   (the form must come from this host, see the [admin](crate::checkout::admin) module),
///   sets the cookie (`HttpOnly`, `SameSite=Strict`, `Secure`,
///   `Path={prefix}/admin`, for [`TokenAuthorization::session_ttl`]) and
///   answers `303` to the orders; a wrong token answers 401 with the form.
/// * `POST {prefix}/admin/logout` removes the cookie.
/// * Without a valid token or cookie, `GET` pages answer `303` to the
///   login form, anything else 401.
///
/// Tokens are compared in constant time. The cookie holds no token: it is
/// the session's expiry signed with HMAC-SHA256 under a key derived from the
/// token, so changing the token ends every session. The layer keeps only
/// that derived key, and its `Debug` output shows nothing of it.
///
/// **The token must come from configuration** (an environment variable, a
/// secret store; see [`TokenAuthorization::from_env`]), never from source
/// code, and be long and random (at least [`MIN_TOKEN_LEN`] characters), for
/// example `openssl rand -base64 32`.
///
/// Made for [`Checkout::admin_router`](crate::checkout::Checkout::admin_router), which tells it
/// where the admin lives ([`AdminBase`]); elsewhere it assumes `/admin`.
#[derive(Clone)]
pub struct TokenAuthorization {
    inner: Arc<Secret>,
}

struct Secret {
    /// SHA-256 of the token: compared against, and the cookies' HMAC key.
    key: Zeroizing<[u8; 32]>,
    session_ttl: Duration,
    secure_cookie: bool,
}

impl fmt::Debug for TokenAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAuthorization")
            .field("token", &"<redacted>")
            .field("session_ttl", &self.inner.session_ttl)
            .field("secure_cookie", &self.inner.secure_cookie)
            .finish()
    }
}

impl TokenAuthorization {
    /// Authorization by `token` (from your configuration: never hard-code
    /// it). Refuses a token shorter than [`MIN_TOKEN_LEN`] characters.
    pub fn new(token: impl Into<String>) -> Result<TokenAuthorization, TokenError> {
        let token = Zeroizing::new(token.into());
        let trimmed = token.trim();
        if trimmed.chars().count() < MIN_TOKEN_LEN {
            return Err(TokenError::TooShort);
        }
        Ok(TokenAuthorization {
            inner: Arc::new(Secret {
                key: Zeroizing::new(digest(trimmed.as_bytes())),
                session_ttl: DEFAULT_SESSION_TTL,
                secure_cookie: true,
            }),
        })
    }

    /// The token in the environment variable `name`; `Ok(None)` when it is
    /// unset or empty (then do not mount the admin router, and say so).
    pub fn from_env(name: &str) -> Result<Option<TokenAuthorization>, TokenError> {
        match std::env::var(name) {
            Ok(token) if token.trim().is_empty() => Ok(None),
            Ok(token) => TokenAuthorization::new(token).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(TokenError::NotUnicode(name.to_owned())),
        }
    }

    /// How long a login lasts (default 12 hours).
    pub fn session_ttl(self, ttl: Duration) -> TokenAuthorization {
        self.with(|secret| secret.session_ttl = ttl)
    }

    /// Whether the session cookie is marked `Secure` (default `true`: only
    /// sent over HTTPS, and by browsers to `localhost`). Turn it off only
    /// for plain-HTTP development on another host name.
    pub fn secure_cookie(self, secure: bool) -> TokenAuthorization {
        self.with(|secret| secret.secure_cookie = secure)
    }

    fn with(self, change: impl FnOnce(&mut Secret)) -> TokenAuthorization {
        let mut secret = Secret {
            key: self.inner.key.clone(),
            session_ttl: self.inner.session_ttl,
            secure_cookie: self.inner.secure_cookie,
        };
        change(&mut secret);
        TokenAuthorization {
            inner: Arc::new(secret),
        }
    }
}

impl<S> Layer<S> for TokenAuthorization {
    type Service = TokenAuthorizationService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TokenAuthorizationService {
            inner,
            secret: Arc::clone(&self.inner),
        }
    }
}

/// The service of [`TokenAuthorization`].
#[derive(Clone)]
pub struct TokenAuthorizationService<S> {
    inner: S,
    secret: Arc<Secret>,
}

impl<S> fmt::Debug for TokenAuthorizationService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAuthorizationService").finish_non_exhaustive()
    }
}

impl<S> Service<Request> for TokenAuthorizationService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The clone that was not polled ready stays here; the ready one serves.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let secret = Arc::clone(&self.secret);
        Box::pin(async move {
            let base = request
                .extensions()
                .get::<AdminBase>()
                .map_or_else(|| "/admin".to_owned(), |base| base.path().to_owned());
            let path = request.uri().path();
            let login = format!("{base}/login");
            let authorized = secret.authorizes(request.headers());
            let response = match *request.method() {
                Method::POST if path == login => secret.log_in(&base, request).await,
                Method::POST if path == format!("{base}/logout") => log_out(&base, &request),
                Method::GET | Method::HEAD if path == format!("{base}/{}", page::STYLESHEET_NAME) => {
                    inner.call(request).await?
                }
                Method::GET | Method::HEAD if path == login && !authorized => login_page(StatusCode::OK, &base, false),
                _ if authorized => inner.call(request).await?,
                Method::GET | Method::HEAD => page::see_other(&login),
                _ => page::message(
                    StatusCode::UNAUTHORIZED,
                    &base,
                    "Unauthorized",
                    "Log in first (or send Authorization: Bearer <token>).",
                ),
            };
            Ok(response)
        })
    }
}

impl Secret {
    /// Whether the request carries the token or a live session cookie.
    fn authorizes(&self, headers: &axum::http::HeaderMap) -> bool {
        let bearer = headers
            .get_all(header::AUTHORIZATION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.strip_prefix("Bearer "))
            .any(|token| self.is_token(token.trim()));
        bearer
            || headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
                .any(|value| self.is_session(value, crate::store::now_ms()))
    }

    /// Constant time, whatever the lengths: both sides are hashed first.
    fn is_token(&self, candidate: &str) -> bool {
        bool::from(digest(candidate.as_bytes()).ct_eq(&*self.key))
    }

    /// A cookie value `<expires_ms>.<hex hmac>` that is signed by us and not expired.
    fn is_session(&self, value: &str, now_ms: i64) -> bool {
        let Some((expires, signature)) = value.split_once('.') else {
            return false;
        };
        let (Ok(expires_ms), Some(signature)) = (expires.parse::<i64>(), unhex(signature)) else {
            return false;
        };
        expires_ms > now_ms && self.mac(expires_ms).verify_slice(&signature).is_ok()
    }

    fn mac(&self, expires_ms: i64) -> Hmac<Sha256> {
        // A key of any length is accepted.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.key).expect("HMAC takes any key length");
        mac.update(b"antom-admin-session:");
        mac.update(expires_ms.to_string().as_bytes());
        mac
    }

    /// `POST {base}/login`: sets the cookie for the right token from this site.
    async fn log_in(&self, base: &str, request: Request) -> Response {
        if !page::same_origin(request.headers(), request.uri()) {
            return page::cross_site(base);
        }
        let form = Form::<LoginForm>::from_request(request, &()).await;
        let Ok(Form(form)) = form else {
            return login_page(StatusCode::BAD_REQUEST, base, true);
        };
        let token = Zeroizing::new(form.token);
        if !self.is_token(token.trim()) {
            tracing::warn!("admin login with a wrong token");
            return login_page(StatusCode::UNAUTHORIZED, base, true);
        }
        let ttl_ms = i64::try_from(self.session_ttl.as_millis()).unwrap_or(i64::MAX);
        let expires_ms = crate::store::now_ms().saturating_add(ttl_ms);
        let signature: String = self
            .mac(expires_ms)
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let cookie = format!(
            "{COOKIE}={expires_ms}.{signature}; Path={base}; Max-Age={}; HttpOnly; SameSite=Strict{}",
            self.session_ttl.as_secs(),
            if self.secure_cookie { "; Secure" } else { "" }
        );
        let mut response = page::see_other(&format!("{base}/orders"));
        if let Ok(value) = HeaderValue::try_from(cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        response
    }
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

/// `POST {base}/logout`: removes the cookie (from this site only).
fn log_out(base: &str, request: &Request) -> Response {
    if !page::same_origin(request.headers(), request.uri()) {
        return page::cross_site(base);
    }
    let mut response = page::see_other(&format!("{base}/login"));
    let cookie = format!("{COOKIE}=; Path={base}; Max-Age=0; HttpOnly; SameSite=Strict");
    if let Ok(value) = HeaderValue::try_from(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn login_page(status: StatusCode, base: &str, wrong: bool) -> Response {
    let error = if wrong {
        "<p id=\"login-error\" class=\"message result-failed\">Wrong token.</p>"
    } else {
        ""
    };
    let body = format!(
        "{error}<form id=\"login-form\" method=\"post\" action=\"{}/login\">\
         <label>Admin token<input id=\"login-token\" name=\"token\" type=\"password\" required \
         autocomplete=\"current-password\"></label>\
         <button id=\"login-submit\" type=\"submit\">Log in</button></form>",
        attr(base)
    );
    page::html(status, base, "Log in", false, &body).into_response()
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tokens_are_refused_and_debug_shows_nothing() {
        assert!(matches!(TokenAuthorization::new("short"), Err(TokenError::TooShort)));
        let auth = TokenAuthorization::new("a-long-enough-admin-token").unwrap();
        assert!(!format!("{auth:?}").contains("long-enough"));
    }

    #[test]
    fn sessions_are_signed_and_expire() {
        let auth = TokenAuthorization::new("a-long-enough-admin-token").unwrap();
        let other = TokenAuthorization::new("another-long-admin-token").unwrap();
        let signed = |secret: &Secret, expires_ms: i64| {
            let sig: String = secret
                .mac(expires_ms)
                .finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("{expires_ms}.{sig}")
        };
        let cookie = signed(&auth.inner, 2_000);
        assert!(auth.inner.is_session(&cookie, 1_000));
        assert!(!auth.inner.is_session(&cookie, 2_000), "expired");
        assert!(!other.inner.is_session(&cookie, 1_000), "another token's key");
        let tampered = cookie.replacen("2000", "9000", 1);
        assert!(!auth.inner.is_session(&tampered, 1_000));
        assert!(!auth.inner.is_session("garbage", 1_000));
        assert!(auth.inner.is_token("a-long-enough-admin-token"));
        assert!(!auth.inner.is_token("a-long-enough-admin-tokeN"));
    }
}
