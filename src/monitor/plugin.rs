//! `status --check` as the monitoring-plugin conventions want it (Nagios, Icinga, Zabbix
//! agents): exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; a first line `BACHATA1C <STATE> - …`
//! naming what is wrong, performance data after `|` (`'label'=value[UOM];warn;crit;min;max`),
//! then one line per condition in English and in Russian.

use std::fmt::Write;

use super::{
    CRITICAL_DISK_DIVISOR, Condition, Severity, Snapshot, Thresholds, seconds_since, text,
};

/// A check's result, as the plugin conventions grade it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Verdict {
    /// The worst of the conditions.
    pub fn of(conditions: &[Condition]) -> Verdict {
        match conditions.iter().map(|c| c.severity).max() {
            None => Verdict::Ok,
            Some(Severity::Warning) => Verdict::Warning,
            Some(Severity::Critical) => Verdict::Critical,
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Verdict::Ok => 0,
            Verdict::Warning => 1,
            Verdict::Critical => 2,
            Verdict::Unknown => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "OK",
            Verdict::Warning => "WARNING",
            Verdict::Critical => "CRITICAL",
            Verdict::Unknown => "UNKNOWN",
        }
    }
}

/// The whole output of a check that could look: the first line with performance data, then
/// each condition's words.
pub fn output(snapshot: &Snapshot, thresholds: &Thresholds, conditions: &[Condition]) -> String {
    let verdict = Verdict::of(conditions);
    let what = if conditions.is_empty() {
        all_well(snapshot)
    } else {
        conditions
            .iter()
            .map(|c| c.summary.en.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut text = format!(
        "BACHATA1C {} - {}: {} | {}\n",
        verdict.as_str(),
        plain(&snapshot.folder.display().to_string()),
        plain(&what),
        perfdata(snapshot, thresholds)
    );
    for condition in conditions {
        let severity = condition.severity.as_str();
        for (summary, details) in [
            (&condition.summary.en, &condition.details.en),
            (&condition.summary.ru, &condition.details.ru),
        ] {
            let line = format!("{severity} {}: {summary}. {details}", condition.name);
            let _ = writeln!(text, "{}", plain(&line));
        }
    }
    text
}

/// The output of a check that could not look: why, and nothing else.
pub fn unknown(reason: &str) -> String {
    format!("BACHATA1C UNKNOWN - {}\n", plain(reason))
}

/// What an OK line says: the figures a person glances at.
fn all_well(snapshot: &Snapshot) -> String {
    let waiting = snapshot.queue.map_or(0, |q| q.unconfirmed());
    let mut said = format!("{} waiting for 1C", text::leads(waiting).en);
    if let Some(last) = snapshot.last_1c_request {
        let ago = std::time::Duration::from_secs(seconds_since(last, snapshot.taken_at));
        let _ = write!(said, ", 1C's last request {} ago", text::span(ago).en);
    }
    let _ = write!(
        said,
        ", {} in failed/",
        text::refused_inputs(snapshot.refused).en
    );
    if let Some(disk) = &snapshot.disk {
        let _ = write!(said, ", {} free", text::size(disk.available).en);
    }
    said
}

/// Performance data: the figures with their thresholds, for graphs and for monitors that
/// judge by themselves. A time never recorded is `U` (undetermined), as the conventions say.
pub fn perfdata(snapshot: &Snapshot, thresholds: &Thresholds) -> String {
    let totals = snapshot.queue.map(|q| q.totals).unwrap_or_default();
    let mut items = vec![
        format!("'waiting'={};;;0;", totals.waiting),
        format!("'offered'={};;;0;", totals.offered),
        format!("'confirmed'={}c;;;0;", totals.confirmed),
        format!("'known'={}c;;;0;", totals.known),
    ];
    let age = snapshot
        .queue
        .and_then(|q| q.oldest_waiting)
        .map_or(0, |oldest| seconds_since(oldest, snapshot.taken_at));
    let secs = |limit: Option<std::time::Duration>| limit.map(|l| l.as_secs().to_string());
    items.push(item(
        "oldest_waiting",
        &format!("{age}s"),
        None,
        secs(thresholds.max_waiting),
    ));
    let silence = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map_or("U".to_string(), |at| {
            format!("{}s", seconds_since(at, snapshot.taken_at))
        })
    };
    items.push(item(
        "1c_silence",
        &silence(snapshot.last_1c_request),
        None,
        secs(thresholds.max_1c_silence),
    ));
    items.push(item(
        "webhook_silence",
        &silence(snapshot.last_webhook),
        secs(thresholds.max_webhook_silence),
        None,
    ));
    items.push(item(
        "refused",
        &snapshot.refused.to_string(),
        thresholds.max_refused.map(|n| n.to_string()),
        None,
    ));
    if let Some(disk) = &snapshot.disk {
        // `N:` is the range «N or more»: below it, the state is raised.
        let warn = thresholds.min_free_disk.map(|min| format!("{min}:"));
        let crit = thresholds
            .min_free_disk
            .map(|min| format!("{}:", min / CRITICAL_DISK_DIVISOR));
        items.push(format!(
            "'disk_free'={}B;{};{};0;{}",
            disk.available,
            warn.unwrap_or_default(),
            crit.unwrap_or_default(),
            disk.total
        ));
    }
    items.join(" ")
}

fn item(label: &str, value: &str, warn: Option<String>, crit: Option<String>) -> String {
    format!(
        "'{label}'={value};{};{};0;",
        warn.unwrap_or_default(),
        crit.unwrap_or_default()
    )
}

/// Text on one line without `|`, which would start the performance data: control characters
/// (a folder's name may hold any) escaped, `|` shown as `/`.
fn plain(text: &str) -> String {
    crate::report::escape_controls(text).replace('|', "/")
}

#[cfg(test)]
mod tests {
    use super::super::{Disk, Queue, judge};
    use super::*;
    use crate::ledger::QueueTotals;

    #[test]
    fn a_stall_is_critical_with_its_words_and_figures_and_nothing_else_is_ok() {
        let now: chrono::DateTime<chrono::Utc> = "2026-12-07T12:00:00Z".parse().unwrap();
        let mut snapshot = Snapshot {
            folder: "/srv/bachata".into(),
            failed: "/srv/bachata/failed".into(),
            taken_at: now,
            queue: Some(Queue {
                totals: QueueTotals {
                    waiting: 2,
                    offered: 1,
                    confirmed: 7,
                    known: 4,
                },
                oldest_waiting: Some(now - chrono::Duration::seconds(3 * 3600)),
            }),
            inputs: Vec::new(),
            last_1c_request: Some(now - chrono::Duration::seconds(90)),
            last_webhook: None,
            refused: 0,
            disk: Some(Disk {
                part: "inbox",
                path: "/srv/bachata/inbox".into(),
                available: 5 << 30,
                total: 20 << 30,
            }),
        };
        let thresholds = Thresholds::default();
        let conditions = judge(&snapshot, &thresholds);
        assert_eq!(Verdict::of(&conditions).code(), 2);
        let text = output(&snapshot, &thresholds, &conditions);
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "BACHATA1C CRITICAL - /srv/bachata: Leads have waited for 1C over 2 h: 3 leads, \
             the oldest for 3 h | 'waiting'=2;;;0; 'offered'=1;;;0; 'confirmed'=7c;;;0; \
             'known'=4c;;;0; 'oldest_waiting'=10800s;;7200;0; '1c_silence'=90s;;3600;0; \
             'webhook_silence'=U;;;0; 'refused'=0;0;;0; \
             'disk_free'=5368709120B;1073741824:;107374182:;0;21474836480"
        );
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("CRITICAL leads_waiting: Leads have")
        );
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("CRITICAL leads_waiting: Лиды ждут")
        );
        assert_eq!(lines.next(), None);

        snapshot.queue.as_mut().unwrap().oldest_waiting = Some(now);
        let conditions = judge(&snapshot, &thresholds);
        let text = output(&snapshot, &thresholds, &conditions);
        assert_eq!(Verdict::of(&conditions), Verdict::Ok);
        assert!(
            text.starts_with(
                "BACHATA1C OK - /srv/bachata: 3 leads waiting for 1C, 1C's last request 1 min \
                 ago, 0 refused inputs in failed/, 5 GiB free | "
            ),
            "{text}"
        );
    }

    #[test]
    fn a_folder_name_cannot_break_the_line_or_start_the_perfdata() {
        assert_eq!(
            unknown("/srv/a|b\nc: no such folder"),
            "BACHATA1C UNKNOWN - /srv/a/b\\nc: no such folder\n"
        );
    }
}
