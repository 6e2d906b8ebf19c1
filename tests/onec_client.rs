//! The 1C client emulator (tests/common/onec) tested against canned answers: a tiny HTTP server
//! on loopback answers as scripted and records every request, so each test can check that the
//! emulator sends what 1C sends and refuses what 1C's code refuses. Each test names the 1C
//! procedure it follows (sources in docs/site-exchange-protocol.md §0).
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine;
use common::onec::client::parse_init;
use common::onec::database::{ImportOutcome, unf_number};
use common::onec::orders::{document_gate, read_orders};
use common::onec::statuses::{self, requisites};
use common::onec::{
    Client, Credentials, DirectoryNode, GateFailure, OneCDatabase, OneCError, Order, OrderStatus,
    Profile, ReplaceCase, Step, UploadStyle, read_orders_file,
};

const USER: &str = "bachata";
const PASSWORD: &str = "s3cret-пароль";

// ---------------------------------------------------------------------------------------------
// The canned shop.
// ---------------------------------------------------------------------------------------------

/// A request as the canned shop received it.
#[derive(Clone, Debug)]
struct Recorded {
    method: String,
    /// The request target: path and query string, as sent.
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    /// Every value of a header, by case-insensitive name.
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of a query parameter, wherever it is in the query string.
    fn parameter(&self, key: &str) -> Option<&str> {
        let query = self.target.split_once('?')?.1;
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
    }

    fn mode(&self) -> &str {
        self.parameter("mode").unwrap_or("")
    }

    /// `catalog:checkauth`, `sale:query`…
    fn step(&self) -> String {
        format!("{}:{}", self.parameter("type").unwrap_or(""), self.mode())
    }
}

/// A scripted answer.
#[derive(Clone, Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn text(body: &str) -> Reply {
        Reply::bytes(body.as_bytes())
    }

    fn bytes(body: &[u8]) -> Reply {
        Reply {
            status: 200,
            headers: vec![(
                "Content-Type".to_string(),
                "text/plain; charset=utf-8".to_string(),
            )],
            body: body.to_vec(),
        }
    }

    /// The same body with the Content-Type replaced (or removed, for `None`).
    fn content_type(mut self, value: Option<&str>) -> Reply {
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        if let Some(value) = value {
            self.headers
                .push(("Content-Type".to_string(), value.to_string()));
        }
        self
    }

    fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn status(mut self, status: u16) -> Reply {
        self.status = status;
        self
    }
}

type Handler = Box<dyn Fn(&Recorded) -> Reply + Send + Sync>;

/// A loopback HTTP/1.1 server that answers every request with `handler` and records it; one
/// connection at a time, each closed after its answer.
struct CannedShop {
    address: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CannedShop {
    fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> CannedShop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let address = listener.local_addr().expect("the bound address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Handler = Box::new(handler);
        let thread = {
            let requests = requests.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        serve_one(stream, &handler, &requests);
                    }
                }
            })
        };
        CannedShop {
            address,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// The node address a 1C user would type: `http://127.0.0.1:<port>/exchange`.
    fn url(&self) -> String {
        format!("http://{}/exchange", self.address)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("request log").clone()
    }

    /// `type:mode` of every request so far.
    fn steps(&self) -> Vec<String> {
        self.requests().iter().map(Recorded::step).collect()
    }
}

impl Drop for CannedShop {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve_one(stream: TcpStream, handler: &Handler, requests: &Mutex<Vec<Recorded>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let reply = handler(&request);
    requests.lock().expect("request log").push(request);
    let mut head = format!("HTTP/1.1 {} Canned\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    let mut stream = reader.into_inner();
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&reply.body);
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    let mut parts = first.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().expect("a numeric Content-Length"));
    assert!(
        !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding")),
        "the canned shop reads only Content-Length bodies: {headers:?}"
    );
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

/// A shop that answers every step as the protocol note says bachata1c should, except the
/// steps named in `overrides` (`"sale:init"`, `"catalog:checkauth"`…).
fn shop(overrides: Vec<(&'static str, Reply)>) -> CannedShop {
    CannedShop::start(move |request| {
        let step = request.step();
        if let Some((_, reply)) = overrides.iter().find(|(s, _)| *s == step) {
            return reply.clone();
        }
        match request.mode() {
            "checkauth" => Reply::text("success\nbx_session\nabc123\nsessid=tok"),
            "init" => Reply::text("zip=no\nfile_limit=0"),
            "query" => {
                Reply::text(&batch(&[], false)).content_type(Some("application/xml; charset=utf-8"))
            }
            _ => Reply::text("success\n"),
        }
    })
}

/// A client of `profile` for `shop`, polling `import` without 1C's pause.
fn client(shop: &CannedShop, profile: Profile) -> Client {
    Client::new(&shop.url(), USER, PASSWORD, profile).with_poll_pause(Duration::ZERO)
}

// ---------------------------------------------------------------------------------------------
// Order documents, as a shop serves them.
// ---------------------------------------------------------------------------------------------

/// One lead's order, to render with [`batch`].
#[derive(Clone)]
struct Lead {
    number: &'static str,
    name: &'static str,
    phone_kind: &'static str,
    phone: &'static str,
    email_kind: &'static str,
    email: &'static str,
}

fn lead(number: &'static str, name: &'static str, phone: &'static str) -> Lead {
    Lead {
        number,
        name,
        phone_kind: "Телефон рабочий",
        phone,
        email_kind: "Почта",
        email: "ivan@example.com",
    }
}

/// A `mode=query` document with one `Документ` per lead, in the CML208 element order; with
/// `xmlns="urn:1C.ru:commerceml_2"` when `namespaced`.
fn batch(leads: &[Lead], namespaced: bool) -> String {
    let xmlns = if namespaced {
        r#" xmlns="urn:1C.ru:commerceml_2""#
    } else {
        ""
    };
    let documents: String = leads.iter().map(document).collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<КоммерческаяИнформация{xmlns} ВерсияСхемы=\"2.08\" ДатаФормирования=\"2024-05-01T12:00:00\">{documents}</КоммерческаяИнформация>"
    )
}

fn document(lead: &Lead) -> String {
    format!(
        "<Документ><Ид>5f0c3c52-0000-4000-8000-{number:0>12}</Ид><Номер>{number}</Номер><Дата>2024-05-01</Дата>\
         <ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль><Валюта>RUB</Валюта><Курс>1</Курс><Сумма>0</Сумма>\
         <Контрагенты><Контрагент><Ид>9a1f0000-0000-4000-8000-{number:0>12}</Ид><Наименование>{name}</Наименование>\
         <ПолноеНаименование>{name}</ПолноеНаименование><Фамилия>Петров</Фамилия><Имя>{name}</Имя><Отчество>Сергеевич</Отчество>\
         <Контакты><Контакт><Тип>{phone_kind}</Тип><Значение>{phone}</Значение></Контакт>\
         <Контакт><Тип>{email_kind}</Тип><Значение>{email}</Значение></Контакт></Контакты>\
         <Роль>Покупатель</Роль></Контрагент></Контрагенты>\
         <Время>12:30:00</Время><Комментарий>Чат с сайта</Комментарий>\
         <ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Источник</Наименование><Значение>Bachata</Значение></ЗначениеРеквизита>\
         <ЗначениеРеквизита><Наименование>ИдДиалога</Наименование><Значение>d-{number}</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Документ>",
        number = lead.number,
        name = lead.name,
        phone_kind = lead.phone_kind,
        phone = lead.phone,
        email_kind = lead.email_kind,
        email = lead.email,
    )
}

/// The orders of `xml` as `profile` reads them, the gate applied.
fn read(xml: &str, profile: Profile) -> Result<Vec<Order>, OneCError> {
    let orders = read_orders(xml, profile)?;
    document_gate(&orders)?;
    Ok(orders)
}

/// The query answer `reply` taken through a whole HTTP round trip by `profile`.
fn query_with(profile: Profile, reply: Reply) -> Result<Vec<Order>, OneCError> {
    let shop = shop(vec![("sale:query", reply)]);
    let mut client = client(&shop, profile);
    client.checkauth().expect("checkauth");
    client.query()
}

// ---------------------------------------------------------------------------------------------
// checkauth, cookie, sessid (rules 1-4).
// ---------------------------------------------------------------------------------------------

/// Rule 2: `СокрЛП(НРег(СтрПолучитьСтроку(ОтветСервера, 1))) <> "success"` fails (УНФ3
/// ВыполнитьАвторизациюДляСоединения 11516, УТ11 5981, SmB 5859); lines split on LF only.
#[test]
fn checkauth_line_one_is_trimmed_lowercased_and_split_on_lf_only() {
    for profile in Profile::ALL {
        let accepted = shop(vec![(
            "sale:checkauth",
            Reply::text("  Success \nname\nvalue"),
        )]);
        let session = client(&accepted, profile)
            .checkauth()
            .unwrap_or_else(|e| panic!("{profile}: «Success » must pass: {e}"));
        assert_eq!(session.cookie(), "name=value", "{profile}");

        for refused in ["failure\nWrong password", "\nsuccess", "successful\nx\ny"] {
            let shop = shop(vec![("sale:checkauth", Reply::text(refused))]);
            let result = client(&shop, profile).checkauth();
            assert!(
                matches!(result, Err(OneCError::AuthRefused { .. })),
                "{profile}: {refused:?} gave {result:?}"
            );
        }

        // An empty body: no answer for УТ11 and SmB, a line 1 that is not success for УНФ3.
        let empty = shop(vec![("sale:checkauth", Reply::text(""))]);
        let result = client(&empty, profile).checkauth();
        assert!(
            matches!(
                result,
                Err(OneCError::NoAnswer { .. } | OneCError::AuthRefused { .. })
            ),
            "{profile}: {result:?}"
        );
    }
    // A CRLF answer: line 1 «success\r» passes СокрЛП, but the CR stays in the cookie name,
    // which cannot go into a header (rule 3; protocol note §1.2).
    let crlf = shop(vec![(
        "sale:checkauth",
        Reply::text("success\r\nname\r\nvalue\r\n"),
    )]);
    let result = client(&crlf, Profile::Ut11).checkauth();
    assert!(
        matches!(result, Err(OneCError::CookieUnusable { .. })),
        "{result:?}"
    );
}

/// Rule 3: after checkauth every request carries exactly `Cookie: <line 2>=<line 3>`, built
/// by 1C itself (УНФ3 ЗагрузитьЗаказыССайта 3202‑3204, УТ11 3886‑3889); `Set-Cookie` is never
/// honoured; checkauth itself goes without a cookie, with Basic credentials.
#[test]
fn cookie_header_is_built_from_checkauth_lines_and_set_cookie_is_ignored() {
    let shop = shop(vec![(
        "sale:checkauth",
        Reply::text("success\nbx_session\nabc123\nsessid=tok")
            .header("Set-Cookie", "PHPSESSID=from-set-cookie; Path=/"),
    )]);
    let mut client = client(&shop, Profile::Ut11);
    client.checkauth().expect("checkauth");
    client.init().expect("init");
    client.query().expect("query");
    let requests = shop.requests();
    assert_eq!(
        requests.iter().map(Recorded::step).collect::<Vec<_>>(),
        ["sale:checkauth", "sale:init", "sale:query"]
    );
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    );
    assert!(requests[0].header("cookie").is_empty(), "{:?}", requests[0]);
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            [basic.as_str()],
            "{request:?}"
        );
    }
    for request in &requests[1..] {
        assert_eq!(
            request.header("cookie"),
            ["bx_session=abc123"],
            "{request:?}"
        );
    }
}

