//! `sipyco_inspect HOST PORT web`: one page, and a WebSocket that relays the computation to it.
//!
//! The tool watches the computation once, however many browsers are open; each browser gets
//! the latest state (a slow one skips states, it never queues them). The page sends
//! `{"action": "pause" | "resume" | "terminate"}`, which the tool turns into RPC calls.
//! Everything the page needs is in `page.html` (no CDN: lab machines have no internet).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde_json::{Value as Json, json};
use tokio::sync::watch;

use crate::render;
use crate::session::{Peer, Rate, Watch};

const PAGE: &str = include_str!("page.html");

/// The most messages per second sent to a browser.
const FRAME: Duration = Duration::from_millis(50);

#[derive(Clone)]
struct Relay {
    latest: watch::Receiver<Arc<str>>,
    peer: Peer,
}

/// Serves the page until SIGINT or SIGTERM.
pub async fn run(peer: Peer, listen: Option<&str>) -> Result<(), String> {
    let watch = peer.watch().await?;
    let addr = listen_addr(listen).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let (tx, latest) = watch::channel(Arc::<str>::from("{}"));
    tokio::spawn(upstream(watch, tx));
    let app = Router::new()
        .route("/", get(page))
        .route("/ws", get(socket))
        .with_state(Relay { latest, peer });
    crate::print_line(&format!("page http://{bound}/"))?;
    let stop = asyncio_server::terminate_signal().map_err(|e| e.to_string())?;
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| format!("web server: {e}"))
}

/// `HOST` or `HOST:PORT` (port 0, a free one, by default); 127.0.0.1 when not given.
async fn listen_addr(listen: Option<&str>) -> Result<SocketAddr, String> {
    let Some(text) = listen else {
        return Ok(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0));
    };
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let bare = text.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 0));
    }
    let found: std::io::Result<Vec<SocketAddr>> = if text.contains(':') {
        tokio::net::lookup_host(text).await.map(Iterator::collect)
    } else {
        tokio::net::lookup_host((text, 0))
            .await
            .map(Iterator::collect)
    };
    found
        .map_err(|e| format!("cannot resolve --listen {text}: {e}"))?
        .into_iter()
        .next()
        .ok_or_else(|| format!("cannot resolve --listen {text}"))
}

/// Turns every change of the computation into the page's message (at most one per frame).
async fn upstream(mut watch: Watch, tx: watch::Sender<Arc<str>>) {
    let mut rate = Rate::default();
    loop {
        let closed = !watch.changed().await || watch.is_closed();
        watch.gather().await;
        if let (Some(status), Some(contents)) = (watch.status(), watch.contents()) {
            let r = rate.record(Instant::now(), status.updates);
            // Once gone, the last state stays on the page, marked as disconnected.
            let message = format!(
                r#"{{"connected":{},"status":{},"contents":{}}}"#,
                !closed,
                render::status_json(&status, r),
                render::to_json(&contents)
            );
            tx.send_replace(message.into());
        }
        if closed {
            return;
        }
        tokio::time::sleep(FRAME).await;
    }
}

async fn page() -> impl IntoResponse {
    Html(PAGE)
}

async fn socket(ws: WebSocketUpgrade, State(relay): State<Relay>) -> impl IntoResponse {
    ws.on_upgrade(move |socket| browser(socket, relay))
}

/// One browser: the latest state on every change, its button presses as RPC calls.
async fn browser(mut socket: WebSocket, relay: Relay) {
    let mut latest = relay.latest.clone();
    latest.mark_changed();
    loop {
        tokio::select! {
            changed = latest.changed() => {
                let text = match changed {
                    Ok(()) => latest.borrow_and_update().clone(),
                    Err(_) => return,
                };
                if socket.send(Message::Text(text.as_ref().into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let reply = control(&relay.peer, &text).await;
                    if socket.send(Message::Text(reply.into())).await.is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
}

/// Runs `{"action": ...}` from the page; the reply is `{"reply": status}` or `{"error": text}`.
async fn control(peer: &Peer, request: &str) -> String {
    let action = serde_json::from_str::<Json>(request)
        .ok()
        .and_then(|r| r.get("action").and_then(Json::as_str).map(str::to_owned));
    match action.as_deref() {
        Some(method @ ("pause" | "resume" | "terminate" | "status")) => {
            match peer.control(method).await {
                Ok(status) => format!(r#"{{"reply":{}}}"#, render::to_json(&status.to_value())),
                Err(e) => json!({ "error": e }).to_string(),
            }
        }
        _ => json!({ "error": format!("unknown request {request:.100}") }).to_string(),
    }
}
