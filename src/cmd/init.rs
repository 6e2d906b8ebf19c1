//! `bachata1c init --dir DIR`: create the exchange folders and a commented default config.

use std::path::Path;

use super::Exit;
use crate::cli::InitArgs;
use crate::exchange::folders::CONFIG_NAME;
use crate::files;
use crate::settings;

/// Every setting, commented out at its default, so the administrator edits rather than writes.
const DEFAULT_CONFIG: &str = r#"# bachata1c configuration. `bachata1c run --dir <this folder>` reads it from here;
# elsewhere pass --config FILE. Options given on the command line override this file.
# Uncomment a line to change a setting; an unknown key is an error that names it.

[folders]
# The exchange folder, relative to this file; the folders below are relative to it.
# dir = "."
# inbox = "inbox"       # webhook *.json files arrive here
# outbox = "outbox"     # 1C takes its files from here
# archive = "archive"   # converted inputs, in dated subfolders
# failed = "failed"     # refused inputs, each beside a .reason.txt
# state = "state"       # the processing ledger (ledger.sqlite)
# follow_symlinks = false      # take symbolic links to files (default: refused into failed/)

[output]
# format = "csv"               # csv (for a 1C processing; csv_profile = "bsp" for «Загрузка данных из файла»), xml, commerceml, enterprisedata or xlsx
# encoding = "windows-1251"    # windows-1251 or utf-8; default: windows-1251 for csv, utf-8 for the others; ignored for xlsx
# csv_quote = false            # keep ; " and line breaks in values, quoted
# csv_profile = "plain"        # plain (every field) or bsp (UTF-8, the columns «Загрузка данных из файла» matches)
# csv_target = "counterparties" # bsp titles: counterparties, ut11-counterparties, partners or persons
# event = "dialog_completed"   # event name for webhooks that carry none
# commerceml_file = "orders.xml"   # with format = "commerceml": one orders file for 1C's exchange
#                                  # through a folder, instead of one file per input
# commerceml_window_days = 30      # the days of leads that file holds

[rules]
# require_phone = true         # export only clients with a phone
# require_valid_phone = false  # ... a valid number by libphonenumber (region RU)
# require_email = false        # ... with an e-mail address
# allowed_events = []          # only these events, e.g. ["dialog_completed"]; empty: all

[site_exchange]
# 1C's «Обмен с сайтом», answered by `serve` (docs/1c-site-exchange.md)
# enabled = true               # false: do not answer 1C
# path = "/1c_exchange.php"    # also always /bitrix/admin/1c_exchange.php
# user = "1c"                  # default: [serve] user and password
# password_file = "1c-password.txt"
# file_limit = 1048576         # bytes: largest query answer, and the parts 1C uploads in
# session_minutes = 60         # an idle session ends; 1C logs in again

[watch]
# settle_seconds = 2           # unset: taken once it parses whole; set: also unchanged this long
# give_up_after_seconds = 120  # an unparseable file unchanged this long goes to failed/
# rescan_seconds = 30          # `watch` scans the inbox at least this often
# poll = false                 # no file-system events (network shares): scan on a timer
# lease_seconds = 300          # a claim not renewed this long (dead worker) is taken back
"#;

pub fn run(args: &InitArgs) -> Exit {
    let (folders, config) = match settings::init(args) {
        Ok(resolved) => resolved,
        Err(err) => return super::unusable(err),
    };
    if let Err(err) = folders.create_all() {
        return super::unusable(err);
    }
    if config.exists() {
        crate::say!("bachata1c: {}: exists, left as it is", config.display());
    } else {
        let parent = config
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = config
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| CONFIG_NAME.to_string());
        if let Err(err) = files::write_atomic(parent, &name, DEFAULT_CONFIG.as_bytes()) {
            return super::unusable(err);
        }
        crate::say!("bachata1c: {}: written", config.display());
    }
    crate::say!(
        "bachata1c: exchange folder ready: put webhook files into {}, 1C reads {}",
        folders.inbox.display(),
        folders.outbox.display()
    );
    Exit::Success
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_config_parses_and_names_every_section() {
        let config = crate::config::Config::parse(super::DEFAULT_CONFIG).unwrap();
        assert!(config.folders.dir.is_none());
        let uncommented: String = super::DEFAULT_CONFIG
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .filter(|l| l.starts_with('[') || l.contains(" = "))
            .map(|l| format!("{}\n", l.split("  #").next().unwrap_or(l)))
            .collect();
        // Every commented default, uncommented, is a valid setting.
        crate::config::Config::parse(&uncommented).unwrap();
    }
}