/// `Credentials::OnChallenge`: a platform that sends Basic only after a 401 (protocol note §1.1,
/// not verifiable from the BSL) still logs in against a shop that challenges.
#[test]
fn credentials_can_wait_for_the_basic_challenge() {
    let shop = CannedShop::start(|request| {
        if request.header("authorization").is_empty() {
            Reply::text("")
                .status(401)
                .header("WWW-Authenticate", "Basic realm=\"1c\"")
        } else {
            Reply::text("success\nc\nv")
        }
    });
    let mut client = client(&shop, Profile::Smb16).with_credentials(Credentials::OnChallenge);
    client.checkauth().expect("checkauth after the challenge");
    let requests = shop.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].header("authorization").is_empty());
    assert_eq!(requests[1].header("authorization").len(), 1);
}

/// Rule 4: УТ11 appends `&sessid=` + line 4 without «sessid=» after the mode, empty when there
/// is no line 4 (ВыполнитьАвторизациюДляСоединения 5991, ЗагрузитьЗаказыССайта 3894,
/// ВыгрузитьНаСайт 6036); УНФ3 «Битрикс» appends `"&" + line4` verbatim (ДобавитьТокенБитрикс
/// 15457) after the mode on the order import (3232) but before it on uploads, with the version
/// parameters of «ПодчиненныеДокументы» (11069‑11076); the others send none.
#[test]
fn sessid_is_sent_as_each_profile_sends_it() {
    let expected: [(Profile, &str, [&str; 4]); 6] = [
        (
            Profile::Smb16,
            "success\nc\nv\nsessid=tok",
            [
                "/exchange?type=sale&mode=query",
                "/exchange?type=sale&mode=success",
                "/exchange?type=sale&mode=init",
                "",
            ],
        ),
        (
            Profile::Unf3Other,
            "success\nc\nv\nsessid=tok",
            [
                "/exchange?type=sale&mode=query",
                "/exchange?type=sale&mode=success",
                "/exchange?type=sale&mode=init",
                "",
            ],
        ),
        (
            Profile::Unf3Bitrix,
            "success\nc\nv\nsessid=tok",
            [
                "/exchange?type=sale&mode=query&sessid=tok",
                "/exchange?type=sale&mode=success&sessid=tok",
                "/exchange?type=sale&sessid=tok&version=2.09&cmlVersion=2.10&mode=init",
                "/exchange?type=sale&mode=init&sessid=tok&cmlVersion=2.10",
            ],
        ),
        (
            Profile::Unf3Bitrix,
            "success\nc\nv",
            [
                "/exchange?type=sale&mode=query",
                "/exchange?type=sale&mode=success",
                "/exchange?type=sale&version=2.09&cmlVersion=2.10&mode=init",
                "/exchange?type=sale&mode=init&cmlVersion=2.10",
            ],
        ),
        (
            Profile::Ut11,
            "success\nc\nv\nsessid=tok",
            [
                "/exchange?type=sale&mode=query&sessid=tok",
                "/exchange?type=sale&mode=success&sessid=tok",
                "/exchange?type=sale&mode=init&sessid=tok",
                "",
            ],
        ),
        (
            Profile::Ut11,
            "success\nc\nv",
            [
                "/exchange?type=sale&mode=query&sessid=",
                "/exchange?type=sale&mode=success&sessid=",
                "/exchange?type=sale&mode=init&sessid=",
                "",
            ],
        ),
    ];
    for (profile, checkauth, [query, success, init, init_before_query]) in expected {
        let shop = shop(vec![("sale:checkauth", Reply::text(checkauth))]);
        let mut client = client(&shop, profile);
        client.checkauth().expect("checkauth");
        client.query().expect("query");
        client.success().expect("success");
        client.init().expect("init");
        let targets: Vec<String> = shop.requests().into_iter().map(|r| r.target).collect();
        let mut wanted = vec!["/exchange?type=sale&mode=checkauth"];
        if !init_before_query.is_empty() {
            wanted.push(init_before_query);
        }
        wanted.extend([query, success, init]);
        assert_eq!(targets, wanted, "{profile} with checkauth {checkauth:?}");
    }
}

/// Rule 1: the connection test `type=catalog&mode=checkauth` comes first, and its failure
/// cancels the exchange before any order request (SmB TaskExecuteExchange 425, УНФ3
/// ЗаданиеВыполнитьОбмен 138, УТ11‑С ВыполнитьОбмен 121).
#[test]
fn a_failed_connection_test_cancels_the_exchange() {
    for profile in Profile::ALL {
        let shop = shop(vec![(
            "catalog:checkauth",
            Reply::text("failure\nCatalog is not supported"),
        )]);
        let mut db = OneCDatabase::new(profile);
        let result = client(&shop, profile).exchange(&mut db);
        assert!(
            matches!(result, Err(OneCError::ConnectionTest { .. })),
            "{profile}: {result:?}"
        );
        assert_eq!(shop.steps(), ["catalog:checkauth"], "{profile}");
    }
}

// ---------------------------------------------------------------------------------------------
// init (rules 6, 16).
// ---------------------------------------------------------------------------------------------

