//! The catalogs bachata1c's `bsp` targets load into, as УТ 11.5.8 defines them
//! (`evlahov-igor/UT11`, a dump of 11.5.8.254 with БСП 3.1.5):
//!
//! * the columns: `Catalogs/<name>.xml`, the standard attributes' and attributes' synonyms (a
//!   column's presentation), types and `FillChecking`, in the metadata's order; the
//!   attributes prefixed `КР_` and `зл` are that company's own additions and are left out;
//! * the contact information kinds: `Catalogs/ВидыКонтактнойИнформации/Ext/Predefined.xml`,
//!   each kind's description is its column's presentation;
//! * the checks: each catalog's `Ext/ObjectModule.bsl`, `ОбработкаПроверкиЗаполнения`;
//! * the elements a reference finds: `Catalogs/Партнеры/Ext/Predefined.xml`.

use super::{Base, Catalog, CheckResult, Column, Element, Kind, Value, column_name_part};

/// `Enums/КомпанияЧастноеЛицо.xml`: the values' synonyms.
pub const COMPANY_OR_PRIVATE: [&str; 2] = ["Компания", "Частное лицо"];
/// `Enums/ЮрФизЛицо.xml`.
pub const LEGAL_OR_NATURAL: [&str; 4] = [
    "Юридическое лицо",
    "Физическое лицо",
    "Юр. лицо (нерезидент)",
    "Индивидуальный предприниматель",
];
/// `Enums/ЮридическоеФизическоеЛицо.xml`.
const LEGAL_OR_NATURAL_PERSON: [&str; 2] = ["Юридическое лицо", "Физическое лицо"];
/// `Enums/ПолФизическогоЛица.xml`.
const SEX: [&str; 2] = ["Мужской", "Женский"];
/// The predefined partners every УТ 11 base has (`Catalogs/Партнеры/Ext/Predefined.xml`), by
/// `Наименование`.
pub const PARTNERS: [&str; 3] = [
    "Наше предприятие",
    "Неизвестный партнер",
    "Розничный покупатель",
];
/// A group of `Справочник.ГруппыДоступаПартнеров` the test base holds (a dealer makes its own).
pub const PARTNER_ACCESS_GROUPS: [&str; 1] = ["Клиенты с сайта"];
/// Catalogs of which the test base holds no element.
const NONE: [&str; 0] = [];

const fn column(
    name: &'static str,
    presentation: &'static str,
    kind: Kind,
    fill_checked: bool,
) -> Column {
    Column {
        name,
        presentation,
        kind,
        fill_checked,
    }
}

/// The column of a contact information kind: `КонтактнаяИнформация_` and the kind's description
/// made a valid name, presented by the description.
fn contact(description: &'static str) -> Column {
    let name = format!("КонтактнаяИнформация_{}", column_name_part(description));
    column(
        Box::leak(name.into_boxed_str()),
        description,
        Kind::ContactInformation,
        false,
    )
}

fn flag(element: &Element, name: &str) -> bool {
    element[name] == Value::Flag(true)
}

