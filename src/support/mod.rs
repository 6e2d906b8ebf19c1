//! What a dealer sends to support, made so that the support conversation is short and no
//! client's data leaves without being asked to: [`bundle`] (`bachata1c report`: the config
//! with secrets masked, status, versions, folders, reasons, logs and the trace, in one zip),
//! [`trace`] (`serve --trace-1c`: 1C's exchange recorded for a while, then switched off),
//! [`redact`] and [`personal`] (which text is personal data), [`secrets`] (the config masked),
//! [`parts`] and [`system`] (what each part of the bundle holds).

pub mod bundle;
pub mod parts;
pub mod personal;
pub mod redact;
pub mod secrets;
pub mod system;
pub mod trace;