/// Rule 16: `СтрЧислоСтрок(ОтветСервера) <> 2` fails УТ11 (ВыгрузитьНаСайт 6056), УНФ1.6 (6557)
/// and SmB (5927); УНФ3 «Битрикс» needs at least two (11105), other protocols take one line as
/// `file_limit` 0 (11112). A trailing LF makes a third line (the strict reading, §2).
#[test]
fn init_line_count_follows_the_profile() {
    let three_lines = shop(vec![("sale:init", Reply::text("zip=no\nfile_limit=0\n"))]);
    let mut ut11 = client(&three_lines, Profile::Ut11);
    ut11.checkauth().expect("checkauth");
    assert!(
        matches!(ut11.init(), Err(OneCError::InitLineCount(3))),
        "УТ11 must refuse a trailing LF"
    );
    let mut bitrix = client(&three_lines, Profile::Unf3Bitrix);
    bitrix.checkauth().expect("checkauth");
    let params = bitrix.init().expect("УНФ3 «Битрикс» takes three lines");
    assert_eq!((params.lines, params.file_limit), (3, 0));

    let bx_version_answer = "zip=no\nfile_limit=0\nsessid=x\nversion=2.09";
    let one_line = "zip=no";
    let table = [
        (Profile::Smb16, one_line, Err(1)),
        (Profile::Smb16, bx_version_answer, Err(4)),
        (Profile::Ut11, one_line, Err(1)),
        (Profile::Ut11, bx_version_answer, Err(4)),
        (Profile::Unf3Bitrix, one_line, Err(1)),
        (Profile::Unf3Bitrix, bx_version_answer, Ok(0)),
        (Profile::Unf3Other, one_line, Ok(0)),
        (Profile::Unf3Other, bx_version_answer, Ok(0)),
    ];
    for (profile, answer, expected) in table {
        let got = match parse_init(profile, answer) {
            Ok(params) => Ok(params.file_limit),
            Err(OneCError::InitLineCount(lines)) => Err(lines),
            Err(other) => panic!("{profile}: {answer:?}: {other}"),
        };
        assert_eq!(got, expected, "{profile}: {answer:?}");
    }
}

/// Rule 16's parse, `Число(СтрЗаменить(СокрЛП(НРег(line2)), "file_limit=", ""))`, -1 where
/// `Число` throws (УТ11 ВыгрузитьНаСайт 6065‑6080, УНФ3 11115‑11128); rule 6: `zip=yes` refused.
#[test]
fn init_parses_file_limit_as_1c_does() {
    for profile in Profile::ALL {
        let limit = |answer: &str| parse_init(profile, answer).map(|p| p.file_limit);
        assert_eq!(
            limit(" ZIP=NO \n File_Limit=1000 ").ok(),
            Some(1000),
            "{profile}"
        );
        assert_eq!(limit("zip=no\nfile_limit=abc").ok(), Some(-1), "{profile}");
        assert_eq!(limit("zip=no\nfile_limit=").ok(), Some(-1), "{profile}");
        assert_eq!(limit("zip=no\n1024").ok(), Some(1024), "{profile}");
        assert!(
            matches!(limit("zip=yes\nfile_limit=0"), Err(OneCError::ZipOffered)),
            "{profile}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// query (rules 5, 6, 8, 15).
// ---------------------------------------------------------------------------------------------

/// Rule 5: the decoded body must start with the five characters `<?xml` (УНФ3
/// ЗагрузитьЗаказыССайта 3244‑3256, УТ11 3913‑3930, SmB 2622‑2637): a BOM (not stripped, the
/// strict reading of §3.1) or leading whitespace is refused in every profile; a `PK` start is
/// the zip path (rule 6); УНФ3 also takes a bare `<КоммерческаяИнформация` and reports
/// `failure`.
#[test]
fn query_body_must_start_with_the_xml_declaration() {
    let xml = batch(&[lead("123", "Иван", "+79161234567")], false);
    for profile in Profile::ALL {
        for bad in [
            [b"\xEF\xBB\xBF".as_slice(), xml.as_bytes()].concat(),
            format!(" {xml}").into_bytes(),
            format!("\r\n{xml}").into_bytes(),
        ] {
            let result = query_with(profile, Reply::bytes(&bad));
            assert!(
                matches!(result, Err(OneCError::QueryUnreadable { .. })),
                "{profile}: {:?} gave {result:?}",
                String::from_utf8_lossy(&bad[..8])
            );
        }
        let zipped = query_with(profile, Reply::bytes(b"PK\x03\x04rest"));
        assert!(
            matches!(zipped, Err(OneCError::QueryZip)),
            "{profile}: {zipped:?}"
        );

        let bare = xml.split_once('\n').expect("a declaration line").1;
        let result = query_with(profile, Reply::text(bare));
        let failure = query_with(profile, Reply::text("failure\nDatabase is down"));
        if matches!(profile, Profile::Unf3Other | Profile::Unf3Bitrix) {
            assert_eq!(result.expect("УНФ3 takes a bare root").len(), 1);
            assert!(
                matches!(failure, Err(OneCError::QueryFailure(_))),
                "{failure:?}"
            );
        } else {
            assert!(
                matches!(result, Err(OneCError::QueryUnreadable { .. })),
                "{profile}: {result:?}"
            );
            assert!(
                matches!(failure, Err(OneCError::QueryUnreadable { .. })),
                "{profile}: {failure:?}"
            );
        }
        let orders = query_with(profile, Reply::text(&xml)).expect("a proper answer");
        assert_eq!(orders.len(), 1, "{profile}");
    }
}

/// Protocol note §1.5: a windows-1251 body is read by УНФ1.6 from its XML declaration
/// (ПолучитьДанныеССервера 7000‑7023) and by УНФ3 after its `�` retry (11403‑11430), but УТ11
/// reads it as UTF-8 unless the Content-Type names the charset (6494): every Cyrillic element
/// name turns into `�`, so 1C would find no `Документ`, report «Нет документов для обработки»
/// and acknowledge the batch (4020‑4023), losing every lead; the emulator refuses the root.
#[test]
fn a_windows_1251_body_is_decoded_as_each_profile_decodes_it() {
    let xml = batch(&[lead("123", "Иван", "+79161234567")], false)
        .replace("encoding=\"UTF-8\"", "encoding=\"windows-1251\"");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&xml);
    assert!(!unmappable);
    let no_charset = || Reply::bytes(&bytes).content_type(Some("application/xml"));
    for profile in [Profile::Smb16, Profile::Unf3Other, Profile::Unf3Bitrix] {
        let orders = query_with(profile, no_charset()).expect("decoded");
        assert_eq!(
            orders[0].counterparty.as_ref().map(|c| c.name.as_str()),
            Some("Иван")
        );
    }
    let result = query_with(Profile::Ut11, no_charset());
    assert!(
        matches!(result, Err(OneCError::NotCommerceInformation(_))),
        "{result:?}"
    );
    let labelled = Reply::bytes(&bytes).content_type(Some("application/xml; charset=windows-1251"));
    assert_eq!(
        query_with(Profile::Ut11, labelled).expect("decoded").len(),
        1
    );
}

/// 01.01.0001, `Дата(1,1,1)`: the empty date 1C falls back to.
fn day_one() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap()
}

/// `ДатаВремяИзСтроки` (УТ11 ОбменССайтом 7008) on each kind of value it meets: strings (an
/// untyped read) become the date, with or without a time; `Дата` values (a typed read), with or
/// without `Время`, and any string `Дата()` cannot read become 01.01.0001.
#[test]
fn date_time_from_string_reads_strings_and_fails_on_typed_dates() {
    use common::onec::orders::{XdtoValue, date_time_from_string};
    let text = |t: &str| XdtoValue::Text(t.to_string());
    let at = |y, m, d, h, min, s| {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(h, min, s))
            .unwrap()
    };
    assert_eq!(
        date_time_from_string(&text("2026-11-27"), &text("09:05:07")),
        at(2026, 11, 27, 9, 5, 7)
    );
    assert_eq!(
        date_time_from_string(&text("2026-11-27"), &text("")),
        at(2026, 11, 27, 0, 0, 0)
    );
    let typed_date = XdtoValue::Date(at(2026, 11, 27, 0, 0, 0));
    let typed_time = XdtoValue::Date(at(1, 1, 1, 9, 5, 7));
    assert_eq!(date_time_from_string(&typed_date, &typed_time), day_one());
    assert_eq!(date_time_from_string(&typed_date, &text("")), day_one());
    assert_eq!(
        date_time_from_string(&text("27.11.2026"), &text("09:05:07")),
        day_one()
    );
}

