//! A snapshot held against the thresholds: each condition that holds, with what is wrong and
//! what to do, in Russian and English.

use std::time::Duration;

use chrono::{DateTime, Local, Utc};

use super::text::{self, Text, span};
use super::{CRITICAL_DISK_DIVISOR, Condition, Severity, Snapshot, Thresholds, seconds_since};

/// The conditions that hold in `snapshot`, the worst first.
pub fn judge(snapshot: &Snapshot, thresholds: &Thresholds) -> Vec<Condition> {
    let mut conditions: Vec<Condition> = [
        leads_waiting(snapshot, thresholds.max_waiting),
        onec_silent(snapshot, thresholds.max_1c_silence),
        webhooks_silent(snapshot, thresholds.max_webhook_silence),
        inputs_refused(snapshot, thresholds.max_refused),
        disk_space(snapshot, thresholds.min_free_disk),
    ]
    .into_iter()
    .flatten()
    .collect();
    conditions.sort_by_key(|c| std::cmp::Reverse(c.severity));
    conditions
}

/// Whether this folder's leads go to 1C through «Обмен с сайтом»: 1C has asked here, or has
/// taken a lead. A folder whose leads reach 1C as files (CSV, XLSX, an orders file) keeps its
/// queue too, but nothing ever takes from it: waiting there is no stall.
fn exchange_in_use(snapshot: &Snapshot) -> bool {
    snapshot.last_1c_request.is_some() || snapshot.queue.is_some_and(|q| q.ever_taken())
}

fn leads_waiting(snapshot: &Snapshot, max: Option<Duration>) -> Option<Condition> {
    let max = max?;
    let queue = snapshot.queue?;
    let oldest = queue.oldest_waiting?;
    let age = Duration::from_secs(seconds_since(oldest, snapshot.taken_at));
    if age <= max || !exchange_in_use(snapshot) {
        return None;
    }
    let (n, age, max) = (text::leads(queue.unconfirmed()), span(age), span(max));
    let folder = snapshot.folder.display();
    Some(Condition {
        name: "leads_waiting",
        severity: Severity::Critical,
        summary: Text {
            ru: format!(
                "Лиды ждут 1С дольше {}: {}, самый давний — {}",
                max.ru, n.ru, age.ru
            ),
            en: format!(
                "Leads have waited for 1C over {}: {}, the oldest for {}",
                max.en, n.en, age.en
            ),
        },
        details: Text {
            ru: format!(
                "1С не забирает их через «Обмен с сайтом» из папки {folder}: проверьте в 1С \
                 регламентное задание обмена с сайтом и журнал обмена. Список: bachata1c leads \
                 \"{folder}\" --only waiting --only offered"
            ),
            en: format!(
                "1C's «Обмен с сайтом» does not take them from {folder}: check its scheduled \
                 job in 1C and the exchange's log there. The list: bachata1c leads \"{folder}\" \
                 --only waiting --only offered"
            ),
        },
    })
}

fn onec_silent(snapshot: &Snapshot, max: Option<Duration>) -> Option<Condition> {
    let max = max?;
    let waiting = snapshot.queue?.unconfirmed();
    let last = snapshot.last_1c_request?;
    let silence = Duration::from_secs(seconds_since(last, snapshot.taken_at));
    if waiting == 0 || silence <= max {
        return None;
    }
    let (silence, n, at) = (span(silence), text::leads(waiting), local(last));
    Some(Condition {
        name: "1c_silent",
        severity: Severity::Critical,
        summary: Text {
            ru: format!("1С не обращается {}, а в очереди {}", silence.ru, n.ru),
            en: format!("1C silent for {} with {} waiting", silence.en, n.en),
        },
        details: Text {
            ru: format!(
                "Последний запрос 1С к bachata1c serve (папка {}) был {at}. Проверьте, что \
                 сервер 1С и его регламентные задания работают, адрес и логин узла обмена с \
                 сайтом, и журнал обмена в 1С",
                snapshot.folder.display()
            ),
            en: format!(
                "1C's last request to bachata1c serve (folder {}) was at {at}. Check that 1C's \
                 server and its scheduled jobs run, the exchange node's address and login, and \
                 the exchange's log in 1C",
                snapshot.folder.display()
            ),
        },
    })
}

