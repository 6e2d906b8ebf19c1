//! The fuzz target's checks on stable Rust, in every `make test`: the real webhooks and the
//! refused ones, mutated the way a broken sender or a hostile one would (bytes flipped, cut,
//! doubled, JSON punctuation and awkward escapes spliced in), through reading and every format.
//! libFuzzer (`make fuzz`, nightly) explores far more; whatever it finds is added below.
mod invariants;

use proptest::prelude::*;

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for folder in ["inbox", "bad"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(folder);
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        seeds.extend(paths.iter().map(|p| std::fs::read(p).unwrap()));
    }
    seeds
}

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"null",
    b"1e400",
    b"-0",
    b"\"\\ud800\"",
    b"\"\\udc00\\ud800\"",
    b"\\u0000",
    b"\"clients\":",
    b"\"phone\":\"+7 916 555-12-34\"",
    b"\"customData\":{\"a\":[{}]}",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xC3",
    b"\xD0\xB9",
    b"\r\n",
    b"\x00",
    b";",
    b"\xE9\xE2",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, &'static [u8]),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Flip(at, b)),
        (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(at, t)| Mutation::Insert(at, t)),
        (any::<usize>(), 1..64usize).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<usize>(), 1..256usize).prop_map(|(at, n)| Mutation::Duplicate(at, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match *mutation {
        Mutation::Flip(i, b) if !bytes.is_empty() => {
            let i = i % bytes.len();
            bytes[i] ^= b;
        }
        Mutation::Flip(..) => {}
        Mutation::Insert(i, token) => {
            let i = at(i, bytes.len());
            bytes.splice(i..i, token.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let i = at(i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Duplicate(i, n) => {
            let i = at(i, bytes.len());
            let end = (i + n).min(bytes.len());
            let copy = bytes[i..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::Truncate(i) => {
            let i = at(i, bytes.len());
            bytes.truncate(i);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct("proptest-regressions/fuzz_stable.txt"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_webhooks_never_break_reading_or_any_writer(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..8),
    ) {
        let seeds = seeds();
        let mut bytes = seed.get(&seeds).clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        invariants::check(&bytes);
    }
}

#[test]
fn every_fixture_passes_the_fuzz_checks_unchanged() {
    for seed in seeds() {
        invariants::check(&seed);
    }
}
