//! Limits on one input file, so that one huge or malicious webhook cannot exhaust memory or
//! hold up the rest of the inbox: its size on disk (checked before reading) and the number of
//! entries in `clients` (checked before any client is built). Sizes read as `16MiB`, `512K`, …

use std::fmt;
use std::str::FromStr;

/// The limits applied to every input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file, in bytes.
    pub max_input_bytes: u64,
    /// Most entries in one file's `clients` array.
    pub max_clients: usize,
}

/// A real webhook is a few kilobytes with one client; these leave room for bulk exports
/// while keeping the worst case (a parsed JSON tree is about ten times the text) far from
/// any server's memory.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;
pub const DEFAULT_MAX_CLIENTS: usize = 100_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            max_clients: DEFAULT_MAX_CLIENTS,
        }
    }
}

/// A size in bytes as an administrator writes it: `16777216`, `16MiB`, `16 MB`, `512k`.
/// Units are binary (K = 1024), as Windows Explorer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let invalid =
            || format!("invalid size {text:?}: write bytes or a number with K, M or G, e.g. 16MiB");
        let number: u64 = number.parse().map_err(|_| invalid())?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => 1 << 10,
            "m" | "mb" | "mib" => 1 << 20,
            "g" | "gb" | "gib" => 1 << 30,
            _ => return Err(invalid()),
        };
        number
            .checked_mul(factor)
            .filter(|&bytes| bytes > 0)
            .map(ByteSize)
            .ok_or_else(invalid)
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human_size(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bytes(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Bytes(0) => Err(serde::de::Error::custom("a size must be more than 0")),
            Raw::Bytes(bytes) => Ok(ByteSize(bytes)),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// `16 MiB`, `1.5 KiB`, `17 bytes`: exact where it is a whole unit, so a limit reads as it was set.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (factor, unit) in UNITS {
        if bytes >= factor {
            return if bytes.is_multiple_of(factor) {
                format!("{} {unit}", bytes / factor)
            } else {
                format!("{:.1} {unit} ({bytes} bytes)", bytes as f64 / factor as f64)
            };
        }
    }
    if bytes == 1 {
        "1 byte".to_string()
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_the_usual_spellings() {
        for (text, bytes) in [
            ("16777216", 16 << 20),
            ("16MiB", 16 << 20),
            ("16 MB", 16 << 20),
            ("512k", 512 << 10),
            ("1G", 1 << 30),
            ("100b", 100),
        ] {
            assert_eq!(text.parse::<ByteSize>(), Ok(ByteSize(bytes)), "{text}");
        }
        for text in ["", "0", "-1", "16 TB", "1.5M", "99999999999999999999G"] {
            let err = text.parse::<ByteSize>().unwrap_err();
            assert!(err.contains("invalid size"), "{text}: {err}");
        }
    }

    #[test]
    fn human_sizes_are_exact_for_whole_units() {
        assert_eq!(human_size(16 << 20), "16 MiB");
        assert_eq!(human_size(1536), "1.5 KiB (1536 bytes)");
        assert_eq!(human_size(17), "17 bytes");
        assert_eq!(human_size(1), "1 byte");
    }
}