fn webhooks_silent(snapshot: &Snapshot, max: Option<Duration>) -> Option<Condition> {
    let max = max?;
    let last = snapshot.last_webhook?;
    let silence = Duration::from_secs(seconds_since(last, snapshot.taken_at));
    if silence <= max {
        return None;
    }
    let (silence, at) = (span(silence), local(last));
    Some(Condition {
        name: "webhooks_silent",
        severity: Severity::Warning,
        summary: Text {
            ru: format!("Вебхуков от Bachata нет {}", silence.ru),
            en: format!("No webhook from Bachata for {}", silence.en),
        },
        details: Text {
            ru: format!(
                "Последний пришёл в папку {} {at}. Проверьте вебхук в кабинете Bachata (после \
                 неудачных доставок Bachata его отключает), его адрес и пароль, сертификат и \
                 журнал serve",
                snapshot.folder.display()
            ),
            en: format!(
                "The last one reached {} at {at}. Check the webhook in Bachata's cabinet \
                 (Bachata switches it off after failed deliveries), its address and password, \
                 the certificate, and serve's log",
                snapshot.folder.display()
            ),
        },
    })
}

fn inputs_refused(snapshot: &Snapshot, max: Option<u64>) -> Option<Condition> {
    if snapshot.refused <= max? {
        return None;
    }
    let n = text::refused_inputs(snapshot.refused);
    let (folder, failed) = (snapshot.folder.display(), snapshot.failed.display());
    Some(Condition {
        name: "inputs_refused",
        severity: Severity::Warning,
        summary: Text {
            ru: format!("В failed/ {}", n.ru),
            en: format!("{} in failed/", n.en),
        },
        details: Text {
            ru: format!(
                "Их лиды не дошли до 1С. Причина каждого — рядом с ним в {failed} \
                 (ИМЯ.reason.txt; их перечисляет bachata1c status \"{folder}\"): устраните её и \
                 выполните bachata1c retry --dir \"{folder}\", или удалите файл"
            ),
            en: format!(
                "Their leads reached no one. Each one's reason is beside it in {failed} \
                 (NAME.reason.txt; bachata1c status \"{folder}\" lists them): fix the cause, \
                 then bachata1c retry --dir \"{folder}\"; or remove the file"
            ),
        },
    })
}

fn disk_space(snapshot: &Snapshot, min: Option<u64>) -> Option<Condition> {
    let min = min?;
    let disk = snapshot.disk.as_ref()?;
    if disk.available >= min {
        return None;
    }
    let severity = if disk.available < min / CRITICAL_DISK_DIVISOR {
        Severity::Critical
    } else {
        Severity::Warning
    };
    let (free, total, least) = (
        text::size(disk.available),
        text::size(disk.total),
        text::size(min),
    );
    let (part, path) = (disk.part, disk.path.display());
    Some(Condition {
        name: "disk_space",
        severity,
        summary: Text {
            ru: format!(
                "На диске папки {part} свободно {} (меньше {})",
                free.ru, least.ru
            ),
            en: format!(
                "{} free on the disk of {part}/ (below {})",
                free.en, least.en
            ),
        },
        details: Text {
            ru: format!(
                "{path} на диске, где свободно {} из {}. На полном диске вебхуки отклоняются \
                 (507), пока Bachata не перестанет их слать, и ничего не конвертируется: \
                 освободите место (старые дни archive/) или перенесите папку обмена",
                free.ru, total.ru
            ),
            en: format!(
                "{path} is on a disk with {} of {} free. On a full disk webhooks are refused \
                 (507) until Bachata gives up, and nothing is converted: free space (old days of \
                 archive/) or move the exchange folder",
                free.en, total.en
            ),
        },
    })
}

