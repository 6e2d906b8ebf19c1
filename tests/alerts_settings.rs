//! `[alerts]` and `[alerts.email]` as settings: defaults, paths from the config's folder, the
//! password from a file or a variable (never shown), and each mistake named by its key.

use std::path::Path;
use std::time::Duration;

use bachata1c::alerts::{DEFAULT_COMMAND_TIMEOUT, DEFAULT_REPEAT, Security};
use bachata1c::cli::FolderArgs;
use bachata1c::settings;

/// The alert settings of an exchange folder whose config is `config`.
fn alerts(dir: &Path, config: &str) -> Result<bachata1c::alerts::Settings, String> {
    std::fs::write(dir.join("bachata1c.toml"), config).unwrap();
    settings::alerts(&FolderArgs {
        dir: Some(dir.to_path_buf()),
        ..Default::default()
    })
    .map_err(|err| err.to_string())
}

const CA: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBdTCCARugAwIBAgIUZ8H1\n-----END CERTIFICATE-----\n";

#[test]
fn no_section_means_no_channel_and_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let settings = alerts(dir.path(), "").unwrap();
    assert_eq!(settings.command, None);
    assert_eq!(settings.email, None);
    assert_eq!(settings.repeat, DEFAULT_REPEAT);
    let settings = alerts(dir.path(), "[alerts.email]\nsecurity = \"tls\"\n").unwrap();
    assert_eq!(settings.email, None, "mail is sent only when host is set");
}

#[test]
fn a_full_section_resolves_with_paths_from_the_config_folder_and_hides_the_password() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("smtp-password.txt"), "s3cret-пароль\r\n").unwrap();
    std::fs::write(dir.path().join("mail-ca.pem"), CA).unwrap();
    let settings = alerts(
        dir.path(),
        "[alerts]\ncommand = 'C:\\Program Files\\bachata1c\\telegram-alert.cmd'\n\
         command_timeout_seconds = 12\nrepeat_hours = 2\n\
         [alerts.email]\nhost = \"smtp.yandex.ru\"\nuser = \"alerts@dealer.ru\"\n\
         password_file = \"smtp-password.txt\"\nfrom = \"bachata1c <alerts@dealer.ru>\"\n\
         to = [\"it@dealer.ru\", \"Отдел продаж <sales@dealer.ru>\"]\nca_file = \"mail-ca.pem\"\n",
    )
    .unwrap();
    let command = settings.command.as_ref().unwrap();
    assert_eq!(
        command.command,
        "C:\\Program Files\\bachata1c\\telegram-alert.cmd"
    );
    assert_eq!(command.timeout, Duration::from_secs(12));
    assert_eq!(settings.repeat, Duration::from_secs(2 * 3600));
    let email = settings.email.as_ref().unwrap();
    assert_eq!(
        (email.host.as_str(), email.port, email.security),
        ("smtp.yandex.ru", 587, Security::Starttls)
    );
    let login = email.login.as_ref().unwrap();
    assert_eq!(login.password, "s3cret-пароль");
    assert!(login.password_from.contains("smtp-password.txt"));
    assert_eq!(email.to.len(), 2);
    assert_eq!(email.to[1].email.to_string(), "sales@dealer.ru");
    assert_eq!(email.ca.as_deref(), Some(CA.as_bytes()));
    let shown = format!("{settings:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    // Implicit TLS takes its own port.
    let settings = alerts(
        dir.path(),
        "[alerts.email]\nhost = \"smtp.mail.ru\"\nsecurity = \"tls\"\nfrom = \"a@b.ru\"\nto = \"c@d.ru\"\n",
    )
    .unwrap();
    assert_eq!(settings.email.unwrap().port, 465);
}

#[test]
fn each_mistake_is_named_by_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let mail = "[alerts.email]\nhost = \"smtp.yandex.ru\"\nfrom = \"a@b.ru\"\nto = \"c@d.ru\"\n";
    let cases: [(String, &[&str]); 10] = [
        (
            "[alerts]\ncommand_timeout_seconds = 0\ncommand = 'x'\n".into(),
            &["[alerts] command_timeout_seconds = 0"],
        ),
        (
            "[alerts]\nrepeat_hours = 0\n".into(),
            &["[alerts] repeat_hours"],
        ),
        ("[alerts]\ncommand = '  '\n".into(), &["[alerts] command"]),
        (
            "[alerts.email]\nto = \"it@dealer.ru\"\n".into(),
            &["[alerts.email] sets to but no host"],
        ),
        (
            "[alerts.email]\nhost = \"smtp.yandex.ru\"\nto = \"c@d.ru\"\n".into(),
            &["needs from"],
        ),
        (
            "[alerts.email]\nhost = \"smtp.yandex.ru\"\nfrom = \"a@b.ru\"\n".into(),
            &["needs to"],
        ),
        (
            format!("{mail}security = \"none\"\n"),
            &["security = \"none\"", "smtp.yandex.ru", "starttls"],
        ),
        (
            mail.replace("c@d.ru", "not an address"),
            &["[alerts.email] to \"not an address\" is not an e-mail address"],
        ),
        (
            format!("{mail}user = \"u\"\npassword_env = \"BACHATA1C_TEST_UNSET_SMTP\"\n"),
            &[
                "BACHATA1C_TEST_UNSET_SMTP ([alerts.email] password_env) is not set",
                "[alerts.email] password_file",
            ],
        ),
        (
            format!("{mail}ca_file = \"missing-ca.pem\"\n"),
            &["[alerts.email] ca_file", "missing-ca.pem"],
        ),
    ];
    for (config, expected) in cases {
        let err = alerts(dir.path(), &config).expect_err(&config);
        for part in expected {
            assert!(err.contains(part), "{config}: {err}");
        }
    }
    std::fs::write(dir.path().join("not-pem.pem"), "hello").unwrap();
    let err = alerts(dir.path(), &format!("{mail}ca_file = \"not-pem.pem\"\n")).unwrap_err();
    assert!(err.contains("no PEM certificate"), "{err}");
    // A relay on this machine may be spoken to in clear.
    let local = mail.replace("smtp.yandex.ru", "localhost") + "security = \"none\"\n";
    assert_eq!(alerts(dir.path(), &local).unwrap().email.unwrap().port, 25);
    assert_eq!(DEFAULT_COMMAND_TIMEOUT, Duration::from_secs(30));
}
