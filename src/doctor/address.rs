//! The site address as 1C reads it from its exchange node: the same steps as УТ 11's
//! `ОбменССайтом.РазобратьАдресСайта` (evlahov-igor/UT11 @ 302d05cb4370, line 7135; SmB
//! `AnalyzeSiteAddress` 7501 and УНФ 1.6 8216 are the same code), so that doctor calls the
//! server, port and path 1C would, not what a browser would make of the text.

/// Where 1C goes when the address has no path (`РазобратьАдресСайта`: `АдресСкрипта = ""` →
/// the Bitrix default; protocol note §5).
pub const BITRIX_SCRIPT: &str = "bitrix/admin/1c_exchange.php";

/// What 1C makes of the address typed into its node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `ЗащищенноеСоединение`: the address began with `https://`.
    pub tls: bool,
    /// `Сервер`: a name or an IPv4 address.
    pub host: String,
    /// `Порт`: the one typed, else 443 or 80.
    pub port: u16,
    /// `АдресСкрипта`: the path without its leading `/`, the Bitrix default when none was typed.
    pub script: String,
    /// Whether `script` is the Bitrix default because the address had no path.
    pub defaulted: bool,
}

/// Why 1C cannot use an address at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("the address is empty")]
    Empty,
    #[error(
        "1C cannot read the port {0:?} of this address («Не удалось получить номер порта»): give it as digits, e.g. https://leads.example.ru:8443/1c_exchange.php"
    )]
    Port(String),
}

impl Address {
    /// `РазобратьАдресСайта`: spaces dropped and `\` made `/`; `http://` or `https://` (in any
    /// case) stripped, anything else taken as plain HTTP; the server up to the first `/`, the
    /// port after its first `:`.
    pub fn parse(typed: &str) -> Result<Address, Error> {
        let text: String = typed
            .trim()
            .replace('\\', "/")
            .chars()
            .filter(|&c| c != ' ')
            .collect();
        if text.is_empty() {
            return Err(Error::Empty);
        }
        let lower = text.to_lowercase();
        let (tls, rest) = if lower.starts_with("http://") {
            (false, &text[7..])
        } else if lower.starts_with("https://") {
            (true, &text[8..])
        } else {
            (false, text.as_str())
        };
        let (server, script) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match server.split_once(':') {
            // `Число(ПортСтрока)`: digits only here (1C's Число also takes a sign or a fraction,
            // which no port has).
            Some((host, port)) => match port.parse::<u16>() {
                Ok(port) => (host, port),
                Err(_) => return Err(Error::Port(port.to_string())),
            },
            None => (server, 0),
        };
        let port = match (port, tls) {
            (0, true) => 443,
            (0, false) => 80,
            (port, _) => port,
        };
        let defaulted = script.is_empty();
        Ok(Address {
            tls,
            host: host.to_string(),
            port,
            script: if defaulted {
                BITRIX_SCRIPT.to_string()
            } else {
                script.to_string()
            },
            defaulted,
        })
    }

    /// The URL of one request: `АдресСкрипта + "?type=" + … + "&mode=" + …` (protocol note
    /// §1.1), with the leading `/` a request line needs.
    pub fn url(&self, query: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!(
            "{scheme}://{}:{}/{}?{query}",
            self.host, self.port, self.script
        )
    }

    /// Whether the server is this machine: plain HTTP is then no risk to the password.
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_as_1c_reads_them() {
        let a = Address::parse(" HTTPS://Leads.example.ru:8443/1c_exchange.php ").unwrap();
        assert_eq!(
            (
                a.tls,
                a.host.as_str(),
                a.port,
                a.script.as_str(),
                a.defaulted
            ),
            (true, "Leads.example.ru", 8443, "1c_exchange.php", false)
        );
        // No scheme: plain HTTP on 80; no path: the Bitrix script.
        let a = Address::parse("leads.example.ru").unwrap();
        assert_eq!(
            (a.tls, a.port, a.script.as_str()),
            (false, 80, BITRIX_SCRIPT)
        );
        assert!(a.defaulted);
        // A trailing slash is no path either; backslashes and spaces as 1C treats them.
        let a = Address::parse("https://leads.example.ru/").unwrap();
        assert_eq!((a.port, a.script.as_str()), (443, BITRIX_SCRIPT));
        let a = Address::parse("http://127.0.0.1:8080\\exchange\\1c .php").unwrap();
        assert_eq!((a.port, a.script.as_str()), (8080, "exchange/1c.php"));
        assert!(a.is_loopback());
        assert_eq!(
            a.url("type=sale&mode=checkauth"),
            "http://127.0.0.1:8080/exchange/1c.php?type=sale&mode=checkauth"
        );
        assert_eq!(
            Address::parse("https://host:84x3/a"),
            Err(Error::Port("84x3".into()))
        );
        assert_eq!(Address::parse("  "), Err(Error::Empty));
    }
}
