//! chromedriver and headless Chromium (Debian's `chromium` and `chromium-driver`), and the
//! few page operations the tests need, each waiting by polling.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use fantoccini::actions::{InputSource, KeyAction, KeyActions, MouseActions, PointerAction};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use super::{eventually, eventually_or, free_port, screenshot_dir};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver process and every browser it started; all killed when dropped, also when
/// a test fails half-way.
pub struct Driver {
    child: Child,
    url: String,
    profiles: tempfile::TempDir,
    sessions: u32,
}

impl Driver {
    /// Starts chromedriver on a free port and waits until it answers.
    pub async fn start() -> Driver {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(bin).exists(),
                "{bin} is missing: install Debian's chromium and chromium-driver (`just install-browser`)"
            );
        }
        let port = free_port();
        let profiles = tempfile::Builder::new()
            .prefix("hindsight-e2e-chromium-")
            .tempdir()
            .unwrap();
        let log = std::fs::File::create(profiles.path().join("chromedriver.log")).unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Its own process group, so one signal reaches it and what it started.
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let status = format!("{url}/status");
        eventually("chromedriver to answer", || {
            let req = http.get(&status);
            async move {
                req.send()
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
                    .map(drop)
            }
        })
        .await;
        Driver {
            child,
            url,
            profiles,
            sessions: 0,
        }
    }

    /// A new browser session with a fresh profile (no cookies, no local storage).
    pub async fn session(&mut self, base: &str) -> Browser {
        self.sessions += 1;
        let profile = self
            .profiles
            .path()
            .join(format!("profile-{}", self.sessions));
        std::fs::create_dir_all(&profile).unwrap();
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-quic".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1440,900".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        let caps = caps.as_object().unwrap().clone();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session through chromedriver");
        Browser {
            c: client,
            base: base.to_owned(),
        }
    }

    /// Every process started from chromedriver: its descendants, and anything using our
    /// profiles folder (browsers re-parented after a crash).
    fn our_processes(&self) -> Vec<u32> {
        let mut parents: Vec<(u32, u32)> = vec![];
        let marker = self.profiles.path().to_string_lossy().into_owned();
        let mut by_marker = vec![];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) {
                // The parent pid is the second field after the parenthesised command name.
                if let Some(ppid) = stat
                    .rsplit(')')
                    .next()
                    .and_then(|r| r.split_whitespace().nth(1))
                    .and_then(|p| p.parse().ok())
                {
                    parents.push((pid, ppid));
                }
            }
            if let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) {
                if String::from_utf8_lossy(&cmd).contains(&marker) {
                    by_marker.push(pid);
                }
            }
        }
        let mut tree = vec![self.child.id()];
        let mut i = 0;
        while i < tree.len() {
            let p = tree[i];
            tree.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
            i += 1;
        }
        tree.extend(by_marker);
        tree.sort_unstable();
        tree.dedup();
        tree
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let pids = self.our_processes();
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        for pid in pids {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.wait();
    }
}

/// One browser window.
pub struct Browser {
    /// The WebDriver client.
    pub c: Client,
    base: String,
}

