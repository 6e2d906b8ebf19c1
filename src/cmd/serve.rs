//! `bachata1c serve`: the HTTP endpoint, and with `--convert` the watcher beside it in the same
//! process; one stop token ends both.

use super::Exit;
use crate::cli::ServeArgs;
use crate::exchange;
use crate::retention::{CHECK_EVERY, Keeper, Places, Policy};
use crate::serve;
use crate::settings;
use crate::stop::Stop;

pub fn run(args: &ServeArgs) -> Exit {
    let settings = match settings::serve(args) {
        Ok(settings) => settings,
        Err(err) => return super::unusable(format_args!("serve: {err}")),
    };
    let alerting = match settings::serve_alerting(&args.watch.run.folders, &settings.flow) {
        Ok(alerting) => alerting,
        Err(err) => return super::unusable(format_args!("serve: {err}")),
    };
    let policy = match settings::retention(&args.watch.run.folders) {
        Ok(policy) => policy,
        Err(err) => return super::unusable(format_args!("serve: {err}")),
    };
    let stop = Stop::new();
    stop.on_signals(|| crate::say!("bachata1c: shutting down: finishing requests in flight"));
    // With --convert the watch loop keeps the folder; without, a loop of its own does, once
    // serve listens (a serve that cannot start removes nothing).
    let converter = match settings.convert.clone() {
        Some(watch) => Some(converter(watch, policy)),
        None => retention_places(&settings).map(|places| keeper(policy, places)),
    };
    let background = super::alerting::beside_serve(alerting, settings::serve_log(args), converter);
    match serve::run(&settings, &stop, background) {
        Ok(()) => Exit::Success,
        Err(serve::Error::Startup(message)) => {
            crate::say!("bachata1c: serve: {message}");
            Exit::Unusable
        }
        Err(serve::Error::Stopped(message)) => {
            crate::say!("bachata1c: serve: {message}");
            Exit::StoppedOnItsOwn
        }
    }
}

/// `serve --convert`: the watch loop on its own thread over the same exchange folder, stopped
/// by the same token as the server.
fn converter(settings: exchange::Watch, policy: Policy) -> serve::Background {
    Box::new(
        move |stop: Stop| match super::watch::watch(&settings, policy, &stop) {
            Exit::Success => Ok(()),
            exit => Err(format!(
                "converting the inbox stopped (exit status {}; see the lines above)",
                exit.code()
            )
            .into()),
        },
    )
}

/// What `serve` alone knows of the exchange folder: failed/, and the archive and the ledger when
/// its folder (or `--state`, `--archive`) is given. No ledger: no retention.
fn retention_places(settings: &serve::Settings) -> Option<Places> {
    let state = settings.flow.state.as_ref()?;
    let archive = settings
        .flow
        .disks
        .iter()
        .find(|(part, _)| *part == "archive")
        .map(|(_, path)| path.clone());
    Some(Places {
        ledger: state.join(crate::exchange::folders::LEDGER_NAME),
        archive,
        failed: Some(settings.failed.clone()),
    })
}

/// `serve`'s retention: a pass when one is due, looked for every [`CHECK_EVERY`], on the
/// background thread, so that no request waits for it; a file it cannot remove is said, never
/// an end of the server.
fn keeper(policy: Policy, places: Places) -> serve::Background {
    Box::new(move |stop: Stop| {
        let log = crate::report::Log::stderr();
        let mut keeper = Keeper::new(policy, places);
        while !stop.is_requested() {
            keeper.tend(&log);
            stop.wait_timeout(CHECK_EVERY);
        }
        Ok(())
    })
}
