//! How a `tracing` event reads as a record: level, logger name, message, source.
//!
//! Shared by the forwarder and the console format so that both show the same record.
//!
//! - level: the event's level (`WARN` → `WARNING`), unless the event has a field
//!   [`LEVELNAME_FIELD`] naming a level (`levelname = "CRITICAL"`: `tracing` has no CRITICAL);
//! - logger name: the field [`LOGGER_FIELD`] if present, else a `log.target` field (events
//!   bridged from the `log` crate), else the event's target with `::` replaced by `.`
//!   (`my_ctl::driver` → `my_ctl.driver`; `golden.ctl` stays as it is);
//! - message: the `message` field, followed by ` key=value` for every other field (values in
//!   their `Debug` form, as tracing-subscriber's default format shows them);
//! - source: the field [`SOURCE_FIELD`], set on records that were received from elsewhere.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};

use crate::record::Level;

/// Field naming the logger of an event, overriding its target: `logger = "golden.ctl"`.
pub const LOGGER_FIELD: &str = "logger";
/// Field naming the source of a forwarded record: `source = "ctl_demo"`.
pub const SOURCE_FIELD: &str = "source";
/// Field overriding the level name: `levelname = "CRITICAL"`.
pub const LEVELNAME_FIELD: &str = "levelname";

const LOG_TARGET_FIELD: &str = "log.target";

/// The record view of one event, filled by visiting its fields.
#[derive(Debug, Default)]
pub(crate) struct EventFields {
    /// The `message` field followed by the other fields (after [`fill`](Self::fill)).
    pub message: String,
    /// Every other field, as ` key=value`.
    extras: String,
    /// The logger name (after [`fill`](Self::fill)).
    pub name: String,
    pub logger: Option<String>,
    pub source: Option<String>,
    pub levelname: Option<Level>,
    log_target: Option<String>,
}

impl EventFields {
    /// Clear for reuse, keeping the buffers.
    pub fn clear(&mut self) {
        self.message.clear();
        self.extras.clear();
        self.name.clear();
        self.logger = None;
        self.source = None;
        self.levelname = None;
        self.log_target = None;
    }

    /// Visit `event`'s fields into `self`, replacing what it held.
    pub fn fill(&mut self, event: &tracing::Event<'_>) {
        self.clear();
        event.record(self);
        if !self.extras.is_empty() {
            let extras = std::mem::take(&mut self.extras);
            self.message.push_str(&extras);
            self.extras = extras;
        }
        let meta = event.metadata();
        match (&self.logger, &self.log_target) {
            (Some(name), _) | (None, Some(name)) => self.name.push_str(name),
            (None, None) => push_target_as_name(meta.target(), &mut self.name),
        }
    }

    /// The record level of the event.
    pub fn level(&self, meta: &tracing::Metadata<'_>) -> Level {
        self.levelname
            .unwrap_or_else(|| Level::from_tracing(*meta.level()))
    }

    fn text_field(&mut self, field: &Field, value: &str) -> bool {
        match field.name() {
            LOGGER_FIELD => self.logger = Some(value.to_owned()),
            SOURCE_FIELD => self.source = Some(value.to_owned()),
            LOG_TARGET_FIELD => self.log_target = Some(value.to_owned()),
            LEVELNAME_FIELD => match Level::from_name(value) {
                Some(level) => self.levelname = Some(level),
                None => return false,
            },
            "message" => self.message.push_str(value),
            name if name.starts_with("log.") => {}
            _ => return false,
        }
        true
    }
}

/// Append `target` as a logger name: `::` becomes `.`.
pub(crate) fn push_target_as_name(target: &str, out: &mut String) {
    let mut parts = target.split("::");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        out.push('.');
        out.push_str(part);
    }
}

impl Visit for EventFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.text_field(field, value) {
            let _ = write!(self.extras, " {}={:?}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            // Writing to a String cannot fail.
            "message" => {
                let _ = write!(self.message, "{value:?}");
            }
            LOGGER_FIELD | SOURCE_FIELD | LEVELNAME_FIELD | LOG_TARGET_FIELD => {
                let text = format!("{value:?}");
                if !self.text_field(field, &text) {
                    let _ = write!(self.extras, " {}={}", field.name(), text);
                }
            }
            name if name.starts_with("log.") => {}
            name => {
                let _ = write!(self.extras, " {name}={value:?}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names() {
        for (target, name) in [
            ("golden.ctl", "golden.ctl"),
            ("my_ctl::driver", "my_ctl.driver"),
            ("a::b::c", "a.b.c"),
            ("plain", "plain"),
            ("", ""),
        ] {
            let mut out = String::new();
            push_target_as_name(target, &mut out);
            assert_eq!(out, name);
        }
    }
}
