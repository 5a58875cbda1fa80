//! The admin pages (feature `admin`): where a merchant sees what happened to
//! an order and fixes it, server-rendered, working without JavaScript.
//!
//! | route | page |
//! | --- | --- |
//! | `GET {prefix}/admin/orders` | orders, newest first, filtered by status, created date range and payment method, a page at a time |
//! | `GET {prefix}/admin/orders/{id}` | an order's timeline: state changes, notifications from the inbox with their outcomes, refunds, disputes, captures and outbox events, by time; a refund form on a paid order |
//! | `POST {prefix}/admin/orders/{id}/refunds` | the refund form (amount in major units as typed, reason): [`Checkout::refund`], then back to the timeline |
//! | `GET {prefix}/admin/notifications` | refused and unmatched notifications with their reason and a replay button |
//! | `POST {prefix}/admin/notifications/{id}/replay` | [`Checkout::replay`], then back to the list showing the outcome |
//! | `GET {prefix}/admin/chart` | payments per hour by outcome over the last 24 hours, as inline SVG |
//!
//! Every response carries `X-Frame-Options: DENY`, `X-Content-Type-Options:
//! nosniff`, `Cache-Control: no-store`, `Referrer-Policy: same-origin` and a
//! Content-Security-Policy that allows no script at all and only the
//! router's own stylesheet. Everything shown is HTML-escaped. Requests that
//! change something are `POST` forms whose `Origin` (or, without one,
//! `Referer`) must name the request's own `Host`; they answer `303 See
//! Other`. Behind a reverse proxy, forward the original `Host` header.
//!
//! The pages move money, so the router exists only together with an
//! authorization layer of yours ([`Checkout::admin_router`]); there is no
//! way to mount it open. For the common case, [`TokenAuthorization`] checks a
//! secret token (`Authorization: Bearer <token>`, or a session cookie set by
//! its login form at `{prefix}/admin/login`). **Read the token from your
//! configuration (an environment variable, a secret store), never from
//! source code**, and without one do not mount the admin at all:
//!
//! ```no_run
//! use antom_tower::checkout::admin::TokenAuthorization;
//! use antom_tower::checkout::Checkout;
//!
//! # async fn run(checkout: Checkout) -> Result<(), Box<dyn std::error::Error>> {
//! let mut app = axum::Router::new().merge(checkout.router());
//! match TokenAuthorization::from_env("ANTOM_ADMIN_TOKEN")? {
//!     Some(authorization) => app = app.merge(checkout.admin_router(authorization)),
//!     None => eprintln!("ANTOM_ADMIN_TOKEN is not set: the admin pages are not mounted"),
//! }
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! antom_tower::serve::Server::new(listener).serve(app).await?;
//! # Ok(()) }
//! ```
//!
//! A layer of your own (single sign-on, a VPN header) works the same way:
//! it sees every admin request, including `{prefix}/admin/login` and
//! `{prefix}/admin/logout`, which the router itself only answers with a
//! redirect to the orders once a request got through. [`AdminBase`], in each
//! request's extensions, tells a layer where the admin lives.

mod chart;
mod notifications;
mod orders;
mod page;
mod timeline;
mod token;

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, Route};
use axum::{Extension, Router};
use tower::{Layer, Service};

pub use token::{TokenAuthorization, TokenAuthorizationService, TokenError, MIN_TOKEN_LEN};

use super::Checkout;

/// Where the admin pages live (`{prefix}/admin`), put in every admin
/// request's extensions before the authorization layer runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminBase(Arc<str>);

impl AdminBase {
    /// The path, e.g. `/antom/admin`.
    pub fn path(&self) -> &str {
        &self.0
    }

    /// The login page's path, e.g. `/antom/admin/login`.
    pub fn login(&self) -> String {
        format!("{}/login", self.0)
    }
}

/// What the admin handlers share.
#[derive(Clone)]
pub(crate) struct Admin {
    pub(crate) checkout: Checkout,
    pub(crate) base: AdminBase,
}

impl Checkout {
    /// The admin pages under `{prefix}/admin` (see [`admin`](self)) behind
    /// `authorization`, a layer of yours that must refuse unauthorized
    /// requests (the pages refund money and replay notifications), or
    /// [`TokenAuthorization`]. Merge the router into your app. There is no
    /// way to mount the pages without a layer.
    pub fn admin_router<L>(&self, authorization: L) -> Router
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        let base = AdminBase(Arc::from(format!("{}/admin", self.inner.prefix)));
        let b = base.path();
        let admin = Admin {
            checkout: self.clone(),
            base: base.clone(),
        };
        Router::new()
            .route(b, get(to_orders))
            .route(&format!("{b}/orders"), get(orders::page))
            .route(&format!("{b}/orders/{{id}}"), get(timeline::page))
            .route(&format!("{b}/orders/{{id}}/refunds"), post(timeline::refund))
            .route(&format!("{b}/notifications"), get(notifications::page))
            .route(&format!("{b}/notifications/{{id}}/replay"), post(notifications::replay))
            .route(&format!("{b}/chart"), get(chart::page))
            .route(&format!("{b}/{}", page::STYLESHEET_NAME), get(page::stylesheet))
            // Reached only through the authorization layer, which serves the
            // login form itself: an authorized request goes on to the orders.
            .route(&format!("{b}/login"), get(to_orders).post(to_orders))
            .route(&format!("{b}/logout"), post(to_orders))
            .route_layer(authorization)
            // Outside the authorization layer: its answers get the headers too.
            .layer(axum::middleware::map_response(page::security_headers))
            .layer(Extension(base))
            .with_state(admin)
    }
}

async fn to_orders(State(admin): State<Admin>) -> Response {
    page::see_other(&format!("{}/orders", admin.base.path()))
}