/// `Справочник.Партнеры`. `Наименование` is presented as «Наименование» (the standard
/// attribute's synonym; the form's «Рабочее наименование» is a form title, not metadata).
pub fn partners() -> Catalog {
    let mut columns = vec![
        column("Наименование", "Наименование", Kind::Text, true),
        column(
            "Родитель",
            "Головное предприятие",
            Kind::Catalog(&PARTNERS),
            false,
        ),
        column("БизнесРегион", "Бизнес-регион", Kind::Catalog(&NONE), false),
        column(
            "ГруппаДоступа",
            "Группа доступа",
            Kind::Catalog(&PARTNER_ACCESS_GROUPS),
            true,
        ),
        column("ДатаРегистрации", "Дата регистрации", Kind::Text, false),
        column("Клиент", "Клиент", Kind::Flag, false),
        column("Комментарий", "Комментарий", Kind::Text, false),
        column("Поставщик", "Поставщик", Kind::Flag, false),
        column(
            "НаименованиеПолное",
            "Публичное наименование",
            Kind::Text,
            true,
        ),
        column(
            "ОсновнойМенеджер",
            "Основной менеджер",
            Kind::Catalog(&NONE),
            false,
        ),
        column("Конкурент", "Конкурент", Kind::Flag, false),
        column("ПрочиеОтношения", "Прочие отношения", Kind::Flag, false),
        column(
            "ОбслуживаетсяТорговымиПредставителями",
            "Обслуживается торговыми представителями",
            Kind::Flag,
            false,
        ),
        column(
            "ДополнительнаяИнформация",
            "Прочая информация",
            Kind::Text,
            false,
        ),
        column("Перевозчик", "Перевозчик", Kind::Flag, false),
        column(
            "ШаблонЭтикетки",
            "Шаблон этикетки",
            Kind::Catalog(&NONE),
            false,
        ),
        column(
            "ЮрФизЛицо",
            "Юр/Физлицо",
            Kind::Enum(&COMPANY_OR_PRIVATE),
            true,
        ),
        column("Пол", "Пол", Kind::Enum(&SEX), false),
        column("ДатаРождения", "Дата рождения", Kind::Text, false),
        column(
            "НазначениеПереработчика",
            "Назначение переработчика",
            Kind::Catalog(&NONE),
            false,
        ),
        column(
            "ВариантОтправкиЭлектронногоЧека",
            "Вариант отправки электронного чека",
            Kind::Enum(&NONE),
            false,
        ),
        column("ЗонаДоставки", "Зона доставки", Kind::Catalog(&NONE), false),
        column("ВидЦен", "Вид цен", Kind::Catalog(&NONE), false),
        column(
            "ИндивидуальныйВидЦены",
            "Индивидуальный вид цены",
            Kind::Catalog(&NONE),
            false,
        ),
    ];
    // АдресПартнера, ТелефонПартнера, EmailПартнера.
    columns.extend(["Адрес", "Телефон", "Электронная почта"].map(contact));
    Catalog {
        name: "Партнеры",
        columns,
        check: partner_check,
    }
}

/// `Справочник.Партнеры` `ОбработкаПроверкиЗаполнения`:
/// * `Если Не Клиент И Не Конкурент И Не Поставщик И Не ПрочиеОтношения И Не Предопределенный`:
///   «Необходимо определить хотя бы один тип бизнес-отношений», `Отказ`;
/// * `ГруппаДоступа` is taken off the check unless
///   `Справочники.ГруппыДоступаПартнеров.ИспользуютсяГруппыДоступа()`;
/// * with `ИспользоватьПартнеровКакКонтрагентов` it takes `НаименованиеПолное` off and checks
///   it itself, refusing an empty one just the same.
fn partner_check(element: &Element, base: &Base) -> CheckResult {
    let mut result = CheckResult::default();
    let relations = ["Клиент", "Конкурент", "Поставщик", "ПрочиеОтношения"];
    if !relations.iter().any(|name| flag(element, name)) {
        result
            .refusals
            .push("Необходимо определить хотя бы один тип бизнес-отношений".to_string());
    }
    if !base.access_groups {
        result.unchecked.push("ГруппаДоступа");
    }
    result
}

/// `Справочник.Контрагенты` of УТ 11, КА 2, ERP 2: `Наименование` is «Рабочее наименование»;
/// not hierarchical, so no `Родитель` column.
pub fn ut11_counterparties() -> Catalog {
    let mut columns = vec![
        column("Наименование", "Рабочее наименование", Kind::Text, true),
        column(
            "НаименованиеПолное",
            "Сокращенное юр. наименование",
            Kind::Text,
            false,
        ),
        column(
            "ОбособленноеПодразделение",
            "Обособленное подразделение",
            Kind::Flag,
            false,
        ),
        column(
            "ЮридическоеФизическоеЛицо",
            "Юридическое физическое лицо",
            Kind::Enum(&LEGAL_OR_NATURAL_PERSON),
            false,
        ),
        column(
            "СтранаРегистрации",
            "Страна регистрации",
            Kind::Catalog(&NONE),
            false,
        ),
        column(
            "ГоловнойКонтрагент",
            "Головной контрагент",
            Kind::Catalog(&NONE),
            false,
        ),
        column("ИНН", "ИНН", Kind::Text, false),
        column("КПП", "КПП", Kind::Text, false),
        column(
            "ДополнительнаяИнформация",
            "Дополнительная информация",
            Kind::Text,
            false,
        ),
        column("Партнер", "Партнер", Kind::Catalog(&PARTNERS), true),
        column(
            "ЮрФизЛицо",
            "Юр/Физлицо",
            Kind::Enum(&LEGAL_OR_NATURAL),
            true,
        ),
        column(
            "НДСПоСтавкам4и2",
            "Предъявляет НДС по ставкам 4% и 2%",
            Kind::Flag,
            false,
        ),
        column("КодПоОКПО", "Код по ОКПО", Kind::Text, false),
        column(
            "РегистрационныйНомер",
            "Регистрационный номер",
            Kind::Text,
            false,
        ),
        column("НалоговыйНомер", "Налоговый номер", Kind::Text, false),
        column(
            "НаименованиеМеждународное",
            "Наименование международное",
            Kind::Text,
            false,
        ),
    ];
    // The kinds of the group СправочникКонтрагенты.
    columns.extend(
        [
            "Другое (любая другая контактная информация)",
            "Международный адрес для платежей (англ.)",
            "Почтовый адрес",
            "Телефон",
            "Факс",
            "Фактический адрес",
            "Электронная почта",
            "Юридический адрес",
        ]
        .map(contact),
    );
    Catalog {
        name: "Контрагенты",
        columns,
        check: counterparty_check,
    }
}

