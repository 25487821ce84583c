//! Accessibility checks with axe-core, installed from npm on first use into the target
//! directory (`target/e2e-npm`, or `HINDSIGHT_AXE_DIR`) and injected through WebDriver,
//! which the page's Content-Security-Policy does not govern.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use super::browser::Browser;
use super::workspace;

/// The axe-core version the checks use.
const AXE_VERSION: &str = "4.10.3";

fn axe_dir() -> PathBuf {
    std::env::var_os("HINDSIGHT_AXE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace().join("target"));
            target.join("e2e-npm")
        })
}

/// `axe.min.js`, installed with npm when it is not there yet.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let dir = axe_dir();
        let file = dir.join("node_modules/axe-core/axe.min.js");
        if !file.is_file() {
            std::fs::create_dir_all(&dir).expect("create the axe-core directory");
            let status = Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .arg(format!("axe-core@{AXE_VERSION}"))
                .status()
                .expect("run npm (needed for axe-core)");
            assert!(
                status.success(),
                "npm install axe-core@{AXE_VERSION}: {status}"
            );
        }
        std::fs::read_to_string(&file).expect("read axe.min.js")
    })
}

/// Runs axe-core over the page as it is and fails on any serious or critical violation,
/// naming the rule and the elements.
pub async fn check(b: &Browser, what: &str) {
    let script = format!(
        "{}\n;const done = arguments[arguments.length - 1];
         axe.run(document, {{ resultTypes: ['violations'] }})
            .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({{ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) }}))))
            .catch(e => done([{{ id: 'axe-error', help: String(e) }}]));",
        axe_source()
    );
    let found =
        b.c.execute_async(&script, vec![])
            .await
            .expect("run axe-core");
    let violations = found.as_array().cloned().unwrap_or_default();
    assert!(
        violations.is_empty(),
        "axe-core on {what}: {}",
        serde_json::to_string_pretty(&Value::Array(violations)).unwrap()
    );
}
