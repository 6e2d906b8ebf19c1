//! `--commerceml-file`: the one CommerceML file 1C's «Обмен с сайтом» through a folder reads on
//! every exchange. It is a view of the ledger, not an output of its own: the leads of the window
//! (numbered by the queue, as the HTTP exchange numbers them, so 1C finds a re-read order by its
//! `Номер` and updates it), rewritten whole and atomically after every round that converted
//! something, when a worker starts, and when the day changes. A crash between recording a round
//! and rewriting the file loses nothing: the leads are in the ledger, and the next rewrite (at
//! the latest when a worker starts again) puts them in. The file is always there, an empty
//! document when the window holds no lead, because 1C fails the exchange when it is missing.

use chrono::{Local, NaiveDate};

use super::{Error, Exchange};
use crate::files;
use crate::format::commerceml::{self, Framing, Order};
use crate::report::{Level, plural};

impl Exchange<'_> {
    /// Rewrites the orders file from the ledger, if this worker keeps one.
    pub(super) fn rewrite_orders_file(&mut self) -> Result<(), Error> {
        let Some(file) = &self.settings.orders_file else {
            return Ok(());
        };
        let today = Local::now().date_naive();
        let since = (today - chrono::Days::new(u64::from(file.window_days)))
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists");
        let outbox = &self.settings.folders.outbox;
        let layout = &self.settings.conversion.layout;
        let written = self
            .ledger
            .converted_since(since, |leads| {
                let orders: Vec<Order> = leads
                    .iter()
                    .map(|(number, lead)| Order {
                        lead,
                        number: *number,
                    })
                    .collect();
                let rendered = commerceml::render_orders(&orders, layout, Framing::OrdersFile);
                files::write_atomic(outbox, &file.name, &rendered.bytes).map(|_| orders.len())
            })
            .map_err(|e| self.ledger_error(e))?;
        match written {
            Ok(orders) => {
                self.orders_file_day = Some(today);
                self.log.file(
                    Level::Detail,
                    &outbox.join(&file.name),
                    format_args!(
                        "rewritten: {} of the last {}",
                        plural(orders, "order"),
                        plural(file.window_days as usize, "day")
                    ),
                );
                Ok(())
            }
            Err(source) => {
                self.orders_file_day = None;
                Err(Error::OrdersFile(source))
            }
        }
    }

    /// Rewrites the orders file if it was not rewritten today (the window moved) or its last
    /// rewrite failed.
    pub(super) fn rewrite_orders_file_if_stale(&mut self) -> Result<(), Error> {
        if self.settings.orders_file.is_some()
            && self.orders_file_day != Some(Local::now().date_naive())
        {
            return self.rewrite_orders_file();
        }
        Ok(())
    }
}

/// The day the orders file was last rewritten; `None` before the first time or after a failure.
pub(super) type RewrittenOn = Option<NaiveDate>;
