//! Importing from files: a tracker JSON file, a folder of them, or JSON lines.
//!
//! Reading and parsing run on one thread while the caller stores batches on another, so a
//! two-core machine keeps both busy.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};

use hindsight_types::ImportProblem;

use super::parse::{parse_json_document, parse_json_line, JsonLine};
use super::{problem, Batcher, IncomingConversation};

/// What the reader hands over.
pub enum Item {
    /// Conversations to store.
    Batch(Vec<IncomingConversation>),
    /// Input that could not be read.
    Problem(ImportProblem),
    /// Bytes read so far, for progress.
    Progress(u64),
}

/// Every importable file under `paths` (folders are walked; `.json`, `.jsonl`, `.ndjson`),
/// in a stable order, with their total size.
pub fn collect_files(paths: &[PathBuf]) -> std::io::Result<(Vec<PathBuf>, u64)> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files)?;
        } else {
            // A missing file surfaces here with the OS's own message.
            std::fs::metadata(path)?;
            files.push(path.clone());
        }
    }
    let total = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    Ok((files, total))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if is_json_lines(&path) || path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

fn is_json_lines(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "jsonl" || e == "ndjson")
}

/// The conversation a file of bare events belongs to: Rasa X's `{id}-dump.json` or `{id}.json`.
fn sender_from_file_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    Some(stem.strip_suffix("-dump").unwrap_or(stem).to_owned())
}

/// Starts reading `files` on a thread; batches, problems and progress arrive on the receiver.
pub fn read_in_background(files: Vec<PathBuf>) -> Receiver<Item> {
    // One batch queued while the caller stores another: enough to keep both threads busy.
    let (tx, rx) = sync_channel::<Item>(1);
    std::thread::spawn(move || {
        let mut batcher = Batcher::default();
        let mut done_bytes = 0u64;
        for file in files {
            let name = file.display().to_string();
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            let mut emit = |item: Item| tx.send(item).is_ok();
            let ok = if is_json_lines(&file) {
                read_json_lines(&file, &name, &mut batcher, &mut emit, done_bytes)
            } else {
                read_json_file(&file, &name, &mut batcher, &mut emit)
            };
            if !ok {
                return; // The receiver hung up (for example after a failed write).
            }
            done_bytes += size;
            if !emit(Item::Progress(done_bytes)) {
                return;
            }
        }
        let rest = batcher.take();
        if !rest.is_empty() {
            let _ = tx.send(Item::Batch(rest));
        }
    });
    rx
}

fn read_json_file(
    file: &Path,
    name: &str,
    batcher: &mut Batcher,
    emit: &mut impl FnMut(Item) -> bool,
) -> bool {
    let mut text = String::new();
    if let Err(e) = File::open(file).and_then(|mut f| f.read_to_string(&mut text)) {
        return emit(Item::Problem(problem(
            name,
            None,
            format!("cannot read the file: {e}"),
        )));
    }
    match parse_json_document(&text, sender_from_file_name(file).as_deref()) {
        Ok(convs) => {
            for conv in convs {
                if let Some(batch) = batcher.push(conv) {
                    if !emit(Item::Batch(batch)) {
                        return false;
                    }
                }
            }
            true
        }
        Err(reason) => emit(Item::Problem(problem(name, None, reason))),
    }
}

fn read_json_lines(
    file: &Path,
    name: &str,
    batcher: &mut Batcher,
    emit: &mut impl FnMut(Item) -> bool,
    bytes_before: u64,
) -> bool {
    let reader = match File::open(file) {
        Ok(f) => BufReader::with_capacity(1 << 20, f),
        Err(e) => {
            return emit(Item::Problem(problem(
                name,
                None,
                format!("cannot read the file: {e}"),
            )))
        }
    };
    // Consecutive events of one sender become one conversation entry.
    let mut current: Option<IncomingConversation> = None;
    let mut read = 0u64;
    for (index, line) in reader.lines().enumerate() {
        let line_no = index as u64 + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                return emit(Item::Problem(problem(
                    name,
                    Some(line_no),
                    format!("cannot read: {e}"),
                )))
            }
        };
        read += line.len() as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let finished = match parse_json_line(&line) {
            Ok(JsonLine::Tracker(conv)) => current.replace(conv),
            Ok(JsonLine::Event(sender, event)) => match &mut current {
                Some(c) if c.sender_id == sender => {
                    c.events.push(*event);
                    None
                }
                _ => current.replace(IncomingConversation {
                    sender_id: sender,
                    events: vec![*event],
                }),
            },
            Err(reason) => {
                if !emit(Item::Problem(problem(name, Some(line_no), reason))) {
                    return false;
                }
                None
            }
        };
        if let Some(batch) = finished.and_then(|c| batcher.push(c)) {
            if !emit(Item::Batch(batch)) || !emit(Item::Progress(bytes_before + read)) {
                return false;
            }
        }
    }
    if let Some(batch) = current.and_then(|c| batcher.push(c)) {
        return emit(Item::Batch(batch));
    }
    true
}