/// `Справочник.Контрагенты` `ОбработкаПроверкиЗаполнения` →
/// `ПартнерыИКонтрагенты.ПроверитьКорректностьЗаполненияКонтрагента` →
/// `ПартнерыИКонтрагентыЛокализация.ПроверитьКорректностьЗаполненияКонтрагента`: for a new
/// element without `ИНН`, `Если НЕ ПартнерыИКонтрагенты.УпрощенныйВводДоступен()` and
/// `ЮрФизЛицо` is `ИндивидуальныйПредприниматель` or `ЮрЛицо`: «Не указан ИНН». The simplified
/// input is a right of the user (`ВводИнформацииПоПартнеруБезКонтроля`); taken as not given,
/// the stricter case. The other checks concern separate divisions and foreign registration
/// numbers, which a lead never has.
fn counterparty_check(element: &Element, _base: &Base) -> CheckResult {
    let mut result = CheckResult::default();
    let kind = element["ЮрФизЛицо"].text();
    let needs_inn = kind == LEGAL_OR_NATURAL[0] || kind == LEGAL_OR_NATURAL[3];
    if needs_inn && !element["ИНН"].filled() {
        result.refusals.push("Не указан ИНН".to_string());
    }
    result
}

/// `Справочник.ФизическиеЛица`: `Наименование` is «ФИО», the parent «Группа физ. лиц».
pub fn persons() -> Catalog {
    let mut columns = vec![
        column("Наименование", "ФИО", Kind::Text, true),
        column("Родитель", "Группа физ. лиц", Kind::Catalog(&NONE), false),
        column("ДатаРождения", "Дата рождения", Kind::Text, false),
        column("Пол", "Пол", Kind::Enum(&SEX), false),
        column("ИНН", "ИНН", Kind::Text, false),
        column(
            "ГруппаДоступа",
            "Группа доступа",
            Kind::Catalog(&NONE),
            true,
        ),
        column("УточнениеНаименования", "Уточнение", Kind::Text, false),
        column(
            "УдалитьУточнение",
            "(не используется) Уточнение",
            Kind::Text,
            false,
        ),
    ];
    // The kinds of the group СправочникФизическиеЛица.
    columns.extend(
        [
            "Адрес для информирования",
            "Адрес места проживания",
            "Адрес по прописке",
            "Домашний телефон",
            "Иностранный адрес",
            "Мобильный телефон",
            "Рабочий телефон",
            "Электронная почта",
        ]
        .map(contact),
    );
    Catalog {
        name: "ФизическиеЛица",
        columns,
        check: person_check,
    }
}

/// `Справочник.ФизическиеЛица` `ОбработкаПроверкиЗаполнения`: `ГруппаДоступа` is taken off the
/// check unless `УправлениеДоступом.ОграничиватьДоступНаУровнеЗаписей()` and the access kind
/// `ГруппыФизическихЛиц` is used; a filled `ИНН` must be a valid one (a lead has none).
fn person_check(_element: &Element, base: &Base) -> CheckResult {
    let mut result = CheckResult::default();
    if !base.access_groups {
        result.unchecked.push("ГруппаДоступа");
    }
    result
}

/// «Контрагенты» of a БСП configuration as the earlier tests assumed them (БП, УНФ): no
/// metadata of theirs was read, so no fill check beyond what every catalog has, `Наименование`.
pub fn bsp_counterparties() -> Catalog {
    let mut columns = vec![
        column("Наименование", "Наименование", Kind::Text, true),
        column("ИНН", "ИНН", Kind::Text, false),
        column("Комментарий", "Комментарий", Kind::Text, false),
    ];
    columns.extend(["Телефон", "Электронная почта"].map(contact));
    Catalog {
        name: "Контрагенты (БСП)",
        columns,
        check: |_, _| CheckResult::default(),
    }
}
