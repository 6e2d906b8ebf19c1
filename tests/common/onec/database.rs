//! A simulated 1C infobase: what 1C's order import makes of the served orders, session after
//! session, so a test can assert «every lead arrived exactly once, no two clients merged, phone
//! and e-mail recognised» (protocol note §3.3‑§3.6).
//!
//! It keeps only what a lead's order touches: the order (1C number, the site number it was
//! found by, the properties from `ЗначенияРеквизитов`), its counterparty (name, kind, phones,
//! e-mails) and whether 1C changed it since (for the status upload, §4).
//!
//! Simplifications, each a reading of the cited code rather than a copy of it: no goods, taxes,
//! payments or shipments; УНФ's counterparty search uses its default fields only; SmB/УНФ1.6
//! import like УНФ3 except for the batch rule; strings compared by 1C queries (names, site
//! numbers) are compared ignoring case and trailing spaces, as the DBMS 1C runs on do by
//! default (not verifiable from the BSL).

use super::orders::{self, Contact, Counterparty, Order, Requisite};
use super::statuses::OrderStatus;
use super::{BatchRule, OneCError, Profile, filled};

/// How `СтрЗаменить` matches, which decides what УНФ makes of an upper-case site number
/// (protocol note §3.4: generally understood to be case-sensitive, not verifiable here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplaceCase {
    Sensitive,
    Insensitive,
}

/// Why writing a batch failed; 1C then rolls the whole batch back (protocol note §3.6).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportFailure {
    /// The 1C number is longer than `ЗаказПокупателя`'s `NumberLength` 11. Whether the
    /// platform cuts it or fails the write cannot be verified (§3.4); the emulator fails.
    #[error(
        "site order {site_number:?} maps to the 1C number {number:?}, longer than 11 characters"
    )]
    NumberTooLong { site_number: String, number: String },
    /// Two orders map to one 1C number, which the platform's uniqueness check refuses.
    #[error(
        "site order {site_number:?} maps to the 1C number {number:?}, which another order already has"
    )]
    DuplicateNumber { site_number: String, number: String },
}

/// What the import did with one served document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    /// A new order.
    Created,
    /// An order found by its site number, filled again from the document (УНФ3 3964‑4040,
    /// УТ11 4262‑4340).
    Refilled,
    /// An order found by its site number but completed or closed, left alone (УНФ3 3964‑3974,
    /// УТ11‑П ПолучитьРанееЗагруженныеДокументы 2126‑2131).
    Skipped,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedOrder {
    pub site_number: String,
    /// The 1C number of the order written or skipped.
    pub number: String,
    pub outcome: ImportOutcome,
}

/// The result of one imported batch, in document order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportedOrders {
    pub orders: Vec<ImportedOrder>,
}

impl ImportedOrders {
    /// The site numbers whose orders were created by this batch.
    pub fn created(&self) -> Vec<&str> {
        self.with(ImportOutcome::Created)
    }

    pub fn with(&self, outcome: ImportOutcome) -> Vec<&str> {
        self.orders
            .iter()
            .filter(|o| o.outcome == outcome)
            .map(|o| o.site_number.as_str())
            .collect()
    }
}

/// An order as the simulated 1C holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredOrder {
    /// 1C's reference (a fresh UUID).
    pub id: String,
    /// The 1C number.
    pub number: String,
    /// The site number 1C stored and looks re-sent orders up by: the register
    /// `ЗаказыПокупателейССайта` in УНФ, a document property (`СокрЛП(Номер)`) in УТ11.
    pub site_number: String,
    pub site_date: String,
    pub site_time: String,
    /// The order's `Дата` in 1C, made from the document's `Дата` and `Время` by
    /// `ДатаВремяИзСтроки` ([`Order::date_in_1c`]): 01.01.0001 when 1C read them typed.
    pub date: chrono::NaiveDateTime,
    pub currency: String,
    pub comment: String,
    /// Index into [`OneCDatabase::counterparties`]; `None` when 1C could not find or create one
    /// (УТ11 with an empty `Наименование`, УТ11‑П ИдентифицироватьКонтрагента 2402).
    pub counterparty: Option<usize>,
    /// `ЗначенияРеквизитов` as 1C stored them (name, value), one per name, the last one winning.
    pub properties: Vec<(String, String)>,
    /// `Отменен` = `true` was served: 1C cancelled the order (УНФ3 ПолучитьОтмененныеЗаказы 7969,
    /// УТ11 4382). Rule 14 says this must never happen to a lead.
    pub cancelled: bool,
    /// Completed («Завершен») or closed: a re-sent copy is skipped.
    pub completed: bool,
    pub posted: bool,
    pub deletion_mark: bool,
    /// The order state as the node's status table maps it for the upload («Статус заказа»,
    /// «Статуса заказа ИД»).
    pub status: Option<String>,
    pub status_id: Option<String>,
    /// How often an import wrote it (created, then each refill).
    pub writes: u32,
    /// Changed in 1C since the last upload: registered for the next status upload.
    pub changed: bool,
}

