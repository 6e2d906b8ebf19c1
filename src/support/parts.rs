//! The parts of a support bundle, each read within its bound and cleaned by the bundle's
//! [`Clean`]: the status as the command prints it, the queue's counts, the last lines of a log,
//! the last reasons of refused inputs, and the trace of 1C's exchange.

use std::fmt::Write as _;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::redact::Redactor;
use super::trace::{self, Exchange};
use crate::exchange::filing;
use crate::limits::human_size;

/// The last lines of a log file: at most this many, from at most its last [`LOG_TAIL_BYTES`].
pub const LOG_LINES: usize = 2_000;
pub const LOG_TAIL_BYTES: u64 = 1 << 20;
/// The newest refused inputs' reasons, each cut at [`REASON_LIMIT`] bytes.
pub const REASONS: usize = 50;
pub const REASON_LIMIT: usize = 4 * 1024;
/// The config file and the status output are cut at this size.
pub const TEXT_LIMIT: usize = 256 * 1024;

/// How the bundle's texts are cleaned: with personal data kept, only passwords go.
pub struct Clean {
    pub redactor: Redactor,
    pub personal_data: bool,
}

impl Clean {
    /// Text of our own (a status line, a path).
    pub fn ours(&self, text: &str) -> String {
        match self.personal_data {
            true => self.redactor.known_values(text),
            false => self.redactor.text(text),
        }
    }

    /// Text that may quote a refused file (a reason, a log line).
    pub fn quoting(&self, text: &str) -> String {
        match self.personal_data {
            true => self.redactor.known_values(text),
            false => self.redactor.quoting(text),
        }
    }
}

/// `text` cut at `limit` bytes (at a character's start), saying so.
pub fn cut(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… (cut at {}; {} in all)\n",
        &text[..end],
        human_size(limit as u64),
        human_size(text.len() as u64)
    )
}

/// `bachata1c status` on the same folder, run as the administrator runs it: its output as it
/// prints it, standard error after standard output, and its exit status.
pub fn status(args: &[std::ffi::OsString]) -> String {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => return format!("(status could not be run: {err})\n"),
    };
    let output = match std::process::Command::new(exe)
        .arg("status")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(output) => output,
        Err(err) => return format!("(status could not be run: {err})\n"),
    };
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.is_empty() {
        let _ = write!(text, "\n(standard error)\n{stderr}");
    }
    let _ = writeln!(
        text,
        "\n(exit status {})",
        output
            .status
            .code()
            .map_or_else(|| "none".to_string(), |c| c.to_string())
    );
    text
}

/// The last lines of a log file: from its last [`LOG_TAIL_BYTES`], the last [`LOG_LINES`]
/// whole lines.
pub fn log_tail(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let size = file.metadata()?.len();
    let start = size.saturating_sub(LOG_TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(LOG_TAIL_BYTES).read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        // The first line began before the part read.
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(LOG_LINES);
    let mut tail = String::new();
    if start > 0 || skip > 0 {
        let _ = writeln!(
            tail,
            "(the last {} lines of {}, a file of {})",
            lines.len() - skip,
            path.display(),
            human_size(size)
        );
    }
    for line in &lines[skip..] {
        tail.push_str(line);
        tail.push('\n');
    }
    Ok(tail)
}

/// The newest refused inputs in failed/ with their reasons.
pub fn reasons(failed: &Path, clean: &Clean) -> String {
    let refused = filing::in_failed(failed);
    let mut text = format!(
        "{} refused input(s) in {}; the newest {} with their reasons (each cut at {}):\n\n",
        refused.len(),
        failed.display(),
        refused.len().min(REASONS),
        human_size(REASON_LIMIT as u64)
    );
    for input in refused.iter().take(REASONS) {
        let reason = input.reason.as_deref().unwrap_or("(no reason file)");
        let line = format!(
            "{}  {}: {}",
            input.at,
            input.name,
            cut(reason, REASON_LIMIT)
        );
        text.push_str(&clean.quoting(&line));
        text.push('\n');
    }
    text
}

/// The trace's exchange for a bundle without personal data: each request and answer with its
/// bodies' lengths and line ends, an XML body's first line only (its declaration), and our
/// own line answers (`success`, `failure` and why, `zip=no`…) cleaned; what 1C sends in a body
/// is left out.
pub fn trace_without_bodies(text: &str, clean: &Clean) -> String {
    let mut out = String::new();
    for line in text.lines() {
        // A line cut short by a crash is left out.
        let Ok(mut exchange) = serde_json::from_str::<Exchange>(line) else {
            continue;
        };
        exchange.request.body.text = summary(&exchange.request.body.text, None);
        exchange.response.body.text = summary(&exchange.response.body.text, Some(clean));
        out.push_str(&serde_json::to_string(&exchange).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// What a body shows without personal data; `answer` cleans our own line answers.
fn summary(text: &str, answer: Option<&Clean>) -> String {
    const LEFT_OUT: &str = "… (left out: personal data; report --with-personal-data keeps it)";
    let bare = text.trim_start_matches('\u{FEFF}');
    if text.is_empty() {
        return String::new();
    }
    if bare.starts_with("<?xml") {
        let first = text.split('\n').next().unwrap_or("");
        return format!("{}\n{LEFT_OUT}", first.trim_end_matches('\r'));
    }
    match answer {
        Some(clean) => clean.ours(text),
        None => LEFT_OUT.to_string(),
    }
}

/// The trace's record in words, for the README.
pub fn trace_state(dir: &Path) -> Option<String> {
    let record = trace::Record::read(dir)?;
    let end = match record.ended {
        Some(_) => format!(
            "ended {} ({})",
            trace::local(record.end()),
            record.why.as_deref().unwrap_or("")
        ),
        None if chrono::Utc::now() >= record.ends => {
            format!("ended {} (its time was over)", trace::local(record.ends))
        }
        None => format!("running until {}", trace::local(record.ends)),
    };
    Some(format!(
        "begun {} by {}, {end}",
        trace::local(record.began),
        record.by
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_tail_is_its_last_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.log");
        let lines: String = (0..LOG_LINES + 10).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, &lines).unwrap();
        let tail = log_tail(&path).unwrap();
        assert!(tail.starts_with(&format!("(the last {LOG_LINES} lines of")));
        assert!(tail.contains("\nline 10\n") && !tail.contains("\nline 9\n"));
        assert!(tail.ends_with(&format!("line {}\n", LOG_LINES + 9)));
        // A file larger than the part read: no line starts in the middle.
        let long = "x".repeat(1000);
        let big: String = (0..2_000).map(|i| format!("{i} {long}\n")).collect();
        std::fs::write(&path, &big).unwrap();
        let tail = log_tail(&path).unwrap();
        assert!(tail.len() as u64 <= LOG_TAIL_BYTES + 200);
        for line in tail.lines().skip(1) {
            assert!(
                line.ends_with(&long) && line.len() > long.len() + 1,
                "{line:.20}"
            );
        }
    }

    #[test]
    fn cut_text_says_it_was_cut() {
        assert_eq!(cut("short", 10), "short");
        let cut = cut("ёёёёё", 5);
        assert!(cut.starts_with("ёё\n… (cut at 5 bytes"), "{cut}");
    }
}
