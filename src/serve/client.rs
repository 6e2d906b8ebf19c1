//! Who sent a request, for counting wrong passwords: the peer, or the client a trusted reverse
//! proxy says it forwarded for (`--trusted-proxy`, `[serve] trusted_proxies`).

use std::net::{IpAddr, SocketAddr};

/// Who sent a request: the peer, or, when the peer is a trusted proxy, the address it says it
/// forwarded for: the rightmost hop of `X-Forwarded-For` that is not itself a trusted proxy
/// (nginx's `$proxy_add_x_forwarded_for` appends the address it saw; what a client wrote
/// there itself stands to the left and is not believed), else `X-Real-IP`.
#[derive(Debug, Clone, Copy)]
pub struct Client(pub IpAddr);

pub fn client_address(peer: IpAddr, headers: &axum::http::HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |address: IpAddr| trusted.contains(&address.to_canonical());
    let peer = peer.to_canonical();
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    if hops.is_empty() {
        return headers
            .get("x-real-ip")
            .and_then(|value| value.to_str().ok())
            .and_then(parse_hop)
            .unwrap_or(peer);
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(address) = parse_hop(hop) else {
            break;
        };
        client = address;
        if !is_trusted(address) {
            break;
        }
    }
    client
}

/// `203.0.113.7`, `2001:db8::1`, or either with a port (`[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .map(|address| address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    const LOOPBACK: [IpAddr; 2] = crate::serve::DEFAULT_TRUSTED_PROXIES;

    #[test]
    fn a_peer_that_is_no_trusted_proxy_is_the_client_whatever_it_claims() {
        let claims = headers(&[
            ("x-forwarded-for", "198.51.100.1"),
            ("x-real-ip", "198.51.100.2"),
        ]);
        assert_eq!(
            client_address(ip("203.0.113.7"), &claims, &LOOPBACK),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &claims, &[]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_hop_it_added_is_the_client() {
        // nginx appended 203.0.113.7 to what the client claimed itself.
        let forwarded = headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.7")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &forwarded, &LOOPBACK),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_address(ip("::1"), &forwarded, &LOOPBACK),
            ip("203.0.113.7")
        );
        // Two proxies: the front one trusted too.
        let chain = headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.7, 10.0.0.5")]);
        let trusted = [ip("127.0.0.1"), ip("10.0.0.5")];
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &trusted),
            ip("203.0.113.7")
        );
        // Split over two header lines, with a port, IPv4 written as IPv6.
        let split = headers(&[
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-for", "[2001:db8::7]:443"),
        ]);
        assert_eq!(
            client_address(ip("::ffff:127.0.0.1"), &split, &LOOPBACK),
            ip("2001:db8::7")
        );
        let real = headers(&[("x-real-ip", "203.0.113.9")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &real, &LOOPBACK),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn an_unreadable_hop_stops_the_walk_at_the_last_address_known() {
        let garbage = headers(&[("x-forwarded-for", "203.0.113.7, unknown")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &garbage, &LOOPBACK),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &HeaderMap::new(), &LOOPBACK),
            ip("127.0.0.1")
        );
    }
}
