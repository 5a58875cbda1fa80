//! [`VerifyNotificationFuture`]: buffers the body, verifies it, then calls the inner service.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{request, HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{Either, Full};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::{NotificationRejection, PendingNotification};
use crate::body::{CollectError, CollectLimited};
use crate::error::BoxError;

pin_project! {
    /// The response future of [`VerifyNotification`](super::VerifyNotification).
    pub struct VerifyNotificationFuture<S, ReqBody>
    where
        S: Service<Request<Full<Bytes>>>,
    {
        #[pin]
        state: State<S, ReqBody>,
    }
}

impl<S, ReqBody> VerifyNotificationFuture<S, ReqBody>
where
    S: Service<Request<Full<Bytes>>>,
{
    /// Answers `response` without reading the body or calling the inner service.
    pub(super) fn rejected(response: Response<Full<Bytes>>) -> Self {
        Self {
            state: State::Rejected {
                response: Some(response),
            },
        }
    }

    /// Reads `body`, then verifies it and calls the inner service of `pending`.
    pub(super) fn buffering(
        body: CollectLimited<ReqBody>,
        body_read_timeout: Option<Duration>,
        pending: Pending<S>,
    ) -> Self {
        Self {
            state: State::Buffering {
                body,
                body_read_timeout,
                deadline: None,
                pending: Some(pending),
            },
        }
    }
}

impl<S, ReqBody, ResBody> Future for VerifyNotificationFuture<S, ReqBody>
where
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>>,
    ReqBody: Body,
    ReqBody::Error: Into<BoxError>,
{
    type Output = Result<Response<Either<ResBody, Full<Bytes>>>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProj::Rejected { response } => {
                    let response = response
                        .take()
                        .unwrap_or_else(|| internal_error("VerifyNotificationFuture polled after completion"));
                    return Poll::Ready(Ok(response.map(Either::Right)));
                }
                StateProj::Buffering {
                    body,
                    body_read_timeout,
                    pending,
                    deadline,
                } => {
                    let collected = match body.poll(cx) {
                        Poll::Ready(collected) => collected,
                        Poll::Pending => {
                            // Armed only once the body keeps us waiting, and only inside Tokio.
                            let timeout = (*body_read_timeout).filter(|_| pending.is_some());
                            if let (None, Some(timeout)) = (deadline.as_ref(), timeout) {
                                if tokio::runtime::Handle::try_current().is_ok() {
                                    *deadline = Some(Box::pin(tokio::time::sleep(timeout)));
                                }
                            }
                            let expired = deadline
                                .as_mut()
                                .is_some_and(|sleep| sleep.as_mut().poll(cx).is_ready());
                            if let (true, Some(timeout)) = (expired, timeout) {
                                if let Some(waiting) = pending.take() {
                                    let rejection = NotificationRejection::BodyReadTimeout { timeout };
                                    let response = waiting.notification.reject(rejection).to_response();
                                    return Poll::Ready(Ok(response.map(Either::Right)));
                                }
                            }
                            return Poll::Pending;
                        }
                    };
                    let Some(Pending {
                        mut parts,
                        mut inner,
                        notification,
                    }) = pending.take()
                    else {
                        let response = internal_error("VerifyNotificationFuture polled after completion");
                        return Poll::Ready(Ok(response.map(Either::Right)));
                    };
                    let verified = match collected {
                        Ok(body) => notification.verify_body(&body).map(|verified| (verified, body)),
                        Err(error) => {
                            let rejection = body_rejection(error, notification.body_limit());
                            Err(notification.reject(rejection))
                        }
                    };
                    match verified {
                        Ok((verified, body)) => {
                            parts.extensions.insert(verified);
                            let future = inner.call(Request::from_parts(parts, Full::new(body)));
                            state.set(State::Calling { future });
                        }
                        Err(rejection) => return Poll::Ready(Ok(rejection.to_response().map(Either::Right))),
                    }
                }
                StateProj::Calling { future } => {
                    let response = ready!(future.poll(cx))?;
                    return Poll::Ready(Ok(response.map(Either::Left)));
                }
            }
        }
    }
}

impl<S, ReqBody> fmt::Debug for VerifyNotificationFuture<S, ReqBody>
where
    S: Service<Request<Full<Bytes>>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyNotificationFuture").finish_non_exhaustive()
    }
}

/// A request whose headers passed, waiting for its body.
pub(super) struct Pending<S> {
    pub(super) parts: request::Parts,
    pub(super) inner: S,
    pub(super) notification: PendingNotification,
}

pin_project! {
    #[project = StateProj]
    enum State<S, ReqBody>
    where
        S: Service<Request<Full<Bytes>>>,
    {
        Rejected {
            response: Option<Response<Full<Bytes>>>,
        },
        Buffering {
            #[pin]
            body: CollectLimited<ReqBody>,
            body_read_timeout: Option<Duration>,
            pending: Option<Pending<S>>,
            // The body read timeout, armed when the body first keeps us waiting.
            deadline: Option<Pin<Box<tokio::time::Sleep>>>,
        },
        Calling {
            #[pin]
            future: S::Future,
        },
    }
}

fn body_rejection(error: CollectError, limit: usize) -> NotificationRejection {
    match error {
        CollectError::TooLarge => NotificationRejection::BodyTooLarge { limit },
        CollectError::Body(error) => NotificationRejection::BodyRead(std::sync::Arc::from(error)),
    }
}

/// A 500 for states that correct use of a future never reaches.
fn internal_error(message: &'static str) -> Response<Full<Bytes>> {
    tracing::error!("{message}");
    let mut response = Response::new(Full::new(Bytes::from_static(
        br#"{"error":"internal_error","message":"internal error"}"#,
    )));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