/// A moment as the server's clock shows it, to the minute.
fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::super::{Disk, Queue};
    use super::*;
    use crate::ledger::QueueTotals;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// A folder whose 1C took leads before, with `waiting` leads now, the oldest received at
    /// `oldest`, 1C last heard at `last_1c`, at noon.
    fn snapshot(waiting: u64, oldest: &str, last_1c: &str) -> Snapshot {
        Snapshot {
            folder: "/srv/bachata".into(),
            failed: "/srv/bachata/failed".into(),
            taken_at: at("2026-12-07T12:00:00Z"),
            queue: Some(Queue {
                totals: QueueTotals {
                    waiting,
                    confirmed: 10,
                    ..QueueTotals::default()
                },
                oldest_waiting: (waiting > 0).then(|| at(oldest)),
            }),
            inputs: Vec::new(),
            last_1c_request: Some(at(last_1c)),
            last_webhook: Some(at("2026-12-07T11:59:00Z")),
            refused: 0,
            disk: Some(Disk {
                part: "state",
                path: "/srv/bachata/state".into(),
                available: 50 << 30,
                total: 100 << 30,
            }),
        }
    }

    fn names(conditions: &[Condition]) -> Vec<(&str, Severity)> {
        conditions.iter().map(|c| (c.name, c.severity)).collect()
    }

    #[test]
    fn a_lead_waiting_past_max_waiting_is_critical_and_one_within_it_is_not() {
        let thresholds = Thresholds::default();
        let fresh = snapshot(3, "2026-12-07T10:30:00Z", "2026-12-07T11:58:00Z");
        assert_eq!(judge(&fresh, &thresholds), []);
        let old = snapshot(3, "2026-12-07T08:55:00Z", "2026-12-07T11:58:00Z");
        let conditions = judge(&old, &thresholds);
        assert_eq!(names(&conditions), [("leads_waiting", Severity::Critical)]);
        let said = &conditions[0].summary;
        assert_eq!(
            said.en,
            "Leads have waited for 1C over 2 h: 3 leads, the oldest for 3 h 5 min"
        );
        assert_eq!(
            said.ru,
            "Лиды ждут 1С дольше 2 ч: 3 лида, самый давний — 3 ч 5 мин"
        );
        assert!(conditions[0].details.en.contains("/srv/bachata"));
        assert!(conditions[0].details.ru.contains("/srv/bachata"));
    }

    #[test]
    fn a_queue_nothing_ever_took_from_is_a_folder_exchange_and_no_stall() {
        let mut files_only = snapshot(3, "2026-12-01T08:00:00Z", "2026-12-07T11:58:00Z");
        files_only.last_1c_request = None;
        files_only.queue.as_mut().unwrap().totals.confirmed = 0;
        assert_eq!(judge(&files_only, &Thresholds::default()), []);
    }

    #[test]
    fn one_c_silent_holds_only_while_leads_wait() {
        let thresholds = Thresholds::default();
        let silent = snapshot(1, "2026-12-07T11:50:00Z", "2026-12-07T10:00:00Z");
        assert_eq!(
            names(&judge(&silent, &thresholds)),
            [("1c_silent", Severity::Critical)]
        );
        let nothing_waits = snapshot(0, "", "2026-12-07T10:00:00Z");
        assert_eq!(judge(&nothing_waits, &thresholds), []);
    }

    #[test]
    fn webhook_silence_is_judged_only_when_a_threshold_is_set() {
        let mut quiet = snapshot(0, "", "2026-12-07T11:58:00Z");
        quiet.last_webhook = Some(at("2026-12-05T18:00:00Z"));
        assert_eq!(judge(&quiet, &Thresholds::default()), []);
        let thresholds = Thresholds {
            max_webhook_silence: Some(Duration::from_secs(24 * 3600)),
            ..Thresholds::default()
        };
        let conditions = judge(&quiet, &thresholds);
        assert_eq!(names(&conditions), [("webhooks_silent", Severity::Warning)]);
        assert_eq!(
            conditions[0].summary.en,
            "No webhook from Bachata for 1 d 18 h"
        );
    }

    #[test]
    fn refused_inputs_and_disk_space_are_graded() {
        let mut s = snapshot(0, "", "2026-12-07T11:58:00Z");
        s.refused = 2;
        s.disk.as_mut().unwrap().available = 500 << 20;
        assert_eq!(
            names(&judge(&s, &Thresholds::default())),
            [
                ("inputs_refused", Severity::Warning),
                ("disk_space", Severity::Warning)
            ]
        );
        s.disk.as_mut().unwrap().available = 50 << 20;
        let thresholds = Thresholds {
            max_refused: Some(2),
            ..Thresholds::default()
        };
        let conditions = judge(&s, &thresholds);
        assert_eq!(names(&conditions), [("disk_space", Severity::Critical)]);
        assert_eq!(
            conditions[0].summary.en,
            "50 MiB free on the disk of state/ (below 1 GiB)"
        );
        let off = Thresholds {
            max_waiting: None,
            max_1c_silence: None,
            max_webhook_silence: None,
            max_refused: None,
            min_free_disk: None,
        };
        assert_eq!(judge(&s, &off), []);
    }
}
