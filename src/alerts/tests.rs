//! The alerts over a real ledger, with a stand-in channel that records what it is given (or
//! fails): every transition, a restart, a failed delivery and two evaluators at once.

use std::sync::{Arc, Mutex};

use super::*;

/// A channel stand-in: records each alert it is given; fails while told to.
#[derive(Clone, Default)]
struct Recorder {
    sent: Arc<Mutex<Vec<(Channel, Alert)>>>,
    failing: Arc<Mutex<Vec<Channel>>>,
    channels: Vec<Channel>,
    /// Called inside each delivery: what another evaluator does meanwhile.
    meanwhile: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl Recorder {
    fn on(channels: &[Channel]) -> Recorder {
        Recorder {
            channels: channels.to_vec(),
            ..Recorder::default()
        }
    }

    fn fail(&self, channel: Channel, failing: bool) {
        let mut list = self.failing.lock().unwrap();
        list.retain(|c| *c != channel);
        if failing {
            list.push(channel);
        }
    }

    /// What was delivered since the last call: (channel, condition, state).
    fn take(&self) -> Vec<(Channel, String, State)> {
        std::mem::take(&mut *self.sent.lock().unwrap())
            .into_iter()
            .map(|(channel, alert)| (channel, alert.condition, alert.state))
            .collect()
    }
}

impl Deliver for Recorder {
    fn channels(&self) -> Vec<Channel> {
        self.channels.clone()
    }

    fn bound(&self) -> Duration {
        Duration::from_secs(30)
    }

    fn deliver(&self, channel: Channel, alert: &Alert) -> Result<(), DeliveryError> {
        if let Some(meanwhile) = &self.meanwhile {
            meanwhile();
        }
        if self.failing.lock().unwrap().contains(&channel) {
            return Err(DeliveryError::Command(CommandError::Failed {
                command: "stand-in".into(),
                status: "exit code 1".into(),
                stderr: String::new(),
            }));
        }
        self.sent.lock().unwrap().push((channel, alert.clone()));
        Ok(())
    }
}

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + minutes * 60, 0).unwrap()
}

fn waiting(count: u32) -> Condition {
    Condition {
        name: "leads_waiting".into(),
        summary: Said {
            ru: format!("{count} лида ждут 1С"),
            en: format!("{count} leads wait for 1C"),
        },
        details: Said {
            ru: "Проверьте регламентное задание обмена в 1С.".into(),
            en: "Check 1C's scheduled exchange job.".into(),
        },
    }
}

fn disk() -> Condition {
    Condition {
        name: "disk_space".into(),
        summary: Said {
            ru: "мало места".into(),
            en: "low disk space".into(),
        },
        details: Said::default(),
    }
}

const REPEAT: Duration = Duration::from_secs(4 * 60 * 60);

struct Setup {
    _dir: tempfile::TempDir,
    ledger_path: PathBuf,
    folder: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    Setup {
        ledger_path: dir.path().join("state/ledger.sqlite"),
        folder: dir.path().join("Обмен 1С"),
        _dir: {
            std::fs::create_dir_all(dir.path().join("state")).unwrap();
            dir
        },
    }
}

fn states(deliveries: &[Delivery]) -> Vec<(Channel, &str, State, bool)> {
    deliveries
        .iter()
        .map(|d| {
            (
                d.channel,
                d.alert.condition.as_str(),
                d.alert.state,
                d.result.is_ok(),
            )
        })
        .collect()
}

