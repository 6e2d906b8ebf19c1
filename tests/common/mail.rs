//! An SMTP server on the loopback (Python's aiosmtpd, tests/smtp_server.py) that reads each
//! mail back with Python's own email parser, and a test CA with a server certificate it issued.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The login the server accepts (in starttls and tls modes).
pub const USER: &str = "alerts@dealer.test";
pub const PASSWORD: &str = "пароль-Ünïcode-1";

/// A test CA and a server certificate for 127.0.0.1 that it issued, as PEM files.
pub struct Certificates {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn certificates(dir: &Path) -> Certificates {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Dealer mail test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let files = Certificates {
        ca: dir.join("dealer-ca.pem"),
        cert: dir.join("mail-cert.pem"),
        key: dir.join("mail-key.pem"),
    };
    std::fs::write(&files.ca, ca_cert.pem()).unwrap();
    std::fs::write(&files.cert, server_cert.pem()).unwrap();
    std::fs::write(&files.key, server_key.serialize_pem()).unwrap();
    files
}

/// tests/smtp_server.py, serving until dropped.
pub struct MailServer {
    child: Child,
    pub port: u16,
    out: PathBuf,
}

impl MailServer {
    pub fn start(mode: &str, certificates: &Certificates, out: &Path) -> MailServer {
        std::fs::create_dir_all(out).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(mode)
            .arg(&certificates.cert)
            .arg(&certificates.key)
            .args([USER, PASSWORD])
            .arg(out)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("smtp_server.py gave no port: {line:?}"));
        MailServer {
            child,
            port,
            out: out.to_path_buf(),
        }
    }

    /// The mails received, as the server's email parser read them.
    pub fn mails(&self) -> Vec<serde_json::Value> {
        let mut names: Vec<String> = std::fs::read_dir(&self.out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|n| serde_json::from_slice(&std::fs::read(self.out.join(n)).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
