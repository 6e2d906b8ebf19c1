//! The document 1C uploads back with `type=sale&mode=file` (protocol note §4): the orders that
//! came from the site and changed in 1C since, each with its 1C number and state.
//!
//! The shape is what 1C's XDTO objects hold (УНФ3 СформироватьЗаказыXDTO 8151 and
//! ДобавитьЗначенияРеквизитовЗаказаXDTO 9131; УТ11 СформироватьЗаказыXDTO 5447 and
//! ДобавитьЗначенияРеквизитовЗаказаXDTO 5684; УНФ1.6 6200, SmB 5568), serialised in the
//! package's element order. How `ЗаписьXML` lays it out (BOM, namespace prefixes, indentation)
//! cannot be verified (protocol note §7), so [`UploadStyle`] lets a test choose.

use super::Profile;

/// One order as 1C sends it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderStatus {
    /// `Документ/Ид`: 1C's own reference, not the site's id.
    pub onec_id: String,
    /// `Документ/Номер`: the site's number, the one to correlate by.
    pub site_number: String,
    /// `Документ/Дата` and `Время`: the site's date (`YYYY-MM-DD`) and time (`HH:MM:SS`).
    pub site_date: String,
    pub site_time: String,
    /// `Валюта`: `Лев(Валюта.Наименование, 3)`.
    pub currency: String,
    pub sum: String,
    pub comment: String,
    pub counterparty_id: String,
    pub counterparty_name: String,
    pub counterparty_full_name: String,
    /// «Номер по 1С».
    pub onec_number: String,
    /// «Дата по 1С»: `yyyy-MM-dd` + `T` + `Формат(…, "ДЛФ=T")`.
    pub onec_date: String,
    /// «Проведен», «ПометкаУдаления», «Отменен»: sent only when true.
    pub posted: bool,
    pub deletion_mark: bool,
    pub cancelled: bool,
    /// «Статус заказа» and «Статуса заказа ИД», from the node's status table (УНФ3 only,
    /// 9216‑9226); ignored by the other profiles, whose code never sends them.
    pub status: Option<String>,
    pub status_id: Option<String>,
}

impl OrderStatus {
    /// A status for the site's order `site_number`, held in 1C as `onec_number`, with the
    /// other fields as a fresh lead's order has them.
    pub fn new(site_number: &str, onec_number: &str) -> OrderStatus {
        OrderStatus {
            onec_id: uuid::Uuid::new_v4().to_string(),
            site_number: site_number.to_string(),
            site_date: "2024-05-01".to_string(),
            site_time: "12:30:00".to_string(),
            currency: "руб".to_string(),
            sum: "0".to_string(),
            comment: String::new(),
            counterparty_id: uuid::Uuid::new_v4().to_string(),
            counterparty_name: "Иван".to_string(),
            counterparty_full_name: "Иван".to_string(),
            onec_number: onec_number.to_string(),
            onec_date: "2024-05-01T12:31:05".to_string(),
            posted: false,
            deletion_mark: false,
            cancelled: false,
            status: None,
            status_id: None,
        }
    }
}

/// How the namespace appears in the uploaded document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NamespaceStyle {
    /// `<КоммерческаяИнформация xmlns="urn:…" xmlns:xs=… xmlns:xsi=…>`, as 1C's CommerceML
    /// files usually look.
    Default,
    /// Every element prefixed (`<d1p1:Документ>`), which `ФабрикаXDTO.ЗаписатьXML` may also
    /// produce.
    Prefixed,
    /// No namespace at all.
    None,
}

/// The layout choices the BSL leaves to the platform's `ЗаписьXML`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadStyle {
    /// A UTF-8 byte-order mark before the declaration (`ЗаписьXML.ОткрытьФайл(…, "UTF-8")`
    /// writes one, as commonly observed; not verifiable here).
    pub bom: bool,
    pub namespace: NamespaceStyle,
}

impl Default for UploadStyle {
    fn default() -> UploadStyle {
        UploadStyle {
            bom: true,
            namespace: NamespaceStyle::Default,
        }
    }
}