/// A counterparty as the simulated 1C holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCounterparty {
    pub id: String,
    pub name: String,
    pub full_name: String,
    pub inn: String,
    /// Created as a legal entity (an `ОфициальноеНаименование` was present).
    pub legal_entity: bool,
    /// Contact values 1C recognised as a phone or an e-mail.
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    /// Contacts 1C did not recognise, and so dropped.
    pub dropped_contacts: Vec<Contact>,
    /// The site numbers of the orders attached to it, in import order (repeated on refills).
    pub site_orders: Vec<String>,
}

/// The kinds of contact information a lead carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactKind {
    Phone,
    Email,
}

/// The simulated infobase of one profile.
#[derive(Clone, Debug)]
pub struct OneCDatabase {
    profile: Profile,
    /// `Константы.ПрефиксДляОбменаССайтом`, «СА» by default (УНФ3
    /// ПолучитьПрефиксПоУмолчаниюДляЗаказаССайта 16424).
    pub site_prefix: String,
    pub replace_case: ReplaceCase,
    orders: Vec<StoredOrder>,
    counterparties: Vec<StoredCounterparty>,
    next_number: u32,
}

impl OneCDatabase {
    pub fn new(profile: Profile) -> OneCDatabase {
        OneCDatabase {
            profile,
            site_prefix: "СА".to_string(),
            replace_case: ReplaceCase::Sensitive,
            orders: Vec::new(),
            counterparties: Vec::new(),
            next_number: 1,
        }
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    pub fn orders(&self) -> &[StoredOrder] {
        &self.orders
    }

    pub fn counterparties(&self) -> &[StoredCounterparty] {
        &self.counterparties
    }

    /// Every order stored under exactly this site number (more than one means a duplicate).
    pub fn orders_for(&self, site_number: &str) -> Vec<&StoredOrder> {
        self.orders
            .iter()
            .filter(|o| o.site_number == site_number)
            .collect()
    }

    pub fn counterparty_of(&self, order: &StoredOrder) -> Option<&StoredCounterparty> {
        order.counterparty.map(|index| &self.counterparties[index])
    }

    /// Applies one batch as 1C's `СоздатьОбновитьЗаказы` does, in one transaction: on a write
    /// failure nothing of the batch stays.
    pub fn import(&mut self, orders: &[Order]) -> Result<ImportedOrders, ImportFailure> {
        let before = self.clone();
        let result = self.write_batch(orders);
        if result.is_err() {
            *self = before;
        }
        result
    }

    /// `ЗагрузитьЗаказы`, which the HTTP exchange and the directory mode share (УНФ3 3331,
    /// УТ11 4008, SmB ExportOrders 2712): the document gate of rule 8, then the batch in one
    /// transaction with the profile's rule (protocol note §3.6). A validation failure keeps the
    /// documents before it in УНФ3 and УТ11 (`ЗафиксироватьТранзакцию` runs even when
    /// `Успешно = Ложь`); an exception, or any failure in SmB/УНФ1.6, keeps nothing.
    pub fn import_gated(&mut self, orders: &[Order]) -> Result<ImportedOrders, OneCError> {
        if let Err(error) = orders::document_gate(orders) {
            if let OneCError::DocumentGate { index, failure, .. } = &error
                && self.profile.batch_rule() == BatchRule::KeepBeforeFailure
                && !failure.is_exception()
            {
                self.import(&orders[..*index])?;
            }
            return Err(error);
        }
        Ok(self.import(orders)?)
    }

    fn write_batch(&mut self, orders: &[Order]) -> Result<ImportedOrders, ImportFailure> {
        // The previously loaded orders are looked up once, before the loop (УНФ3
        // ПолучитьРанееЗагруженныеДокументы 3835, УТ11 4029‑4053), so two documents of one batch
        // with the same number are both new (in УНФ the second then fails on its 1C number).
        let found: Vec<Option<usize>> = orders.iter().map(|o| self.previously_loaded(o)).collect();
        let mut imported = ImportedOrders::default();
        for (order, found) in orders.iter().zip(found) {
            let outcome = match found {
                Some(index) if self.orders[index].completed => ImportOutcome::Skipped,
                Some(index) => {
                    self.fill(index, order);
                    ImportOutcome::Refilled
                }
                None => {
                    let index = self.create(order)?;
                    self.fill(index, order);
                    ImportOutcome::Created
                }
            };
            let index = match found {
                Some(index) => index,
                None => self.orders.len() - 1,
            };
            imported.orders.push(ImportedOrder {
                site_number: order.number().to_string(),
                number: self.orders[index].number.clone(),
                outcome,
            });
        }
        Ok(imported)
    }

    /// The order a document's number finds. УНФ searches its register by the exact `Номер`
    /// (УНФ3 ПолучитьРанееЗагруженныеДокументы 3835). УТ11 first puts every number into a
    /// `Строка(11)` column (ЗагрузитьЗаказы 4029‑4030), so a longer number is cut and never finds
    /// the order stored under the whole number (УТ11‑П ПолучитьРанееЗагруженныеДокументы 2112).
    fn previously_loaded(&self, order: &Order) -> Option<usize> {
        let key = match self.profile {
            Profile::Ut11 => ut11_lookup_key(order.number()),
            _ => order.number().to_string(),
        };
        self.orders
            .iter()
            .position(|stored| query_equal(&stored.site_number, &key))
    }

    /// A new order with its 1C number (УНФ3 СоздатьОбновитьЗаказы 4023‑4026; УТ11 4345).
    fn create(&mut self, order: &Order) -> Result<usize, ImportFailure> {
        let number = match self.profile {
            Profile::Ut11 => self.new_number(),
            _ if filled(order.number()) => {
                unf_number(order.number(), &self.site_prefix, self.replace_case)
            }
            _ => self.new_number(),
        };
        let failure_site_number = order.number().to_string();
        if number.chars().count() > 11 {
            return Err(ImportFailure::NumberTooLong {
                site_number: failure_site_number,
                number,
            });
        }
        if self.orders.iter().any(|o| query_equal(&o.number, &number)) {
            return Err(ImportFailure::DuplicateNumber {
                site_number: failure_site_number,
                number,
            });
        }
        // УНФ registers the number as sent; УТ11 stores `СокрЛП(ДокументXDTO.Номер)` (4407).
        let site_number = match self.profile {
            Profile::Ut11 => order.number().trim().to_string(),
            _ => order.number().to_string(),
        };
        self.orders.push(StoredOrder {
            id: uuid::Uuid::new_v4().to_string(),
            number,
            site_number,
            site_date: String::new(),
            site_time: String::new(),
            date: chrono::NaiveDateTime::default(),
            currency: String::new(),
            comment: String::new(),
            counterparty: None,
            properties: Vec::new(),
            cancelled: false,
            completed: false,
            posted: false,
            deletion_mark: false,
            status: None,
            status_id: None,
            writes: 0,
            changed: false,
        });
        Ok(self.orders.len() - 1)
    }

    /// `УстановитьНовыйНомер()`: the next number of the document's own sequence.
    fn new_number(&mut self) -> String {
        let number = format!("0000-{:06}", self.next_number);
        self.next_number += 1;
        number
    }

    /// Fills an order from its document: counterparty, properties, cancellation. An imported
    /// order is unregistered, so it is not uploaded back in the same run (УНФ3 3441‑3444).
    fn fill(&mut self, index: usize, order: &Order) {
        let counterparty = order
            .counterparty
            .as_ref()
            .and_then(|c| self.identify_counterparty(c));
        let properties = read_properties(self.profile, &order.requisites);
        let cancelled = properties
            .iter()
            .any(|(name, value)| name == "Отменен" && value.eq_ignore_ascii_case("true"));
        let stored = &mut self.orders[index];
        stored.site_date = order.date.clone();
        stored.site_time = order.time.clone().unwrap_or_default();
        stored.date = order.date_in_1c();
        stored.currency = order.currency.clone();
        stored.comment = order.comment.clone().unwrap_or_default();
        stored.counterparty = counterparty;
        for (name, value) in properties {
            match stored.properties.iter_mut().find(|(n, _)| *n == name) {
                Some(existing) => existing.1 = value,
                None => stored.properties.push((name, value)),
            }
        }
        if cancelled {
            stored.cancelled = true;
            stored.completed = true;
        }
        stored.writes += 1;
        stored.changed = false;
        if let Some(c) = counterparty {
            let site_number = stored.site_number.clone();
            self.counterparties[c].site_orders.push(site_number);
        }
    }

    fn identify_counterparty(&mut self, counterparty: &Counterparty) -> Option<usize> {
        match self.profile {
            Profile::Ut11 => self.identify_ut11(counterparty),
            _ => Some(self.identify_unf(counterparty)),
        }
    }

    /// УТ11‑П ИдентифицироватьКонтрагента 2384: no counterparty without a `Наименование`
    /// (2402); with an empty ИНН the search is `Контрагенты.Наименование = &Наименование`, so
    /// every «Иван» is one counterparty; otherwise by ИНН. A found counterparty is used as it
    /// is: the lead's contacts are not added to it.
    fn identify_ut11(&mut self, counterparty: &Counterparty) -> Option<usize> {
        if !filled(&counterparty.name) {
            return None;
        }
        let found = if filled(&counterparty.inn) {
            self.counterparties
                .iter()
                .position(|s| query_equal(&s.inn, &counterparty.inn))
        } else {
            self.counterparties
                .iter()
                .position(|s| query_equal(&s.name, &counterparty.name))
        };
        found.or_else(|| Some(self.create_counterparty(counterparty, ut11_contact_kind)))
    }

    /// УНФ3 НайтиСоздатьКонтрагента 15744 with the default search fields
    /// (ПоляПоискаКонтрагентов 15469, first match wins): `Ид` only if it is an existing ref
    /// (never, for bachata1c's ids), phone, e-mail, `Наименование`, `ПолноеНаименование`. A
    /// found counterparty gets the lead's new contacts (ОбновитьКонтактнуюИнформациюКонтрагента).
    fn identify_unf(&mut self, counterparty: &Counterparty) -> usize {
        let (phones, emails, _) = recognise(counterparty, unf_contact_kind);
        let by_phone = phones.iter().find_map(|phone| {
            self.counterparties
                .iter()
                .position(|s| s.phones.iter().any(|p| same_phone(p, phone)))
        });
        let by_email = || {
            emails.iter().find_map(|email| {
                self.counterparties
                    .iter()
                    .position(|s| s.emails.iter().any(|e| query_equal(e, email)))
            })
        };
        let by_name = |field: fn(&StoredCounterparty) -> &str, value: &str| {
            filled(value)
                .then(|| {
                    self.counterparties
                        .iter()
                        .position(|s| query_equal(field(s), value))
                })
                .flatten()
        };
        let found = by_phone
            .or_else(by_email)
            .or_else(|| by_name(|s| &s.name, &counterparty.name))
            .or_else(|| by_name(|s| &s.full_name, &counterparty.full_name));
        match found {
            Some(index) => {
                let stored = &mut self.counterparties[index];
                for phone in phones {
                    if !stored.phones.contains(&phone) {
                        stored.phones.push(phone);
                    }
                }
                for email in emails {
                    if !stored.emails.contains(&email) {
                        stored.emails.push(email);
                    }
                }
                index
            }
            None => self.create_counterparty(counterparty, unf_contact_kind),
        }
    }

    /// A new counterparty (УТ11‑УТ СоздатьКонтрагента 756; УНФ3 СоздатьКонтрагента 6232): a
    /// legal entity if `ОфициальноеНаименование` is present, with the contacts the profile
    /// recognises.
    fn create_counterparty(
        &mut self,
        counterparty: &Counterparty,
        kind: fn(&str) -> Option<ContactKind>,
    ) -> usize {
        let (phones, emails, dropped_contacts) = recognise(counterparty, kind);
        let legal_entity = counterparty.official_name.is_some();
        let name = if filled(&counterparty.name) {
            counterparty.name.clone()
        } else {
            "<Наименование не указано>".to_string()
        };
        let full_name = match &counterparty.official_name {
            Some(official) => official.clone(),
            None => counterparty.full_name.clone(),
        };
        self.counterparties.push(StoredCounterparty {
            id: uuid::Uuid::new_v4().to_string(),
            name,
            full_name,
            inn: counterparty.inn.clone(),
            legal_entity,
            phones,
            emails,
            dropped_contacts,
            site_orders: Vec::new(),
        });
        self.counterparties.len() - 1
    }

    /// Changes an order in 1C (posts it, sets its state…) and registers it for the next status
    /// upload, as any write in 1C does. Panics when no order has that site number.
    pub fn change(&mut self, site_number: &str, edit: impl FnOnce(&mut StoredOrder)) {
        let order = self
            .orders
            .iter_mut()
            .find(|o| o.site_number == site_number)
            .unwrap_or_else(|| panic!("the simulated 1C holds no order {site_number:?}"));
        edit(order);
        order.changed = true;
    }

    /// The statuses of the orders registered for upload, as the profile would send them. Only
    /// orders that came from the site and have the fields the export needs are sent (УНФ3
    /// СформироватьЗаказыXDTO 8174‑8181; УТ11 5457‑5470).
    pub fn pending_statuses(&self) -> Vec<OrderStatus> {
        self.orders
            .iter()
            .filter(|o| o.changed && filled(&o.site_number) && filled(&o.site_date))
            .filter(|o| o.counterparty.is_some() && filled(&o.currency))
            .map(|o| self.status_of(o))
            .collect()
    }

    fn status_of(&self, order: &StoredOrder) -> OrderStatus {
        let counterparty = self.counterparty_of(order);
        let mut status = OrderStatus::new(&order.site_number, &order.number);
        status.onec_id = order.id.clone();
        status.site_date = order.site_date.clone();
        status.site_time = order.site_time.clone();
        status.currency = order.currency.clone();
        status.comment = order.comment.clone();
        if let Some(c) = counterparty {
            status.counterparty_id = c.id.clone();
            status.counterparty_name = c.name.clone();
            status.counterparty_full_name = c.full_name.clone();
        }
        // The order's date in 1C, made from the site's date and time (УНФ3
        // ЗаполнитьЗаказДаннымиДокументаXDTO 4995, УТ11 ИзвлечьСвойстваЗаказаИзДанныхДокументаXDTO
        // 4405).
        status.onec_date = order.date.format("%Y-%m-%dT%H:%M:%S").to_string();
        status.posted = order.posted;
        status.deletion_mark = order.deletion_mark;
        status.cancelled = order.cancelled;
        status.status = order.status.clone();
        status.status_id = order.status_id.clone();
        status
    }

    /// After a successful upload 1C removes the registration of the sent orders (УТ11
    /// ВыгрузитьЗаказы 3832).
    pub fn uploaded(&mut self, statuses: &[OrderStatus]) {
        for status in statuses {
            for order in self
                .orders
                .iter_mut()
                .filter(|o| o.site_number == status.site_number)
            {
                order.changed = false;
            }
        }
    }
}

/// `ПолучитьНомерДокументаССайта` (УНФ3 5416‑5461, УНФ1.6 3849, SmB 3539): the site number
/// trimmed; every character that is not a digit *once lowercased* is removed with `СтрЗаменить`
/// from the original; left-padded with «0» to 6; `ПрефиксОрганизации` (assumed empty) +
/// `ПрефиксСайта` + «-» in front. So `bch-9fbf63d7` gives `СА-009637`, and `BCH-9FBF63D7` gives
/// `СА-BCH9FBF63D7` with a case-sensitive `СтрЗаменить` but `СА-009637` with an insensitive one.
pub fn unf_number(site_number: &str, site_prefix: &str, replace: ReplaceCase) -> String {
    let trimmed = site_number.trim();
    let removed: Vec<String> = trimmed
        .chars()
        .map(|c| c.to_lowercase().collect::<String>())
        .filter(|symbol| !"1234567890".contains(symbol.as_str()))
        .collect();
    let mut number = trimmed.to_string();
    for symbol in &removed {
        number = match replace {
            ReplaceCase::Sensitive => number.replace(symbol.as_str(), ""),
            ReplaceCase::Insensitive => number
                .chars()
                .filter(|c| c.to_lowercase().collect::<String>() != *symbol)
                .collect(),
        };
    }
    let padding = "0".repeat(6usize.saturating_sub(number.chars().count()));
    format!("{site_prefix}-{padding}{number}")
}

/// The value УТ11 looks a re-sent order up by: the number as put into a `Строка(11)` column
/// (ЗагрузитьЗаказы 4029‑4030), i.e. its first 11 characters.
pub fn ut11_lookup_key(site_number: &str) -> String {
    site_number.chars().take(11).collect()
}

/// УТ11: `СтрЗаменить(Тип, " ", "")` (ЗаполнитьДанныеКонтрагентаЗаказа 4853), then `ВРег`
/// compared with `ВРег("ТелефонРабочий")` and `ВРег("Почта")` (УТ11‑УТ СоздатьКонтрагента 786,
/// 793). «Телефон мобильный» and «Электронная почта» are not recognised.
pub fn ut11_contact_kind(kind: &str) -> Option<ContactKind> {
    match kind.replace(' ', "").to_uppercase().as_str() {
        "ТЕЛЕФОНРАБОЧИЙ" => Some(ContactKind::Phone),
        "ПОЧТА" => Some(ContactKind::Email),
        _ => None,
    }
}

/// УНФ3 ПолучитьТипВидКонтактнойИнформацииКонтрагентаПоТипуXDTO (13758), on `Тип` with spaces
/// removed (16012): a phone if it contains «телефон» or «phone», an e-mail if it is «почта»,
/// «электроннаяпочта», «email», «e-mail», «адресэлектроннойпочты» or contains «mail»,
/// case-insensitively.
pub fn unf_contact_kind(kind: &str) -> Option<ContactKind> {
    let kind = kind.replace(' ', "").to_lowercase();
    if kind.contains("телефон") || kind.contains("phone") {
        Some(ContactKind::Phone)
    } else if [
        "почта",
        "электроннаяпочта",
        "email",
        "e-mail",
        "адресэлектроннойпочты",
    ]
    .contains(&kind.as_str())
        || kind.contains("mail")
    {
        Some(ContactKind::Email)
    } else {
        None
    }
}

/// The lead's contacts split by how `kind` recognises them: (phones, e-mails, dropped). A
/// contact with an empty value is skipped, as 1C skips it (УТ11‑УТ СоздатьКонтрагента 768).
fn recognise(
    counterparty: &Counterparty,
    kind: fn(&str) -> Option<ContactKind>,
) -> (Vec<String>, Vec<String>, Vec<Contact>) {
    let mut phones = Vec::new();
    let mut emails = Vec::new();
    let mut dropped = Vec::new();
    for contact in counterparty.contacts.iter().filter(|c| filled(&c.value)) {
        match kind(&contact.kind) {
            Some(ContactKind::Phone) => phones.push(contact.value.clone()),
            Some(ContactKind::Email) => emails.push(contact.value.clone()),
            None => dropped.push(contact.clone()),
        }
    }
    (phones, emails, dropped)
}

/// How УНФ finds a counterparty by phone: `+` stripped and the number matched as
/// `ПОДОБНО "[78]<rest>%"` (ТелефонияСервер.ПолучитьАбонентаПоНомеруТелефона), read here as
/// «the same digits, a leading 7 or 8 of an 11-digit number ignored».
fn same_phone(a: &str, b: &str) -> bool {
    fn significant(phone: &str) -> String {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        match digits.strip_prefix(['7', '8']) {
            Some(rest) if digits.len() == 11 => rest.to_string(),
            _ => digits,
        }
    }
    let (a, b) = (significant(a), significant(b));
    !a.is_empty() && a == b
}

/// `=` between strings in a 1C query: compared by the DBMS, which ignores case and trailing
/// spaces in 1C's usual setups (MS SQL's CI collations, PostgreSQL's mvarchar; assumed).
fn query_equal(a: &str, b: &str) -> bool {
    a.trim_end_matches(' ').to_lowercase() == b.trim_end_matches(' ').to_lowercase()
}

/// The pairs of `ЗначенияРеквизитов` as 1C stores them, in a `Соответствие` (a later name
/// replaces an earlier one). One `Значение` is a string; several are a `СписокXDTO`, of which
/// only `[0]` is read. An empty `Значение` is taken as untyped XDTO may give it, not a string:
/// УНФ3 then skips the pair (ПрочитатьСвойстваДокумента 15685‑15689) and УТ11 stores the
/// previous pair's value under this name, since its loop variable is never reset (4240‑4253).
fn read_properties(profile: Profile, requisites: &[Requisite]) -> Vec<(String, String)> {
    let mut properties: Vec<(String, String)> = Vec::new();
    let mut last = String::new();
    for requisite in requisites {
        let value = match requisite.values.as_slice() {
            [one] if !one.is_empty() => Some(one.clone()),
            [first, _, ..] => Some(first.clone()),
            _ => None,
        };
        let stored = match (profile, value) {
            (Profile::Ut11, Some(value)) => {
                last = value;
                last.clone()
            }
            (Profile::Ut11, None) => last.clone(),
            (_, Some(value)) => value,
            (_, None) => continue,
        };
        match properties.iter_mut().find(|(n, _)| *n == requisite.name) {
            Some(existing) => existing.1 = stored,
            None => properties.push((requisite.name.clone(), stored)),
        }
    }
    properties
}
