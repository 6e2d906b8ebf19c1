//! `bachata1c report`: the support bundle (see [`crate::support::bundle`]), and one line
//! saying where it is and whether personal data is in it.

use super::Exit;
use crate::cli::ReportArgs;
use crate::limits::human_size;
use crate::settings;
use crate::support::bundle;

pub fn run(args: &ReportArgs) -> Exit {
    let settings = match settings::report(args) {
        Ok(settings) => settings,
        Err(err) => return super::unusable(format_args!("report: {err}")),
    };
    // A mistyped folder must not give a bundle of an empty exchange folder.
    if !settings.folders.inbox.is_dir() {
        crate::say!(
            "bachata1c: report: {}: no such inbox folder; give the exchange folder the service uses (DIR, --dir or --config)",
            settings.folders.inbox.display()
        );
        return Exit::Unusable;
    }
    let written = match bundle::write(&settings) {
        Ok(written) => written,
        Err(err) => return super::unusable(format_args!("report: {err}")),
    };
    for note in &written.notes {
        crate::say!("bachata1c: report: not included: {note}");
    }
    crate::say!(
        "bachata1c: report written to {} ({} files, {}); {}",
        written.path.display(),
        written.files,
        human_size(written.bytes),
        if settings.personal_data {
            "it HOLDS PERSONAL DATA (--with-personal-data): send it only where that may go"
        } else {
            "clients' names, phones and e-mails left out (README.txt inside says what is in it)"
        }
    );
    Exit::Success
}
