//! The progress bar of `run` and `convert`: files done of the files found, and the time left
//! once it can be told. indicatif's estimate from the first few files is wild (20 minutes shown
//! for a 3.5 s job, the first files being slow to come), so the time left is shown only after
//! a second of work and a twentieth of the files.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Fewer files than this are done before anyone would look at a bar.
const FROM: usize = 50;
const WITHOUT_ETA: &str = "{bar:40} {pos}/{len} files";
const WITH_ETA: &str = "{bar:40} {pos}/{len} files, {eta} left";
/// The estimate is shown once this long has passed…
const ETA_AFTER: Duration = Duration::from_secs(1);
/// …and once this share of the files is done (1/20: 5%).
const ETA_FROM_SHARE: u64 = 20;

/// A progress bar for `files` files when stderr is a terminal and they are many; none when
/// the output goes to a log or a pipe.
pub fn progress_bar(files: usize) -> Option<ProgressBar> {
    if files < FROM || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return None;
    }
    Some(ProgressBar::new(files as u64))
}

/// A bar being shown, with whether its estimate is out yet.
pub struct Progress {
    pub bar: ProgressBar,
    eta_shown: bool,
}

impl Progress {
    pub fn new(bar: ProgressBar) -> Progress {
        set_template(&bar, WITHOUT_ETA);
        Progress {
            bar,
            eta_shown: false,
        }
    }

    /// One more file done; the estimate appears once it is worth reading.
    pub fn tick(&mut self) {
        self.bar.inc(1);
        if !self.eta_shown
            && eta_is_steady(
                self.bar.elapsed(),
                self.bar.position(),
                self.bar.length().unwrap_or(0),
            )
        {
            set_template(&self.bar, WITH_ETA);
            self.eta_shown = true;
        }
    }
}

/// Whether the time left, estimated after `elapsed` with `done` of `total` files, is steady
/// enough to show.
fn eta_is_steady(elapsed: Duration, done: u64, total: u64) -> bool {
    elapsed >= ETA_AFTER && total > 0 && done.saturating_mul(ETA_FROM_SHARE) >= total
}

fn set_template(bar: &ProgressBar, template: &str) {
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_waits_for_a_second_and_a_twentieth_of_the_files() {
        let second = Duration::from_secs(1);
        // The report of issue 14: 3 of 400 files in the first moments said «20m».
        assert!(!eta_is_steady(Duration::from_millis(300), 3, 400));
        assert!(!eta_is_steady(Duration::from_secs(30), 19, 400));
        assert!(!eta_is_steady(Duration::from_millis(999), 200, 400));
        assert!(eta_is_steady(second, 20, 400));
        assert!(eta_is_steady(Duration::from_secs(5), 400, 400));
        assert!(!eta_is_steady(Duration::from_secs(5), 0, 0));
    }

    #[test]
    fn a_new_bar_has_no_estimate_and_both_templates_are_valid() {
        assert!(!WITHOUT_ETA.contains("{eta"));
        assert!(WITH_ETA.contains("{eta}"));
        for template in [WITHOUT_ETA, WITH_ETA] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
        let bar = ProgressBar::hidden();
        bar.set_length(400);
        let mut progress = Progress::new(bar);
        assert!(!progress.eta_shown);
        // However fast the first files go, a few are never enough for an estimate.
        for _ in 0..19 {
            progress.tick();
        }
        assert!(!progress.eta_shown);
        assert_eq!(progress.bar.position(), 19);
    }
}
