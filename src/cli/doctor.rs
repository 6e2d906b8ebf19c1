//! `doctor`'s command line: the address typed into 1C's node and the node's login.

use std::path::PathBuf;

use clap::Args;

pub const LONG_ABOUT: &str = "\
Play 1C's «Обмен с сайтом» client against an address, as 1C would from its server, and say what
stands in the way of its exchange: the address as 1C reads it, the connection, the certificate
(authority, name, days left), 1C's connection test and login (a wrong password, a proxy that
drops the Authorization header, a redirect 1C does not follow), `init` (its lines, file_limit),
and `query` (an answer that does not begin with `<?xml`, not well-formed, its orders counted),
the line endings of the text answers and the time of each request.

One line per step, OK, WARNING or PROBLEM, with what to do. It never confirms and never uploads:
on bachata1c its query is a read-only look that marks nothing offered, and it shows counts and
sizes of the orders, never a client's name or phone. After a certificate problem the other
steps still run, without checking the certificate. Run it where 1C runs (its server), with the
user and password typed into 1C's node.";

pub const AFTER_HELP: &str = "\
Examples:
  On 1C's server, the node's password from a variable:
    BACHATA1C_PASSWORD='…' bachata1c doctor \\
      https://leads.example-dealer.ru/1c_exchange.php \\
      --user 1c --password-env BACHATA1C_PASSWORD
  The password from the file serve reads it from, on serve's machine:
    bachata1c doctor http://127.0.0.1:8080/1c_exchange.php --user 1c \\
      --password-file /srv/bachata/1c-password.txt

Exit status: 0 nothing stands in the way (warnings only), 1 a problem was found,
2 usage error (a bad option, an address 1C cannot read, the password not
readable).";

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// The site address as typed into 1C's exchange node («Адрес сайта»), e.g.
    /// https://leads.example-dealer.ru/1c_exchange.php.
    #[arg(value_name = "URL")]
    pub url: String,

    /// The user typed into 1C's node («Имя пользователя»).
    #[arg(long, value_name = "NAME")]
    pub user: String,

    /// Name of the environment variable that holds the node's password.
    #[arg(
        long,
        value_name = "VAR",
        required_unless_present = "password_file",
        conflicts_with = "password_file"
    )]
    pub password_env: Option<String>,

    /// File whose first line is the node's password.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}
