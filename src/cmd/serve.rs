//! `bachata1c serve`: the HTTP endpoint, and with `--convert` the watcher beside it in the same
//! process; one stop token ends both.

use super::Exit;
use crate::cli::ServeArgs;
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
    let stop = Stop::new();
    stop.on_signals(|| crate::say!("bachata1c: shutting down: finishing requests in flight"));
    let converter = settings.convert.clone().map(converter);
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
fn converter(settings: settings::Watch) -> serve::Background {
    Box::new(
        move |stop: Stop| match super::watch::watch(&settings, &stop) {
            Exit::Success => Ok(()),
            exit => Err(format!(
                "converting the inbox stopped (exit status {}; see the lines above)",
                exit.code()
            )
            .into()),
        },
    )
}
