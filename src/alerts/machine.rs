//! The life of one condition on one channel, without the disk or the clock: a condition that
//! begins to hold fires once, fires again at most every `repeat` while it holds, and is
//! resolved once when it clears. A message not delivered stays owed and is due again at the
//! next evaluation, so a failing channel loses nothing and a restart repeats nothing.

use chrono::{DateTime, Utc};

use super::{Said, State};
pub use crate::ledger::alerts::Tracked;

/// The row after one evaluation, and whether its message is to be delivered now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub row: Option<Tracked>,
    pub due: bool,
}

/// One evaluation of one condition on one channel: `holding` is the condition's summary when
/// it holds now, `None` when it does not.
pub fn step(
    row: Option<&Tracked>,
    holding: Option<&Said>,
    now: DateTime<Utc>,
    repeat: chrono::Duration,
) -> Step {
    if let Some(row) = row
        && row.sending_until.is_some_and(|until| until > now)
    {
        return Step {
            row: Some(row.clone()),
            due: false,
        };
    }
    // An evaluation from before the row's last change (another process's, taken just before
    // and recorded just after) knows less than the row: at a threshold's edge it would clear
    // what has just begun, or begin again what has just cleared.
    if let Some(row) = row
        && now < changed_at(row)
    {
        return Step {
            row: Some(row.clone()),
            due: false,
        };
    }
    let begins = |summary: &Said| Step {
        row: Some(Tracked {
            state: State::Firing,
            since: now,
            cleared: None,
            owed: true,
            last_sent: None,
            summary: summary.clone(),
            sending_until: None,
        }),
        due: true,
    };
    match (row, holding) {
        (None, None) => Step {
            row: None,
            due: false,
        },
        (None, Some(summary)) => begins(summary),
        (Some(row), Some(summary)) if row.state == State::Resolved => begins(summary),
        (Some(row), Some(summary)) => {
            let mut row = row.clone();
            row.summary = summary.clone();
            row.sending_until = None;
            let repeat_due = row.last_sent.is_none_or(|sent| now - sent >= repeat);
            row.owed |= repeat_due;
            let due = row.owed;
            Step {
                row: Some(row),
                due,
            }
        }
        (Some(row), None) if row.state == State::Firing => Step {
            row: Some(Tracked {
                state: State::Resolved,
                cleared: Some(now),
                owed: true,
                sending_until: None,
                ..row.clone()
            }),
            due: true,
        },
        (Some(row), None) => Step {
            row: Some(Tracked {
                sending_until: None,
                ..row.clone()
            }),
            due: row.owed,
        },
    }
}

/// When the row last changed state: when it began to hold, or when it cleared.
fn changed_at(row: &Tracked) -> DateTime<Utc> {
    match row.state {
        State::Firing => row.since,
        State::Resolved => row.cleared.unwrap_or(row.since),
    }
}

/// The row after its message of `state` was delivered at `at`.
pub fn delivered(row: &mut Tracked, state: State, at: DateTime<Utc>) {
    row.sending_until = None;
    if row.state == state {
        row.owed = false;
        if state == State::Firing {
            row.last_sent = Some(at);
        }
    }
}

