//! The per-dealer `[mapping]` of the config: the CSV columns (which, in what order, under what
//! titles), which `customData` keys become requisites in CommerceML and EnterpriseData, and the
//! fixed values a dealer's 1C needs. Everything has a default, so no config is needed.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Field;
use crate::lead::Lead;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mapping {
    /// Where the leads come from, as written in comments and requisites («Лид из Bachata»).
    pub source: String,
    /// Currency of orders: CommerceML `Валюта`, EnterpriseData `Валюта`.
    pub currency: Currency,
    /// The counterparty's name in 1C (CommerceML `Наименование`, the CSV's `counterparty`
    /// column), from `{name}`, `{phone}`, `{email}`, `{client_id}`. 1C finds a private client
    /// by this name, so it must tell clients apart: two «Иван» with one name would become one
    /// counterparty.
    pub counterparty_name: String,
    pub csv: CsvMapping,
    pub commerceml: CommerceMlMapping,
    pub enterprisedata: EnterpriseDataMapping,
}

impl Default for Mapping {
    fn default() -> Self {
        Mapping {
            source: "Bachata".to_string(),
            currency: Currency::default(),
            counterparty_name: COUNTERPARTY_NAME.to_string(),
            csv: CsvMapping::default(),
            commerceml: CommerceMlMapping::default(),
            enterprisedata: EnterpriseDataMapping::default(),
        }
    }
}

/// `[mapping.csv]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsvMapping {
    /// The columns in order; `None` means every field in the standard order.
    pub columns: Option<Vec<Column>>,
    /// Column titles by column, for the columns whose standard title does not suit.
    pub titles: BTreeMap<Column, String>,
}

/// `[mapping.commerceml]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommerceMlMapping {
    /// `ХозОперация` of each document.
    pub operation: Operation,
    /// customData keys written as `ЗначенияРеквизитов`, in this order; `None`: every key.
    pub custom_data: Option<Vec<String>>,
    /// Requisite names by customData key, where 1C knows the requisite under another name.
    pub titles: BTreeMap<String, String>,
}

/// The default counterparty name: the name and the phone, which tell clients apart.
pub const COUNTERPARTY_NAME: &str = "{name}, {phone}";
const COUNTERPARTY_FIELDS: [&str; 4] = ["name", "phone", "email", "client_id"];

impl Default for CommerceMlMapping {
    fn default() -> Self {
        CommerceMlMapping {
            operation: Operation("Заказ товара".to_string()),
            custom_data: None,
            titles: BTreeMap::new(),
        }
    }
}

impl Mapping {
    /// The counterparty name of `lead` by the template: an empty part (no phone) leaves no
    /// stray separator, and a lead without a name is «Клиент».
    pub fn counterparty_name(&self, lead: &Lead) -> String {
        let mut text = self.counterparty_name.clone();
        for field in COUNTERPARTY_FIELDS {
            let value = match field {
                "name" if lead.name.is_empty() => "Клиент",
                "name" => &lead.name,
                "phone" => &lead.phone,
                "email" => &lead.email,
                _ => &lead.client_id,
            };
            text = text.replace(&format!("{{{field}}}"), value);
        }
        let trimmed = text.trim_matches(|c: char| c.is_whitespace() || ",;-–—/|".contains(c));
        if trimmed.is_empty() {
            "Клиент".to_string()
        } else {
            trimmed.to_string()
        }
    }

    fn validate_counterparty_name(&self) -> Result<(), String> {
        let mut rest = self.counterparty_name.as_str();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map(|c| open + c);
            let field = close.map(|close| &rest[open + 1..close]);
            match field {
                Some(field) if COUNTERPARTY_FIELDS.contains(&field) => {}
                _ => {
                    return Err(format!(
                        "[mapping] counterparty_name = {:?}: use only {{name}}, {{phone}}, {{email}} and {{client_id}}",
                        self.counterparty_name
                    ));
                }
            }
            rest = &rest[close.unwrap_or(rest.len()) + 1..];
        }
        if !self.counterparty_name.contains('{') {
            return Err(format!(
                "[mapping] counterparty_name = {:?}: a name without {{name}}, {{phone}} or another field would give every client the same counterparty",
                self.counterparty_name
            ));
        }
        Ok(())
    }
}

