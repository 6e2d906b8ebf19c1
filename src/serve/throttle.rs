//! Wrong passwords, counted per client address and slowed down (the webhook's Basic
//! Authentication and 1C's `checkauth`). The first [`FREE_WRONG`] - 1 wrong passwords of an
//! address are answered as usual; from the [`FREE_WRONG`]th on, each one closes the address's
//! logins for a while (429 with Retry-After): [`FIRST_BLOCK`], doubling with each further wrong
//! password, at most [`MAX_BLOCK`]. A right login clears the address's count, and an address
//! without a wrong password for [`FORGET_AFTER`] is forgotten.
//!
//! Only that address waits: a client at another address is never slowed, whatever is hammered
//! meanwhile. While an address is closed its passwords are not checked at all, or a guesser
//! would learn from each answer as before. At most [`MAX_ADDRESSES`] addresses are kept (about
//! 1.2 MB), so a caller with many addresses cannot fill memory; IPv6 addresses count by
//! their /64 network, which one host commonly has whole.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::lock::lock;

/// The wrong password that first closes an address's logins.
pub const FREE_WRONG: u32 = 5;
/// How long the first closing lasts; each further wrong password doubles it.
pub const FIRST_BLOCK: Duration = Duration::from_secs(1);
pub const MAX_BLOCK: Duration = Duration::from_secs(15 * 60);
/// An address without a wrong password this long starts again from nothing.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// The most addresses remembered at once.
pub const MAX_ADDRESSES: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key(IpAddr);

impl Key {
    /// An IPv4 address as itself (also when written as IPv6), an IPv6 one by its /64.
    fn of(address: IpAddr) -> Key {
        match address.to_canonical() {
            IpAddr::V6(v6) => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                Key(IpAddr::V6(Ipv6Addr::from(network)))
            }
            v4 => Key(v4),
        }
    }
}

#[derive(Debug)]
struct Record {
    /// Wrong passwords since the last right login (or since it was forgotten).
    wrong: u32,
    last_wrong: Instant,
    closed_until: Option<Instant>,
    /// Logins refused unchecked since the last burst line.
    refused: u64,
}

/// An address whose logins close now: what its one log line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Burst {
    pub wrong: u32,
    /// Logins refused while it was closed before.
    pub refused: u64,
    pub closed_for: Duration,
}

#[derive(Debug)]
pub struct Throttle {
    records: Mutex<HashMap<Key, Record>>,
    first_block: Duration,
}

impl Default for Throttle {
    fn default() -> Throttle {
        Throttle::new(FIRST_BLOCK)
    }
}

/// How long the first closing of an address lasts: [`FIRST_BLOCK`], unless a test shortens
/// or lengthens it ([`crate::test_hooks::first_block`]).
pub fn first_block() -> Duration {
    crate::test_hooks::first_block().unwrap_or(FIRST_BLOCK)
}

impl Throttle {
    pub fn new(first_block: Duration) -> Throttle {
        Throttle {
            records: Mutex::new(HashMap::new()),
            first_block,
        }
    }

    /// How long `client`'s logins stay closed, when they are; the refusal is counted.
    pub fn closed(&self, client: IpAddr, now: Instant) -> Option<Duration> {
        let mut records = lock(&self.records);
        let record = records.get_mut(&Key::of(client))?;
        let until = record.closed_until.filter(|until| *until > now)?;
        record.refused += 1;
        Some(until - now)
    }

    /// A wrong password from `client`; `Some` when its logins close now (one log line each).
    pub fn wrong(&self, client: IpAddr, now: Instant) -> Option<Burst> {
        let mut records = lock(&self.records);
        let key = Key::of(client);
        if !records.contains_key(&key) && records.len() >= MAX_ADDRESSES {
            make_room(&mut records, now);
        }
        let record = records.entry(key).or_insert(Record {
            wrong: 0,
            last_wrong: now,
            closed_until: None,
            refused: 0,
        });
        if now.saturating_duration_since(record.last_wrong) >= FORGET_AFTER {
            record.wrong = 0;
        }
        record.wrong = record.wrong.saturating_add(1);
        record.last_wrong = now;
        if record.wrong < FREE_WRONG {
            return None;
        }
        let doublings = (record.wrong - FREE_WRONG).min(20);
        let closed_for = self
            .first_block
            .saturating_mul(1 << doublings)
            .min(MAX_BLOCK.max(self.first_block));
        record.closed_until = Some(now + closed_for);
        Some(Burst {
            wrong: record.wrong,
            refused: std::mem::take(&mut record.refused),
            closed_for,
        })
    }

    /// A right login from `client`: its count starts again.
    pub fn right(&self, client: IpAddr) {
        lock(&self.records).remove(&Key::of(client));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.records).len()
    }
}

