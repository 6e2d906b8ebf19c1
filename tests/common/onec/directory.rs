//! «Обмен с сайтом» through a directory (the node's «ВыгружатьНаСайт» off): 1C reads the orders
//! from one fixed file and writes the orders it changed into a subfolder of its export
//! directory (protocol note §8, «Directory mode»).
//!
//! * [`read_orders_file`] is `ЗагрузитьЗаказыИзФайла` (УТ11 3977, УНФ3 3298, УНФ1.6 2958, SmB
//!   ImportOrdersFromFile 2681): a missing file (or a folder in its place) fails the import with
//!   «Файл загрузки не найден»; the text goes to the same `ЗагрузитьЗаказы` as an HTTP `query`
//!   answer, so re-read orders are found by `Номер` and refilled, never duplicated.
//! * [`DirectoryNode`] is one whole scheduled exchange of such a node: УТ11's access check of the
//!   file, the export subfolder (`webdata…`), the import, then the changed orders written back.
//!
//! 1C never deletes, renames or marks the orders file: the same file is read again at every
//! exchange, and the file's author decides what is in it.

use std::path::{Path, PathBuf};

use super::client::{declared_encoding, decode_as};
use super::database::{ImportedOrders, OneCDatabase};
use super::statuses::{self, UploadStyle};
use super::{OneCError, Profile, orders};

