//! Leads: clients normalised for 1C (phone in E.164, name split into parts, text cleaned of
//! characters XML cannot carry), and which clients qualify. [`qualify`] applies the rules;
//! [`names`] splits Russian full names; [`clean`] removes what no output can carry.

mod clean;
mod names;
mod qualify;

use std::sync::Arc;

use chrono::NaiveDateTime;
use uuid::Uuid;

use crate::payload::CustomData;

pub use clean::clean;
pub use names::split_full_name;
pub use qualify::{Chunks, QualifiedChunk, Rules, SkipReason, Skipped, qualify};

/// A qualifying client, ready for any output format.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    /// Stable 1C identifier: the same Bachata client always gets the same one.
    pub id: Uuid,
    /// Shared by every lead of a payload rather than copied into each.
    pub event: Arc<str>,
    pub client_id: String,
    pub search_id: String,
    pub login: String,
    pub name: String,
    pub full_name: Option<FullName>,
    /// E.164 (`+79165551234`) when the number is recognised, else its digits as typed.
    pub phone: String,
    pub phone_raw: String,
    pub phone_valid: bool,
    pub email: String,
    pub dialog_id: Arc<str>,
    pub custom_data: CustomData,
    pub source_file: Arc<str>,
    pub received_at: NaiveDateTime,
}

/// Surname, first name and patronymic of a Russian full name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName {
    pub surname: String,
    pub first_name: String,
    pub patronymic: String,
}

/// What is known about a payload besides its content.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    pub source_file: &'a str,
    pub received_at: NaiveDateTime,
    /// The event name for payloads that carry none.
    pub default_event: &'a str,
}

/// Namespace of bachata1c's name-based UUIDs (itself UUIDv5 of the project URL in the URL namespace).
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_3b9e_0c5d_5e4a_9f7b_2d8c_41e6_b0a3);

/// The same Bachata client gets the same identifier in every file and format, so importing
/// twice updates one 1C counterparty instead of creating two.
pub fn stable_id(client_id: &str, phone: &str) -> Uuid {
    let key = if client_id.is_empty() {
        format!("phone:{phone}")
    } else {
        format!("client:{client_id}")
    };
    Uuid::new_v5(&ID_NAMESPACE, key.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_id_depends_on_client_id_first_then_phone() {
        assert_eq!(stable_id("abc", "+7"), stable_id("abc", "+8"));
        assert_ne!(stable_id("abc", "+7"), stable_id("abd", "+7"));
        assert_eq!(stable_id("", "+79165551234"), stable_id("", "+79165551234"));
        assert_ne!(stable_id("", "+79165551234"), stable_id("", "+79165551235"));
    }
}
