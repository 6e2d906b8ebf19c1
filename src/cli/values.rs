//! The values the command line offers for its enumerated options, each with the help `--help`
//! lists beside it. The library's own types know nothing of clap: `settings` maps these onto
//! them, and its tests check that each value is spelt as the config file spells it.

use clap::ValueEnum;

/// The file layout 1C reads (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `;`-separated text for a 1C processing, windows-1251 by default; with the `bsp` profile
    /// for 1C's «Загрузка данных из файла».
    Csv,
    /// Plain XML with Russian element names (schemas/bachata1c-leads-1.xsd); UTF-8 by default.
    Xml,
    /// CommerceML 2 orders for 1C's standard «Обмен с сайтом»; UTF-8 with a BOM by default.
    Commerceml,
    /// EnterpriseData message (1.8, or 1.6 with `--enterprisedata-version`) for 1C's
    /// «Выгрузка/загрузка данных EnterpriseData».
    Enterprisedata,
    /// Excel workbook with the CSV's columns, every cell text; always UTF-8 inside.
    Xlsx,
}

/// The text encoding of an output file (`--encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Encoding {
    /// Cyrillic Windows code page; what old 1C setups expect.
    #[value(name = "windows-1251", alias = "cp1251")]
    Windows1251,
    /// UTF-8 (CSV gets a byte-order mark so that 1C and Excel recognise it).
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
}

/// The CommerceML schema version written in `ВерсияСхемы` (`--cml-version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CmlVersion {
    /// CommerceML 2.08, for older «Обмен с сайтом» setups.
    #[value(name = "2.08")]
    V2_08,
    /// CommerceML 2.10.
    #[value(name = "2.10")]
    V2_10,
}

/// The EnterpriseData version of the message (`--enterprisedata-version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnterpriseDataVersion {
    /// EnterpriseData 1.6, for configurations whose exchange manager does not list 1.8.
    #[value(name = "1.6")]
    V1_6,
    /// EnterpriseData 1.8.
    #[value(name = "1.8")]
    V1_8,
}

/// How a CSV file (and an XLSX's columns) is laid out (`--csv-profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CsvProfile {
    /// Every field, bachata1c's own titles, windows-1251 by default: for the dealer's own
    /// processing (the integration note's route).
    Plain,
    /// For БСП's «Загрузка данных из файла»: UTF-8 with a byte-order mark, only the target's
    /// columns under its titles (in an XLSX too).
    Bsp,
}

/// What a `bsp` CSV (or an XLSX) is loaded into (`--csv-target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CsvTarget {
    /// «Контрагенты» of a БСП configuration (БП, УНФ…): «Наименование», «Телефон»,
    /// «Электронная почта».
    Counterparties,
    /// «Контрагенты» of УТ 11, КА, ERP: their `Наименование` is titled «Рабочее наименование»;
    /// a private person under the partner `--csv-partner`.
    Ut11Counterparties,
    /// «Партнеры» of УТ 11: a private client.
    Partners,
    /// «Физические лица»: «ФИО», «Мобильный телефон», «Электронная почта».
    Persons,
}

/// Where a lead is on its way into 1C (`leads --only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LeadState {
    /// Converted; 1C has not asked for it yet.
    Waiting,
    /// Sent in answer to a `query`; not confirmed yet, so offered again.
    Offered,
    /// 1C said `success` after the query that offered it.
    Confirmed,
    /// 1C sent back what it made of it: its number, date, status.
    Known,
}

/// How `leads` lists them (`leads --format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Csv,
    Json,
}
