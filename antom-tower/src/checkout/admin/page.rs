//! What every admin page shares: the layout, escaping, the security
//! headers, the same-origin check of forms, redirects and the stylesheet.

use std::borrow::Cow;

use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// The stylesheet's file name under `{prefix}/admin/`.
pub(crate) const STYLESHEET_NAME: &str = "admin.css";

/// No script at all; styles and images only from the router itself; forms
/// only to it; never framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Text for HTML element content.
pub(crate) fn text(s: &str) -> Cow<'_, str> {
    html_escape::encode_text(s)
}

/// Text for a double-quoted attribute value.
pub(crate) fn attr(s: &str) -> Cow<'_, str> {
    html_escape::encode_double_quoted_attribute(s)
}

/// A path segment or query value, percent-encoded (then still escape it for HTML).
pub(crate) fn url_part(s: &str) -> String {
    super::super::handlers::urlencode(s)
}

/// A time in milliseconds since the Unix epoch, as `2026-12-02 16:00:21 UTC`.
pub(crate) fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// A full page: the navigation (when `nav`), `title` and `body` (already HTML).
pub(crate) fn html(status: StatusCode, base: &str, title: &str, nav: bool, body: &str) -> Response {
    let base_attr = attr(base);
    let navigation = if nav {
        format!(
            "<nav id=\"nav\"><a id=\"nav-orders\" href=\"{base_attr}/orders\">Orders</a> \
             <a id=\"nav-notifications\" href=\"{base_attr}/notifications\">Refused notifications</a> \
             <a id=\"nav-chart\" href=\"{base_attr}/chart\">Payments per hour</a> \
             <form id=\"logout-form\" method=\"post\" action=\"{base_attr}/logout\">\
             <button id=\"logout\" type=\"submit\">Log out</button></form></nav>"
        )
    } else {
        String::new()
    };
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Antom admin</title>\
         <link rel=\"stylesheet\" href=\"{base_attr}/{STYLESHEET_NAME}\"></head>\
         <body>{navigation}<main><h1 id=\"page-title\">{title}</h1>{body}</main></body></html>\n",
        title = text(title),
    );
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        page,
    )
        .into_response()
}

/// A page with only a message, e.g. for a refused request.
pub(crate) fn message(status: StatusCode, base: &str, title: &str, message: &str) -> Response {
    let body = format!("<p id=\"message\" class=\"message\">{}</p>", text(message));
    html(status, base, title, true, &body)
}

/// The answer to a store failure: 503 when it may pass, 500 otherwise.
pub(crate) fn store_failure(base: &str, e: &StoreError) -> Response {
    tracing::error!(error = %e, "admin page: order store failed");
    let status = if e.is_transient() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    message(status, base, "Store unavailable", "The order store failed; try again.")
}

/// `303 See Other` to `location` (a path of ours, already percent-encoded).
pub(crate) fn see_other(location: &str) -> Response {
    match HeaderValue::try_from(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// 403 for a form posted from another site (or without `Origin` and `Referer`).
pub(crate) fn cross_site(base: &str) -> Response {
    message(
        StatusCode::FORBIDDEN,
        base,
        "Refused",
        "This form was not sent from this site (Origin or Referer does not match the host).",
    )
}

/// Whether a state-changing request comes from a page of this host: its
/// `Origin`, or without one its `Referer`, names the request's `Host`
/// (CSRF protection; browsers send `Origin` with every form post).
pub(crate) fn same_origin(headers: &HeaderMap, uri: &Uri) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    let Some(host) = host else {
        return false;
    };
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source.and_then(|s| s.parse::<Uri>().ok()) else {
        return false;
    };
    source.scheme().is_some()
        && source
            .authority()
            .is_some_and(|a| a.as_str().eq_ignore_ascii_case(host))
}

/// Adds the security headers to every admin response.
pub(crate) async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// `GET {prefix}/admin/admin.css`.
pub(crate) async fn stylesheet() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        )],
        STYLESHEET,
    )
        .into_response()
}

const STYLESHEET: &str = "\
body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
main{padding:1rem 2rem;max-width:80rem}
nav{display:flex;gap:1.2rem;align-items:center;padding:.7rem 2rem;background:#1d3557}
nav a{color:#fff;text-decoration:none}nav form{margin-left:auto}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #dde1e6;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}td.amount,td.number{text-align:right;font-variant-numeric:tabular-nums}
form.filters,form.refund{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:1rem 0}
label{display:flex;flex-direction:column;font-size:.85rem}
input,select,button{font:inherit;padding:.25rem .4rem}
.message{padding:.6rem .8rem;background:#fff3cd;border:1px solid #e0c36a}
.result-succeeded,.outcome-applied{color:#17663a}.result-failed,.outcome-refused{color:#a61b1b}
ol.timeline{list-style:none;padding:0}ol.timeline li{background:#fff;margin:.3rem 0;padding:.5rem .7rem;\
border-left:4px solid #8a94a3}
li.kind-state{border-color:#1d3557}li.kind-notification{border-color:#6a4c93}li.kind-refund{border-color:#e07a1f}
li.kind-dispute{border-color:#a61b1b}li.kind-capture{border-color:#17663a}li.kind-event{border-color:#457b9d}
.when{color:#5b6472;font-size:.85rem;margin-right:.6rem}.detail{color:#3b434d;font-size:.9rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dd{margin:0}
dl.legend{grid-template-columns:max-content max-content}
svg .bar.outcome-paid,.legend .outcome-paid{fill:#2a9d5b;color:#2a9d5b}
svg .bar.outcome-failed,.legend .outcome-failed{fill:#d64545;color:#d64545}
svg .bar.outcome-pending,.legend .outcome-pending{fill:#b0b8c4;color:#8a94a3}
svg text{font-size:10px;fill:#5b6472}svg line.axis{stroke:#8a94a3}
";