/// The order fields as 1C's importer reads them, the same with and without
/// `xmlns="urn:1C.ru:commerceml_2"` (protocol note §3.1‑§3.3) — but not the date 1C makes of
/// them: read typed, `Дата` and `Время` are `Дата` values, and `ДатаВремяИзСтроки` (УТ11 7008)
/// turns them into a string it cannot read back, dating the order 01.01.0001.
#[test]
fn orders_read_the_same_with_and_without_the_cml2_namespace_but_for_their_date() {
    let leads = [
        lead("123", "Иван", "+79161234567"),
        lead("124", "Мария", "+79167654321"),
    ];
    let sent = chrono::NaiveDate::from_ymd_opt(2024, 5, 1)
        .and_then(|d| d.and_hms_opt(12, 30, 0))
        .unwrap();
    for profile in Profile::ALL {
        let plain = read(&batch(&leads, false), profile).expect("untyped");
        let typed = read(&batch(&leads, true), profile).expect("typed");
        for (plain, typed) in plain.iter().zip(&typed) {
            assert_eq!(
                plain,
                &Order {
                    typed: false,
                    ..typed.clone()
                },
                "{profile}"
            );
            assert_eq!(plain.date_in_1c(), sent, "{profile}");
            assert_eq!(typed.date_in_1c(), day_one(), "{profile}");
        }
    }
    let orders = read(&batch(&leads, false), Profile::Ut11).expect("orders");
    let order = &orders[1];
    assert_eq!(order.number(), "124");
    assert_eq!(
        (order.date.as_str(), order.time.as_deref()),
        ("2024-05-01", Some("12:30:00"))
    );
    assert_eq!(
        (
            order.operation.as_str(),
            order.currency.as_str(),
            order.sum.as_str()
        ),
        ("Заказ товара", "RUB", "0")
    );
    let counterparty = order.counterparty.as_ref().expect("a counterparty");
    assert_eq!(counterparty.name, "Мария");
    assert_eq!(counterparty.full_name, "Мария");
    assert_eq!(counterparty.official_name, None);
    assert_eq!(
        (
            counterparty.surname.as_str(),
            counterparty.first_name.as_str(),
            counterparty.patronymic.as_str()
        ),
        ("Петров", "Мария", "Сергеевич")
    );
    let contacts: Vec<(&str, &str)> = counterparty
        .contacts
        .iter()
        .map(|c| (c.kind.as_str(), c.value.as_str()))
        .collect();
    assert_eq!(
        contacts,
        [
            ("Телефон рабочий", "+79167654321"),
            ("Почта", "ivan@example.com")
        ]
    );
    assert_eq!(order.requisite("Источник"), Some("Bachata"));
    assert_eq!(order.requisite("ИдДиалога"), Some("d-124"));
}

/// Rule 8, the document gate: `НРег(ХозОперация) = "заказ товара"` (УНФ3 СоздатьОбновитьЗаказы
/// 3932, УТ11 4207), `Валюта` filled (3945, 4222), a `Контрагент` (УНФ3 15716, УТ11 4456), the
/// `Номер` of every document (УНФ3 3354, УТ11 4038), `Дата` `YYYY-MM-DD` and `Время`
/// `HH:MM:SS` (УНФ3 14138‑14142). The first bad document fails the batch.
#[test]
fn a_document_failing_1c_import_fails_the_batch() {
    let good = document(&lead("1", "Иван", "+79161234567"));
    let cases: [(&str, &str, GateFailure); 7] = [
        (
            "<ХозОперация>Заказ товара</ХозОперация>",
            "<ХозОперация>Счет на оплату</ХозОперация>",
            GateFailure::Operation("Счет на оплату".to_string()),
        ),
        (
            "<ХозОперация>Заказ товара</ХозОперация>",
            "",
            GateFailure::Operation(String::new()),
        ),
        (
            "<Валюта>RUB</Валюта>",
            "<Валюта> </Валюта>",
            GateFailure::Currency,
        ),
        (
            "<Дата>2024-05-01</Дата>",
            "<Дата>01.05.2024</Дата>",
            GateFailure::Date("01.05.2024".to_string()),
        ),
        (
            "<Время>12:30:00</Время>",
            "<Время>9:05</Время>",
            GateFailure::Time("9:05".to_string()),
        ),
        ("<Номер>1</Номер>", "", GateFailure::NoNumber),
        (
            "<Контрагенты><Контрагент>",
            "<Покупатели><Контрагент>",
            GateFailure::NoCounterparty,
        ),
    ];
    for (from, to, failure) in cases {
        let mut bad = good.replace(from, to);
        if failure == GateFailure::NoCounterparty {
            bad = bad.replace("</Контрагент></Контрагенты>", "</Контрагент></Покупатели>");
        }
        let xml = batch(&[], false).replace(
            "</КоммерческаяИнформация>",
            &format!("{good}{bad}</КоммерческаяИнформация>"),
        );
        for profile in Profile::ALL {
            match read(&xml, profile) {
                Err(OneCError::DocumentGate {
                    index,
                    failure: got,
                    ..
                }) => assert_eq!((index, got), (1, failure.clone()), "{profile}"),
                other => panic!("{profile}: {to:?} gave {other:?}"),
            }
        }
    }
    // НРег: the case of «Заказ товара» does not matter.
    let shouting = batch(&[], false).replace(
        "</КоммерческаяИнформация>",
        &format!(
            "{}</КоммерческаяИнформация>",
            good.replace("Заказ товара", "ЗАКАЗ ТОВАРА")
        ),
    );
    assert_eq!(read(&shouting, Profile::Ut11).expect("НРег").len(), 1);
    // Through HTTP, the gate is what `query()` reports.
    let answer = batch(&[], false).replace(
        "</КоммерческаяИнформация>",
        &format!(
            "{}</КоммерческаяИнформация>",
            good.replace("Заказ товара", "Счет на оплату")
        ),
    );
    let result = query_with(Profile::Unf3Other, Reply::text(&answer));
    assert!(
        matches!(result, Err(OneCError::DocumentGate { index: 0, .. })),
        "{result:?}"
    );
}

/// Rule 15: in the `urn:1C.ru:commerceml_2` namespace the document is read against the CML208
/// package (`XDTOPackages/CML208`): `КонтактТип` is a closed enumeration, `Документ` an ordered
/// type, `ВалютаТип` three characters. Without the namespace none of it applies.
#[test]
fn typed_reading_enforces_the_cml208_package_only_in_its_namespace() {
    let leads = [lead("123", "Иван", "+79161234567")];
    let cases = [
        ("<Тип>Телефон рабочий</Тип>", "<Тип>Телефон</Тип>"),
        ("<Валюта>RUB</Валюта>", "<Валюта>RUBL</Валюта>"),
        (
            "<Время>12:30:00</Время><Комментарий>Чат с сайта</Комментарий>",
            "<Комментарий>Чат с сайта</Комментарий><Время>12:30:00</Время>",
        ),
        ("<Роль>Продавец</Роль>", ""),
    ];
    for (from, to) in cases {
        let untyped = batch(&leads, false).replace(from, to);
        let typed = batch(&leads, true).replace(from, to);
        assert!(read(&untyped, Profile::Ut11).is_ok(), "untyped {to:?}");
        let result = read(&typed, Profile::Ut11);
        assert!(
            matches!(result, Err(OneCError::Typed { document: 0, .. })),
            "typed {to:?}: {result:?}"
        );
    }
}

