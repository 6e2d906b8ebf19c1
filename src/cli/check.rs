//! `status --check`: judge the flow as a monitoring plugin, and the thresholds it judges by
//! (each also a key of `[alerts]`).

use clap::Args;

use crate::monitor::threshold::{Count, Limit, Size, Span};

pub const STATUS_AFTER_HELP: &str = "\
Examples:
  bachata1c status /srv/bachata
  bachata1c status /srv/bachata --failures 50
  For Nagios, Icinga or a Zabbix agent:
    bachata1c status /srv/bachata --check --max-waiting 1h

--check judges the flow as a monitoring plugin (Nagios, Icinga, Zabbix) does: one line
`BACHATA1C OK|WARNING|CRITICAL|UNKNOWN - …` naming what is wrong, performance data after `|`,
then each condition in English and Russian; exit status 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN (no such folder, an unreadable ledger or config, a bad option). It judges:
  leads_waiting    a lead has waited for 1C's «Обмен с сайтом» over --max-waiting (CRITICAL)
  1c_silent        1C made no request for --max-1c-silence while leads wait (CRITICAL)
  webhooks_silent  no webhook for --max-webhook-silence (WARNING; off by default)
  inputs_refused   more than --max-refused refused inputs in failed/ (WARNING)
  disk_space       less than --min-free-disk free on the folder's disk (WARNING; CRITICAL
                   below a tenth of it)
A queue 1C never took from is a folder whose leads go to 1C as files: the first two wait for
1C's first request. The times 1C and Bachata were last heard from are what `serve` recorded.";

#[derive(Debug, Clone, Default, Args)]
pub struct CheckArgs {
    /// Judge the flow for a monitoring system: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    #[arg(long)]
    pub check: bool,

    /// A lead waiting for 1C longer than this is CRITICAL: 30m, 2h, 1d, or off [default: 2h;
    /// config: [alerts] max_waiting].
    #[arg(long, value_name = "TIME")]
    pub max_waiting: Option<Limit<Span>>,

    /// 1C silent this long while leads wait is CRITICAL [default: 1h; config: [alerts]
    /// max_1c_silence].
    #[arg(long = "max-1c-silence", value_name = "TIME")]
    pub max_1c_silence: Option<Limit<Span>>,

    /// No webhook for this long is a WARNING [default: off; config: [alerts]
    /// max_webhook_silence].
    #[arg(long, value_name = "TIME")]
    pub max_webhook_silence: Option<Limit<Span>>,

    /// More refused inputs in failed/ than this is a WARNING [default: 0; config: [alerts]
    /// max_refused].
    #[arg(long, value_name = "N")]
    pub max_refused: Option<Limit<Count>>,

    /// Less free space on the exchange folder's disk is a WARNING, under a tenth of it
    /// CRITICAL [default: 1GiB; config: [alerts] min_free_disk].
    #[arg(long, value_name = "SIZE")]
    pub min_free_disk: Option<Limit<Size>>,
}
