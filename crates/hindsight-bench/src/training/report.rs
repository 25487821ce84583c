//! The training-data part of `bench/RESULTS.md`: its rows of the targets table, its misses and
//! its section.

use std::fmt::Write as _;

use super::TrainingResult;
use crate::report::{mark, ms, target};

/// The training-data misses of a backend, each with how much.
pub(crate) fn training_misses(t: &TrainingResult) -> Vec<String> {
    let mut out = Vec::new();
    for (what, s, lim) in [
        ("annotation", &t.annotate, target::ANNOTATE_MS),
        ("save as test story", &t.save, target::ANNOTATE_MS),
        ("NLU export", &t.export, target::NLU_EXPORT_MS),
    ] {
        if s.p95 > lim {
            out.push(format!(
                "{what} p95 {:.0} ms, {:.1}× the {lim:.0} ms target.",
                s.p95,
                s.p95 / lim
            ));
        }
    }
    out
}

/// The "Training data" figures of a backend (issue 10).
pub(crate) fn training_section(o: &mut String, t: &TrainingResult) {
    let _ = writeln!(o, "\n### Training data\n");
    let _ = writeln!(o, "| Figure | p50 / p95 (ms) | Target |\n|---|---:|---|");
    let _ = writeln!(o, "| Annotate a user message (`PUT …/annotation`: intent + one entity), a distinct message each run | {} | p95 ≤ 20 ms {} |", ms(&t.annotate), mark(t.annotate.p95 <= target::ANNOTATE_MS));
    let _ = writeln!(o, "| Save a test story up to that message (`POST /api/training-data/items`), a distinct name each run | {} | p95 ≤ 20 ms {} |", ms(&t.save), mark(t.save.p95 <= target::ANNOTATE_MS));
    let _ = writeln!(o, "| NLU export (`GET /api/training-data/nlu`, all {:.1} MB read) of {} examples of {} intents | {} | ≤ 2 s for 100,000 {} |", t.bytes as f64 / 1e6, t.examples, t.intents, ms(&t.export), if t.examples < target::NLU_EXAMPLES { "(indicative)" } else { mark(t.export.p95 <= target::NLU_EXPORT_MS) });
    let _ = writeln!(o, "\nThe export's annotations ({} of distinct user messages, each a distinct example: the predicted intent, one in five corrected, and one entity on a word of the text) were written in one transaction through the server's own `db::annotations::put` in {:.1} s. The file was checked: its examples and intents are the distinct ones of the database (hand-written SQL), and a loaded example is written as Rasa writes it.", t.loaded, t.load_seconds);
    if t.examples < target::NLU_EXAMPLES {
        let _ = writeln!(o, "\nThis run exported fewer than the target's 100,000 examples (the data had too few distinct user messages, or `--nlu-examples` asked for fewer): the export figure is indicative only.");
    }
}

/// The training-data rows of the targets table. The export's verdict needs the target's
/// 100,000 examples: a smaller run's export figure is marked indicative, not met.
pub(crate) fn training_rows(o: &mut String, b: &str, t: &TrainingResult) {
    let a = t.annotate.p95;
    let s = t.save.p95;
    let _ = writeln!(
        o,
        "| Annotation (intent + one entity) p95 ≤ 20 ms | {b} | {a:.1} ms | {} |",
        mark(a <= target::ANNOTATE_MS)
    );
    let _ = writeln!(
        o,
        "| Save as test story p95 ≤ 20 ms | {b} | {s:.1} ms | {} |",
        mark(s <= target::ANNOTATE_MS)
    );
    let e = t.export.p95;
    let verdict = if t.examples < target::NLU_EXAMPLES {
        "indicative: fewer than 100,000 examples"
    } else {
        mark(e <= target::NLU_EXPORT_MS)
    };
    let _ = writeln!(o, "| NLU export of 100,000 annotated examples ≤ 2 s (p95) | {b} | {e:.0} ms for {} examples | {verdict} |", t.examples);
}