/// The namespace and `ВерсияСхемы` a profile writes: УТ11 `urn:1C.ru:commerceml_2`, 2.07
/// (ПространствоИменСхемы 375, ВерсияСхемы 393); УНФ3 `urn:1C.ru:commerceml_210`, 2.08, or
/// 2.10 with «ПодчиненныеДокументы» (СформироватьЗаказыXDTO 8151‑8161); УНФ1.6 and SmB
/// `urn:1C.ru:commerceml_205`, 2.05 (УНФ1.6 5800‑5806, SmB 5179‑5185).
pub fn schema(profile: Profile, subordinate_documents: bool) -> (&'static str, &'static str) {
    match profile {
        Profile::Ut11 => ("urn:1C.ru:commerceml_2", "2.07"),
        Profile::Unf3Other | Profile::Unf3Bitrix if subordinate_documents => {
            ("urn:1C.ru:commerceml_210", "2.10")
        }
        Profile::Unf3Other | Profile::Unf3Bitrix => ("urn:1C.ru:commerceml_210", "2.08"),
        Profile::Smb16 => ("urn:1C.ru:commerceml_205", "2.05"),
    }
}

/// The uploaded file's name: SmB/УНФ1.6 `"orders-" + Новый УникальныйИдентификатор + ".xml"`
/// (УНФ1.6 5748, SmB 5127); УНФ3 `ИмяФайлаОбмена("orders-", Индекс, Истина)` =
/// `orders-<uuid>_<index>.xml` (8074, 16393; the index starts at 0); УТ11 `"orders-" + УИД + "_"
/// + НомерСообщения + ".xml"` (3789; the message number starts at 1).
pub fn file_name(profile: Profile, index: u32) -> String {
    let uuid = uuid::Uuid::new_v4();
    match profile {
        Profile::Smb16 => format!("orders-{uuid}.xml"),
        Profile::Unf3Other | Profile::Unf3Bitrix => format!("orders-{uuid}_{index}.xml"),
        Profile::Ut11 => format!("orders-{uuid}_{}.xml", index + 1),
    }
}

/// The requisite pairs of one order, in the order 1C adds them. `ДобавитьЗначениеРеквизитаXDTO`
/// skips a pair whose value is not `ЗначениеЗаполнено` (УНФ3 13123, УТ11 6537), so a false
/// boolean is never sent; a true one is `"true"`.
pub fn requisites(profile: Profile, status: &OrderStatus) -> Vec<(&'static str, String)> {
    let flag = |on: bool| if on { "true" } else { "" }.to_string();
    let mut pairs = vec![
        ("Номер по 1С", status.onec_number.clone()),
        ("Дата по 1С", status.onec_date.clone()),
        ("ПометкаУдаления", flag(status.deletion_mark)),
        ("Проведен", flag(status.posted)),
        ("Отменен", flag(status.cancelled)),
    ];
    if matches!(profile, Profile::Unf3Other | Profile::Unf3Bitrix) {
        pairs.push((
            "Статуса заказа ИД",
            status.status_id.clone().unwrap_or_default(),
        ));
        pairs.push(("Статус заказа", status.status.clone().unwrap_or_default()));
    }
    pairs.retain(|(_, value)| super::filled(value));
    pairs
}

/// The whole uploaded document: UTF-8, the declaration `ЗаписатьОбъявлениеXML` writes, one
/// `Документ` per order.
pub fn document(
    profile: Profile,
    subordinate_documents: bool,
    style: UploadStyle,
    formed_at: &str,
    statuses: &[OrderStatus],
) -> Vec<u8> {
    let (namespace, version) = schema(profile, subordinate_documents);
    let mut xml = Xml::new(style.namespace);
    xml.text
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let declarations = match style.namespace {
        NamespaceStyle::Default => format!(
            " xmlns=\"{namespace}\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
        ),
        NamespaceStyle::Prefixed => format!(" xmlns:d1p1=\"{namespace}\""),
        NamespaceStyle::None => String::new(),
    };
    xml.open_with(
        "КоммерческаяИнформация",
        &format!("{declarations} ВерсияСхемы=\"{version}\" ДатаФормирования=\"{formed_at}\""),
    );
    for status in statuses {
        write_status(&mut xml, profile, status);
    }
    xml.close("КоммерческаяИнформация");
    let mut bytes = Vec::new();
    if style.bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    bytes.extend_from_slice(xml.text.as_bytes());
    bytes
}

