//! The header row of the template a dealer's 1C saves («Шаблон для заполнения», as CSV or as
//! an Excel workbook), for `csv-template`. The file may be anything anyone made, so only its
//! header is read, and at most [`MAX_HEADER_BYTES`] of it: a 1 GiB CSV or a workbook whose
//! sheet claims a million rows costs what its first row costs.

mod xlsx;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The most read of a template to find its titles: of a CSV, the bytes up to the end of its
/// first row; of a workbook, each of the parts its first row needs (the first sheet's XML up
/// to the end of that row, the shared strings up to the last one it uses). A template's
/// header is a few hundred bytes; a file whose header is longer is refused, not read on.
pub const MAX_HEADER_BYTES: u64 = 1 << 20;

/// Why a template's titles cannot be read; the caller names the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read it: {0}")]
    Io(#[from] io::Error),
    #[error(
        "its header row is longer than {} (a template's is a few hundred bytes); save 1C's template on its own and try again",
        crate::limits::human_size(MAX_HEADER_BYTES)
    )]
    HeaderTooLong,
    #[error(
        "an Excel 97–2003 workbook (.xls), which is not read: save the template as .xlsx or .csv"
    )]
    OldExcel,
    #[error(
        "not a workbook Excel or 1C could open ({0}); save the template again as .xlsx or .csv"
    )]
    Workbook(String),
}

/// The titles of a template's header row, in its order, each trimmed: a CSV (`;`, quoted as
/// 1C's `ЭкранироватьЗначениеCSV` quotes, UTF-8 or windows-1251) or an Excel workbook (.xlsx;
/// its first sheet's first row that holds a value).
pub fn titles(path: &Path) -> Result<Vec<String>, Error> {
    // A named pipe would wait for a writer forever and a device never ends: only a file.
    if !std::fs::metadata(path)?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a folder, named pipe or device)",
        )
        .into());
    }
    let mut file = File::open(path)?;
    let mut magic = [0u8; 4];
    let start = read_up_to(&mut file, &mut magic)?;
    let is_xlsx_name = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xlsx"));
    let titles = match &magic[..start] {
        b"PK\x03\x04" => xlsx::first_row(file)?,
        _ if is_xlsx_name => {
            return Err(Error::Workbook("it is not a ZIP archive".to_string()));
        }
        [0xD0, 0xCF, 0x11, 0xE0] => return Err(Error::OldExcel),
        head => {
            let head = head.to_vec();
            csv_header(io::Cursor::new(head).chain(file))?
        }
    };
    Ok(titles
        .into_iter()
        .map(|title| title.trim().to_string())
        .collect())
}

/// Fills `buf` as far as the file goes.
fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The first record of a CSV, read from at most [`MAX_HEADER_BYTES`]: a title may hold a line
/// break (Alt+Enter in Excel), quoted, so the record ends where the csv crate says it does.
fn csv_header(reader: impl Read) -> Result<Vec<String>, Error> {
    let mut head = Vec::new();
    reader.take(MAX_HEADER_BYTES + 1).read_to_end(&mut head)?;
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut record = csv::ByteRecord::new();
    let found = reader.read_byte_record(&mut record).map_err(|err| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("its header row cannot be read: {err}"),
        )
    })?;
    // A record that reaches the end of what was read may go on past it.
    if head.len() as u64 > MAX_HEADER_BYTES && reader.position().byte() >= text.len() as u64 {
        return Err(Error::HeaderTooLong);
    }
    if !found {
        return Ok(Vec::new());
    }
    // 1C saves UTF-8 (with a byte-order mark) or, in old releases, windows-1251.
    let utf8 = record
        .iter()
        .all(|field| std::str::from_utf8(field).is_ok());
    Ok(record
        .iter()
        .map(|field| match utf8 {
            true => String::from_utf8_lossy(field).into_owned(),
            false => encoding_rs::WINDOWS_1251.decode(field).0.into_owned(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(bytes: &[u8]) -> Result<Vec<String>, Error> {
        csv_header(bytes)
    }

    #[test]
    fn a_csv_header_is_its_first_record_quoted_line_breaks_and_all() {
        assert_eq!(
            header("\u{FEFF}ФИО;\"Телефон\n(мобильный)\";Почта\r\nИванов;1;2\r\n".as_bytes())
                .unwrap(),
            ["ФИО", "Телефон\n(мобильный)", "Почта"]
        );
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode("Наименование;Телефон\r\n");
        assert_eq!(header(&cp1251).unwrap(), ["Наименование", "Телефон"]);
        assert!(header(b"").unwrap().is_empty());
    }

    #[test]
    fn a_header_longer_than_the_bound_is_refused_and_one_within_it_read() {
        let long = vec![b'x'; MAX_HEADER_BYTES as usize + 10];
        assert!(matches!(header(&long), Err(Error::HeaderTooLong)));
        let mut rows = b"A;B\r\n".to_vec();
        rows.extend(std::iter::repeat_n(b'x', MAX_HEADER_BYTES as usize * 2));
        assert_eq!(header(&rows).unwrap(), ["A", "B"]);
    }
}
