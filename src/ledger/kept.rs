//! A lead as the ledger keeps it in `leads.lead`: a JSON object of its own fields, by name.
//! What its input's leads share is kept once per input (`queued_inputs`), and what is derived
//! from the rest (its identifier, the parts of its name) is derived again when it is read.
//! The ledger's `PRAGMA user_version` says which form its rows have; a ledger of an earlier
//! form is brought to this one when it is opened, and one of a later form is refused.

use chrono::NaiveDateTime;
use rusqlite::types::Type;
use rusqlite::{Transaction, params};
use serde::{Deserialize, Serialize};

use super::Error;
use crate::lead::Lead;
use crate::payload::CustomData;

/// The form of the ledger this bachata1c writes (`PRAGMA user_version`). 0: before versions,
/// a lead a positional array `[[client_id, search_id, login, name, phone, phone_raw, email],
/// phone_valid, custom_data]`. 1: a lead an object of named fields ([`Own`]).
pub(super) const VERSION: i64 = 1;

/// What its input's leads share, kept once per input: the event, the dialog, the file, the time.
pub(super) struct Shared {
    pub event: String,
    pub dialog_id: String,
    pub source_file: String,
    pub received_at: NaiveDateTime,
}

/// A lead's own fields, by name. customData stays `[["key","value"],…]`: a 50,000-client file
/// is 50,000 rows written in one transaction, and pairs cost no more than an object would.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Own {
    client_id: String,
    search_id: String,
    login: String,
    name: String,
    phone: String,
    phone_raw: String,
    email: String,
    phone_valid: bool,
    custom_data: CustomData,
}

/// What [`Own`] reads back, borrowed from the lead: no field is copied to be written.
#[derive(Serialize)]
struct OwnOf<'a> {
    client_id: &'a str,
    search_id: &'a str,
    login: &'a str,
    name: &'a str,
    phone: &'a str,
    phone_raw: &'a str,
    email: &'a str,
    phone_valid: bool,
    custom_data: &'a CustomData,
}

/// What `leads` lists of a row: the rest, customData above all, is skipped as it is read,
/// never built.
#[derive(Deserialize)]
pub(super) struct Listed {
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// A lead as version 0 kept it, read only to be written again as [`Own`].
#[derive(Deserialize)]
struct OwnV0([String; 7], bool, CustomData);

impl Own {
    pub fn into_lead(self, shared: &Shared) -> Lead {
        Lead {
            id: crate::lead::stable_id(&self.client_id, &self.phone),
            event: shared.event.as_str().into(),
            full_name: crate::lead::split_full_name(&self.name),
            client_id: self.client_id,
            search_id: self.search_id,
            login: self.login,
            name: self.name,
            phone: self.phone,
            phone_raw: self.phone_raw,
            phone_valid: self.phone_valid,
            email: self.email,
            dialog_id: shared.dialog_id.as_str().into(),
            custom_data: self.custom_data,
            source_file: shared.source_file.as_str().into(),
            received_at: shared.received_at,
        }
    }

    /// The lead `number`'s text, read; an error naming the lead when it is not this form.
    pub fn read(number: u64, text: &str) -> Result<Own, Error> {
        from_json(number, text)
    }
}

impl OwnV0 {
    fn into_text(self) -> Result<String, Error> {
        let OwnV0(
            [client_id, search_id, login, name, phone, phone_raw, email],
            phone_valid,
            custom_data,
        ) = self;
        to_json(&OwnOf {
            client_id: &client_id,
            search_id: &search_id,
            login: &login,
            name: &name,
            phone: &phone,
            phone_raw: &phone_raw,
            email: &email,
            phone_valid,
            custom_data: &custom_data,
        })
    }
}

/// The lead `number`'s text as `T` reads it; an error naming the lead when it cannot.
pub(super) fn from_json<'a, T: Deserialize<'a>>(number: u64, text: &'a str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|err| {
        damaged(
            1,
            format!("the lead numbered {number} cannot be read: {err}"),
        )
    })
}

fn to_json(own: &OwnOf) -> Result<String, Error> {
    serde_json::to_string(own).map_err(|err| Error::ToSqlConversionFailure(Box::new(err)))
}

/// The text the ledger keeps of `lead`, all of it.
pub(super) fn text(lead: &Lead) -> Result<String, Error> {
    to_json(&OwnOf {
        client_id: &lead.client_id,
        search_id: &lead.search_id,
        login: &lead.login,
        name: &lead.name,
        phone: &lead.phone,
        phone_raw: &lead.phone_raw,
        email: &lead.email,
        phone_valid: lead.phone_valid,
        custom_data: &lead.custom_data,
    })
}

/// A ledger whose column `column` holds what no bachata1c writes there: said, not read as
/// something else (a damaged state offered again as new, a damaged time as 1970).
pub(super) fn damaged(column: usize, what: String) -> Error {
    Error::FromSqlConversionFailure(column, Type::Text, what.into())
}

/// A time as the ledger writes it ([`super::queue::TIME`]), or the error saying where it is not.
pub(super) fn time(column: usize, text: &str, of: &str) -> Result<NaiveDateTime, Error> {
    NaiveDateTime::parse_from_str(text, super::queue::TIME)
        .map_err(|err| damaged(column, format!("{of} holds the time {text:?}: {err}")))
}