/// Forgets what is over (no wrong password for [`FORGET_AFTER`], not closed), then, down to
/// nine tenths of the most, the addresses whose last wrong password is oldest, open ones before
/// closed ones: one sort per tenth of the table, not a scan per new address.
fn make_room(records: &mut HashMap<Key, Record>, now: Instant) {
    let closed = |record: &Record| record.closed_until.is_some_and(|until| until > now);
    records.retain(|_, record| {
        closed(record) || now.saturating_duration_since(record.last_wrong) < FORGET_AFTER
    });
    let keep = MAX_ADDRESSES - MAX_ADDRESSES / 10;
    if records.len() <= keep {
        return;
    }
    let mut order: Vec<(bool, Instant, Key)> = records
        .iter()
        .map(|(key, record)| (closed(record), record.last_wrong, *key))
        .collect();
    let drop = records.len() - keep;
    order.select_nth_unstable(drop - 1);
    for (_, _, key) in &order[..drop] {
        records.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_fifth_wrong_password_closes_the_address_for_a_second_then_doubling() {
        let throttle = Throttle::default();
        let (guesser, start) = (address("203.0.113.7"), Instant::now());
        for _ in 1..FREE_WRONG {
            assert_eq!(throttle.wrong(guesser, start), None);
            assert_eq!(throttle.closed(guesser, start), None);
        }
        let burst = throttle.wrong(guesser, start).unwrap();
        assert_eq!((burst.wrong, burst.closed_for), (FREE_WRONG, FIRST_BLOCK));
        assert_eq!(throttle.closed(guesser, start), Some(FIRST_BLOCK));
        assert_eq!(throttle.closed(guesser, start + FIRST_BLOCK), None);
        // The refusals in between are told in the next burst's line.
        let later = start + FIRST_BLOCK;
        let burst = throttle.wrong(guesser, later).unwrap();
        assert_eq!(burst.closed_for, FIRST_BLOCK * 2);
        assert_eq!(burst.refused, 1);
        let mut at = later;
        for _ in 0..30 {
            at += MAX_BLOCK;
            let burst = throttle.wrong(guesser, at).unwrap();
            assert!(burst.closed_for <= MAX_BLOCK);
        }
        assert_eq!(throttle.closed(guesser, at), Some(MAX_BLOCK));
    }

    #[test]
    fn another_address_is_never_closed_and_a_right_login_clears_the_count() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for _ in 0..100 {
            throttle.wrong(address("203.0.113.7"), now);
        }
        assert!(throttle.closed(address("203.0.113.7"), now).is_some());
        assert_eq!(throttle.closed(address("198.51.100.1"), now), None);
        // The same host written as IPv6, and another host of the same /64, are the same.
        assert!(
            throttle
                .closed(address("::ffff:203.0.113.7"), now)
                .is_some()
        );
        for _ in 0..FREE_WRONG {
            throttle.wrong(address("2001:db8::1"), now);
        }
        assert!(throttle.closed(address("2001:db8::2"), now).is_some());
        assert_eq!(throttle.closed(address("2001:db8:0:1::1"), now), None);
        throttle.right(address("2001:db8::1"));
        assert_eq!(throttle.closed(address("2001:db8::1"), now), None);
        assert_eq!(throttle.wrong(address("2001:db8::1"), now), None);
    }

    #[test]
    fn an_address_quiet_for_an_hour_starts_again() {
        let throttle = Throttle::default();
        let (guesser, start) = (address("203.0.113.7"), Instant::now());
        for _ in 1..FREE_WRONG {
            throttle.wrong(guesser, start);
        }
        assert_eq!(throttle.wrong(guesser, start + FORGET_AFTER), None);
    }

    #[test]
    fn memory_is_bounded_however_many_addresses_guess() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for n in 0..(3 * MAX_ADDRESSES as u32) {
            throttle.wrong(IpAddr::V4(n.into()), now);
            assert!(throttle.len() <= MAX_ADDRESSES);
        }
        // What docs/serve.md says it costs: a table of 16,384 buckets (hashbrown keeps 7/8 of
        // them in use) of one entry and one control byte each, about 1.2 MB.
        let records = lock(&throttle.records);
        assert!(
            records.capacity() <= 16_384 * 7 / 8,
            "{}",
            records.capacity()
        );
        let entry = std::mem::size_of::<(Key, Record)>() + 1;
        assert!(16_384 * entry <= 1_250_000, "{entry} bytes an entry");
        drop(records);
        // A closed address is kept while newer ones come.
        let guesser = address("203.0.113.7");
        for _ in 0..FREE_WRONG {
            throttle.wrong(guesser, now);
        }
        for n in 0..(MAX_ADDRESSES as u32 / 2) {
            throttle.wrong(IpAddr::V4((n + 1_000_000).into()), now);
        }
        assert!(throttle.closed(guesser, now).is_some());
    }
}
