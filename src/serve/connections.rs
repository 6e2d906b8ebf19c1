//! A cap on open connections. Each accepted connection is counted; when the cap is reached, the
//! connection that has waited longest without a request in hand (a slow or stalled request
//! head, an idle keep-alive) is closed to make room, so a real webhook never waits behind idle
//! sockets and the process never runs out of file descriptors. A connection whose request is
//! being handled is never closed this way.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use crate::lock::lock;

/// Descriptors kept free beside the connections: the listener, the inbox files being written,
/// the runtime's own, and `--convert`'s ledger and watcher.
const SPARE_DESCRIPTORS: u64 = 64;

/// The cap to use: the one asked for, lowered to what the process's descriptor limit allows.
pub fn effective_cap(asked: usize) -> usize {
    match descriptor_limit() {
        Some(limit) => asked.min(limit.saturating_sub(SPARE_DESCRIPTORS).max(8) as usize),
        None => asked,
    }
}

#[cfg(target_os = "linux")]
fn descriptor_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(target_os = "linux"))]
fn descriptor_limit() -> Option<u64> {
    None
}

/// The open connections, by the peer's address (unique per TCP connection while it is open).
#[derive(Debug)]
pub struct Connections {
    cap: usize,
    open: Mutex<HashMap<SocketAddr, Connection>>,
    /// Connections closed to make room since the last log line about it.
    shed_unlogged: Mutex<(usize, Option<Instant>)>,
}

#[derive(Debug)]
struct Connection {
    /// Requests being handled now.
    busy: usize,
    /// When it was opened or last finished a request.
    idle_since: Instant,
    close: Option<oneshot::Sender<()>>,
}

impl Connections {
    pub fn new(cap: usize) -> Arc<Connections> {
        Arc::new(Connections {
            cap: cap.max(1),
            open: Mutex::new(HashMap::new()),
            shed_unlogged: Mutex::new((0, None)),
        })
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Counts a new connection, closing the longest-idle one when the cap is reached. `None`
    /// when every open connection is handling a request: the new one is refused.
    fn admit(&self, peer: SocketAddr) -> Option<oneshot::Receiver<()>> {
        let mut open = lock(&self.open);
        if open.len() >= self.cap {
            let idle = open
                .iter()
                .filter(|(_, c)| c.busy == 0)
                .min_by_key(|(_, c)| c.idle_since)
                .map(|(peer, _)| *peer)?;
            if let Some(mut shed) = open.remove(&idle)
                && let Some(close) = shed.close.take()
            {
                let _ = close.send(());
            }
            self.note_shed();
        }
        let (close, closed) = oneshot::channel();
        open.insert(
            peer,
            Connection {
                busy: 0,
                idle_since: Instant::now(),
                close: Some(close),
            },
        );
        Some(closed)
    }

    fn forget(&self, peer: &SocketAddr) {
        lock(&self.open).remove(peer);
    }

    /// Marks a request of `peer` as being handled until the guard is dropped.
    pub fn busy(self: &Arc<Self>, peer: SocketAddr) -> Busy {
        if let Some(c) = lock(&self.open).get_mut(&peer) {
            c.busy += 1;
        }
        Busy {
            connections: self.clone(),
            peer,
        }
    }

    /// At most one line every ten seconds, however many connections are closed.
    fn note_shed(&self) {
        let mut shed = lock(&self.shed_unlogged);
        shed.0 += 1;
        if shed.1.is_none_or(|at| at.elapsed().as_secs() >= 10) {
            crate::report::stderr(format_args!(
                "bachata1c: {} connections open, the cap ([serve] max_connections, --max-connections): closed {} idle one(s) to make room",
                self.cap, shed.0
            ));
            *shed = (0, Some(Instant::now()));
        }
    }
}

/// A request being handled; its connection cannot be closed to make room meanwhile.
pub struct Busy {
    connections: Arc<Connections>,
    peer: SocketAddr,
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Some(c) = lock(&self.connections.open).get_mut(&self.peer) {
            c.busy = c.busy.saturating_sub(1);
            c.idle_since = Instant::now();
        }
    }
}

/// The acceptor that counts connections, around the plain or TLS one.
#[derive(Debug, Clone)]
pub struct Capped<A> {
    inner: A,
    connections: Arc<Connections>,
}

impl<A> Capped<A> {
    pub fn new(inner: A, connections: Arc<Connections>) -> Self {
        Capped { inner, connections }
    }
}

impl<A, S> Accept<TcpStream, S> for Capped<A>
where
    A: Accept<Counted, S> + Clone + Send + 'static,
    A::Future: Send + 'static,
    S: Send + 'static,
{
    type Stream = A::Stream;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = io::Result<(A::Stream, A::Service)>> + Send>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let connections = self.connections.clone();
        let inner = self.inner.clone();
        Box::pin(async move {
            let peer = stream.peer_addr()?;
            let Some(closed) = connections.admit(peer) else {
                return Err(io::Error::other(
                    "connection cap reached and every connection busy",
                ));
            };
            let counted = Counted {
                stream,
                peer,
                closed: Some(closed),
                connections,
            };
            inner.accept(counted, service).await
        })
    }
}

/// A connection's stream: it ends (as if reset) once its slot is given to a newer connection,
/// and leaves the count when dropped.
pub struct Counted {
    stream: TcpStream,
    peer: SocketAddr,
    /// `None` once the slot is known to stay ours (the registry dropped its end).
    closed: Option<oneshot::Receiver<()>>,
    connections: Arc<Connections>,
}

impl Counted {
    fn check_closed(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if let Some(closed) = &mut self.closed {
            match Pin::new(closed).poll(cx) {
                Poll::Ready(Ok(())) => {
                    return Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "closed to make room for a new connection",
                    ));
                }
                Poll::Ready(Err(_)) => self.closed = None,
                Poll::Pending => {}
            }
        }
        Ok(())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.connections.forget(&self.peer);
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check_closed(cx)?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn at_the_cap_the_longest_idle_connection_makes_room_and_busy_ones_never_do() {
        let connections = Connections::new(2);
        let mut first = connections.admit(peer(1)).unwrap();
        let mut second = connections.admit(peer(2)).unwrap();
        let busy = connections.busy(peer(2));
        // Full: the idle first one is closed for the third.
        let _third = connections.admit(peer(3)).unwrap();
        assert_eq!(first.try_recv(), Ok(()));
        assert!(second.try_recv().is_err());
        // Now the third is idle and the second busy: the fourth takes the third's place.
        let _fourth = connections.admit(peer(4)).unwrap();
        let _busy_too = connections.busy(peer(4));
        // Both open ones busy: a fifth is refused rather than closing a request in hand.
        assert!(connections.admit(peer(5)).is_none());
        drop(busy);
        assert!(connections.admit(peer(5)).is_some());
    }
}