/// Brings the rows of a ledger of an earlier form to [`VERSION`], in `tx`; refuses one of a
/// later form, which this bachata1c would misread.
pub(super) fn upgrade(tx: &Transaction) -> Result<(), Error> {
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > VERSION {
        return Err(damaged(
            0,
            format!(
                "the ledger is of form {found}, written by a newer bachata1c; this one knows \
                 forms up to {VERSION}: run the newer one"
            ),
        ));
    }
    if found == 0 {
        rewrite_v0(tx)?;
    }
    if found != VERSION {
        tx.pragma_update(None, "user_version", VERSION)?;
    }
    Ok(())
}

/// Rewrites every version 0 row as [`Own`], a few at a time: a row may be megabytes, and
/// SQLite leaves a walk over a table changed under it undefined.
fn rewrite_v0(tx: &Transaction) -> Result<(), Error> {
    const ROWS: i64 = 256;
    let mut select =
        tx.prepare("SELECT number, lead FROM leads WHERE number > ?1 ORDER BY number LIMIT ?2")?;
    let mut update = tx.prepare("UPDATE leads SET lead = ?2 WHERE number = ?1")?;
    let mut after = i64::MIN;
    loop {
        let rows = select
            .query_map(params![after, ROWS], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let Some((last, _)) = rows.last() else {
            return Ok(());
        };
        after = *last;
        for (number, old) in rows {
            let old: OwnV0 = from_json(number as u64, &old)?;
            update.execute(params![number, old.into_text()?])?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    fn lead() -> Lead {
        let name = "Иванов Иван Иванович".to_string();
        Lead {
            id: crate::lead::stable_id("c-1", "+79161234567"),
            event: "dialog_completed".into(),
            client_id: "c-1".into(),
            search_id: "s-1".into(),
            login: "ivan".into(),
            full_name: crate::lead::split_full_name(&name),
            name,
            phone: "+79161234567".into(),
            phone_raw: "8 916 123-45-67".into(),
            phone_valid: true,
            email: "ivan@example.ru".into(),
            dialog_id: "d-1".into(),
            custom_data: [("Модель", "Kodiaq"), ("", "пустой ключ")]
                .into_iter()
                .collect(),
            source_file: "hook.json".into(),
            received_at: NaiveDateTime::default(),
        }
    }

    fn shared(lead: &Lead) -> Shared {
        Shared {
            event: lead.event.to_string(),
            dialog_id: lead.dialog_id.to_string(),
            source_file: lead.source_file.to_string(),
            received_at: lead.received_at,
        }
    }

    fn v0_text(lead: &Lead) -> String {
        let texts = [
            &lead.client_id,
            &lead.search_id,
            &lead.login,
            &lead.name,
            &lead.phone,
            &lead.phone_raw,
            &lead.email,
        ];
        serde_json::to_string(&(texts, lead.phone_valid, &lead.custom_data)).unwrap()
    }

    #[test]
    fn a_lead_is_kept_by_its_fields_names_and_read_back_whole() {
        let lead = lead();
        let text = text(&lead).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["phone_raw"], "8 916 123-45-67");
        assert_eq!(value["phone_valid"], true);
        assert_eq!(
            value["custom_data"],
            serde_json::json!([["Модель", "Kodiaq"], ["", "пустой ключ"]])
        );
        assert_eq!(Own::read(1, &text).unwrap().into_lead(&shared(&lead)), lead);
        let listed: Listed = from_json(1, &text).unwrap();
        assert_eq!(
            (listed.name, listed.phone, listed.email),
            (lead.name, lead.phone, lead.email)
        );
    }

    #[test]
    fn a_row_of_another_form_is_an_error_naming_the_lead_not_a_lead_of_empty_fields() {
        for text in [
            v0_text(&lead()),
            r#"{"name":"Иван"}"#.to_string(),
            "".to_string(),
        ] {
            let err = Own::read(7, &text).err().expect(&text).to_string();
            assert!(err.contains("the lead numbered 7 cannot be read"), "{err}");
        }
    }

    #[test]
    fn a_time_not_as_the_ledger_writes_it_is_an_error_not_1970() {
        assert!(time(4, "2026-12-07 02:54:39.781754", "x").is_ok());
        let err = time(4, "07.12.2026", "queued_inputs.received_at")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("queued_inputs.received_at holds the time \"07.12.2026\""),
            "{err}"
        );
    }

    /// A ledger of form 0 (every bachata1c before this one) has its rows rewritten by name
    /// when opened, once; the leads read back as they were.
    #[test]
    fn a_ledger_of_form_0_is_brought_to_this_form_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let mut ledger = Ledger::open(&path).unwrap();
        crate::ledger::tests::converted(&mut ledger, &[None, None]);
        let lead = lead();
        let conn = &ledger.conn;
        conn.execute("UPDATE leads SET lead = ?1", [v0_text(&lead)])
            .unwrap();
        conn.pragma_update(None, "user_version", 0).unwrap();
        drop(ledger);

        let ledger = Ledger::open(&path).unwrap();
        let version: i64 = ledger
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, VERSION);
        let texts: Vec<String> = ledger
            .conn
            .prepare("SELECT lead FROM leads ORDER BY number")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(texts, [text(&lead).unwrap(), text(&lead).unwrap()]);
        // Opened again: nothing left to rewrite.
        drop(ledger);
        Ledger::open(&path).unwrap();
    }

    #[test]
    fn a_ledger_of_a_later_form_is_refused_as_written_by_a_newer_bachata1c() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let ledger = Ledger::open(&path).unwrap();
        ledger
            .conn
            .pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        drop(ledger);
        let err = Ledger::open(&path).unwrap_err().to_string();
        assert!(err.contains("written by a newer bachata1c"), "{err}");
    }
}
