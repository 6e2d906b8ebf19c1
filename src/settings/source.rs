//! The config file in use, and the merge every command shares: an option over the config's
//! key over the default, for the folders, the output, the rules, the limits and the log.

use super::*;

/// The config file in use and the folder its relative paths start from.
pub(super) struct Source {
    pub(super) config: Config,
    pub(super) base: PathBuf,
}

impl Source {
    /// The config named by `--config`, else `DIR/bachata1c.toml` when it exists, else none.
    pub(super) fn of(folders: &FolderArgs) -> Result<Source, Error> {
        debug_assert!(folders.folder.is_none(), "merged into --dir by `given`");
        let path = match (&folders.config, &folders.dir) {
            (Some(path), _) => Some(path.clone()),
            (None, Some(dir)) if dir.join(CONFIG_NAME).is_file() => Some(dir.join(CONFIG_NAME)),
            _ => None,
        };
        Source::load(path.as_deref())
    }

    pub(super) fn load(path: Option<&Path>) -> Result<Source, Error> {
        Ok(match path {
            Some(path) => Source {
                config: Config::load(path)?,
                base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            },
            None => Source {
                config: Config::default(),
                base: PathBuf::new(),
            },
        })
    }

    /// The exchange folder: `--dir`, else `[folders] dir` from the config file's folder.
    pub(super) fn dir(&self, args: &FolderArgs) -> Option<PathBuf> {
        args.dir.clone().or_else(|| {
            self.config
                .folders
                .dir
                .as_ref()
                .map(|dir| self.base.join(dir))
        })
    }

    /// One part of the exchange folder: the option, else the config's key inside the exchange
    /// folder (or absolute), else `DIR/<part>`.
    pub(super) fn folder(&self, args: &FolderArgs, part: &'static str) -> Result<PathBuf, Error> {
        let (given, file) = match part {
            "inbox" => (&args.inbox, &self.config.folders.inbox),
            "outbox" => (&args.outbox, &self.config.folders.outbox),
            "archive" => (&args.archive, &self.config.folders.archive),
            "failed" => (&args.failed, &self.config.folders.failed),
            _ => (&args.state, &self.config.folders.state),
        };
        if let Some(path) = given {
            return Ok(path.clone());
        }
        match (file, self.dir(args)) {
            (Some(path), Some(dir)) => Ok(dir.join(path)),
            (Some(path), None) if path.is_absolute() => Ok(path.clone()),
            (None, Some(dir)) => Ok(dir.join(part)),
            _ => Err(Error::NoFolder { part }),
        }
    }

    pub(super) fn folders(&self, args: &FolderArgs) -> Result<Folders, Error> {
        let folders = Folders {
            inbox: self.folder(args, "inbox")?,
            outbox: self.folder(args, "outbox")?,
            archive: self.folder(args, "archive")?,
            failed: self.folder(args, "failed")?,
            state: self.folder(args, "state")?,
        };
        apart(&[
            ("inbox", &folders.inbox),
            ("outbox", &folders.outbox),
            ("archive", &folders.archive),
            ("failed", &folders.failed),
            ("state", &folders.state),
        ])?;
        Ok(folders)
    }

