//! Debian's Chromium, headless, driven over the DevTools protocol
//! (chromiumoxide) for the browser end-to-end tests: one browser per test
//! binary, a tab that records every console error, uncaught exception,
//! CSP report and failed request, and screenshots with the DOM saved when
//! a check fails.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::log::{EventEntryAdded, LogEntryLevel, LogEntrySource};
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventRequestWillBeSent, EventResponseReceived, ResourceType,
};
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::cdp::js_protocol::runtime::{ConsoleApiCalledType, EventConsoleApiCalled, EventExceptionThrown};
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::page::ScreenshotParams;
use chromiumoxide::Page;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

/// Where the browser is expected (Debian's `chromium` package);
/// `JINGZHUN_CHROMIUM` names another.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("JINGZHUN_CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// The browser's path, or `None` (after a loud note) when it is missing
/// outside CI. In CI (`CI` set) a missing browser fails the test.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let path = chromium_path();
    if path.is_file() {
        return Some(path);
    }
    let msg = format!(
        "Chromium not found at {} — the browser end-to-end tests need it (Debian: apt-get install chromium; .ci/run installs it; or set JINGZHUN_CHROMIUM)",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    // Straight to standard error: the test harness would swallow eprintln!
    // of a test that passes.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n!!!!!!!!!! SKIPPED: {msg} !!!!!!!!!!\n");
    None
}

/// Folder for screenshots and DOM dumps of failed checks.
pub fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

/// The desktop viewport every tab starts with.
pub const DESKTOP: (u32, u32) = (1280, 900);

/// A headless Chromium with a fresh profile; killed when dropped.
pub struct Chrome {
    pub browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

impl Chrome {
    /// Starts the browser; must run inside a tokio runtime, which drives
    /// the protocol connection until the browser is closed.
    pub async fn launch(executable: &Path) -> Chrome {
        let profile = tempfile::tempdir().expect("profile dir");
        let config = BrowserConfig::builder()
            .chrome_executable(executable)
            .no_sandbox()
            .user_data_dir(profile.path())
            .viewport(Viewport { width: DESKTOP.0, height: DESKTOP.1, ..Viewport::default() })
            .window_size(DESKTOP.0, DESKTOP.1)
            .launch_timeout(Duration::from_secs(60))
            .request_timeout(Duration::from_secs(30))
            // Without these Chromium waits on the network it cannot reach here.
            .args([
                "disable-gpu",
                "disable-quic",
                "no-first-run",
                "disable-background-networking",
                "disable-component-update",
                "disable-sync",
                "disable-domain-reliability",
                "no-default-browser-check",
            ])
            .build()
            .expect("browser config");
        let (browser, mut handler) = Browser::launch(config)
            .await
            .unwrap_or_else(|e| panic!("could not start {}: {e}", executable.display()));
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                // Messages the client does not know are not errors of the page.
                let _ = event;
            }
        });
        Chrome { browser, handler, _profile: profile }
    }

    /// A new tab that records problems from its first request on.
    pub async fn tab(&self) -> Tab {
        let page = self.browser.new_page("about:blank").await.expect("new tab");
        Tab::watch(page).await
    }

    pub async fn clear_cookies(&self) {
        self.browser.clear_cookies().await.expect("clear cookies");
    }

    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.browser.close()).await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.browser.wait()).await;
        self.handler.abort();
    }
}

/// What a tab saw go wrong, and the status of each document it loaded.
#[derive(Default)]
struct Seen {
    problems: Vec<String>,
    documents: Vec<(String, i64)>,
    urls: std::collections::HashMap<String, String>,
}

