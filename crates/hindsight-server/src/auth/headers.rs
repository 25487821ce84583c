//! Security headers on every response: a Content-Security-Policy without inline script
//! (trunk's one inline loader `<script>` is allowed by its SHA-256 hash, computed when the
//! server starts from the `index.html` it serves), no framing, no sniffing, no referrer leaks.

use std::path::Path;

use actix_web::middleware::DefaultHeaders;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The `'sha256-…'` source of every inline `<script>` (one without `src`) in `html`.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script").map(|i| at + i) {
        let Some(open_end) = lower[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = lower[open_end..].find("</script").map(|i| open_end + i) else {
            break;
        };
        let tag = &lower[start..open_end];
        if !tag.contains(" src=") && !tag.contains("\tsrc=") && !tag.contains("\nsrc=") {
            let digest = Sha256::digest(&html.as_bytes()[open_end..close]);
            let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
            out.push(format!("'sha256-{b64}'"));
        }
        at = close;
    }
    out
}

/// The Content-Security-Policy for the app whose inline scripts have `script_hashes`.
pub fn content_security_policy(script_hashes: &[String]) -> String {
    let mut script_src = vec!["'self'", "'wasm-unsafe-eval'"];
    script_src.extend(script_hashes.iter().map(String::as_str));
    [
        "default-src 'self'".to_owned(),
        format!("script-src {}", script_src.join(" ")),
        // Leptos sets `style` attributes; styles cannot run code.
        "style-src 'self' 'unsafe-inline'".to_owned(),
        // Bot images live on other hosts; the app loads them only when a reviewer asks.
        "img-src 'self' data: https: http:".to_owned(),
        "connect-src 'self'".to_owned(),
        "object-src 'none'".to_owned(),
        "base-uri 'none'".to_owned(),
        "form-action 'self'".to_owned(),
        "frame-ancestors 'none'".to_owned(),
    ]
    .join("; ")
}

/// The policy for the web app in `static_dir`: it allows the inline scripts of its
/// `index.html` (none when the web app is not built).
pub fn policy_for(static_dir: &Path) -> String {
    let hashes = std::fs::read_to_string(static_dir.join("index.html"))
        .map(|html| inline_script_hashes(&html))
        .unwrap_or_default();
    content_security_policy(&hashes)
}

/// The headers every response carries, with `csp` (see [`policy_for`]).
pub fn security_headers(csp: &str) -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", csp))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_not() {
        let html = "<html><head><script type=\"module\">import init from '/app.js';\nawait init();\n</script>\
                    <script src=\"/x.js\"></script><SCRIPT>alert(1)</SCRIPT></head></html>";
        let hashes = inline_script_hashes(html);
        let b64 = |s: &str| {
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
        };
        assert_eq!(
            hashes,
            vec![
                format!(
                    "'sha256-{}'",
                    b64("import init from '/app.js';\nawait init();\n")
                ),
                format!("'sha256-{}'", b64("alert(1)")),
            ]
        );
        assert!(inline_script_hashes("<p>no script</p>").is_empty());
    }

    #[test]
    fn the_policy_allows_no_other_inline_script_and_no_framing() {
        let csp = content_security_policy(&["'sha256-abc'".to_owned()]);
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc';"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        let script_src = csp
            .split("; ")
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert!(!script_src.contains("unsafe-inline"), "{csp}");
    }
}