#[test]
fn each_condition_fires_once_on_each_channel_repeats_after_repeat_and_resolves() {
    let s = setup();
    let recorder = Recorder::on(&[Channel::Command, Channel::Email]);
    let alerts = Alerts::with_delivery(&s.folder, REPEAT, recorder.clone());
    let mut ledger = Ledger::open(&s.ledger_path).unwrap();
    assert!(alerts.evaluate(&mut ledger, &[], at(0)).unwrap().is_empty());
    let first = alerts
        .evaluate(&mut ledger, &[waiting(3), disk()], at(1))
        .unwrap();
    assert_eq!(
        states(&first),
        [
            (Channel::Command, "disk_space", State::Firing, true),
            (Channel::Command, "leads_waiting", State::Firing, true),
            (Channel::Email, "disk_space", State::Firing, true),
            (Channel::Email, "leads_waiting", State::Firing, true),
        ]
    );
    recorder.take();
    for minute in [2, 60, 4 * 60] {
        alerts
            .evaluate(&mut ledger, &[waiting(4), disk()], at(minute))
            .unwrap();
    }
    assert_eq!(recorder.take(), [], "nothing again within `repeat`");
    alerts
        .evaluate(&mut ledger, &[waiting(5)], at(4 * 60 + 1))
        .unwrap();
    assert_eq!(
        recorder.take(),
        [
            (Channel::Command, "disk_space".into(), State::Resolved),
            (Channel::Command, "leads_waiting".into(), State::Firing),
            (Channel::Email, "disk_space".into(), State::Resolved),
            (Channel::Email, "leads_waiting".into(), State::Firing),
        ]
    );
    alerts.evaluate(&mut ledger, &[], at(4 * 60 + 2)).unwrap();
    assert_eq!(
        recorder.take(),
        [
            (Channel::Command, "leads_waiting".into(), State::Resolved),
            (Channel::Email, "leads_waiting".into(), State::Resolved),
        ]
    );
    alerts.evaluate(&mut ledger, &[], at(24 * 60)).unwrap();
    assert_eq!(recorder.take(), []);
}

#[test]
fn a_restart_does_not_alert_again_and_still_resolves() {
    let s = setup();
    let recorder = Recorder::on(&[Channel::Command]);
    {
        let alerts = Alerts::with_delivery(&s.folder, REPEAT, recorder.clone());
        let mut ledger = Ledger::open(&s.ledger_path).unwrap();
        alerts.evaluate(&mut ledger, &[waiting(1)], at(0)).unwrap();
    }
    assert_eq!(recorder.take().len(), 1);
    // A new process: a new ledger connection and new alerts.
    let alerts = Alerts::with_delivery(&s.folder, REPEAT, recorder.clone());
    let mut ledger = Ledger::open(&s.ledger_path).unwrap();
    alerts.evaluate(&mut ledger, &[waiting(1)], at(5)).unwrap();
    assert_eq!(recorder.take(), [], "the restart told nothing new");
    alerts.evaluate(&mut ledger, &[], at(6)).unwrap();
    assert_eq!(
        recorder.take(),
        [(Channel::Command, "leads_waiting".into(), State::Resolved)]
    );
}