/// `[mapping.enterprisedata]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnterpriseDataMapping {
    /// The dealer's organisation as named in 1C; when set, every lead also becomes a
    /// `Документ.ЗаказКлиента` of this organisation.
    pub organisation: Option<String>,
    /// ИНН of the organisation (10 digits for a company, 12 for an individual entrepreneur).
    pub organisation_inn: Option<Inn>,
    /// Numeric ISO 4217 code of the currency, where bachata1c does not know it by its letters.
    pub currency_code: Option<String>,
    /// customData keys written as `ДополнительныеРеквизиты`; by default none, because 1C refuses
    /// a requisite it does not have. All of customData is always in `ДополнительнаяИнформация`.
    pub custom_data: Vec<String>,
    /// Requisite names by customData key.
    pub titles: BTreeMap<String, String>,
}

/// A CSV column: a lead field, a name made of the lead's, one `customData` key, or a fixed text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub enum Column {
    Field(Field),
    /// The counterparty's name by `[mapping] counterparty_name`.
    Counterparty,
    /// The client as a person is named: the name Bachata gives, else the phone or e-mail (a
    /// person's «ФИО», a partner's «Публичное наименование»: 1C refuses them empty).
    Person,
    CustomData(String),
    /// The same text in every row under its own title (`"Клиент=Да"` in a config): what a 1C
    /// catalog's fill check asks and a lead does not say, such as a partner's business relation.
    Fixed {
        title: String,
        value: String,
    },
}

const CUSTOM_DATA_PREFIX: &str = "customData.";
const COUNTERPARTY_KEY: &str = "counterparty";
const PERSON_KEY: &str = "person";

impl TryFrom<String> for Column {
    type Error = String;

    fn try_from(key: String) -> Result<Self, String> {
        if let Some(field) = Field::from_key(&key) {
            return Ok(Column::Field(field));
        }
        if key == COUNTERPARTY_KEY {
            return Ok(Column::Counterparty);
        }
        if key == PERSON_KEY {
            return Ok(Column::Person);
        }
        if let Some(custom) = key.strip_prefix(CUSTOM_DATA_PREFIX) {
            if !custom.is_empty() {
                return Ok(Column::CustomData(custom.to_string()));
            }
        } else if let Some((title, value)) = key.split_once('=')
            && !title.trim().is_empty()
        {
            return Ok(Column::Fixed {
                title: title.to_string(),
                value: value.to_string(),
            });
        }
        Err(format!(
            "unknown column `{key}`: use one of {}, {COUNTERPARTY_KEY}, {PERSON_KEY}, customData.KEY or TITLE=VALUE",
            Field::ALL.map(Field::key).join(", ")
        ))
    }
}

impl Column {
    fn default_title(&self) -> &str {
        match self {
            Column::Field(field) => field.title(),
            Column::Counterparty => "Контрагент",
            Column::Person => "ФИО",
            Column::CustomData(key) => key,
            Column::Fixed { title, .. } => title,
        }
    }

    /// The key a config names the column by.
    pub fn key(&self) -> String {
        match self {
            Column::Field(field) => field.key().to_string(),
            Column::Counterparty => COUNTERPARTY_KEY.to_string(),
            Column::Person => PERSON_KEY.to_string(),
            Column::CustomData(key) => format!("{CUSTOM_DATA_PREFIX}{key}"),
            Column::Fixed { title, value } => format!("{title}={value}"),
        }
    }

    pub fn text<'a>(&'a self, lead: &'a Lead, mapping: &Mapping) -> std::borrow::Cow<'a, str> {
        match self {
            Column::Field(field) => field.text(lead),
            Column::Counterparty => mapping.counterparty_name(lead).into(),
            Column::Person => super::display_name(lead).into(),
            Column::Fixed { value, .. } => value.as_str().into(),
            Column::CustomData(key) => lead.custom_data.get(key).unwrap_or_default().into(),
        }
    }
}

