//! `bachata1c serve`: the HTTP endpoint, and with `--convert` the watcher beside it in the same
//! process; one stop token ends both.

use super::Exit;
use crate::cli::ServeArgs;
use crate::retention::{CHECK_EVERY, Keeper, Places, Policy};
use crate::serve;
use crate::settings;
use crate::stop::Stop;

pub fn run(args: &ServeArgs) -> Exit {
    let settings = match settings::serve(args) {
        Ok(settings) => settings,
        Err(err) => return super::unusable(format_args!("serve: {err}")),
    };
    let policy = match settings::retention(&args.watch.run.folders) {
        Ok(policy) => policy,
        Err(err) => return super::unusable(format_args!("serve: {err}")),
    };
    let stop = Stop::new();
    stop.on_signals(|| crate::say!("bachata1c: shutting down: finishing requests in flight"));
    let converter = settings
        .convert
        .clone()
        .map(|watch| converter(watch, policy));
    // With --convert the watch loop keeps the folder; without, a thread of its own does.
    let retention = match settings.convert {
        Some(_) => None,
        None => retention_places(&settings).map(|places| keep(policy, places, stop.clone())),
    };
    let served = serve::run(&settings, &stop, converter);
    stop.request();
    if let Some(retention) = retention
        && retention.join().is_err()
    {
        crate::say!("bachata1c: serve: the retention thread failed; nothing was lost");
    }
    match served {
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
fn converter(settings: settings::Watch, policy: Policy) -> serve::Background {
    Box::new(
        move |stop: Stop| match super::watch::watch(&settings, policy, &stop) {
            Exit::Success => Ok(()),
            exit => Err(anyhow::anyhow!(
                "converting the inbox stopped (exit status {}; see the lines above)",
                exit.code()
            )),
        },
    )
}

/// What `serve` alone knows of the exchange folder: failed/, and the archive and the ledger when
/// its folder (or `--state`, `--archive`) is given. No ledger: no retention.
fn retention_places(settings: &settings::Serve) -> Option<Places> {
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

/// `serve`'s retention: a pass when one is due, looked for every [`CHECK_EVERY`], on a thread
/// of its own so that no request waits for it.
fn keep(policy: Policy, places: Places, stop: Stop) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let log = crate::report::Log::stderr();
        let mut keeper = Keeper::new(policy, places);
        while !stop.is_requested() {
            keeper.tend(&log);
            stop.wait_timeout(CHECK_EVERY);
        }
    })
}