#[test]
fn a_failed_channel_is_retried_at_the_next_evaluation_and_the_other_is_not_repeated() {
    let s = setup();
    let recorder = Recorder::on(&[Channel::Command, Channel::Email]);
    let alerts = Alerts::with_delivery(&s.folder, REPEAT, recorder.clone());
    let mut ledger = Ledger::open(&s.ledger_path).unwrap();
    recorder.fail(Channel::Email, true);
    let first = alerts.evaluate(&mut ledger, &[waiting(1)], at(0)).unwrap();
    assert_eq!(
        states(&first),
        [
            (Channel::Command, "leads_waiting", State::Firing, true),
            (Channel::Email, "leads_waiting", State::Firing, false),
        ]
    );
    let retried = alerts.evaluate(&mut ledger, &[waiting(1)], at(1)).unwrap();
    assert_eq!(
        states(&retried),
        [(Channel::Email, "leads_waiting", State::Firing, false)]
    );
    // Across a restart too: what is owed is in the ledger.
    drop(ledger);
    let mut ledger = Ledger::open(&s.ledger_path).unwrap();
    recorder.fail(Channel::Email, false);
    let delivered = alerts.evaluate(&mut ledger, &[waiting(1)], at(2)).unwrap();
    assert_eq!(
        states(&delivered),
        [(Channel::Email, "leads_waiting", State::Firing, true)]
    );
    assert!(
        alerts
            .evaluate(&mut ledger, &[waiting(1)], at(3))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_text_names_the_folder_the_server_the_condition_and_what_to_do_in_both_languages() {
    let s = setup();
    let recorder = Recorder::on(&[Channel::Command]);
    let alerts = Alerts::with_delivery(&s.folder, REPEAT, recorder.clone());
    let mut ledger = Ledger::open(&s.ledger_path).unwrap();
    let firing = alerts.evaluate(&mut ledger, &[waiting(3)], at(0)).unwrap();
    let alert = &firing[0].alert;
    let folder = s.folder.display().to_string();
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    assert_eq!(alert.folder, s.folder);
    assert_eq!(
        alert.subject,
        "[bachata1c] Внимание: 3 лида ждут 1С / Alert: 3 leads wait for 1C"
    );
    for expected in [
        "Внимание: 3 лида ждут 1С",
        "Alert: 3 leads wait for 1C",
        "Проверьте регламентное задание обмена в 1С.",
        "Check 1C's scheduled exchange job.",
        &format!("Папка обмена {folder} на сервере {host}."),
        &format!("Exchange folder {folder} on server {host}."),
        &format!("Началось {}", text::local(at(0))),
        "не чаще раза в 4 ч",
        "at most every 4 h",
        &format!("bachata1c status \"{folder}\""),
        "(BACHATA1C_ALERT: leads_waiting)",
    ] {
        assert!(
            alert.text.contains(expected),
            "{expected:?} in\n{}",
            alert.text
        );
    }
    let resolved = alerts.evaluate(&mut ledger, &[], at(200)).unwrap();
    let alert = &resolved[0].alert;
    assert_eq!(
        alert.subject,
        "[bachata1c] Исправлено: 3 лида ждут 1С / Resolved: 3 leads wait for 1C"
    );
    for expected in [
        &format!(
            "Длилось с {} до {} (3 ч 20 мин).",
            text::local(at(0)),
            text::local(at(200))
        ),
        &format!(
            "Lasted from {} to {} (3 h 20 min).",
            text::local(at(0)),
            text::local(at(200))
        ),
        &format!("Exchange folder {folder} on server {host}."),
    ] {
        assert!(
            alert.text.contains(expected),
            "{expected:?} in\n{}",
            alert.text
        );
    }
    assert!(
        !alert.text.contains("регламентное"),
        "a cleared condition's advice is not repeated"
    );
}

#[test]
fn two_evaluators_on_one_ledger_never_both_deliver_a_message() {
    // `serve` and `watch` on one exchange folder both evaluate: while one delivers, the other
    // (its own connection to the same ledger) must leave that message alone.
    let s = setup();
    let other_sent = Arc::new(Mutex::new(Vec::new()));
    let meanwhile = {
        let (folder, path, other_sent) = (
            s.folder.clone(),
            s.ledger_path.clone(),
            Arc::clone(&other_sent),
        );
        move || {
            let other = Recorder::on(&[Channel::Command]);
            let alerts = Alerts::with_delivery(&folder, REPEAT, other.clone());
            let mut ledger = Ledger::open(&path).unwrap();
            // Within the first one's lease (its channels' bound and a margin).
            alerts.evaluate(&mut ledger, &[waiting(1)], at(0)).unwrap();
            alerts.evaluate(&mut ledger, &[], at(1)).unwrap();
            other_sent.lock().unwrap().extend(other.take());
        }
    };
    let recorder = Recorder {
        meanwhile: Some(Arc::new(meanwhile)),
        ..Recorder::on(&[Channel::Command])
    };
    let alerts = Alerts::with_delivery(&s.folder, REPEAT, recorder.clone());
    let mut ledger = Ledger::open(&s.ledger_path).unwrap();
    alerts.evaluate(&mut ledger, &[waiting(1)], at(0)).unwrap();
    assert_eq!(
        recorder.take(),
        [(Channel::Command, "leads_waiting".into(), State::Firing)]
    );
    assert_eq!(*other_sent.lock().unwrap(), []);
}

#[test]
fn a_delivery_cut_off_by_a_crash_is_made_once_its_lease_has_passed() {
    let s = setup();
    let recorder = Recorder::on(&[Channel::Command]);
    let alerts = Alerts::with_delivery(&s.folder, REPEAT, recorder.clone());
    let mut ledger = Ledger::open(&s.ledger_path).unwrap();
    // What an evaluation leaves when the process dies between planning and recording.
    ledger
        .update_alerts(|rows| {
            let mut row = machine::step(
                None,
                Some(&waiting(1).summary),
                at(0),
                chrono::Duration::hours(4),
            )
            .row
            .unwrap();
            row.sending_until = Some(at(2));
            rows.insert(("leads_waiting".into(), "command".into()), row);
        })
        .unwrap();
    alerts.evaluate(&mut ledger, &[waiting(1)], at(1)).unwrap();
    assert_eq!(recorder.take(), [], "still leased");
    alerts.evaluate(&mut ledger, &[waiting(1)], at(3)).unwrap();
    assert_eq!(
        recorder.take(),
        [(Channel::Command, "leads_waiting".into(), State::Firing)]
    );
}

#[test]
fn the_dispatcher_returns_at_once_while_a_delivery_hangs_and_settles_after() {
    let s = setup();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = Arc::new(Mutex::new(released));
    let recorder = Recorder {
        meanwhile: Some(Arc::new(move || {
            let _ = released.lock().unwrap().recv();
        })),
        ..Recorder::on(&[Channel::Command])
    };
    let reports = Arc::new(Mutex::new(Vec::new()));
    let dispatcher = {
        let reports = Arc::clone(&reports);
        Dispatcher::start(
            Alerts::with_delivery(&s.folder, REPEAT, recorder.clone()),
            s.ledger_path.clone(),
            Box::new(move |result| reports.lock().unwrap().push(result.map(|d| d.len()).ok())),
        )
    };
    dispatcher.evaluate(vec![waiting(1)], at(0));
    // The delivery is blocked until released: handing over more must not wait for it.
    dispatcher.evaluate(vec![waiting(2)], at(1));
    dispatcher.evaluate(vec![waiting(3)], at(2));
    release.send(()).unwrap();
    release.send(()).unwrap();
    assert!(dispatcher.settle(Duration::from_secs(120)));
    let sent = recorder.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "fired once: {sent:?}");
    let reports = reports.lock().unwrap().clone();
    assert_eq!(reports.first(), Some(&Some(1)));
    assert!(reports.iter().all(Option::is_some), "{reports:?}");
}

#[test]
fn a_stopping_dispatcher_leaves_a_hung_delivery_to_its_lease_and_ends_at_once_when_idle() {
    let s = setup();
    let (started, delivering) = std::sync::mpsc::channel::<()>();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (started, released) = (Mutex::new(started), Mutex::new(released));
    let recorder = Recorder {
        meanwhile: Some(Arc::new(move || {
            let _ = started.lock().unwrap().send(());
            let _ = released.lock().unwrap().recv();
        })),
        ..Recorder::on(&[Channel::Command])
    };
    let start = || {
        Dispatcher::start(
            Alerts::with_delivery(&s.folder, REPEAT, recorder.clone()),
            s.ledger_path.clone(),
            Box::new(|_| ()),
        )
    };
    let dispatcher = start();
    dispatcher.evaluate(vec![waiting(1)], at(0));
    delivering.recv().unwrap();
    // The delivery hangs until released: a stop neither waits for it nor joins its thread.
    assert!(!dispatcher.finish(Duration::from_millis(10)));
    release.send(()).unwrap();
    // Nothing in hand: the thread ends as soon as it is told.
    let idle = start();
    assert!(idle.finish(Duration::ZERO));
}