impl CsvMapping {
    /// The columns to write, with their titles.
    pub fn columns(&self) -> Vec<(Column, String)> {
        let columns = match &self.columns {
            Some(columns) => columns.clone(),
            None => Field::ALL.map(Column::Field).to_vec(),
        };
        columns
            .into_iter()
            .map(|column| {
                let title = self
                    .titles
                    .get(&column)
                    .cloned()
                    .unwrap_or_else(|| column.default_title().to_string());
                (column, title)
            })
            .collect()
    }
}

/// Currency letters as 1C's CommerceML loader matches them (`RUB`, or `руб` for old setups).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Currency(pub String);

impl Default for Currency {
    fn default() -> Self {
        Currency("RUB".to_string())
    }
}

impl TryFrom<String> for Currency {
    type Error = String;

    fn try_from(code: String) -> Result<Self, String> {
        // CommerceML's ВалютаТип is exactly three characters.
        if code.chars().count() == 3 && code.chars().all(char::is_alphabetic) {
            Ok(Currency(code))
        } else {
            Err(format!(
                "currency `{code}` must be three letters, such as RUB"
            ))
        }
    }
}

impl Currency {
    /// The numeric ISO 4217 code and 1C's short name, for the currencies dealers use.
    pub fn classifier(&self) -> Option<(&'static str, &'static str)> {
        Some(match self.0.to_uppercase().as_str() {
            "RUB" | "RUR" | "РУБ" => ("643", "руб."),
            "USD" => ("840", "USD"),
            "EUR" => ("978", "EUR"),
            "BYN" => ("933", "BYN"),
            "KZT" => ("398", "KZT"),
            "CNY" => ("156", "CNY"),
            "UZS" => ("860", "UZS"),
            "KGS" => ("417", "KGS"),
            "AMD" => ("051", "AMD"),
            _ => return None,
        })
    }
}

/// A `ХозОперация` value of CommerceML 2.08–2.10.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Operation(pub String);

const OPERATIONS: [&str; 16] = [
    "Заказ товара",
    "Счет на оплату",
    "Отпуск товара",
    "Счет-фактура",
    "Возврат товара",
    "Передача товара на комиссию",
    "Возврат комиссионного товара",
    "Отчет о продажах комиссионного товара",
    "Отчет о списании комиссионного товара",
    "Выплата наличных денег",
    "Возврат наличных денег",
    "Выплата безналичных денег",
    "Возврат безналичных денег",
    "Переоценка товаров",
    "Передача прав",
    "Прочие",
];

impl TryFrom<String> for Operation {
    type Error = String;

    fn try_from(operation: String) -> Result<Self, String> {
        if OPERATIONS.contains(&operation.as_str()) {
            Ok(Operation(operation))
        } else {
            Err(format!(
                "operation `{operation}` is not a CommerceML ХозОперация; use one of: {}",
                OPERATIONS.join(", ")
            ))
        }
    }
}

/// An ИНН: 10 digits (a company) or 12 (an individual entrepreneur).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Inn(pub String);

impl TryFrom<String> for Inn {
    type Error = String;

    fn try_from(inn: String) -> Result<Self, String> {
        if matches!(inn.len(), 10 | 12) && inn.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Inn(inn))
        } else {
            Err(format!("ИНН `{inn}` must be 10 or 12 digits"))
        }
    }
}

impl Inn {
    pub fn is_individual(&self) -> bool {
        self.0.len() == 12
    }
}

