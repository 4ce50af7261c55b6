//! Which records reach the console: Python's `SourceFilter`, and the `-v`/`-q` threshold.

use tracing::Metadata;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::layer::{Context, Filter};

use crate::fields::{EventFields, SOURCE_FIELD};
use crate::record::Level;

/// The least severe level that passes, as Python's numeric level: a record passes when its
/// [`Level::levelno`] is at least this.
///
/// `-v`/`-q` move it from WARNING (30) by 10 per step, as Python's `init_logger_from_args`:
/// `-vvv` lets everything through (TRACE included), `-qq` only CRITICAL, `-qqq` nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LevelThreshold(i32);

impl LevelThreshold {
    /// Everything passes.
    pub const ALL: LevelThreshold = LevelThreshold(0);
    /// WARNING and above pass: the default of Python programs.
    pub const WARNING: LevelThreshold = LevelThreshold(30);

    /// A threshold at Python level number `levelno`.
    pub fn from_levelno(levelno: i32) -> LevelThreshold {
        LevelThreshold(levelno)
    }

    /// `level` and above pass.
    pub fn at(level: Level) -> LevelThreshold {
        LevelThreshold(level.levelno())
    }

    /// WARNING moved by `-q` (up) and `-v` (down) counts, 10 per step.
    pub fn from_counts(verbose: u8, quiet: u8) -> LevelThreshold {
        LevelThreshold(30 + 10 * (i32::from(quiet) - i32::from(verbose)))
    }

    /// The threshold of the `-v`/`-q` arguments of a program.
    pub fn from_verbosity(args: &asyncio_server::VerbosityArgs) -> LevelThreshold {
        LevelThreshold::from_counts(args.verbose, args.quiet)
    }

    /// The Python level number.
    pub fn levelno(self) -> i32 {
        self.0
    }

    /// Whether a record of `level` passes.
    pub fn allows(self, level: Level) -> bool {
        level.levelno() >= self.0
    }

    /// Whether an event at `tracing` level `level` may pass (an `ERROR` event may be CRITICAL).
    pub fn allows_tracing(self, level: tracing::Level) -> bool {
        match level {
            tracing::Level::ERROR => self.allows(Level::Critical),
            other => self.allows(Level::from_tracing(other)),
        }
    }

    /// The most verbose `tracing` level that may pass (a hint for `tracing`'s fast path).
    pub fn max_tracing_level(self) -> LevelFilter {
        [
            (Level::Trace, LevelFilter::TRACE),
            (Level::Debug, LevelFilter::DEBUG),
            (Level::Info, LevelFilter::INFO),
            (Level::Warning, LevelFilter::WARN),
            (Level::Critical, LevelFilter::ERROR),
        ]
        .into_iter()
        .find(|&(level, _)| self.allows(level))
        .map_or(LevelFilter::OFF, |(_, filter)| filter)
    }
}

impl Default for LevelThreshold {
    fn default() -> Self {
        LevelThreshold::WARNING
    }
}

/// Python's `SourceFilter` as a per-layer `tracing` filter: local records are filtered by level,
/// records forwarded from another source (events with a `source` field naming another source)
/// all pass: their source has already filtered them.
///
/// ```
/// use log_forward::{LevelThreshold, MultilineFormat, SourceFilter};
/// use tracing_subscriber::prelude::*;
///
/// let console = tracing_subscriber::fmt::layer()
///     .event_format(MultilineFormat::new())
///     .with_writer(std::io::stderr)
///     .with_filter(SourceFilter::new(LevelThreshold::WARNING, "ctlmgr"));
/// let _subscriber = tracing_subscriber::registry().with(console);
/// ```
#[derive(Debug, Clone)]
pub struct SourceFilter {
    local_level: LevelThreshold,
    local_source: String,
}

impl SourceFilter {
    /// Filter local records (those without source, or with `local_source`) at `local_level`.
    pub fn new(local_level: LevelThreshold, local_source: impl Into<String>) -> SourceFilter {
        SourceFilter {
            local_level,
            local_source: local_source.into(),
        }
    }

    /// The threshold of local records.
    pub fn local_level(&self) -> LevelThreshold {
        self.local_level
    }

    /// The name of the local source.
    pub fn local_source(&self) -> &str {
        &self.local_source
    }

    /// The decision for one record (a `source` of `None` is local).
    pub fn allows(&self, level: Level, source: Option<&str>) -> bool {
        match source {
            Some(source) if source != self.local_source => true,
            _ => self.local_level.allows(level),
        }
    }
}

impl<S> Filter<S> for SourceFilter {
    fn enabled(&self, meta: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        // Forwarded records may be below the local level: let every event that can carry a
        // source through to `event_enabled`, which sees the fields.
        meta.is_event()
            && (meta.fields().field(SOURCE_FIELD).is_some()
                || self.local_level.allows_tracing(*meta.level()))
    }

    fn event_enabled(&self, event: &tracing::Event<'_>, _cx: &Context<'_, S>) -> bool {
        let meta = event.metadata();
        if meta.fields().field(SOURCE_FIELD).is_none() {
            return self.local_level.allows(Level::from_tracing(*meta.level()))
                || self.local_level.allows_tracing(*meta.level()) && is_critical(event);
        }
        let mut fields = EventFields::default();
        fields.fill(event);
        self.allows(fields.level(meta), fields.source.as_deref())
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // Forwarded records can be at any level.
        None
    }
}

/// Whether an `ERROR` event says `levelname = "CRITICAL"`.
fn is_critical(event: &tracing::Event<'_>) -> bool {
    if event
        .metadata()
        .fields()
        .field(crate::fields::LEVELNAME_FIELD)
        .is_none()
    {
        return false;
    }
    let mut fields = EventFields::default();
    fields.fill(event);
    fields.levelname == Some(Level::Critical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_follow_python() {
        assert_eq!(LevelThreshold::from_counts(0, 0).levelno(), 30);
        assert_eq!(LevelThreshold::from_counts(3, 0).levelno(), 0);
        assert_eq!(LevelThreshold::from_counts(0, 2).levelno(), 50);
        let t = LevelThreshold::from_counts(0, 2);
        assert!(t.allows(Level::Critical) && !t.allows(Level::Error));
        assert_eq!(t.max_tracing_level(), LevelFilter::ERROR);
        assert_eq!(
            LevelThreshold::from_counts(0, 3).max_tracing_level(),
            LevelFilter::OFF
        );
        assert_eq!(
            LevelThreshold::from_counts(3, 0).max_tracing_level(),
            LevelFilter::TRACE
        );
        assert_eq!(
            LevelThreshold::from_counts(2, 0).max_tracing_level(),
            LevelFilter::DEBUG
        );
        assert_eq!(
            LevelThreshold::default().max_tracing_level(),
            LevelFilter::WARN
        );
        assert!(LevelThreshold::at(Level::Trace).allows(Level::Trace));
    }

    #[test]
    fn source_filter_decisions() {
        let filter = SourceFilter::new(LevelThreshold::WARNING, "ctlmgr");
        assert!(filter.allows(Level::Warning, None));
        assert!(!filter.allows(Level::Info, None));
        assert!(!filter.allows(Level::Info, Some("ctlmgr")));
        assert!(filter.allows(Level::Error, Some("ctlmgr")));
        assert!(filter.allows(Level::Trace, Some("ctl_demo")));
    }
}