    /// The output options over the config's `[output]` and `[mapping]` over the defaults.
    pub(super) fn conversion(
        &self,
        output: &OutputArgs,
        rules: &RuleArgs,
    ) -> Result<conversion::Settings, Error> {
        let file = &self.config.output;
        let format = output
            .format
            .map(Format::from)
            .or(file.format)
            .unwrap_or_default();
        // XLSX has no encoding to choose: `--encoding` (and the config's) is ignored for it.
        let encoding = output
            .encoding
            .map(TextEncoding::from)
            .or(file.encoding)
            .filter(|_| format.has_encoding());
        let mut layout = Layout {
            format,
            encoding: encoding.unwrap_or(format.default_encoding()),
            csv_quote: output.csv_quote || file.csv_quote.unwrap_or(false),
            cml_version: output
                .cml_version
                .map(Into::into)
                .or(file.cml_version)
                .unwrap_or_default(),
            enterprisedata_version: output
                .enterprisedata_version
                .map(Into::into)
                .or(file.enterprisedata_version)
                .unwrap_or_default(),
            mapping: self.config.mapping.clone(),
        };
        let profile = output
            .csv_profile
            .map(CsvProfile::from)
            .or(file.csv_profile)
            .unwrap_or_default();
        let bsp_csv = profile == CsvProfile::Bsp && format == Format::Csv;
        if bsp_csv {
            // БСП's loader reads UTF-8 (`Новый ЧтениеТекста(ИмяФайла)`, no encoding) and splits
            // on every `;` (no quotes): docs/1c-loaders-research.md §1.2.
            if encoding == Some(TextEncoding::Windows1251) {
                return Err(Error::BspEncoding);
            }
            if layout.csv_quote {
                return Err(Error::BspQuote);
            }
            layout.encoding = TextEncoding::Utf8;
        }
        let partner = output
            .csv_partner
            .as_ref()
            .or(file.csv_partner.as_ref())
            .map_or(DEFAULT_PARTNER, String::as_str);
        if partner.trim().is_empty() {
            return Err(Error::EmptyPartner);
        }
        // The loader reads a workbook by the same titles: with the `bsp` profile an XLSX takes
        // the target's columns too (it has no encoding to choose).
        let bsp_xlsx = profile == CsvProfile::Bsp && format == Format::Xlsx;
        let csv = &mut layout.mapping.csv;
        if (bsp_csv || bsp_xlsx) && csv.columns.is_none() {
            let target = output
                .csv_target
                .map(Into::into)
                .or(file.csv_target)
                .unwrap_or_default();
            for (column, title) in target.columns(partner) {
                csv.titles.entry(column.clone()).or_insert(title);
                csv.columns.get_or_insert_with(Vec::new).push(column);
            }
        }
        Ok(conversion::Settings {
            layout,
            rules: self.rules(rules),
            default_event: output
                .event
                .clone()
                .or_else(|| file.event.clone())
                .unwrap_or_else(|| DEFAULT_EVENT.to_string()),
        })
    }

    /// The rule options over the config's `[rules]` over the defaults (the integration note's:
    /// a phone, nothing else).
    pub(super) fn rules(&self, args: &RuleArgs) -> Rules {
        let file = &self.config.rules;
        let defaults = Rules::default();
        Rules {
            require_phone: !args.no_require_phone
                && file.require_phone.unwrap_or(defaults.require_phone),
            require_valid_phone: args.require_valid_phone
                || file
                    .require_valid_phone
                    .unwrap_or(defaults.require_valid_phone),
            require_email: args.require_email
                || file.require_email.unwrap_or(defaults.require_email),
            allowed_events: if args.only_event.is_empty() {
                file.allowed_events.clone().unwrap_or_default()
            } else {
                args.only_event.clone()
            },
        }
    }

    /// The limit options over the config's `[limits]` over the defaults.
    pub(super) fn limits(&self, args: &LimitArgs) -> Limits {
        let base = self.config.limits.apply(Limits::default());
        Limits {
            max_input_bytes: args.max_input_size.map_or(base.max_input_bytes, |s| s.0),
            max_clients: args.max_clients.map_or(base.max_clients, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            }),
        }
    }
}

pub(super) fn log(args: &LogArgs) -> LogSettings {
    LogSettings {
        level: match (args.quiet, args.verbose) {
            (true, _) => Level::Summary,
            (false, false) => Level::File,
            (false, true) => Level::Detail,
        },
        file: args.log_file.clone(),
    }
}

/// A number of seconds from the option, else the config key, else the default.
pub(super) fn seconds(
    given: Option<f64>,
    file: Option<f64>,
    default: Duration,
    (option, key): (&'static str, &'static str),
) -> Result<Duration, Error> {
    match given.or(file) {
        None => Ok(default),
        Some(value) => Duration::try_from_secs_f64(value).map_err(|_| Error::Seconds {
            option,
            section: "watch",
            key,
            value,
            least: "0",
        }),
    }
}