/// Rule 7: an empty queue is a valid `КоммерческаяИнформация` with no `Документ`; 1C reports
/// «Нет документов для обработки», returns True and acknowledges (УНФ3 ЗагрузитьЗаказы
/// 3343‑3347, УТ11 4020‑4023).
#[test]
fn an_empty_queue_is_imported_and_acknowledged() {
    for profile in Profile::ALL {
        let shop = shop(vec![]);
        let mut db = OneCDatabase::new(profile);
        let imported = client(&shop, profile)
            .exchange(&mut db)
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        assert!(imported.orders.is_empty());
        assert_eq!(
            shop.steps().last().map(String::as_str),
            Some("sale:success"),
            "{profile}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// success and the batch rules (rule 9, §3.6).
// ---------------------------------------------------------------------------------------------

/// Rule 9: УНФ3 refuses a `mode=success` answer starting with `failure` but takes an empty one
/// (ЗагрузитьЗаказыССайта 3278, ПолучитьДанныеССервера 11401); УТ11 (3954) and SmB (2659)
/// refuse only an empty one.
#[test]
fn the_success_answer_is_checked_as_each_profile_checks_it() {
    for (profile, empty_ok, failure_ok) in [
        (Profile::Smb16, false, true),
        (Profile::Unf3Other, true, false),
        (Profile::Unf3Bitrix, true, false),
        (Profile::Ut11, false, true),
    ] {
        for (answer, ok) in [("", empty_ok), ("failure\nnot acknowledged", failure_ok)] {
            let shop = shop(vec![("sale:success", Reply::text(answer))]);
            let mut client = client(&shop, profile);
            client.checkauth().expect("checkauth");
            let result = client.success();
            assert_eq!(result.is_ok(), ok, "{profile}: {answer:?} gave {result:?}");
            if !ok {
                assert!(matches!(result, Err(OneCError::SuccessRefused(_))));
            }
        }
    }
}

/// A whole scheduled exchange (УНФ3 ЗагрузитьЗаказыССайта 3184, УТ11 3869, SmB
/// ImportOrdersFromSite 2585): the requests in 1C's order, the orders created once, and
/// `mode=success` sent only after the import succeeded.
#[test]
fn an_exchange_sends_1c_requests_in_order_and_acknowledges_an_imported_batch() {
    let xml = batch(
        &[
            lead("101", "Иван", "+79161234567"),
            lead("102", "Мария", "+79167654321"),
        ],
        false,
    );
    for profile in Profile::ALL {
        let shop = shop(vec![("sale:query", Reply::text(&xml))]);
        let mut db = OneCDatabase::new(profile);
        let imported = client(&shop, profile)
            .exchange(&mut db)
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        assert_eq!(imported.created(), ["101", "102"], "{profile}");
        let mut expected = vec!["catalog:checkauth", "sale:checkauth"];
        if profile == Profile::Unf3Bitrix {
            expected.push("sale:init");
        }
        expected.extend(["sale:query", "sale:success"]);
        assert_eq!(shop.steps(), expected, "{profile}");
        assert_eq!(db.orders().len(), 2);
    }
}

/// §3.6: a document failing the gate blocks `mode=success`. SmB and УНФ1.6 roll the whole batch
/// back (УНФ1.6 3019‑3030, SmB 2740‑2750); УНФ3 and УТ11 commit the documents before it
/// (УНФ3 ЗагрузитьЗаказы 3363‑3381, УТ11 4059‑4075), and a missing `Контрагент` (an exception)
/// rolls everything back there too.
#[test]
fn a_failed_batch_is_not_acknowledged_and_keeps_what_the_profile_keeps() {
    let good = lead("201", "Иван", "+79161234567");
    let xml = batch(&[good.clone(), lead("202", "Мария", "+79167654321")], false);
    let bad_operation = xml.replacen(
        "<Номер>202</Номер><Дата>2024-05-01</Дата><ХозОперация>Заказ товара",
        "<Номер>202</Номер><Дата>2024-05-01</Дата><ХозОперация>Прочие",
        1,
    );
    let no_counterparty = format!(
        "{}{}",
        &xml[..xml.rfind("<Документ>").expect("two documents")],
        "<Документ><Номер>202</Номер><Дата>2024-05-01</Дата><ХозОперация>Заказ товара</ХозОперация><Валюта>RUB</Валюта></Документ></КоммерческаяИнформация>"
    );
    for profile in Profile::ALL {
        for (answer, exception) in [(&bad_operation, false), (&no_counterparty, true)] {
            let shop = shop(vec![("sale:query", Reply::text(answer))]);
            let mut db = OneCDatabase::new(profile);
            let result = client(&shop, profile).exchange(&mut db);
            assert!(
                matches!(result, Err(OneCError::DocumentGate { index: 1, .. })),
                "{profile}: {result:?}"
            );
            assert!(
                !shop.steps().contains(&"sale:success".to_string()),
                "{profile}"
            );
            let kept = db.orders().len();
            let expected = match profile {
                Profile::Smb16 => 0,
                _ if exception => 0,
                _ => 1,
            };
            assert_eq!(kept, expected, "{profile}, exception {exception}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The status upload (rules 17-19, §4).
// ---------------------------------------------------------------------------------------------

fn sample_statuses() -> Vec<OrderStatus> {
    (1..=3)
        .map(|i| {
            let mut status = OrderStatus::new(&format!("{i:06}"), &format!("СА-{i:06}"));
            status.posted = i != 2;
            status.deletion_mark = i == 3;
            status.status = Some("В работе".to_string());
            status.status_id = Some("N".to_string());
            status.comment = "Менеджер перезвонил".to_string();
            status
        })
        .collect()
}

/// Rule 17 and §4 for УТ11: with `file_limit` N the document is POSTed in parts of at most N
/// bytes under one `filename` (РазделитьФайлыНаФрагменты 6319), `orders-<uuid>_1.xml` (3789),
/// then `mode=import` is polled for it (6198); the document is UTF-8 with a BOM, in
/// `urn:1C.ru:commerceml_2`, `ВерсияСхемы` 2.07 (375, 393), with «Номер по 1С», «Дата по 1С» and
/// only the true booleans (ДобавитьЗначениеРеквизитаXDTO 6537) and no order status (5684‑5728).
#[test]
fn ut11_uploads_statuses_in_parts_of_file_limit_then_polls_import() {
    let shop = shop(vec![("sale:init", Reply::text("zip=no\nfile_limit=700"))]);
    let mut client = client(&shop, Profile::Ut11);
    let upload = client
        .upload_statuses(&sample_statuses())
        .expect("upload")
        .expect("something to send");
    let requests = shop.requests();
    let files: Vec<&Recorded> = requests.iter().filter(|r| r.mode() == "file").collect();
    assert_eq!(files.len(), upload.document.len().div_ceil(700));
    assert_eq!(files.len(), upload.parts);
    assert!(
        files.len() > 1,
        "a document of {} bytes",
        upload.document.len()
    );
    for file in &files {
        assert_eq!(file.method, "POST");
        assert!(file.body.len() <= 700);
        assert_eq!(file.parameter("filename"), Some(upload.file_name.as_str()));
        assert_eq!(file.parameter("sessid"), Some("tok"));
        assert!(file.header("content-type").is_empty(), "{:?}", file.headers);
    }
    let joined: Vec<u8> = files.iter().flat_map(|f| f.body.clone()).collect();
    assert_eq!(joined, upload.document);
    assert!(upload.file_name.starts_with("orders-") && upload.file_name.ends_with("_1.xml"));
    let imports: Vec<&Recorded> = requests.iter().filter(|r| r.mode() == "import").collect();
    assert_eq!(imports.len(), 1);
    assert_eq!(
        imports[0].parameter("filename"),
        Some(upload.file_name.as_str())
    );
    assert_eq!(
        shop.steps(),
        [
            vec!["sale:checkauth", "sale:init"],
            vec!["sale:file"; files.len()],
            vec!["sale:import"]
        ]
        .concat()
    );

    let text = upload
        .document
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("a BOM, as ЗаписьXML writes UTF-8");
    let text = std::str::from_utf8(text).expect("UTF-8");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    let tree = roxmltree::Document::parse(text).expect("well-formed");
    let root = tree.root_element();
    assert_eq!(root.tag_name().namespace(), Some("urn:1C.ru:commerceml_2"));
    assert_eq!(root.attribute("ВерсияСхемы"), Some("2.07"));
    let pairs: Vec<Vec<(String, String)>> = elements(root, "Документ")
        .map(|document| {
            elements(document, "ЗначениеРеквизита")
                .map(|pair| {
                    let field = |name| {
                        elements(pair, name)
                            .next()
                            .and_then(|n| n.text())
                            .unwrap_or("")
                            .to_string()
                    };
                    (field("Наименование"), field("Значение"))
                })
                .collect()
        })
        .collect();
    let numbers: Vec<&str> = elements(root, "Номер")
        .map(|n| n.text().unwrap_or(""))
        .collect();
    assert_eq!(numbers, ["000001", "000002", "000003"]);
    let names = |i: usize| pairs[i].iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>();
    assert_eq!(names(0), ["Номер по 1С", "Дата по 1С", "Проведен"]);
    assert_eq!(names(1), ["Номер по 1С", "Дата по 1С"]);
    assert_eq!(
        names(2),
        ["Номер по 1С", "Дата по 1С", "ПометкаУдаления", "Проведен"]
    );
    assert_eq!(pairs[0][0].1, "СА-000001");
    assert_eq!(pairs[0][1].1, "2024-05-01T12:31:05");
    assert_eq!(pairs[2][2].1, "true");
}

/// All descendants of `node` with the local name `name`.
fn elements<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> {
    node.descendants()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// §4 per profile: УНФ3 writes `urn:1C.ru:commerceml_210`, 2.08 or 2.10 with
/// «ПодчиненныеДокументы» (СформироватьЗаказыXDTO 8151‑8161), and the order status pairs
/// (9216‑9226); SmB/УНФ1.6 write `urn:1C.ru:commerceml_205`, 2.05 (УНФ1.6 5800‑5806) and POST
/// `orders-<uuid>.xml` (5748) without any `import` (SmB ExportOrdersToSite 5079).
#[test]
fn each_profile_uploads_statuses_in_its_own_shape() {
    let statuses = sample_statuses();
    let names = |profile| {
        requisites(profile, &statuses[0])
            .into_iter()
            .map(|(name, _)| name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(Profile::Unf3Bitrix),
        [
            "Номер по 1С",
            "Дата по 1С",
            "Проведен",
            "Статуса заказа ИД",
            "Статус заказа"
        ]
    );
    assert_eq!(
        names(Profile::Smb16),
        ["Номер по 1С", "Дата по 1С", "Проведен"]
    );
    let mut cancelled = statuses[1].clone();
    cancelled.cancelled = true;
    assert!(requisites(Profile::Ut11, &cancelled).contains(&("Отменен", "true".to_string())));

    for (profile, subordinate, namespace, version, import, name_end) in [
        (
            Profile::Smb16,
            false,
            "urn:1C.ru:commerceml_205",
            "2.05",
            false,
            "",
        ),
        (
            Profile::Unf3Other,
            false,
            "urn:1C.ru:commerceml_210",
            "2.08",
            false,
            "_0.xml",
        ),
        (
            Profile::Unf3Bitrix,
            true,
            "urn:1C.ru:commerceml_210",
            "2.10",
            true,
            "_0.xml",
        ),
        (
            Profile::Unf3Bitrix,
            false,
            "urn:1C.ru:commerceml_210",
            "2.08",
            false,
            "_0.xml",
        ),
    ] {
        let shop = shop(vec![]);
        let mut client = client(&shop, profile)
            .with_subordinate_documents(subordinate)
            .with_upload_style(UploadStyle {
                bom: false,
                namespace: statuses::NamespaceStyle::Prefixed,
            });
        let upload = client
            .upload_statuses(&statuses)
            .expect("upload")
            .expect("something to send");
        let text = std::str::from_utf8(&upload.document).expect("UTF-8 without a BOM");
        let tree = roxmltree::Document::parse(text).expect("well-formed");
        let root = tree.root_element();
        assert_eq!(root.tag_name().namespace(), Some(namespace), "{profile}");
        assert_eq!(root.attribute("ВерсияСхемы"), Some(version), "{profile}");
        assert!(upload.file_name.starts_with("orders-") && upload.file_name.ends_with(".xml"));
        assert!(
            upload.file_name.ends_with(name_end),
            "{profile}: {}",
            upload.file_name
        );
        assert_eq!(
            upload.file_name.len(),
            "orders-.xml".len() + 36 + name_end.len().saturating_sub(4)
        );
        let steps = shop.steps();
        assert_eq!(
            steps.contains(&"sale:import".to_string()),
            import,
            "{profile}: {steps:?}"
        );
        assert_eq!(upload.parts, 1, "file_limit 0 means no split");
    }
    assert!(
        client(&shop(vec![]), Profile::Ut11)
            .upload_statuses(&[])
            .expect("nothing to send")
            .is_none()
    );
}

/// Rule 18: a file answer's line 1 must be `success`; `failure` and anything else stop the
/// upload (УТ11 ВыгрузитьНаСайт 6140‑6180, УНФ3 11226‑11262), an empty body is no answer in
/// УТ11; `import` repeats on `progress` and fails on anything but `success` (УТ11 6192‑6255).
#[test]
fn file_and_import_answers_follow_rule_18() {
    let statuses = sample_statuses();
    let upload = |profile, overrides| {
        let shop = shop(overrides);
        let mut client = client(&shop, profile).with_max_polls(3);
        client.upload_statuses(&statuses)
    };
    let refused = upload(
        Profile::Ut11,
        vec![("sale:file", Reply::text("failure\nDisk full"))],
    );
    assert!(
        matches!(refused, Err(OneCError::FileRefused { part: 0, .. })),
        "{refused:?}"
    );
    let unknown = upload(Profile::Smb16, vec![("sale:file", Reply::text("ok"))]);
    assert!(
        matches!(unknown, Err(OneCError::FileNoStatus { .. })),
        "{unknown:?}"
    );
    let empty = upload(Profile::Ut11, vec![("sale:file", Reply::text(""))]);
    assert!(
        matches!(empty, Err(OneCError::NoAnswer { step: Step::File })),
        "{empty:?}"
    );
    let empty_unf = upload(Profile::Unf3Other, vec![("sale:file", Reply::text(""))]);
    assert!(
        matches!(empty_unf, Err(OneCError::FileNoStatus { .. })),
        "{empty_unf:?}"
    );
    let extended = upload(
        Profile::Ut11,
        vec![("sale:file", Reply::text("SUCCESS\nimported 3"))],
    );
    assert!(
        extended.is_ok(),
        "an extended success status is only logged: {extended:?}"
    );

    let progress_then_success = {
        let polls = Arc::new(Mutex::new(0));
        let shop = CannedShop::start(move |request| match request.mode() {
            "checkauth" => Reply::text("success\nc\nv\nsessid=tok"),
            "init" => Reply::text("zip=no\nfile_limit=0"),
            "import" => {
                let mut polls = polls.lock().expect("poll count");
                *polls += 1;
                Reply::text(if *polls < 3 {
                    "progress\n"
                } else {
                    "success\n"
                })
            }
            _ => Reply::text("success\n"),
        });
        client(&shop, Profile::Ut11).upload_statuses(&statuses)
    };
    let upload_done = progress_then_success.expect("import").expect("sent");
    assert_eq!(upload_done.import_polls, 3);
    let endless = upload(
        Profile::Ut11,
        vec![("sale:import", Reply::text("progress"))],
    );
    assert!(
        matches!(endless, Err(OneCError::ImportNeverFinished { polls: 3 })),
        "{endless:?}"
    );
    let failed = upload(
        Profile::Ut11,
        vec![("sale:import", Reply::text("failure\nbad file"))],
    );
    assert!(
        matches!(failed, Err(OneCError::ImportRefused { .. })),
        "{failed:?}"
    );
}

/// §1.3 D: after the import, the exchange uploads the orders 1C changed since, once; an order
/// imported again in the same run is not uploaded back (УНФ3 8047‑8052, 3441‑3444).
#[test]
fn an_exchange_uploads_the_statuses_1c_changed_once() {
    let xml = batch(&[lead("301", "Иван", "+79161234567")], false);
    let shop = shop(vec![("sale:query", Reply::text(&xml))]);
    let mut db = OneCDatabase::new(Profile::Ut11);
    let mut client = client(&shop, Profile::Ut11);
    client.exchange(&mut db).expect("first exchange");
    db.change("301", |order| {
        order.posted = true;
        order.status = Some("В работе".to_string());
    });
    assert_eq!(db.pending_statuses().len(), 1);
    let empty = shop_with_empty_queue();
    let mut later = self::client(&empty, Profile::Ut11);
    later.exchange(&mut db).expect("second exchange");
    let uploads: Vec<Recorded> = empty
        .requests()
        .into_iter()
        .filter(|r| r.mode() == "file")
        .collect();
    assert_eq!(uploads.len(), 1);
    let body = String::from_utf8_lossy(&uploads[0].body);
    assert!(
        body.contains("<Номер>301</Номер>") && body.contains("0000-000001"),
        "{body}"
    );
    assert!(db.pending_statuses().is_empty());

    // Changed, then re-sent by the shop in the same run: imported again, so not uploaded.
    db.change("301", |order| order.deletion_mark = true);
    let again = shop_with(&xml);
    self::client(&again, Profile::Ut11)
        .exchange(&mut db)
        .expect("third exchange");
    assert!(
        !again.steps().contains(&"sale:file".to_string()),
        "{:?}",
        again.steps()
    );
}

fn shop_with_empty_queue() -> CannedShop {
    shop(vec![])
}

fn shop_with(query: &str) -> CannedShop {
    shop(vec![("sale:query", Reply::text(query))])
}

// ---------------------------------------------------------------------------------------------
// The simulated 1C infobase (rules 11, 12, §3.3-§3.5).
// ---------------------------------------------------------------------------------------------

/// Rule 11, УНФ (ПолучитьНомерДокументаССайта 5416‑5461): each non-digit is lowercased before
/// `СтрЗаменить` removes it from the original number, the rest left-padded to 6, «СА-» in
/// front. An upper-case `BCH-9FBF63D7` keeps its letters unless `СтрЗаменить` ignores case.
#[test]
fn unf_maps_site_numbers_to_1c_numbers_as_documented() {
    let cases = [
        ("123", "СА-000123", "СА-000123"),
        (" 42 ", "СА-000042", "СА-000042"),
        ("bch-9fbf63d7", "СА-009637", "СА-009637"),
        ("BCH-9FBF63D7", "СА-BCH9FBF63D7", "СА-009637"),
        ("12345678", "СА-12345678", "СА-12345678"),
    ];
    for (site, sensitive, insensitive) in cases {
        assert_eq!(
            unf_number(site, "СА", ReplaceCase::Sensitive),
            sensitive,
            "{site}"
        );
        assert_eq!(
            unf_number(site, "СА", ReplaceCase::Insensitive),
            insensitive,
            "{site}"
        );
    }
    // In the simulated УНФ the 14-character number fails the write (NumberLength 11), and the
    // batch is rolled back (protocol note §3.4, §3.6).
    let orders = read(
        &batch(&[lead("BCH-9FBF63D7", "Иван", "+79161234567")], false),
        Profile::Unf3Other,
    )
    .expect("orders");
    let mut db = OneCDatabase::new(Profile::Unf3Other);
    assert!(db.import(&orders).is_err());
    assert!(db.orders().is_empty());
    db.replace_case = ReplaceCase::Insensitive;
    let imported = db
        .import(&orders)
        .expect("imported with an insensitive СтрЗаменить");
    assert_eq!(imported.orders[0].number, "СА-009637");
}

/// Rule 11, УТ11: the numbers go through a `Строка(11)` column before the lookup of already
/// imported orders (ЗагрузитьЗаказы 4029‑4030, УТ11‑П ПолучитьРанееЗагруженныеДокументы 2112),
/// so a 12-character number never finds its order and a re-sent order is created again; a
/// 6-digit one is found and refilled. УНФ finds re-sent orders by the exact number (3835).
#[test]
fn ut11_finds_resent_orders_only_by_numbers_of_at_most_11_characters() {
    let long = read(
        &batch(&[lead("BCH-9FBF63D7", "Иван", "+79161234567")], false),
        Profile::Ut11,
    )
    .expect("orders");
    let short = read(
        &batch(&[lead("000123", "Иван", "+79161234567")], false),
        Profile::Ut11,
    )
    .expect("orders");
    let mut db = OneCDatabase::new(Profile::Ut11);
    for _ in 0..2 {
        db.import(&long).expect("imported");
        db.import(&short).expect("imported");
    }
    assert_eq!(db.orders_for("BCH-9FBF63D7").len(), 2, "a duplicate");
    assert_eq!(db.orders_for("000123").len(), 1);
    assert_eq!(db.orders_for("000123")[0].writes, 2);

    let mut unf = OneCDatabase::new(Profile::Unf3Bitrix);
    let first = unf.import(&short).expect("created");
    let second = unf.import(&short).expect("refilled");
    assert_eq!(first.orders[0].outcome, ImportOutcome::Created);
    assert_eq!(second.orders[0].outcome, ImportOutcome::Refilled);
    assert_eq!(unf.orders().len(), 1);
    assert_eq!(unf.orders()[0].number, "СА-000123");
}

/// §3.3: УТ11 identifies a counterparty without ИНН by `Наименование` alone (УТ11‑П
/// ИдентифицироватьКонтрагента 2384), so two different clients named «Иван» become one, and the
/// second one's phone is lost; it recognises only «Телефон рабочий» and «Почта» (УТ11
/// 4853, УТ11‑УТ СоздатьКонтрагента 786, 793). УНФ searches by phone first and recognises
/// any «телефон» (НайтиСоздатьКонтрагента 15744, ПолучитьТипВидКонтактнойИнформацииКонтрагента
/// ПоТипуXDTO 13758).
#[test]
fn ut11_merges_clients_by_name_and_recognises_two_contact_kinds() {
    let two_ivans = read(
        &batch(
            &[
                lead("401", "Иван", "+79161234567"),
                lead("402", "Иван", "+79035550000"),
            ],
            false,
        ),
        Profile::Ut11,
    )
    .expect("orders");
    let mut db = OneCDatabase::new(Profile::Ut11);
    db.import(&two_ivans).expect("imported");
    assert_eq!(db.orders().len(), 2);
    assert_eq!(db.counterparties().len(), 1, "merged by Наименование");
    let ivan = &db.counterparties()[0];
    assert_eq!(ivan.site_orders, ["401", "402"]);
    assert_eq!(
        ivan.phones,
        ["+79161234567"],
        "the second Иван's phone is lost"
    );
    assert_eq!(ivan.emails, ["ivan@example.com"]);

    let mut mobile = lead("403", "Пётр", "+79161112233");
    mobile.phone_kind = "Телефон мобильный";
    mobile.email_kind = "Электронная почта";
    let xml = batch(&[mobile], false);
    let mut ut11 = OneCDatabase::new(Profile::Ut11);
    ut11.import(&read(&xml, Profile::Ut11).expect("orders"))
        .expect("imported");
    let peter = &ut11.counterparties()[0];
    assert!(peter.phones.is_empty() && peter.emails.is_empty());
    assert_eq!(peter.dropped_contacts.len(), 2);
    let mut unf = OneCDatabase::new(Profile::Unf3Other);
    unf.import(&read(&xml, Profile::Unf3Other).expect("orders"))
        .expect("imported");
    let peter = &unf.counterparties()[0];
    assert_eq!(peter.phones, ["+79161112233"]);
    assert_eq!(peter.emails, ["ivan@example.com"]);

    // УНФ merges the two Иваны too, by name, once phone and e-mail found nothing; a repeat lead
    // with the same phone written differently is found by phone.
    let mut unf = OneCDatabase::new(Profile::Unf3Other);
    unf.import(
        &read(
            &batch(
                &[
                    lead("404", "Иван", "+79161234567"),
                    lead("405", "Мария", "8 916 123-45-67"),
                ],
                false,
            ),
            Profile::Unf3Other,
        )
        .expect("orders"),
    )
    .expect("imported");
    assert_eq!(unf.counterparties().len(), 1, "found by phone");
}

/// Rule 14 seen from 1C: a served `Отменен` = `true` cancels the order (УТ11 4382, УНФ3
/// ПолучитьОтмененныеЗаказы 7969); an empty `Значение` is skipped by УНФ3 (15685‑15689) but
/// stored by УТ11 with the previous pair's value (4240‑4253).
#[test]
fn requisites_are_stored_as_each_profile_reads_them() {
    let xml = batch(&[lead("501", "Иван", "+79161234567")], false).replace(
        "<Значение>d-501</Значение></ЗначениеРеквизита>",
        "<Значение>d-501</Значение><Значение>ignored</Значение></ЗначениеРеквизита>\
         <ЗначениеРеквизита><Наименование>Пусто</Наименование><Значение></Значение></ЗначениеРеквизита>\
         <ЗначениеРеквизита><Наименование>Отменен</Наименование><Значение>TRUE</Значение></ЗначениеРеквизита>",
    );
    let properties = |profile| {
        let mut db = OneCDatabase::new(profile);
        db.import(&read(&xml, profile).expect("orders"))
            .expect("imported");
        let order = db.orders()[0].clone();
        (order.properties, order.cancelled)
    };
    let (ut11, cancelled) = properties(Profile::Ut11);
    assert!(cancelled);
    assert_eq!(
        ut11,
        [
            ("Источник".to_string(), "Bachata".to_string()),
            ("ИдДиалога".to_string(), "d-501".to_string()),
            ("Пусто".to_string(), "d-501".to_string()),
            ("Отменен".to_string(), "TRUE".to_string()),
        ]
    );
    let (unf, cancelled) = properties(Profile::Unf3Other);
    assert!(cancelled);
    assert!(!unf.iter().any(|(name, _)| name == "Пусто"), "{unf:?}");
}

// ---------------------------------------------------------------------------------------------
// Directory mode (protocol note §8): one fixed orders file, read at every exchange.
// ---------------------------------------------------------------------------------------------

/// An orders file as bachata1c writes it: UTF-8 with a byte-order mark, the CML namespace.
fn orders_file(leads: &[Lead]) -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(batch(leads, true).as_bytes());
    bytes
}

fn two_leads() -> Vec<Lead> {
    let mut maria = lead("100002", "Мария", "+79035550000");
    maria.email = "maria@example.com";
    vec![lead("100001", "Иван", "+79161234567"), maria]
}

/// `ЗагрузитьЗаказыИзФайла`: `НЕ Файл.Существует() ИЛИ Файл.ЭтоКаталог()` gives «Файл загрузки
/// не найден» and `Ложь` in every profile (УТ11 3979‑3987, УНФ3 3300‑3308, УНФ1.6 2960‑2968, SmB
/// ImportOrdersFromFile 2683‑2690). УТ11 first tries to write a test file in place of a missing
/// one and cancels the whole exchange when it cannot (ОбменССайтомСобытия
/// ПроверитьДоступностьФайлаЗагрузки 314‑333, ВыполнитьОбмен 160‑184).
#[test]
fn a_missing_orders_file_fails_the_import_as_1c_reports_it() {
    for profile in Profile::ALL {
        let wd = common::Workdir::new();
        let path = wd.join("outbox/orders.xml");
        std::fs::create_dir_all(wd.join("outbox")).unwrap();
        let mut db = OneCDatabase::new(profile);
        let err = read_orders_file(&mut db, &path).unwrap_err();
        assert!(
            matches!(&err, OneCError::ImportFileNotFound { path: p } if p.ends_with("orders.xml")),
            "{profile}: {err}"
        );
        assert!(err.to_string().contains("Файл загрузки не найден"));
        // A folder where the file should be is «not found» too.
        std::fs::create_dir(&path).unwrap();
        let err = read_orders_file(&mut db, &path).unwrap_err();
        assert!(
            matches!(err, OneCError::ImportFileNotFound { .. }),
            "{profile}"
        );
        std::fs::remove_dir(&path).unwrap();
        // A whole exchange: the import fails; УТ11's probe leaves nothing behind.
        let node = DirectoryNode::new(&path, wd.join("outbox"));
        let err = node.exchange(&mut db).unwrap_err();
        assert!(
            matches!(err, OneCError::ImportFileNotFound { .. }),
            "{profile}: {err}"
        );
        assert!(!path.exists(), "{profile}: the probe file was left");
        assert!(db.orders().is_empty());
        // A file in a folder that does not exist: УТ11 cannot write its probe and cancels.
        let nowhere = DirectoryNode::new(wd.join("missing/orders.xml"), wd.join("export"));
        let err = nowhere.exchange(&mut db).unwrap_err();
        if profile == Profile::Ut11 {
            assert!(matches!(err, OneCError::ImportFileNoAccess { .. }), "{err}");
            assert!(!wd.join("export").exists(), "cancelled before anything");
        } else {
            assert!(matches!(err, OneCError::ImportFileNotFound { .. }), "{err}");
        }
    }
}

/// The file is never deleted, renamed or marked, so 1C reads the same orders at every exchange;
/// `ЗагрузитьЗаказы` finds them by `Номер` (УНФ3 ПолучитьРанееЗагруженныеДокументы 3835 and
/// СоздатьОбновитьЗаказы 3959; УТ11 4025‑4055, УТ11‑П ПолучитьРанееЗагруженныеДокументы 2112)
/// and fills them again instead of creating them twice.
#[test]
fn rereading_the_same_orders_file_refills_and_never_duplicates() {
    for profile in Profile::ALL {
        let wd = common::Workdir::new();
        let path = wd.write("outbox/orders.xml", orders_file(&two_leads()));
        let before = std::fs::read(&path).unwrap();
        let mut db = OneCDatabase::new(profile);
        let first = read_orders_file(&mut db, &path).unwrap();
        assert_eq!(first.created(), ["100001", "100002"], "{profile}");
        for _ in 0..2 {
            let again = read_orders_file(&mut db, &path).unwrap();
            assert_eq!(
                again.with(ImportOutcome::Refilled),
                ["100001", "100002"],
                "{profile}"
            );
        }
        assert_eq!(db.orders().len(), 2, "{profile}");
        assert_eq!(db.counterparties().len(), 2, "{profile}");
        assert!(db.orders().iter().all(|o| o.writes == 3), "{profile}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "1C leaves the file as it is"
        );
    }
}

/// A changed document refills the order its `Номер` finds (УНФ3 СоздатьОбновитьЗаказы
/// 3959‑4040, УТ11 4262‑4340) and a new number creates a new order; an order 1C completed
/// («Завершен» in УНФ3 3964‑3974, or no longer «ОжидаетсяСогласование» in УТ11‑П 2126‑2131)
/// is left alone.
#[test]
fn a_changed_order_in_the_file_updates_its_order_by_number() {
    for profile in Profile::ALL {
        let wd = common::Workdir::new();
        let path = wd.write("outbox/orders.xml", orders_file(&two_leads()));
        let mut db = OneCDatabase::new(profile);
        read_orders_file(&mut db, &path).unwrap();
        let mut leads = two_leads();
        leads.push(lead("100003", "Пётр", "+79037770000"));
        let changed = String::from_utf8(orders_file(&leads)).unwrap().replacen(
            "<Комментарий>Чат с сайта</Комментарий>",
            "<Комментарий>Перезвонить вечером</Комментарий>",
            1,
        );
        std::fs::write(&path, changed).unwrap();
        let imported = read_orders_file(&mut db, &path).unwrap();
        assert_eq!(
            imported.with(ImportOutcome::Refilled),
            ["100001", "100002"],
            "{profile}"
        );
        assert_eq!(imported.created(), ["100003"], "{profile}");
        assert_eq!(db.orders().len(), 3);
        let first = db.orders_for("100001");
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].comment, "Перезвонить вечером", "{profile}");
        db.change("100002", |order| order.completed = true);
        let imported = read_orders_file(&mut db, &path).unwrap();
        assert_eq!(
            imported.with(ImportOutcome::Skipped),
            ["100002"],
            "{profile}"
        );
        assert_eq!(db.orders().len(), 3);
    }
}

/// A file without `Документ` is «Нет документов для обработки.» and a success (УТ11
/// ЗагрузитьЗаказы 4020‑4023, УНФ3 3343‑3347, SmB ExportOrders 2724‑2727).
#[test]
fn an_orders_file_without_documents_is_read_as_nothing_to_do() {
    for profile in Profile::ALL {
        let wd = common::Workdir::new();
        let path = wd.write("outbox/orders.xml", orders_file(&[]));
        let mut db = OneCDatabase::new(profile);
        let imported = read_orders_file(&mut db, &path).unwrap();
        assert!(imported.orders.is_empty(), "{profile}");
        assert!(db.orders().is_empty());
    }
}

/// `ТекстовыйДокумент.Прочитать`: УТ11 always in UTF-8 (ЗагрузитьЗаказыИзФайла 3990); УНФ3 and
/// УНФ1.6 in the encoding `ЧтениеXML` reports (КодировкаФайла 14898, УНФ3 3310; УНФ1.6 2970).
/// No `<?xml` check applies to a file, unlike a `mode=query` answer (УТ11 3989‑3993).
#[test]
fn the_orders_file_is_decoded_as_each_profile_reads_it() {
    let utf8 = batch(&[lead("100001", "Иван", "+79161234567")], true);
    let declared_1251 = utf8.replace(r#"encoding="UTF-8""#, r#"encoding="windows-1251""#);
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(&declared_1251);
    let read = |bytes: &[u8], profile: Profile| {
        let wd = common::Workdir::new();
        let path = wd.write("orders.xml", bytes);
        let mut db = OneCDatabase::new(profile);
        read_orders_file(&mut db, &path).map(|_| db.counterparties()[0].name.clone())
    };
    let name = |bytes: &[u8], profile: Profile| read(bytes, profile).unwrap();
    for profile in Profile::ALL {
        if profile == Profile::Ut11 {
            // Read as UTF-8, the element names are garbage. 1C's untyped XDTO would then find no
            // `Документ` and report success with nothing imported; the emulator fails instead.
            let err = read(&cp1251, profile).unwrap_err();
            assert!(matches!(err, OneCError::NotCommerceInformation(_)), "{err}");
        } else {
            assert_eq!(name(&cp1251, profile), "Иван", "{profile}");
        }
        // A BOM, CRLF line ends, no declaration and leading blank lines: all read.
        let loose = format!(
            "\u{FEFF}\r\n{}",
            utf8.split_once("?>").unwrap().1.replace("><", ">\r\n<")
        );
        assert_eq!(name(loose.as_bytes(), profile), "Иван", "{profile}");
    }
}

/// What 1C writes back: the orders it changed since the last exchange, one `orders-…xml` in
/// `КаталогВыгрузки\webdata` (УТ11 ВыполнитьОбменССайтом 87, ВыгрузитьЗаказы 3789) or
/// `webdata - <node uuid>` (УНФ3 ВыполнитьОбмен 233, ВыгрузитьЗаказыВФайл 8074; SmB 511, 5127),
/// which УНФ and SmB empty at the start of every exchange (УНФ3 294, SmB 530). An order
/// refilled from the file is unregistered and so never written back (УНФ3 ЗагрузитьЗаказы
/// 3441‑3444, УТ11 4109); one 1C completed is skipped by the import and written back.
#[test]
fn a_directory_exchange_keeps_the_file_and_writes_changed_orders_into_webdata() {
    for profile in Profile::ALL {
        let wd = common::Workdir::new();
        let path = wd.write("outbox/orders.xml", orders_file(&two_leads()));
        let before = std::fs::read(&path).unwrap();
        let node = DirectoryNode::new(&path, wd.join("outbox"));
        let mut db = OneCDatabase::new(profile);
        assert_eq!(node.exchange(&mut db).unwrap().created().len(), 2);
        assert!(
            node.written(profile).is_empty(),
            "{profile}: nothing changed"
        );
        // A change to an order still in the file is overwritten by the next read, not sent.
        db.change("100001", |order| order.posted = true);
        node.exchange(&mut db).unwrap();
        assert!(node.written(profile).is_empty(), "{profile}");
        // A completed order is skipped by the import, so its change is written back.
        db.change("100002", |order| {
            order.completed = true;
            order.posted = true;
        });
        node.exchange(&mut db).unwrap();
        let written = node.written(profile);
        assert_eq!(written.len(), 1, "{profile}: {written:?}");
        let name = written[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with("orders-") && name.ends_with(".xml"),
            "{name}"
        );
        let text = common::xml_text(&std::fs::read(&written[0]).unwrap());
        assert!(text.contains("<Номер>100002</Номер>"), "{text}");
        assert!(!text.contains("<Номер>100001</Номер>"), "{text}");
        assert_eq!(
            written[0].parent().unwrap().file_name().unwrap(),
            if profile == Profile::Ut11 {
                "webdata".to_string()
            } else {
                format!("webdata - {}", node.node_id)
            }
            .as_str()
        );
        // The next exchange: УНФ and SmB empty their folder first; УТ11 keeps what it wrote.
        node.exchange(&mut db).unwrap();
        let kept = node.written(profile).len();
        assert_eq!(kept, usize::from(profile == Profile::Ut11), "{profile}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
