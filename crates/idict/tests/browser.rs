//! `sipyco_inspect HOST PORT web` in a real browser: headless Chromium (Debian's package,
//! installed by `cargo xtask test` from `TEST_PACKAGES`) opens the page, sees the values
//! change, pauses, resumes and terminates the computation with the page's buttons, and a
//! screenshot is saved as `target/tmp/idict-live-page.png`.
//!
//! The browser is driven with the DevTools protocol over its WebSocket. The page fires an
//! `idict-update` event on every message, so each step waits on that event inside the
//! browser (a promise awaited by `Runtime.evaluate`), not on a timer.

mod common;

use std::collections::VecDeque;
use std::process::Command;
use std::time::Duration;

use asyncio_server::testing::skip;
use base64::Engine;
use common::{INSPECT, Proc, T, inspect, monte_carlo};
use futures::{SinkExt, StreamExt};
use serde_json::{Value as Json, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const TEST: &str = "browser::live_page_in_headless_chromium";

/// A DevTools session on one page.
struct DevTools {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    session: Option<String>,
    events: VecDeque<Json>,
}

impl DevTools {
    async fn connect(url: &str) -> DevTools {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        DevTools {
            ws,
            next_id: 0,
            session: None,
            events: VecDeque::new(),
        }
    }

    async fn next_message(&mut self) -> Json {
        loop {
            let msg = tokio::time::timeout(T, self.ws.next())
                .await
                .expect("DevTools answers")
                .expect("DevTools connection open")
                .unwrap();
            if let Message::Text(text) = msg {
                return serde_json::from_str(text.as_str()).unwrap();
            }
        }
    }

    /// Calls `method`; its result (events meanwhile are kept for `event`).
    async fn call(&mut self, method: &str, params: Json) -> Json {
        self.next_id += 1;
        let id = self.next_id;
        let mut request = json!({"id": id, "method": method, "params": params});
        if let Some(session) = &self.session {
            request["sessionId"] = json!(session);
        }
        self.ws
            .send(Message::text(request.to_string()))
            .await
            .unwrap();
        loop {
            let m = self.next_message().await;
            if m["id"] == id {
                assert!(m.get("error").is_none(), "{method}: {m}");
                return m["result"].clone();
            }
            self.events.push_back(m);
        }
    }

    async fn event(&mut self, method: &str) -> Json {
        if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(i).unwrap_or_default();
        }
        loop {
            let m = self.next_message().await;
            if m["method"] == method {
                return m;
            }
        }
    }

    /// Evaluates `expression` in the page, awaiting it if it is a promise.
    async fn eval(&mut self, expression: &str) -> Json {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
            )
            .await;
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }
}

/// A promise resolved with `result` on the first page update for which `condition` holds
/// (`s` is the status, `c` the contents).
fn when(condition: &str, result: &str) -> String {
    format!(
        r#"new Promise((resolve) => {{
            const check = () => {{
                const m = window.idict, s = m.status, c = m.contents;
                if (s && c && ({condition})) {{
                    document.removeEventListener("idict-update", check);
                    resolve({result});
                }}
            }};
            document.addEventListener("idict-update", check);
            check();
        }})"#
    )
}

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_page_in_headless_chromium() {
    let Some(browser_exe) = chromium() else {
        skip(
            TEST,
            "chromium is not installed (TEST_PACKAGES in xtask/src/debian.rs)",
        );
        return;
    };
    let (mut computation, port) = monte_carlo(&[]);
    let web = Proc::spawn(Command::new(INSPECT).args([
        "127.0.0.1",
        &port.to_string(),
        "web",
        "--listen",
        "127.0.0.1",
    ]));
    let page_line = web.line();
    let url = page_line
        .strip_prefix("page ")
        .unwrap_or_else(|| panic!("not a page line: {page_line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let profile = tempfile::tempdir().unwrap();
    let browser = Proc::spawn(Command::new(browser_exe).args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        &format!("--user-data-dir={}", profile.path().display()),
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        "--window-size=1200,900",
        "about:blank",
    ]));
    let devtools_url = loop {
        let line = browser
            .stderr
            .recv_timeout(T)
            .expect("chromium announces its DevTools address");
        if let Some(rest) = line.strip_prefix("DevTools listening on ") {
            break rest.to_owned();
        }
    };
    let mut dt = DevTools::connect(&devtools_url).await;
    let target = dt
        .call("Target.createTarget", json!({"url": "about:blank"}))
        .await;
    let attached = dt
        .call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        )
        .await;
    dt.session = attached["sessionId"].as_str().map(str::to_owned);
    dt.call("Page.enable", json!({})).await;
    dt.call("Page.navigate", json!({"url": url})).await;
    dt.event("Page.loadEventFired").await;

    // The values change: three updates with growing sample counts, shown in the tree.
    let samples = dt
        .eval(&when(
            "(window.seen = window.seen || new Set()).add(c.samples).size >= 3",
            "[...window.seen]",
        ))
        .await;
    let samples: Vec<u64> = samples
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(samples.windows(2).all(|w| w[0] < w[1]), "{samples:?}");
    let tree = dt.eval("document.getElementById('tree').textContent").await;
    for key in ["samples", "inside", "pi", "history"] {
        assert!(tree.as_str().unwrap().contains(key), "{tree}");
    }
    let state = dt
        .eval("document.getElementById('state').textContent")
        .await;
    assert_eq!(state, "running");

    // Pause with the button: the page shows it, and the computation's count stops.
    dt.eval("document.getElementById('pause').click()").await;
    dt.eval(&when("s.paused", "s.updates")).await;
    let count = |verb| {
        let (exit, out, err) = inspect(port, &[verb]);
        assert!(exit.success(), "{err}");
        serde_json::from_str::<Json>(&out).unwrap()["updates"]
            .as_u64()
            .unwrap()
    };
    let paused_at = count("status");
    // Absence of updates can only be watched for a while: one in-flight step may still land.
    dt.eval("new Promise((r) => setTimeout(r, 500))").await;
    let later = count("status");
    assert!(later <= paused_at + 1, "{paused_at} -> {later}");
    dt.eval("new Promise((r) => setTimeout(r, 300))").await;
    assert_eq!(count("status"), later, "updates while paused");
    assert_eq!(
        dt.eval("document.getElementById('state').textContent")
            .await,
        "paused"
    );

    // Resume with the button: the count moves again.
    dt.eval("document.getElementById('resume').click()").await;
    let resumed = dt
        .eval(&when(
            &format!(
                "!s.paused && s.updates > {} && c.history.length > 5",
                later + 5
            ),
            "s.updates",
        ))
        .await;
    assert!(resumed.as_u64().unwrap() > later);
    let charts = dt
        .eval("[...document.querySelectorAll('#charts figcaption')].map((f) => f.textContent)")
        .await;
    assert_eq!(charts, json!(["history"]));

    let shot = dt
        .call("Page.captureScreenshot", json!({"format": "png"}))
        .await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("idict-live-page.png");
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot: {}", path.display());

    // Terminate with the button: the final update reaches the page, the computation exits.
    dt.eval("document.getElementById('terminate').click()")
        .await;
    dt.eval(&when("s.final && s.terminated", "s.updates")).await;
    assert!(computation.wait().success());
    assert_eq!(
        dt.eval("document.getElementById('state').textContent")
            .await,
        "finished"
    );
    dt.session = None;
    let _ =
        tokio::time::timeout(Duration::from_secs(10), dt.call("Browser.close", json!({}))).await;
    drop(browser);
    drop(web);
}
