//! `bachata1c doctor URL`: 1C's «Обмен с сайтом» client played against an address; one line per
//! step on stdout, then what it comes to. Exit 0 when nothing stands in the way (warnings
//! only), 1 when a problem does, 2 for a usage error.

use std::time::SystemTime;

use super::Exit;
use crate::cli::DoctorArgs;
use crate::doctor::{self, Verdict};
use crate::report::shown;
use crate::settings;

pub fn run(args: &DoctorArgs) -> Exit {
    let settings = match settings::doctor(args) {
        Ok(settings) => settings,
        Err(err) => return super::unusable(format_args!("doctor: {err}")),
    };
    let findings = doctor::examine(&settings, SystemTime::now(), &mut |finding| {
        crate::show!("{}", shown::line(&finding.to_string()));
    });
    let count = |verdict| findings.iter().filter(|f| f.verdict == verdict).count();
    let (problems, warnings) = (count(Verdict::Problem), count(Verdict::Warning));
    let address = shown::field(&settings.typed, 200);
    let warned = match warnings {
        0 => String::new(),
        n => format!(" ({n} warning(s) above)"),
    };
    if problems == 0 {
        crate::show!(
            "bachata1c doctor: nothing stands in the way of 1C's exchange with {address}{warned}"
        );
        Exit::Success
    } else {
        crate::show!(
            "bachata1c doctor: {problems} problem(s) stand in the way of 1C's exchange with {address}{warned}"
        );
        Exit::ProblemFound
    }
}
