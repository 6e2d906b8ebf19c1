//! `run` and `watch`: the exchange folder's worker, its timings and its outbox.

use super::*;

/// `run`: the options over the config's sections over the defaults.
pub fn run(args: &RunArgs) -> Result<exchange::Settings, Error> {
    let args = &RunArgs {
        folders: given(&args.folders)?,
        ..args.clone()
    };
    exchange(&Source::of(&args.folders)?, args)
}

pub(super) fn exchange(source: &Source, args: &RunArgs) -> Result<exchange::Settings, Error> {
    let watch = &source.config.watch;
    if let Some(marker) = &args.done_marker
        && (marker.is_empty() || marker.contains(['/', '\\']))
    {
        return Err(Error::DoneMarker(marker.clone()));
    }
    let settle = match args.settle.or(watch.settle_seconds) {
        None => None,
        Some(secs) => Some(seconds(
            Some(secs),
            None,
            Duration::ZERO,
            ("--settle", "settle_seconds"),
        )?),
    };
    let conversion = source.conversion(&args.output, &args.rules)?;
    let orders_file = orders_file(source, args, &conversion)?;
    Ok(exchange::Settings {
        folders: source.folders(&args.folders)?,
        conversion,
        limits: source.limits(&args.limits),
        settle,
        give_up_after: seconds(
            args.give_up_after,
            watch.give_up_after_seconds,
            DEFAULT_GIVE_UP_AFTER,
            ("--give-up-after", "give_up_after_seconds"),
        )?,
        lease: seconds(
            args.lease,
            watch.lease_seconds,
            DEFAULT_LEASE,
            ("--lease", "lease_seconds"),
        )?,
        one_output_per_run: args.batch,
        orders_file,
        done_marker: args.done_marker.clone(),
        follow_symlinks: args.follow_symlinks
            || source.config.folders.follow_symlinks.unwrap_or(false),
        new_ledger: args.new_ledger,
        log: log(&args.log),
    })
}

fn orders_file(
    source: &Source,
    args: &RunArgs,
    conversion: &conversion::Settings,
) -> Result<Option<OrdersFile>, Error> {
    let file = &source.config.output;
    let Some(name) = args
        .commerceml_file
        .clone()
        .or_else(|| file.commerceml_file.clone())
    else {
        return Ok(None);
    };
    if conversion.layout.format != Format::Commerceml {
        return Err(Error::OrdersFileFormat);
    }
    if args.batch {
        return Err(Error::OrdersFileBatch);
    }
    if conversion.layout.encoding != TextEncoding::Utf8 {
        return Err(Error::OrdersFileEncoding);
    }
    let plain = !name.contains(['/', '\\', ':']) && !name.starts_with('.');
    let xml = name.len() > 4 && name.to_ascii_lowercase().ends_with(".xml");
    if !(plain && xml) {
        return Err(Error::OrdersFileName(name));
    }
    let window_days = args
        .commerceml_window_days
        .or(file.commerceml_window_days)
        .unwrap_or(DEFAULT_WINDOW_DAYS);
    if window_days == 0 {
        return Err(Error::ZeroWindow);
    }
    Ok(Some(OrdersFile { name, window_days }))
}

/// `watch`: `run`'s settings, and polling and the rescan interval.
pub fn watch(args: &WatchArgs) -> Result<Watch, Error> {
    let mut args = args.clone();
    args.run.folders = given(&args.run.folders)?;
    watch_from(&Source::of(&args.run.folders)?, &args)
}

pub(super) fn watch_from(source: &Source, args: &WatchArgs) -> Result<Watch, Error> {
    let file = &source.config.watch;
    let poll = args.poll || file.poll.unwrap_or(false);
    let default = if poll {
        DEFAULT_POLL_RESCAN
    } else {
        DEFAULT_RESCAN
    };
    let rescan = seconds(
        args.rescan,
        file.rescan_seconds,
        default,
        ("--rescan", "rescan_seconds"),
    )?;
    Ok(Watch {
        exchange: exchange(source, &args.run)?,
        poll,
        rescan: rescan.max(MIN_RESCAN),
    })
}
