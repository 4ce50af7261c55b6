//! The background side of a forwarder: connect, send, reconnect.

use std::sync::Arc;
use std::time::Duration;

use asyncio_server::{Stream, TlsClientConfig, connect_stream};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _, BufWriter};
use tokio::sync::mpsc;

use super::handle::Shared;
use crate::server::BANNER;

/// Longest wait for the server to close after our last record, when the forwarder ends.
const LINGER: Duration = Duration::from_secs(2);
/// Most records taken from the queue for one write.
const BATCH: usize = 256;

/// The background side: owns the queue's receiver and the connection.
pub(super) struct ForwardTask {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) retry: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) tls: Option<TlsClientConfig>,
    pub(super) shared: Arc<Shared>,
    pub(super) rx: mpsc::Receiver<String>,
}

/// Why a connection ended.
enum End {
    /// Asked to stop, or every layer is gone and the queue is empty: the thread ends.
    Finished,
    /// The connection broke: reconnect after the retry pause.
    Lost,
}

impl ForwardTask {
    pub(super) async fn run(mut self) {
        // Records taken from the queue but not known to be written: sent again after a
        // reconnection (so a record may arrive twice, never silently vanish on our side).
        let mut batch: Vec<String> = Vec::with_capacity(BATCH);
        loop {
            // Nobody can log any more and nothing is left to send: give up on the server.
            if self.rx.is_closed() && self.rx.is_empty() && batch.is_empty() {
                return;
            }
            let attempt = connect_stream(
                &self.host,
                self.port,
                self.tls.as_ref(),
                self.connect_timeout,
            );
            let connected = tokio::select! {
                _ = self.shared.stop.notified() => return,
                _ = self.shared.finish.notified() => {
                    self.rx.close();
                    continue;
                }
                result = attempt => result,
            };
            if let Ok(stream) = connected {
                self.shared.set_connected(true);
                let end = self.session(stream, &mut batch).await;
                self.shared.set_connected(false);
                if let End::Finished = end {
                    return;
                }
            }
            tokio::select! {
                _ = self.shared.stop.notified() => return,
                _ = self.shared.finish.notified() => self.rx.close(),
                _ = tokio::time::sleep(self.retry) => {}
            }
        }
    }

    async fn session(&mut self, stream: Stream, batch: &mut Vec<String>) -> End {
        let (mut read, write) = tokio::io::split(stream);
        let mut write = BufWriter::with_capacity(64 * 1024, write);
        let mut scratch = [0u8; 512];
        // The banner line opens every connection.
        if write.write_all(BANNER.as_bytes()).await.is_err()
            || write.write_all(b"\n").await.is_err()
        {
            return End::Lost;
        }
        loop {
            if batch.is_empty() {
                if write.flush().await.is_err() {
                    return End::Lost;
                }
                tokio::select! {
                    biased;
                    _ = self.shared.stop.notified() => return End::Finished,
                    // Later records are refused; the queued ones are still received, then
                    // `recv_many` sees the end below.
                    _ = self.shared.finish.notified() => {
                        self.rx.close();
                        continue;
                    }
                    // A log server never sends anything: end of stream or an error means that
                    // it went away, and we know it before losing a record to a dead socket.
                    read = read.read(&mut scratch) => match read {
                        Ok(0) | Err(_) => return End::Lost,
                        Ok(_) => continue,
                    },
                    n = self.rx.recv_many(batch, BATCH) => if n == 0 {
                        // Every layer is gone, or `close` was called, and everything is sent:
                        // close the connection, then read until
                        // the server closes too. Closing with unread data (a TLS session
                        // ticket) would reset the connection and lose what the server has
                        // not read yet.
                        let _ = write.shutdown().await;
                        let drain = async {
                            while let Ok(1..) = read.read(&mut scratch).await {}
                        };
                        let _ = tokio::time::timeout(LINGER, drain).await;
                        return End::Finished;
                    },
                }
            }
            let sent = async {
                for line in batch.iter() {
                    write.write_all(line.as_bytes()).await?;
                }
                write.flush().await
            };
            let sent = tokio::select! {
                _ = self.shared.stop.notified() => return End::Finished,
                sent = sent => sent,
            };
            if sent.is_err() {
                return End::Lost;
            }
            self.shared.add_sent(batch.len());
            batch.clear();
        }
    }
}
