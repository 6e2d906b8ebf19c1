//! What 1C's «Обмен с сайтом» is answered with: its paths, its login, the ledger the leads come
//! from and the bounds of a session. `settings` builds this from the config; this module owns
//! it and its defaults.

use std::path::PathBuf;
use std::time::Duration;

use crate::auth::Credentials;
use crate::format::Layout;

/// Where 1C's «Обмен с сайтом» finds bachata1c, and where 1C looks when the address in its
/// node has no path (the Bitrix default; docs/site-exchange-protocol.md §5).
pub const DEFAULT_SITE_PATH: &str = "/1c_exchange.php";
pub const BITRIX_SITE_PATH: &str = "/bitrix/admin/1c_exchange.php";
pub const DEFAULT_FILE_LIMIT: usize = 1024 * 1024;
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// 1C's «Обмен с сайтом» as `serve` answers it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Our own path and the Bitrix default, both answered.
    pub paths: Vec<String>,
    /// 1C's login: the exchange hands out personal data, so it is never served without one.
    pub credentials: Credentials,
    pub ledger: PathBuf,
    /// The largest query answer in bytes, and what `init` tells 1C.
    pub file_limit: usize,
    /// Where the files 1C uploads are kept while they arrive (the state folder's `uploads/`).
    pub uploads: PathBuf,
    pub session_timeout: Duration,
    /// How orders are written: CommerceML with the dealer's `[mapping]` and schema version.
    pub layout: Layout,
}
