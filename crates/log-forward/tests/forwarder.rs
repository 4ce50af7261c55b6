//! What a `LogForwarder` puts on the wire for various events, read by a raw listener.

use std::time::Duration;

use log_forward::{Level, LevelThreshold, LogForwarder, LogRecord};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::net::TcpListener;
use tokio::time::timeout;
use tracing_subscriber::prelude::*;

const T: Duration = Duration::from_secs(20);

#[tokio::test]
async fn levels_sources_names_and_fields() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let forwarder = LogForwarder::builder("127.0.0.1", port)
        .source("ctl")
        .level(LevelThreshold::at(Level::Warning))
        .retry(Duration::from_millis(50))
        .start()
        .unwrap();
    let handle = forwarder.handle();
    forwarder.send_record(&LogRecord::new(Level::Trace, "direct", "no source"));
    forwarder.send_record(&LogRecord::new(Level::Info, "direct", "x").with_source("elsewhere"));
    let subscriber = tracing_subscriber::registry().with(forwarder);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "t", "below the level");
        tracing::warn!(target: "my_ctl::driver", "at the level");
        tracing::debug!(target: "t", source = "other", logger = "remote.name", "forwarded");
        tracing::debug!(target: "t", source = "ctl", "local, below the level");
        tracing::error!(
            levelname = "CRITICAL",
            logger = "x",
            n = 1,
            s = "text",
            "fields"
        );
        tracing::error!(target: "t", levelname = "BOGUS", "unknown level name");
    });

    let (socket, _) = timeout(T, listener.accept()).await.unwrap().unwrap();
    let mut lines = BufReader::new(socket).lines();
    let mut received = Vec::new();
    while received.len() < 6 {
        received.push(
            timeout(T, lines.next_line())
                .await
                .unwrap()
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(
        received,
        [
            "ARTIQ logging",
            "ctl:TRACE:direct:no source",
            "elsewhere:INFO:direct:x",
            "ctl:WARNING:my_ctl.driver:at the level",
            "other:DEBUG:remote.name:forwarded",
            "ctl:CRITICAL:x:fields n=1 s=\"text\"",
        ]
    );
    assert_eq!(
        timeout(T, lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap(),
        "ctl:ERROR:t:unknown level name levelname=\"BOGUS\""
    );
    // The layer went with the subscriber: the forwarder closes the connection and stops.
    assert_eq!(timeout(T, lines.next_line()).await.unwrap().unwrap(), None);
    drop(lines);
    let stats = handle.wait_for_async(T, |s| s.stopped).await.unwrap();
    // Below the level is not a drop.
    assert_eq!((stats.queued, stats.sent, stats.dropped), (6, 6, 0));
}