impl Browser {
    /// Opens a path of the app.
    pub async fn goto(&self, path: &str) {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    /// The current path and query, e.g. `/conversations/x?intent=greet`.
    pub async fn path(&self) -> String {
        let url = self.c.current_url().await.expect("current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits until the path (with query) satisfies `check`.
    pub async fn wait_path(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        eventually(what, || async {
            Some(self.path().await).filter(|p| check(p))
        })
        .await
    }

    /// Waits for an element.
    pub async fn find(&self, css: &str) -> Element {
        eventually(&format!("an element `{css}`"), || async {
            self.c.find(Locator::Css(css)).await.ok()
        })
        .await
    }

    /// How many elements match now.
    pub async fn count(&self, css: &str) -> usize {
        self.c
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// Waits until exactly `n` elements match.
    pub async fn wait_count(&self, css: &str, n: usize) {
        eventually(&format!("{n} elements `{css}`"), || async {
            (self.count(css).await == n).then_some(())
        })
        .await
    }

    /// Waits until nothing matches.
    pub async fn wait_gone(&self, css: &str) {
        self.wait_count(css, 0).await
    }

    /// Waits until an element's text contains `needle`; returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        // What the element last showed, so that a timeout says whether it was missing,
        // empty (not laid out) or showing something else.
        let last = std::cell::RefCell::new(String::from("no such element"));
        eventually_or(
            &format!("`{css}` to contain {needle:?}"),
            || last.borrow().clone(),
            || async {
                let el = self.c.find(Locator::Css(css)).await.ok()?;
                let text = el.text().await.ok()?;
                if text.contains(needle) {
                    return Some(text);
                }
                let shown: String = text.chars().take(200).collect();
                *last.borrow_mut() = format!("{shown:?}");
                None
            },
        )
        .await
    }

    /// Clicks an element once it is there (retrying while it is re-rendered).
    pub async fn click(&self, css: &str) {
        eventually(&format!("a click on `{css}`"), || async {
            let el = self.c.find(Locator::Css(css)).await.ok()?;
            el.click().await.ok()
        })
        .await
    }

    /// Replaces the value of an input.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.expect("clear the input");
        el.send_keys(text).await.expect("type");
    }

    /// Chooses an option of a `<select>` by value.
    pub async fn choose(&self, css: &str, value: &str) {
        eventually(&format!("option {value:?} of `{css}`"), || async {
            let el = self.c.find(Locator::Css(css)).await.ok()?;
            el.select_by_value(value).await.ok()
        })
        .await
    }

    /// Presses one key (a character, or a WebDriver key code such as `\u{E015}` for ↓)
    /// on whatever has the focus.
    pub async fn press(&self, key: char) {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.c.perform_actions(keys).await.expect("press a key");
    }

    /// Moves the mouse over an element.
    pub async fn hover(&self, css: &str) {
        let element = self.find(css).await;
        let moves = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
            element,
            duration: None,
            x: 5.0,
            y: 5.0,
        });
        self.c.perform_actions(moves).await.expect("move the mouse");
    }

    /// Runs a script; returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.c.execute(script, args).await.expect("run a script")
    }

    /// Saves a screenshot as `.ci/artifacts/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // Let transitions and fonts settle.
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        let png = self.c.screenshot().await.expect("screenshot");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// Logs in on the login page (where the app sent us).
    pub async fn log_in(&self, username: &str, password: &str) {
        self.type_into("input[name=username]", username).await;
        self.type_into("input[name=password]", password).await;
        self.click("form.login-card button[type=submit]").await;
        self.wait_path("to leave the login page", |p| !p.starts_with("/login"))
            .await;
    }

    /// Time from navigation start until the first inbox row is on screen, as the page saw it.
    pub async fn time_to_first_rows(&self) -> f64 {
        let start = Instant::now();
        self.find(".rows .row").await;
        let page_ms = self
            .js("return performance.now()", vec![])
            .await
            .as_f64()
            .unwrap_or(0.0);
        page_ms.min(start.elapsed().as_secs_f64() * 1000.0 + page_ms)
    }

    /// The browser's Back button.
    pub async fn back(&self) {
        self.c.back().await.expect("back");
    }

    /// The browser's Forward button.
    pub async fn forward(&self) {
        self.c.forward().await.expect("forward");
    }

    /// Reloads the page.
    pub async fn reload(&self) {
        self.c.refresh().await.expect("reload");
    }

    /// Resizes the window (CSS pixels).
    pub async fn resize(&self, width: u32, height: u32) {
        self.c
            .set_window_size(width, height)
            .await
            .expect("resize the window");
    }

    /// Records what the page copies to the clipboard into `window.__copied` (headless
    /// Chromium has no clipboard to read back).
    pub async fn capture_clipboard(&self) {
        self.js(
            "navigator.clipboard.writeText = t => { window.__copied = t; return Promise.resolve(); }",
            vec![],
        )
        .await;
    }

    /// What the page last copied, after [`Browser::capture_clipboard`].
    pub async fn copied(&self) -> String {
        eventually("something copied", || async {
            self.js("return window.__copied || null", vec![])
                .await
                .as_str()
                .map(str::to_owned)
        })
        .await
    }

    /// Ends the session (closing the browser).
    pub async fn close(self) {
        let _ = self.c.close().await;
    }
}
