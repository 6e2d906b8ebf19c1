//! The options of `convert`, and those of every converting command: the output's format,
//! which clients qualify, and the limits on one input.

use super::*;

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Webhook JSON files, or folders whose *.json files are converted (hidden files skipped).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Folder to write the 1C files into; created if missing.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,

    /// Config file (TOML) whose [output], [rules], [mapping] and [limits] apply; options given
    /// on the command line win over it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,

    #[command(flatten, next_help_heading = "Which clients are exported")]
    pub rules: RuleArgs,

    #[command(flatten, next_help_heading = "Limits on one input")]
    pub limits: LimitArgs,

    #[command(flatten, next_help_heading = "Log")]
    pub log: LogArgs,
}

/// Options that shape the output files.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// File format: csv for a 1C processing (or «Загрузка данных из файла» with --csv-profile
    /// bsp), xml for a 1C processing, commerceml for «Обмен с сайтом», enterprisedata for
    /// «Выгрузка/загрузка данных EnterpriseData», xlsx for Excel and 1C's spreadsheet reading
    /// (the CSV's columns, every cell text) [default: csv; config: [output] format].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Text encoding of the output [default: windows-1251 for csv, utf-8 for the others;
    /// CommerceML in UTF-8 gets a byte-order mark; config: [output] encoding]. Ignored for
    /// xlsx, which is always UTF-8 inside.
    #[arg(long, value_enum)]
    pub encoding: Option<Encoding>,

    /// CommerceML schema version written in ВерсияСхемы [default: 2.10; config: [output]
    /// cml_version].
    #[arg(long, value_enum, value_name = "VERSION")]
    pub cml_version: Option<CmlVersion>,

    /// EnterpriseData format version of the message [default: 1.8]. Choose the one the dealer's
    /// «Выгрузка/загрузка данных EnterpriseData» lists under «Поддерживаемые версии формата»:
    /// 1C refuses any other with «Не поддерживается версия формата обмена».
    #[arg(long, value_enum, value_name = "VERSION")]
    pub enterprisedata_version: Option<EnterpriseDataVersion>,

    /// CSV: keep `;`, `"` and line breaks in values and quote them, for 1C code that reads CSV
    /// with a real parser. By default they are replaced, because «Загрузка данных из файла»
    /// splits lines on `;` without honouring quotes.
    #[arg(long)]
    pub csv_quote: bool,

    /// CSV (and XLSX) layout: `plain` (every field, bachata1c's titles, windows-1251: for the
    /// dealer's own 1C processing) or `bsp` (for 1C's standard «Загрузка данных из файла»:
    /// UTF-8 with a byte-order mark, only the columns whose titles the target's template has)
    /// [default: plain].
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub csv_profile: Option<CsvProfile>,

    /// With `--csv-profile bsp` (CSV or XLSX): what the file is loaded into, for its titles and
    /// the values its catalog's fill check asks [default: counterparties]. `bachata1c
    /// csv-template FILE` writes the titles of the template your 1C saves instead.
    #[arg(long, value_enum, value_name = "TARGET")]
    pub csv_target: Option<CsvTarget>,

    /// With `--csv-target ut11-counterparties`: the partner every counterparty is written under,
    /// as 1C names it; УТ 11 refuses a counterparty without one [default: Неизвестный партнер,
    /// the predefined partner УТ 11's own site exchange uses].
    #[arg(long, value_name = "NAME")]
    pub csv_partner: Option<String>,

    /// Event name for webhooks that do not name their event [default: dialog_completed].
    #[arg(long, value_name = "NAME")]
    pub event: Option<String>,
}

/// Which clients are exported. The defaults follow the integration note: phone not empty.
#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// Export clients without any phone too.
    #[arg(long)]
    pub no_require_phone: bool,

    /// Export only clients whose phone is a valid number by libphonenumber (default region RU).
    #[arg(long)]
    pub require_valid_phone: bool,

    /// Export only clients with an e-mail address.
    #[arg(long)]
    pub require_email: bool,

    /// Export only webhooks of this event; repeat for several. Default: every event.
    #[arg(long, value_name = "NAME")]
    pub only_event: Vec<String>,
}

/// The most one input file may hold; a file over a limit is refused with the reason and the
/// other files are still converted.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Refuse input files larger than this, before reading them: bytes or a size like 16MiB,
    /// 512K [default: 16MiB; config: [limits] max_input_size].
    #[arg(long, value_name = "SIZE")]
    pub max_input_size: Option<ByteSize>,

    /// Refuse input files whose `clients` array has more entries than this [default: 100000;
    /// config: [limits] max_clients].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_clients: Option<u64>,
}
