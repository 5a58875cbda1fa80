//! The listener: HTTP/1.1 on a loopback port, with the ability to close a
//! connection without answering.

use std::net::SocketAddr;

use super::service::{respond, MockService};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Accepts connections until `shutdown` turns true; open connections are
/// dropped then.
pub(crate) fn spawn(listener: TcpListener, service: MockService, shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut stop = shutdown.clone();
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stop.wait_for(|down| *down) => break,
            };
            let (stream, peer) = match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "mock Antom: accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            let service = service.clone();
            let mut stop = shutdown.clone();
            tokio::spawn(async move {
                let router = service.router().clone();
                let handler = service_fn(move |request: Request<Incoming>| {
                    respond(router.clone(), request.map(axum::body::Body::new))
                });
                let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), handler);
                tokio::select! {
                    result = connection => {
                        if let Err(e) = result {
                            tracing::debug!(%peer, error = %e, "mock Antom: connection closed");
                        }
                    }
                    _ = stop.wait_for(|down| *down) => {}
                }
            });
        }
    })
}

/// Binds a listener (port 0: the OS picks a free one).
pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