impl Mapping {
    /// Checks what single keys cannot: titles that would make two CSV columns alike, and an
    /// EnterpriseData order whose currency has no known code.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        for (_, title) in self.csv.columns() {
            if !seen.insert(title.clone()) {
                return Err(format!(
                    "[mapping.csv]: two columns are titled `{title}`; 1C would not tell them apart"
                ));
            }
        }
        self.validate_counterparty_name()?;
        if let Some(code) = &self.enterprisedata.currency_code {
            // Numeric ISO 4217 codes have three digits, and EnterpriseData 1.6 takes no more
            // (`КлючевыеСвойстваВалюта/Код`, maxLength 3).
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "[mapping.enterprisedata]: currency_code `{code}` is not three digits (a numeric ISO 4217 code, for example \"643\")"
                ));
            }
        }
        if self.enterprisedata.organisation.is_some() && self.currency_code().is_none() {
            return Err(format!(
                "[mapping.enterprisedata]: currency `{}` has no known numeric code; set currency_code (for example \"643\")",
                self.currency.0
            ));
        }
        Ok(())
    }

    /// Numeric currency code and name for EnterpriseData.
    pub fn currency_code(&self) -> Option<(String, String)> {
        match (
            &self.enterprisedata.currency_code,
            self.currency.classifier(),
        ) {
            (Some(code), known) => Some((
                code.clone(),
                known.map_or(self.currency.0.clone(), |(_, name)| name.to_string()),
            )),
            (None, Some((code, name))) => Some((code.to_string(), name.to_string())),
            (None, None) => None,
        }
    }
}

/// customData of a lead as requisites: `(name in 1C, value)`, for the keys `keys` selects
/// (`None`: all, in key order), renamed by `titles`. A key the lead lacks is left out.
/// Given one by one: a lead may have a million keys.
pub fn requisites<'a>(
    lead: &'a Lead,
    keys: Option<&'a [String]>,
    titles: &'a BTreeMap<String, String>,
) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    // A customData that was not an object is kept under an empty key; give it a name.
    let name = |key: &'a str| -> &'a str {
        titles.get(key).map_or(
            if key.is_empty() {
                "ДополнительныеДанные"
            } else {
                key
            },
            String::as_str,
        )
    };
    let entries: Box<dyn Iterator<Item = (&'a str, &'a str)>> = match keys {
        None => Box::new(lead.custom_data.iter()),
        Some(keys) => Box::new(
            keys.iter()
                .filter_map(|key| Some((key.as_str(), lead.custom_data.get(key)?))),
        ),
    };
    entries.map(move |(key, value)| (name(key), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_fields_by_their_webhook_names_or_custom_data_keys() {
        assert_eq!(
            Column::try_from("phone".to_string()),
            Ok(Column::Field(Field::Phone))
        );
        assert_eq!(
            Column::try_from("customData.VIN".to_string()),
            Ok(Column::CustomData("VIN".into()))
        );
        let err = Column::try_from("phon".to_string()).unwrap_err();
        assert!(err.contains("`phon`") && err.contains("clientId"), "{err}");
        assert!(Column::try_from("customData.".to_string()).is_err());
    }

    #[test]
    fn default_columns_are_every_field_under_its_standard_title() {
        let columns = CsvMapping::default().columns();
        assert_eq!(columns.len(), Field::ALL.len());
        assert_eq!(columns[2].1, "Телефон");
    }

    #[test]
    fn a_currency_code_is_three_digits() {
        let with_code = |code: &str| {
            let mut mapping = Mapping::default();
            mapping.enterprisedata.currency_code = Some(code.to_string());
            mapping.validate()
        };
        assert!(with_code("933").is_ok());
        for code in ["6430", "64", "RUB", "６４３"] {
            let err = with_code(code).unwrap_err();
            assert!(err.contains("currency_code") && err.contains(code), "{err}");
        }
    }

    #[test]
    fn fixed_values_are_checked() {
        assert!(Currency::try_from("RUBL".to_string()).is_err());
        assert!(Currency::try_from("руб".to_string()).is_ok());
        assert!(Operation::try_from("Заказ".to_string()).is_err());
        assert!(Inn::try_from("77012345".to_string()).is_err());
        assert!(
            Inn::try_from("770123456789".to_string())
                .unwrap()
                .is_individual()
        );
    }
}