/// `ЗагрузитьЗаказыИзФайла` of `db`'s profile on `path` (the node's «Файл загрузки заказов»,
/// `ФайлЗагрузки`), the orders written into `db` as `ЗагрузитьЗаказы` writes them.
///
/// * `НЕ Файл.Существует() ИЛИ Файл.ЭтоКаталог()` → «Файл загрузки не найден: <path>», `Ложь`
///   ([`OneCError::ImportFileNotFound`]; УТ11 3979‑3987, УНФ3 3300‑3308, УНФ1.6 2960‑2968,
///   SmB 2683‑2690).
/// * The file is read whole with `ТекстовыйДокумент.Прочитать` (see [`file_text`]); there is
///   **no** `<?xml` framing check here, unlike `mode=query`: the text goes straight to
///   `ЗагрузитьЗаказы` (УТ11 3989‑3993, УНФ3 3310‑3316).
/// * A document without `Документ` is «Нет документов для обработки.», `Истина` (УТ11 4020,
///   УНФ3 3343): `Ok` with no orders.
/// * Otherwise [`OneCDatabase::import_gated`]: the gate of rule 8, the lookup of previously
///   loaded orders by `Номер` (УНФ3 ПолучитьРанееЗагруженныеДокументы 3835, УТ11 4025‑4055), one
///   transaction.
pub fn read_orders_file(db: &mut OneCDatabase, path: &Path) -> Result<ImportedOrders, OneCError> {
    if !path.is_file() {
        return Err(OneCError::ImportFileNotFound {
            path: path.display().to_string(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| unusable(path, e))?;
    let xml = file_text(db.profile(), &bytes);
    let orders = orders::read_orders(&xml, db.profile())?;
    db.import_gated(&orders)
}

/// The string `ТекстовыйДокумент.Прочитать(ФайлЗагрузки, Кодировка)` + `ПолучитьТекст()` gives:
///
/// * УТ11 always reads UTF-8: `ФайлXML.Прочитать(Параметры.ФайлЗагрузки, КодировкаТекста.UTF8)`
///   (3990), whatever the declaration says.
/// * УНФ3 and УНФ1.6 take the encoding the XML reader reports: `КодировкаФайла` opens the file
///   with `ЧтениеXML` and returns `ЧтениеXML.КодировкаXML`, `"UTF-8"` if that throws (УНФ3
///   14898‑14912, 3310; УНФ1.6 8637, 2970). The [`Profile::Smb16`] profile follows УНФ1.6: SmB
///   calls `TextDocument.Read(path)` with no encoding at all (2694) and, with its English XDTO
///   package, cannot read a Russian CommerceML file anyway (docs/1c-loaders-research.md §3).
/// * A UTF-8 byte-order mark is taken as the encoding's signature and dropped (platform
///   behaviour, not verifiable from the BSL: 1C's own `ЗаписьXML.ОткрытьФайл(…, "UTF-8")`
///   files, which its exchanges read back, start with one; see `statuses::UploadStyle`).
///   Invalid bytes become `�`, as the platform shows them; line ends become LF.
pub fn file_text(profile: Profile, bytes: &[u8]) -> String {
    let label = match profile {
        Profile::Ut11 => "UTF-8",
        _ => declared_encoding(bytes).unwrap_or("UTF-8"),
    };
    let utf8 = encoding_rs::Encoding::for_label(label.trim().as_bytes())
        .is_none_or(|e| e == encoding_rs::UTF_8);
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) if utf8 => rest,
        _ => bytes,
    };
    decode_as(bytes, label).replace("\r\n", "\n")
}

/// A node of «Обмен с сайтом» set to exchange through a directory: the orders file it reads
/// (`ФайлЗагрузки`, «Файл загрузки заказов») and its export directory (`КаталогВыгрузки`).
///
/// The node's form offers `c:\Orders.xml` for the file (its `FillValue`, УТ11
/// `ExchangePlans/ОбменССайтом.xml` 1374, УНФ3 `ExchangePlans/ОбменУправлениеНебольшойФирмойСайт.xml`
/// 2433); УНФ3's form puts `КаталогВыгрузки + "\Orders.xml"` there when the file is empty
/// (ФормаУзла ПриИзмененииОбменЗаказами 423‑425). Either way it is one full path the dealer
/// sets: the directory is never scanned for order files.
#[derive(Clone, Debug)]
pub struct DirectoryNode {
    pub import_file: PathBuf,
    pub export_dir: PathBuf,
    /// `УзелОбмена.УникальныйИдентификатор()`, part of УНФ's export subfolder name.
    pub node_id: uuid::Uuid,
}

impl DirectoryNode {
    pub fn new(import_file: impl Into<PathBuf>, export_dir: impl Into<PathBuf>) -> DirectoryNode {
        DirectoryNode {
            import_file: import_file.into(),
            export_dir: export_dir.into(),
            node_id: uuid::Uuid::new_v4(),
        }
    }

    /// `КаталогНаДиске`, where 1C writes its orders: УТ11 `КаталогВыгрузки + "webdata"`
    /// (ВыполнитьОбменССайтом 87‑88); УНФ3, УНФ1.6 and SmB `КаталогВыгрузки + "webdata - " +
    /// УзелОбмена.УникальныйИдентификатор()` (УНФ3 ВыполнитьОбмен 233, 276; УНФ1.6 511; SmB
    /// RunExchange 511).
    pub fn webdata(&self, profile: Profile) -> PathBuf {
        match profile {
            Profile::Ut11 => self.export_dir.join("webdata"),
            _ => self.export_dir.join(format!("webdata - {}", self.node_id)),
        }
    }

    /// One scheduled exchange of orders, in 1C's order:
    ///
    /// 1. УТ11 only: if the orders file does not exist, a test file is written at its path and
    ///    deleted; if that fails, «Нет доступа к файлу обмена заказами», «Обмен отменен» and
    ///    nothing else happens (ОбменССайтомСобытия ВыполнитьОбмен 160‑184,
    ///    ПроверитьДоступностьФайлаЗагрузки 314‑333).
    /// 2. `СоздатьКаталог(КаталогНаДиске)`; УНФ3, УНФ1.6 and SmB then empty it,
    ///    `УдалитьФайлы(Каталог, "*.*")` (УНФ3 ВыполнитьОбмен 278‑298, ОчиститьКаталог 14259;
    ///    SmB 530). УТ11 empties it only when it also exchanges goods (ПроверитьДоступность
    ///    КаталогаВыгрузки 337), which this node does not.
    /// 3. The import: [`read_orders_file`] (УТ11 ВыполнитьОбменЗаказами 3699, УНФ3 3144, SmB
    ///    RunOrdersExchange 2544).
    /// 4. Whatever the import gave, the orders changed in 1C since the last exchange (not the
    ///    ones just imported) are written into `КаталогНаДиске` as one CommerceML file,
    ///    `orders-<uuid>[_n].xml` (УТ11 ВыгрузитьЗаказы 3712, 3789‑3794; УНФ3
    ///    ВыгрузитьЗаказыВФайл 3157, 8074; SmB ExportOrdersIntoFile 2558, 5127). УТ11 then
    ///    unregisters them at once (`УдалитьРегистрацию = Истина` without a site, 3825); УНФ3
    ///    and SmB only when import and export both succeeded (УНФ3 3169, 333‑337; SmB 2570,
    ///    584‑589), so after a failed import they are written again next time.
    ///
    /// Returns the import's result; an error of the export comes after it, as in
    /// [`super::Client::exchange`].
    pub fn exchange(&self, db: &mut OneCDatabase) -> Result<ImportedOrders, OneCError> {
        let profile = db.profile();
        if profile == Profile::Ut11 && !self.import_file.exists() {
            let probe = std::fs::write(&self.import_file, "Test\n")
                .and_then(|()| std::fs::remove_file(&self.import_file));
            if probe.is_err() {
                return Err(OneCError::ImportFileNoAccess {
                    path: self.import_file.display().to_string(),
                });
            }
        }
        let webdata = self.webdata(profile);
        std::fs::create_dir_all(&webdata).map_err(|e| unusable(&webdata, e))?;
        if profile != Profile::Ut11 {
            clear(&webdata)?;
        }
        let imported = read_orders_file(db, &self.import_file);
        let pending = db.pending_statuses();
        let exported = if pending.is_empty() {
            Ok(())
        } else {
            let formed_at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string();
            let document =
                statuses::document(profile, false, UploadStyle::default(), &formed_at, &pending);
            let path = webdata.join(statuses::file_name(profile, 0));
            std::fs::write(&path, document).map_err(|e| unusable(&path, e))
        };
        let unregister = match profile {
            Profile::Ut11 => exported.is_ok(),
            _ => exported.is_ok() && imported.is_ok(),
        };
        if unregister {
            db.uploaded(&pending);
        }
        let imported = imported?;
        exported?;
        Ok(imported)
    }

    /// The files 1C has written into its export subfolder, sorted by name.
    pub fn written(&self, profile: Profile) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.webdata(profile))
            .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        files.sort();
        files
    }
}

/// `УдалитьФайлы(Каталог, "*.*")`: every file and folder inside, the folder kept.
fn clear(dir: &Path) -> Result<(), OneCError> {
    for entry in std::fs::read_dir(dir).map_err(|e| unusable(dir, e))? {
        let path = entry.map_err(|e| unusable(dir, e))?.path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| unusable(&path, e))?;
    }
    Ok(())
}

fn unusable(path: &Path, error: std::io::Error) -> OneCError {
    OneCError::DirectoryUnusable {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}