/// One `Документ`, its children in the package's order (Ид, Номер, Дата, ХозОперация, Роль,
/// Валюта, Курс, Сумма, Контрагенты, Время, Комментарий, ЗначенияРеквизитов). No `Товары`: a
/// lead's order has no lines (УНФ3 8808‑8811, УТ11 ДобавитьТоварыЗаказаXDTO 5537).
fn write_status(xml: &mut Xml, profile: Profile, status: &OrderStatus) {
    xml.open("Документ");
    xml.leaf("Ид", &status.onec_id);
    xml.leaf("Номер", &status.site_number);
    xml.leaf("Дата", &status.site_date);
    xml.leaf("ХозОперация", "Заказ товара");
    xml.leaf("Роль", "Продавец");
    xml.leaf(
        "Валюта",
        &status.currency.chars().take(3).collect::<String>(),
    );
    xml.leaf("Курс", "1");
    xml.leaf("Сумма", &status.sum);
    xml.open("Контрагенты");
    xml.open("Контрагент");
    xml.leaf("Ид", &status.counterparty_id);
    xml.leaf("Наименование", &status.counterparty_name);
    if super::filled(&status.counterparty_full_name) {
        xml.leaf("ПолноеНаименование", &status.counterparty_full_name);
    }
    xml.leaf("Роль", "Покупатель");
    xml.close("Контрагент");
    xml.close("Контрагенты");
    xml.leaf("Время", &status.site_time);
    if super::filled(&status.comment) {
        xml.leaf("Комментарий", &status.comment);
    }
    xml.open("ЗначенияРеквизитов");
    for (name, value) in requisites(profile, status) {
        xml.open("ЗначениеРеквизита");
        xml.leaf("Наименование", name);
        xml.leaf("Значение", &value);
        xml.close("ЗначениеРеквизита");
    }
    xml.close("ЗначенияРеквизитов");
    xml.close("Документ");
}

/// The parts 1C POSTs: with `file_limit = N > 0`, a file larger than `N` bytes is cut by
/// `РазделитьФайл` into parts of `N` bytes (the last shorter), cut anywhere, even inside a
/// UTF-8 character (УНФ3 РазделитьФайлыНаФрагменты 12761, УТ11 6319). Rule 17.
pub fn parts(document: &[u8], file_limit: i64) -> Vec<&[u8]> {
    match usize::try_from(file_limit) {
        Ok(limit) if limit > 0 && document.len() > limit => document.chunks(limit).collect(),
        _ => vec![document],
    }
}

/// A tiny indenting writer for the document above.
struct Xml {
    text: String,
    depth: usize,
    prefix: &'static str,
}

impl Xml {
    fn new(style: NamespaceStyle) -> Xml {
        Xml {
            text: String::new(),
            depth: 0,
            prefix: if style == NamespaceStyle::Prefixed {
                "d1p1:"
            } else {
                ""
            },
        }
    }

    fn indent(&mut self) {
        self.text.push_str(&"\t".repeat(self.depth));
    }

    fn open_with(&mut self, name: &str, attributes: &str) {
        self.indent();
        self.text
            .push_str(&format!("<{}{name}{attributes}>\n", self.prefix));
        self.depth += 1;
    }

    fn open(&mut self, name: &str) {
        self.open_with(name, "");
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.text.push_str(&format!("</{}{name}>\n", self.prefix));
    }

    fn leaf(&mut self, name: &str, value: &str) {
        self.indent();
        let prefix = self.prefix;
        self.text.push_str(&format!(
            "<{prefix}{name}>{}</{prefix}{name}>\n",
            escape(value)
        ));
    }
}

fn escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
