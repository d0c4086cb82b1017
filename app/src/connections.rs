//! Limits on the HTTP server's TCP connections against slow or idle clients: at most
//! `max_connections` open at once, and a deadline for each request head. The third limit,
//! the idle timeout, is poem's own (`Server::idle_timeout`), set by [`serve`].
//!
//! Hand-written because poem 3.1 builds hyper's connection itself and exposes neither
//! hyper's `header_read_timeout` (which also needs a timer poem does not give it) nor a
//! connection cap. The head deadline is kept here by watching the bytes read: a request head
//! ends at its first empty line, and the next one starts at the first byte read after a
//! response was written. Those two facts hold for every HTTP/1 request, so no parsing is needed.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use poem::listener::{Acceptor, TcpAcceptor};
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Endpoint, Server};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

use crate::Settings;

/// How long in-flight requests may finish after the shutdown signal.
const GRACE: Duration = Duration::from_secs(10);

/// Serves `routes` on `listener` with the connection limits of `settings` until `shutdown`.
///
/// # Errors
/// Listener errors.
pub async fn serve(
    listener: TcpListener,
    settings: &Settings,
    routes: impl Endpoint + 'static,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let acceptor = LimitedAcceptor {
        inner: TcpAcceptor::from_tokio(listener)?,
        permits: Arc::new(Semaphore::new(settings.max_connections)),
        header_read: Duration::from_secs(settings.header_read_timeout_secs),
    };
    Server::new_with_acceptor(acceptor)
        .idle_timeout(Duration::from_secs(settings.idle_timeout_secs))
        .run_with_graceful_shutdown(routes, shutdown, Some(GRACE))
        .await
}

/// A TCP acceptor that holds one permit per open connection: past the cap it stops
/// accepting, so further connections wait in the kernel's backlog until one closes.
struct LimitedAcceptor {
    inner: TcpAcceptor,
    permits: Arc<Semaphore>,
    header_read: Duration,
}

impl Acceptor for LimitedAcceptor {
    type Io = LimitedStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(
        &mut self,
    ) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, poem::http::uri::Scheme)> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(io::Error::other)?;
        let (inner, local, remote, scheme) = self.inner.accept().await?;
        let stream = LimitedStream {
            inner,
            _permit: permit,
            head: HeadDeadline::new(self.header_read),
        };
        Ok((stream, local, remote, scheme))
    }
}

/// An accepted connection: gives its permit back when dropped, and fails a read once a
/// request head has taken longer than the deadline.
struct LimitedStream {
    inner: TcpStream,
    _permit: OwnedSemaphorePermit,
    head: HeadDeadline,
}

/// Where the connection stands in its current request head.
struct HeadDeadline {
    limit: Duration,
    /// While a head is under way (a connection starts in one): fires `limit` after it began.
    /// Dropped when the head ends, so that a stale timer wakes nothing: a spurious wake-up
    /// makes hyper flush, which poem's idle timeout would count as activity.
    deadline: Option<Pin<Box<Sleep>>>,
    /// A response was written since the last head ended: the next byte read starts a head.
    answered: bool,
    /// Line feeds in a row, ignoring carriage returns: 2 ends a head (CRLF CRLF or LF LF).
    newlines: u8,
    /// HTTP/2 with prior knowledge: its frames have no heads to time, so nothing is checked.
    http2: bool,
    /// Bytes read so far that match the start of the HTTP/2 preface; `None` once one does not.
    preface: Option<usize>,
}

/// How an HTTP/2 connection begins.
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

impl HeadDeadline {
    fn new(limit: Duration) -> Self {
        Self {
            limit,
            deadline: Some(Box::pin(tokio::time::sleep(limit))),
            answered: false,
            newlines: 0,
            http2: false,
            preface: Some(0),
        }
    }

    /// Whether the head under way is past its deadline (registering the wake-up if not).
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        !self.http2
            && self
                .deadline
                .as_mut()
                .is_some_and(|d| d.as_mut().poll(cx).is_ready())
    }

    /// Follows the bytes just read.
    fn read(&mut self, bytes: &[u8]) {
        if let Some(start) = self.preface {
            let end = (start + bytes.len()).min(HTTP2_PREFACE.len());
            let matches = bytes.get(..end - start) == HTTP2_PREFACE.get(start..end);
            self.http2 = matches && end == HTTP2_PREFACE.len();
            self.preface = (matches && !self.http2).then_some(end);
        }
        for &b in bytes {
            if self.deadline.is_none() && self.answered {
                self.answered = false;
                self.newlines = 0;
                self.deadline = Some(Box::pin(tokio::time::sleep(self.limit)));
            }
            if self.deadline.is_none() {
                continue;
            }
            match b {
                b'\n' => {
                    self.newlines += 1;
                    if self.newlines == 2 {
                        self.deadline = None;
                    }
                }
                b'\r' => {}
                _ => self.newlines = 0,
            }
        }
    }
}

impl AsyncRead for LimitedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.head.expired(cx) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "request head not received in time",
            )));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.head.read(&buf.filled()[before..]);
        }
        polled
    }
}

impl AsyncWrite for LimitedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = polled
            && n > 0
        {
            this.head.answered = true;
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = polled
            && n > 0
        {
            this.head.answered = true;
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_head_ends_at_its_first_empty_line_and_the_next_begins_after_an_answer() {
        let mut h = HeadDeadline::new(Duration::from_secs(1));
        h.read(b"GET / HTTP/1.1\r\nHost: x\r\n");
        assert!(h.deadline.is_some());
        h.read(b"\r\n");
        assert!(h.deadline.is_none());
        h.read(b"body bytes");
        assert!(h.deadline.is_none(), "a body is not a head");
        h.answered = true;
        h.read(b"G");
        assert!(
            h.deadline.is_some(),
            "the next request's first byte starts its head"
        );
        h.read(b"ET / HTTP/1.1\n\n");
        assert!(h.deadline.is_none(), "bare line feeds end a head too");
    }

    #[tokio::test]
    async fn http2_with_prior_knowledge_is_not_timed() {
        let mut h = HeadDeadline::new(Duration::from_secs(1));
        h.read(b"PRI * HTTP/2");
        h.read(b".0\r\n\r\nSM\r\n\r\n");
        assert!(h.http2);
        let mut h = HeadDeadline::new(Duration::from_secs(1));
        h.read(b"GET / HTTP/1.1\r\n\r\n");
        h.read(b"PRI * HTTP/2.0\r\n\r\n");
        assert!(
            !h.http2,
            "only a connection's first bytes can make it HTTP/2"
        );
    }
}
