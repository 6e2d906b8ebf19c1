//! Criterion benchmarks of the pure core (`cargo bench`): reading a payload, converting a typical
//! webhook, normalising phones, and rendering 50,000 leads as CSV and XML. No disk, no clock.
//! The whole-process comparison with the baselines is `make bench` (bench/run.sh).

use std::hint::black_box;

use bachata1c::conversion;
use bachata1c::conversion::Settings;
use bachata1c::format::{self, Format, Layout, TextEncoding};
use bachata1c::lead::{self, Lead, Origin, Rules};
use bachata1c::payload;
use chrono::NaiveDateTime;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TYPICAL: &[u8] = include_bytes!("../fixtures/inbox/dialog-2026-11-26-sales.json");

/// A webhook of `count` clients in the spellings of the real ones (bench/gen_corpus.py makes
/// the same kind for the whole-process benchmark), from a fixed seed.
fn big_payload(count: usize) -> Vec<u8> {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let names = [
        "Иванов Иван Иванович",
        "Анна Сергеевна Петрова",
        "Дарья",
        "Yvan",
        "Ёлкин Пётр",
    ];
    let mut json = String::from(r#"{"event":"dialog_completed","dialogId":"d-1","clients":["#);
    for i in 0..count {
        let (a, b, c) = (100 + next(900), 10 + next(90), 10 + next(90));
        let phone = match next(8) {
            0 => String::new(),
            1 => format!("8 (916) {a}-{b}-{c}"),
            2 => format!("+7 903 {a} {b} {c}"),
            3 => format!("7925{a}{b}{c}"),
            4 => format!("+375 29 {a}-{b}-{c}"),
            5 => format!("8-985-{a}-{b}-{c}"),
            6 => format!("8 800 555-{b}-{c} доб. 1"),
            _ => format!("999{a}{b}{c}"),
        };
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(
            r#"{{"searchId":"1/{i}","login":"i_visitor_{i}","clientId":"{i:014x}","name":"{}","phone":"{phone}","email":null,"customData":{{"Модель":"Kodiaq","Интерес":"Тест-драйв 🚗","Бюджет":{}}}}}"#,
            names[next(names.len() as u64) as usize],
            next(50) * 100_000
        ));
    }
    json.push_str("]}");
    json.into_bytes()
}

fn leads(bytes: &[u8]) -> Vec<Lead> {
    let payload = payload::read(bytes).expect("generated payload reads");
    let origin = Origin {
        source_file: "big.json",
        received_at: NaiveDateTime::default(),
        default_event: "dialog_completed",
    };
    lead::qualify(payload, &Rules::default(), &origin).0
}

fn core(c: &mut Criterion) {
    let settings = Settings::new(Layout::new(Format::Csv));
    let time = NaiveDateTime::default();

    let mut group = c.benchmark_group("typical webhook");
    group.throughput(Throughput::Bytes(TYPICAL.len() as u64));
    group.bench_function("payload::read", |b| {
        b.iter(|| payload::read(black_box(TYPICAL)))
    });
    group.bench_function("conversion::convert csv", |b| {
        b.iter(|| conversion::convert(black_box(TYPICAL), "hook.json", time, &settings))
    });
    group.finish();

    let mut group = c.benchmark_group("phone");
    for raw in [
        "8 (916) 555-12-34",
        "+375 29 123-45-67",
        "8 800 555-35-35 доб. 1",
    ] {
        group.bench_function(raw, |b| {
            b.iter(|| bachata1c::phone::normalize(black_box(raw)))
        });
    }
    group.finish();

    let big = big_payload(50_000);
    let leads = leads(&big);
    let mut group = c.benchmark_group("50000 clients");
    group.sample_size(10);
    group.throughput(Throughput::Elements(50_000));
    group.bench_function("payload::read", |b| {
        b.iter(|| payload::read(black_box(&big)))
    });
    group.bench_function("conversion::convert csv", |b| {
        b.iter(|| conversion::convert(black_box(&big), "big.json", time, &settings))
    });
    for (label, format, encoding) in [
        (
            "render csv windows-1251",
            Format::Csv,
            TextEncoding::Windows1251,
        ),
        ("render xml utf-8", Format::Xml, TextEncoding::Utf8),
        (
            "render xml windows-1251",
            Format::Xml,
            TextEncoding::Windows1251,
        ),
    ] {
        let layout = Layout {
            encoding,
            ..Layout::new(format)
        };
        group.bench_function(label, |b| {
            b.iter(|| format::render(black_box(&leads), &layout))
        });
    }
    group.finish();
}

criterion_group!(benches, core);
criterion_main!(benches);
