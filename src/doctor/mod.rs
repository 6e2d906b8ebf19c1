//! `doctor`: plays 1C's «Обмен с сайтом» client against an address, as 1C would from its
//! server, and says what stands in the way: the address as 1C reads it ([`address`]), the
//! connection, the certificate ([`tls`]), then 1C's own requests ([`http`]) — the connection
//! test, the login, `init` and `query` — each answer judged by the rules 1C's code applies
//! ([`rules`]). It never sends `success` and never uploads: on bachata1c its query is a
//! read-only look that marks nothing offered ([`crate::site::DOCTOR`]).

pub mod address;
pub mod http;
pub mod rules;
pub mod tls;

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::auth::Credentials;
use address::Address;

/// How long a TCP connection or a TLS handshake may take before doctor calls the server
/// unreachable: far below 1C's 180 s, which is for a whole answer.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// What `doctor` is told to look at.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address as typed into 1C's node, and as 1C reads it.
    pub typed: String,
    pub address: Address,
    pub credentials: Credentials,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Ok,
    Warning,
    Problem,
}

/// One line of doctor's report: a step and what it found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub verdict: Verdict,
    pub step: &'static str,
    pub text: String,
}

impl Finding {
    pub fn new(verdict: Verdict, step: &'static str, text: String) -> Finding {
        Finding {
            verdict,
            step,
            text,
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verdict = match self.verdict {
            Verdict::Ok => "OK",
            Verdict::Warning => "WARNING",
            Verdict::Problem => "PROBLEM",
        };
        write!(f, "{verdict:<7} {}: {}", self.step, self.text)
    }
}

/// Runs every step that can run, telling each finding as it comes; the findings in order.
pub fn examine(
    settings: &Settings,
    now: SystemTime,
    tell: &mut dyn FnMut(&Finding),
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut note = |finding: Finding| {
        tell(&finding);
        findings.push(finding);
    };
    steps(settings, now, &mut note);
    findings
}

fn steps(settings: &Settings, now: SystemTime, note: &mut dyn FnMut(Finding)) {
    let address = &settings.address;
    note(address_finding(address));
    let started = Instant::now();
    let stream = match connect(address) {
        Ok((stream, peer)) => {
            note(Finding::new(
                Verdict::Ok,
                "connect",
                format!("{peer} accepts ({} ms)", started.elapsed().as_millis()),
            ));
            stream
        }
        Err(text) => return note(Finding::new(Verdict::Problem, "connect", text)),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = tls::Roots::of_this_system();
    let verify = if address.tls {
        match tls::inspect(stream, &address.host, &roots, &provider, now) {
            Ok(inspection) => {
                inspection.findings.into_iter().for_each(&mut *note);
                inspection.trusted
            }
            Err(text) => return note(Finding::new(Verdict::Problem, "tls", text)),
        }
    } else {
        drop(stream);
        false
    };
    let mut client = http::Client::new(
        &settings.credentials,
        &roots.certificates,
        &provider,
        verify,
    );
    let mut times: Vec<(&str, Duration)> = Vec::new();
    let mut texts: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut ask = |client: &http::Client, step: &'static str, query: &str| match client
        .get(&address.url(query))
    {
        Ok(reply) => {
            times.push((step, reply.took));
            Ok(reply)
        }
        Err(text) => Err(Finding::new(Verdict::Problem, step, text)),
    };

    // 1C's connection test, then the login of the order exchange (protocol note §1.3 A, C).
    let test = "checkauth catalog";
    let reply = match ask(&client, test, "type=catalog&mode=checkauth") {
        Ok(reply) => reply,
        Err(failed) => return note(failed),
    };
    let (found, login) = rules::checkauth(test, &reply, address, true);
    found.into_iter().for_each(&mut *note);
    if login.is_none() {
        return;
    }
    texts.push((test, reply.body));
    let step = "checkauth sale";
    let reply = match ask(&client, step, "type=sale&mode=checkauth") {
        Ok(reply) => reply,
        Err(failed) => return note(failed),
    };
    let (found, login) = rules::checkauth(step, &reply, address, false);
    found.into_iter().for_each(&mut *note);
    let Some(login) = login else {
        return;
    };
    texts.push((step, reply.body));
    client.cookie = Some(login.cookie.clone());
    // УТ 11 adds `&sessid=` to every request after the login (ЗагрузитьЗаказыССайта 3895).
    let sessid = format!("&sessid={}", login.sessid);

    let mut file_limit = None;
    match ask(&client, "init", &format!("type=sale&mode=init{sessid}")) {
        Ok(reply) => {
            let (found, limit) = rules::init(&reply, address);
            found.into_iter().for_each(&mut *note);
            file_limit = limit;
            texts.push(("init", reply.body));
        }
        Err(failed) => note(failed),
    }
    let look = format!(
        "type=sale&mode=query{sessid}&{}={}",
        crate::site::DOCTOR,
        crate::site::DOCTOR_LOOK
    );
    match ask(&client, "query", &look) {
        Ok(reply) => rules::query(&reply, address, file_limit, login.bachata1c)
            .into_iter()
            .for_each(&mut *note),
        Err(failed) => note(failed),
    }
    let texts: Vec<(&str, &[u8])> = texts.iter().map(|(s, b)| (*s, b.as_slice())).collect();
    note(rules::line_endings(&texts));
    note(rules::timing(&times));
}

fn address_finding(address: &Address) -> Finding {
    let scheme = if address.tls { "HTTPS" } else { "HTTP" };
    let mut text = format!(
        "1C calls {} port {} over {scheme}, path /{}",
        address.host, address.port, address.script
    );
    if address.defaulted {
        text.push_str(
            " (no path was typed: 1C then calls Bitrix's, which bachata1c answers too; \
             РазобратьАдресСайта)",
        );
    }
    let verdict = if !address.tls && !address.is_loopback() {
        text.push_str(
            ": plain HTTP carries 1C's password and the leads readable across the network; \
             use https:// (nginx in front: deploy/nginx/bachata1c.conf)",
        );
        Verdict::Warning
    } else {
        Verdict::Ok
    };
    Finding::new(
        verdict,
        "address",
        crate::report::shown::line(&text).into_owned(),
    )
}

/// The first of the server's addresses that accepts a connection.
fn connect(address: &Address) -> Result<(TcpStream, std::net::SocketAddr), String> {
    let resolved: Vec<_> = (address.host.as_str(), address.port)
        .to_socket_addrs()
        .map_err(|err| {
            format!(
                "{} does not resolve from this machine ({err}): check the name, or this \
                 machine's DNS",
                address.host
            )
        })?
        .collect();
    let mut last = String::from("no address");
    for peer in resolved {
        match TcpStream::connect_timeout(&peer, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok((stream, peer)),
            Err(err) => last = format!("{peer}: {err}"),
        }
    }
    Err(format!(
        "no connection to {}:{} ({last}): is the server up, the port right, and a firewall \
         letting 1C's server through?",
        address.host, address.port
    ))
}