/// The row after a delivery failed: still owed, due again at the next evaluation.
pub fn failed(row: &mut Tracked) {
    row.sending_until = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + minutes * 60, 0).unwrap()
    }

    fn said(text: &str) -> Said {
        Said {
            ru: format!("ru {text}"),
            en: format!("en {text}"),
        }
    }

    const REPEAT: chrono::Duration = chrono::Duration::hours(4);

    /// Evaluates, then delivers what is due (or fails it), as the caller does.
    fn evaluate(
        row: &mut Option<Tracked>,
        holding: Option<&Said>,
        now: DateTime<Utc>,
        delivery_works: bool,
    ) -> Option<State> {
        let step = step(row.as_ref(), holding, now, REPEAT);
        *row = step.row;
        if !step.due {
            return None;
        }
        let tracked = row.as_mut().expect("a due step has a row");
        let state = tracked.state;
        match delivery_works {
            true => delivered(tracked, state, now),
            false => failed(tracked),
        }
        Some(state)
    }

    #[test]
    fn a_condition_fires_once_repeats_after_repeat_and_resolves_once() {
        let waiting = said("3 leads wait");
        let mut row = None;
        assert_eq!(evaluate(&mut row, None, at(0), true), None);
        assert_eq!(row, None, "nothing is kept for a condition never seen");
        assert_eq!(
            evaluate(&mut row, Some(&waiting), at(1), true),
            Some(State::Firing)
        );
        for minute in [2, 60, 4 * 60] {
            assert_eq!(evaluate(&mut row, Some(&waiting), at(minute), true), None);
        }
        assert_eq!(
            evaluate(&mut row, Some(&waiting), at(4 * 60 + 1), true),
            Some(State::Firing),
            "repeated once `repeat` has passed since the last delivery"
        );
        assert_eq!(evaluate(&mut row, Some(&waiting), at(5 * 60), true), None);
        assert_eq!(
            evaluate(&mut row, None, at(5 * 60 + 1), true),
            Some(State::Resolved)
        );
        let kept = row.clone().unwrap();
        assert_eq!(kept.since, at(1));
        assert_eq!(kept.cleared, Some(at(5 * 60 + 1)));
        assert_eq!(
            kept.summary, waiting,
            "the resolved message names what cleared"
        );
        for minute in [5 * 60 + 2, 24 * 60] {
            assert_eq!(evaluate(&mut row, None, at(minute), true), None);
        }
    }

    #[test]
    fn a_condition_that_returns_fires_again_at_once() {
        let waiting = said("waiting");
        let mut row = None;
        evaluate(&mut row, Some(&waiting), at(0), true);
        evaluate(&mut row, None, at(10), true);
        assert_eq!(
            evaluate(&mut row, Some(&waiting), at(11), true),
            Some(State::Firing),
            "a new episode is not held back by the last one's repeat"
        );
        assert_eq!(row.as_ref().unwrap().since, at(11));
    }

    #[test]
    fn the_summary_follows_the_condition_while_it_holds() {
        let mut row = None;
        evaluate(&mut row, Some(&said("3 leads")), at(0), true);
        evaluate(&mut row, Some(&said("5 leads")), at(1), true);
        assert_eq!(row.as_ref().unwrap().summary, said("5 leads"));
        assert_eq!(row.as_ref().unwrap().since, at(0));
    }

    #[test]
    fn a_failed_firing_is_due_at_every_evaluation_until_delivered_then_not_repeated_early() {
        let waiting = said("waiting");
        let mut row = None;
        assert_eq!(
            evaluate(&mut row, Some(&waiting), at(0), false),
            Some(State::Firing)
        );
        assert_eq!(
            evaluate(&mut row, Some(&waiting), at(1), false),
            Some(State::Firing)
        );
        assert_eq!(
            evaluate(&mut row, Some(&waiting), at(2), true),
            Some(State::Firing)
        );
        assert_eq!(row.as_ref().unwrap().last_sent, Some(at(2)));
        assert_eq!(row.as_ref().unwrap().since, at(0));
        assert_eq!(evaluate(&mut row, Some(&waiting), at(3), true), None);
        assert_eq!(
            evaluate(&mut row, Some(&waiting), at(2 + 4 * 60), true),
            Some(State::Firing),
            "the repeat counts from the delivery, not from the first try"
        );
    }

    #[test]
    fn a_failed_repeat_is_retried_and_a_failed_resolved_too() {
        let waiting = said("waiting");
        let mut row = None;
        evaluate(&mut row, Some(&waiting), at(0), true);
        assert_eq!(
            evaluate(&mut row, Some(&waiting), at(4 * 60), false),
            Some(State::Firing)
        );
        assert_eq!(
            evaluate(&mut row, Some(&waiting), at(4 * 60 + 1), true),
            Some(State::Firing)
        );
        assert_eq!(
            evaluate(&mut row, None, at(5 * 60), false),
            Some(State::Resolved)
        );
        assert_eq!(
            evaluate(&mut row, None, at(5 * 60 + 1), false),
            Some(State::Resolved)
        );
        assert_eq!(
            evaluate(&mut row, None, at(5 * 60 + 2), true),
            Some(State::Resolved)
        );
        assert_eq!(evaluate(&mut row, None, at(5 * 60 + 3), true), None);
        assert_eq!(
            row.as_ref().unwrap().cleared,
            Some(at(5 * 60)),
            "the time it cleared, not the time it was told"
        );
    }

    #[test]
    fn a_condition_that_clears_before_its_firing_got_through_is_still_told_resolved() {
        // The channel was down for the whole episode: its resolved message, with the times it
        // began and cleared, is what tells that it happened at all.
        let waiting = said("waiting");
        let mut row = None;
        evaluate(&mut row, Some(&waiting), at(0), false);
        assert_eq!(
            evaluate(&mut row, None, at(30), true),
            Some(State::Resolved)
        );
        assert_eq!(row.as_ref().unwrap().since, at(0));
    }

    #[test]
    fn a_resolved_message_still_owed_gives_way_to_a_new_firing() {
        let waiting = said("waiting");
        let mut row = None;
        evaluate(&mut row, Some(&waiting), at(0), true);
        evaluate(&mut row, None, at(10), false);
        assert_eq!(
            evaluate(&mut row, Some(&waiting), at(11), true),
            Some(State::Firing)
        );
        assert_eq!(evaluate(&mut row, Some(&waiting), at(12), true), None);
    }

    #[test]
    fn a_row_being_delivered_elsewhere_is_left_alone_until_its_lease_ends() {
        let waiting = said("waiting");
        let step1 = step(None, Some(&waiting), at(0), REPEAT);
        let mut row = step1.row.unwrap();
        row.sending_until = Some(at(5));
        let other = step(Some(&row), Some(&waiting), at(1), REPEAT);
        assert!(!other.due);
        assert_eq!(other.row.as_ref(), Some(&row));
        let cleared = step(Some(&row), None, at(2), REPEAT);
        assert!(
            !cleared.due,
            "not even resolved while the firing is on its way"
        );
        // The evaluator died with the row leased: once the lease ends it is due again.
        let after = step(Some(&row), Some(&waiting), at(6), REPEAT);
        assert!(after.due);
        assert_eq!(after.row.unwrap().sending_until, None);
    }

    #[test]
    fn an_evaluation_older_than_the_rows_last_change_changes_nothing() {
        // `serve` and `watch` evaluate one ledger: one's snapshot, taken a moment before the
        // threshold was passed, is recorded just after the other's firing.
        let waiting = said("waiting");
        let fired = step(None, Some(&waiting), at(10), REPEAT).row.unwrap();
        let stale = step(Some(&fired), None, at(9), REPEAT);
        assert!(!stale.due);
        assert_eq!(stale.row.as_ref(), Some(&fired));
        let cleared = step(Some(&fired), None, at(20), REPEAT).row.unwrap();
        let stale = step(Some(&cleared), Some(&waiting), at(19), REPEAT);
        assert!(!stale.due);
        assert_eq!(stale.row.as_ref(), Some(&cleared));
        assert!(step(Some(&cleared), Some(&waiting), at(21), REPEAT).due);
    }

    #[test]
    fn a_delivery_recorded_after_the_state_changed_does_not_settle_the_new_state() {
        let waiting = said("waiting");
        let mut row = step(None, Some(&waiting), at(0), REPEAT).row.unwrap();
        row = step(Some(&row), None, at(1), REPEAT).row.unwrap();
        delivered(&mut row, State::Firing, at(2));
        assert!(row.owed, "the resolved message is still owed");
        assert_eq!(row.last_sent, None);
    }
}