/// A browser tab with listeners on the console, exceptions, the log (CSP
/// violations arrive there) and the network.
pub struct Tab {
    pub page: Page,
    seen: Arc<Mutex<Seen>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Tab {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Tab {
    async fn watch(page: Page) -> Tab {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let mut tasks = Vec::new();
        page.enable_log().await.expect("Log.enable");
        page.enable_runtime().await.expect("Runtime.enable");

        let mut console = page.event_listener::<EventConsoleApiCalled>().await.expect("console listener");
        let s = seen.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(e) = console.next().await {
                if matches!(e.r#type, ConsoleApiCalledType::Error | ConsoleApiCalledType::Assert) {
                    let text: Vec<String> = e
                        .args
                        .iter()
                        .map(|a| a.value.as_ref().map(|v| v.to_string()).or(a.description.clone()).unwrap_or_default())
                        .collect();
                    s.lock().unwrap().problems.push(format!("console.{:?}: {}", e.r#type, text.join(" ")));
                }
            }
        }));
        let mut thrown = page.event_listener::<EventExceptionThrown>().await.expect("exception listener");
        let s = seen.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(e) = thrown.next().await {
                let d = &e.exception_details;
                let what = d.exception.as_ref().and_then(|x| x.description.clone()).unwrap_or_else(|| d.text.clone());
                s.lock().unwrap().problems.push(format!("uncaught exception: {what} ({})", d.url.clone().unwrap_or_default()));
            }
        }));
        let mut log = page.event_listener::<EventEntryAdded>().await.expect("log listener");
        let s = seen.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(e) = log.next().await {
                let entry = &e.entry;
                if entry.level == LogEntryLevel::Error || entry.source == LogEntrySource::Security {
                    s.lock().unwrap().problems.push(format!(
                        "log {:?} {:?}: {} ({})",
                        entry.source,
                        entry.level,
                        entry.text,
                        entry.url.clone().unwrap_or_default()
                    ));
                }
            }
        }));
        let mut sent = page.event_listener::<EventRequestWillBeSent>().await.expect("request listener");
        let s = seen.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(e) = sent.next().await {
                s.lock().unwrap().urls.insert(e.request_id.inner().clone(), e.request.url.clone());
            }
        }));
        let mut responses = page.event_listener::<EventResponseReceived>().await.expect("response listener");
        let s = seen.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(e) = responses.next().await {
                let mut s = s.lock().unwrap();
                if e.r#type == ResourceType::Document {
                    s.documents.push((e.response.url.clone(), e.response.status));
                }
                if e.response.status >= 400 {
                    s.problems.push(format!("HTTP {} for {:?} {}", e.response.status, e.r#type, e.response.url));
                }
            }
        }));
        let mut failed = page.event_listener::<EventLoadingFailed>().await.expect("failure listener");
        let s = seen.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(e) = failed.next().await {
                let mut s = s.lock().unwrap();
                // A request cut short because the page navigated on is not a
                // failure of the page; one blocked (by CSP, say) is.
                if e.canceled == Some(true) && e.blocked_reason.is_none() {
                    continue;
                }
                let url = s.urls.get(e.request_id.inner()).cloned().unwrap_or_default();
                s.problems.push(format!(
                    "request failed: {:?} {url}: {}{}",
                    e.r#type,
                    e.error_text,
                    e.blocked_reason.as_ref().map(|b| format!(" (blocked: {b:?})")).unwrap_or_default()
                ));
            }
        }));
        Tab { page, seen, tasks }
    }

    /// Forgets what was seen so far.
    pub fn reset(&self) {
        let mut s = self.seen.lock().unwrap();
        s.problems.clear();
        s.documents.clear();
    }

    /// Problems seen since the last reset, after letting late events arrive.
    pub async fn problems(&self) -> Vec<String> {
        self.settle().await;
        self.seen.lock().unwrap().problems.clone()
    }

    /// The status of the last document loaded since the last reset.
    pub async fn document_status(&self) -> Option<i64> {
        self.settle().await;
        self.seen.lock().unwrap().documents.last().map(|d| d.1)
    }

    async fn settle(&self) {
        // A round trip through the page, then a moment for events in flight.
        let _ = self.page.evaluate("1").await;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    /// Opens `url` (forgetting earlier problems) and waits for its load.
    pub async fn visit(&self, url: &str) -> Result<(), String> {
        self.reset();
        self.page.goto(url).await.map_err(|e| format!("navigating to {url}: {e}"))?;
        self.wait_loaded(|_| true).await
    }

    /// Waits (up to 15 s) until the document is complete and its URL
    /// satisfies `want` — after a click or a form submission.
    pub async fn wait_loaded(&self, want: impl Fn(&str) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(r) = self.page.evaluate("[document.readyState, location.href]").await {
                if let Ok((state, url)) = r.into_value::<(String, String)>() {
                    if state == "complete" && want(&url) {
                        return Ok(());
                    }
                    last = format!("{url} ({state})");
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("page did not finish loading as expected; last seen {last}"))
    }

    /// Waits (up to 15 s) until the JavaScript expression `js` is true.
    pub async fn wait_for(&self, js: &str) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(true) = self.eval::<bool>(js).await {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("waited 15 s in vain for {js}"))
    }

    pub async fn url(&self) -> String {
        self.eval::<String>("location.href").await.unwrap_or_default()
    }

    /// Evaluates a JavaScript expression (through the protocol, so the
    /// page's CSP does not apply) and reads its JSON value.
    pub async fn eval<T: DeserializeOwned>(&self, js: &str) -> Result<T, String> {
        let r = self.page.evaluate(js).await.map_err(|e| format!("evaluating {js}: {e}"))?;
        r.into_value::<T>().map_err(|e| format!("reading the value of {js}: {e}"))
    }

    /// Clicks the first element matching `selector` as a user would (mouse
    /// events at its centre, scrolled into view).
    pub async fn click(&self, selector: &str) -> Result<(), String> {
        let el = self.page.find_element(selector).await.map_err(|e| format!("no element {selector}: {e}"))?;
        el.click().await.map_err(|e| format!("clicking {selector}: {e}"))?;
        Ok(())
    }

    /// Types into the first element matching `selector`.
    pub async fn type_into(&self, selector: &str, text: &str) -> Result<(), String> {
        let el = self.page.find_element(selector).await.map_err(|e| format!("no element {selector}: {e}"))?;
        el.click().await.map_err(|e| format!("focusing {selector}: {e}"))?;
        el.type_str(text).await.map_err(|e| format!("typing into {selector}: {e}"))?;
        Ok(())
    }

    /// Emulates a device `width` × `height` CSS pixels (mobile: the page's
    /// viewport meta applies).
    pub async fn set_viewport(&self, width: i64, height: i64, mobile: bool) -> Result<(), String> {
        self.page
            .execute(SetDeviceMetricsOverrideParams::new(width, height, if mobile { 3.0 } else { 1.0 }, mobile))
            .await
            .map_err(|e| format!("emulating {width}×{height}: {e}"))?;
        Ok(())
    }

    /// Saves a full-page screenshot and the DOM as `<name>.png` and
    /// `<name>.html` in the artifacts folder; returns the PNG's path.
    pub async fn save_artifacts(&self, name: &str) -> String {
        let dir = artifacts_dir();
        let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        let png = dir.join(format!("{safe}.png"));
        let html = dir.join(format!("{safe}.html"));
        let shot = self
            .page
            .screenshot(ScreenshotParams::builder().format(CaptureScreenshotFormat::Png).full_page(true).build())
            .await;
        let mut note = String::new();
        match shot {
            Ok(bytes) => {
                let _ = std::fs::write(&png, bytes);
            }
            Err(e) => note.push_str(&format!(" (no screenshot: {e})")),
        }
        match self.page.content().await {
            Ok(dom) => {
                let _ = std::fs::write(&html, dom);
            }
            Err(e) => note.push_str(&format!(" (no DOM: {e})")),
        }
        format!("{} and {}{note}", png.display(), html.display())
    }
}
