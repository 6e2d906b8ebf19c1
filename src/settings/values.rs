//! The command line's values as the library's types: `cli` keeps clap's enums to itself (as
//! ripgrep's lowargs.rs does), and these are the one place they become the types the rest of
//! the program uses.

use crate::cli;
use crate::format::bsp::{CsvProfile, CsvTarget};
use crate::format::{CmlVersion, EnterpriseDataVersion, Format, TextEncoding};
use crate::ledger::State;

impl From<cli::Format> for Format {
    fn from(value: cli::Format) -> Format {
        match value {
            cli::Format::Csv => Format::Csv,
            cli::Format::Xml => Format::Xml,
            cli::Format::Commerceml => Format::Commerceml,
            cli::Format::Enterprisedata => Format::Enterprisedata,
            cli::Format::Xlsx => Format::Xlsx,
        }
    }
}

impl From<cli::Encoding> for TextEncoding {
    fn from(value: cli::Encoding) -> TextEncoding {
        match value {
            cli::Encoding::Windows1251 => TextEncoding::Windows1251,
            cli::Encoding::Utf8 => TextEncoding::Utf8,
        }
    }
}

impl From<cli::CmlVersion> for CmlVersion {
    fn from(value: cli::CmlVersion) -> CmlVersion {
        match value {
            cli::CmlVersion::V2_08 => CmlVersion::V2_08,
            cli::CmlVersion::V2_10 => CmlVersion::V2_10,
        }
    }
}

impl From<cli::EnterpriseDataVersion> for EnterpriseDataVersion {
    fn from(value: cli::EnterpriseDataVersion) -> EnterpriseDataVersion {
        match value {
            cli::EnterpriseDataVersion::V1_6 => EnterpriseDataVersion::V1_6,
            cli::EnterpriseDataVersion::V1_8 => EnterpriseDataVersion::V1_8,
        }
    }
}

impl From<cli::CsvProfile> for CsvProfile {
    fn from(value: cli::CsvProfile) -> CsvProfile {
        match value {
            cli::CsvProfile::Plain => CsvProfile::Plain,
            cli::CsvProfile::Bsp => CsvProfile::Bsp,
        }
    }
}

impl From<cli::CsvTarget> for CsvTarget {
    fn from(value: cli::CsvTarget) -> CsvTarget {
        match value {
            cli::CsvTarget::Counterparties => CsvTarget::Counterparties,
            cli::CsvTarget::Ut11Counterparties => CsvTarget::Ut11Counterparties,
            cli::CsvTarget::Partners => CsvTarget::Partners,
            cli::CsvTarget::Persons => CsvTarget::Persons,
        }
    }
}

impl From<cli::LeadState> for State {
    fn from(value: cli::LeadState) -> State {
        match value {
            cli::LeadState::Waiting => State::Waiting,
            cli::LeadState::Offered => State::Offered,
            cli::LeadState::Confirmed => State::Confirmed,
            cli::LeadState::Known => State::Known,
        }
    }
}

/// How `leads` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Csv,
    Json,
}

impl From<cli::ListFormat> for ListFormat {
    fn from(value: cli::ListFormat) -> ListFormat {
        match value {
            cli::ListFormat::Table => ListFormat::Table,
            cli::ListFormat::Csv => ListFormat::Csv,
            cli::ListFormat::Json => ListFormat::Json,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;
    use serde::de::value::{Error, StringDeserializer};
    use serde::de::{DeserializeOwned, IntoDeserializer};

    use super::*;

    /// What the config file reads from `name`.
    fn read<T: DeserializeOwned>(name: &str) -> T {
        let text: StringDeserializer<Error> = name.to_string().into_deserializer();
        T::deserialize(text).unwrap_or_else(|err| panic!("{name}: {err}"))
    }

    /// Every name (and alias) the command line takes for a value, and the value it means.
    fn names<C: ValueEnum + Copy>() -> Vec<(String, C)> {
        C::value_variants()
            .iter()
            .flat_map(|value| {
                let possible = value.to_possible_value().expect("not hidden");
                possible
                    .get_name_and_aliases()
                    .map(|name| (name.to_string(), *value))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Each command-line value is spelt as the config file spells the value it maps to, and
    /// every value of the library's type is offered on the command line.
    fn agree<C, L>(all: &[L], name: fn(L) -> &'static str)
    where
        C: ValueEnum + Copy,
        L: From<C> + DeserializeOwned + PartialEq + Copy + std::fmt::Debug,
    {
        let given = names::<C>();
        for (text, value) in &given {
            assert_eq!(read::<L>(text), L::from(*value), "{text}");
        }
        for value in all {
            assert_eq!(read::<L>(name(*value)), *value);
            assert!(
                given.iter().any(|(text, _)| text == name(*value)),
                "{value:?} is not offered on the command line"
            );
        }
    }

    #[test]
    fn the_command_line_and_the_config_name_every_value_alike() {
        agree::<cli::Format, _>(&Format::ALL, Format::name);
        agree::<cli::Encoding, _>(&TextEncoding::ALL, TextEncoding::name);
        agree::<cli::CmlVersion, _>(&CmlVersion::ALL, CmlVersion::as_str);
        agree::<cli::EnterpriseDataVersion, _>(
            &EnterpriseDataVersion::ALL,
            EnterpriseDataVersion::as_str,
        );
        agree::<cli::CsvProfile, _>(&CsvProfile::ALL, CsvProfile::name);
        agree::<cli::CsvTarget, _>(&CsvTarget::ALL, CsvTarget::name);
    }

    #[test]
    fn the_states_leads_lists_are_named_as_the_ledger_names_them() {
        let given = names::<cli::LeadState>();
        for state in State::ALL {
            let (_, value) = given
                .iter()
                .find(|(text, _)| text == state.as_str())
                .unwrap_or_else(|| panic!("{state:?} is not offered"));
            assert_eq!(State::from(*value), state);
        }
        assert_eq!(given.len(), State::ALL.len());
    }
}
