//! Controller entries of the device database: which ones run here, and with what command.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use pyon_codec::{Dict, Value};

use super::host::HostFilter;
use super::{shlex, template};

/// The timers of one entry (keys and defaults of ARTIQ's controller manager).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timers {
    /// `retry_timer` (5 s): wait before the first restart.
    pub retry: Duration,
    /// `retry_timer_backoff` (1.1): the wait is multiplied by this after each restart.
    pub backoff: f64,
    /// `ping_timer` (30 s): time between pings.
    pub ping: Duration,
    /// `ping_timeout` (30 s): how long a ping may take.
    pub ping_timeout: Duration,
    /// `term_timeout` (30 s): each stage of stopping (RPC, SIGTERM, SIGKILL).
    pub term_timeout: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            retry: Duration::from_secs(5),
            backoff: 1.1,
            ping: Duration::from_secs(30),
            ping_timeout: Duration::from_secs(30),
            term_timeout: Duration::from_secs(30),
        }
    }
}

/// One controller to run here.
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerEntry {
    /// Its key in the device database.
    pub name: String,
    /// `host`, where it is pinged.
    pub host: String,
    /// `port`, where it is pinged.
    pub port: u16,
    /// The command, formatted and split.
    pub argv: Vec<String>,
    /// `environment`, added to ours (after `PYTHONUNBUFFERED=1`).
    pub env: Vec<(String, String)>,
    /// The timers.
    pub timers: Timers,
}

/// The entries of `db` that run here: every dict with `"type": "controller"`, a `"command"`,
/// and a `host` that `filter` matches (`resolve` gives a host's addresses). An entry that
/// cannot be run (bad template, missing port, ...) maps to the reason.
pub fn controllers_here(
    db: &Value,
    filter: &HostFilter,
    resolve: &mut dyn FnMut(&str) -> Vec<IpAddr>,
) -> BTreeMap<String, Result<ControllerEntry, String>> {
    let mut out = BTreeMap::new();
    let Value::Dict(db) = db else {
        return out;
    };
    for (key, entry) in db.iter() {
        let (Value::Str(name), Value::Dict(entry)) = (key, entry) else {
            continue;
        };
        if entry.get_str("type") != Some(&Value::from("controller"))
            || entry.get_str("command").is_none()
        {
            continue;
        }
        let host = match entry.get_str("host") {
            Some(Value::Str(host)) => host.as_str(),
            _ => {
                out.insert(name.to_string(), Err("\"host\" must be a string".into()));
                continue;
            }
        };
        if !filter.matches(host, &resolve(host)) {
            continue;
        }
        out.insert(
            name.to_string(),
            parse_entry(name, host, entry, filter.text()),
        );
    }
    out
}

fn parse_entry(
    name: &str,
    host: &str,
    entry: &Dict,
    bind: &str,
) -> Result<ControllerEntry, String> {
    let Some(Value::Str(command)) = entry.get_str("command") else {
        return Err("\"command\" must be a string".into());
    };
    let port = match entry.get_str("port") {
        Some(Value::Int(port)) => u16::try_from(*port).map_err(|_| "\"port\" out of range")?,
        _ => return Err("\"port\" must be an integer".into()),
    };
    let lookup = |field: &str| match field {
        "name" => Some(Value::from(name)),
        "bind" => Some(Value::from(bind)),
        other => entry.get_str(other).cloned(),
    };
    let command = template::format_command(command, &lookup)?;
    let argv = shlex::split(&command)?;
    if argv.is_empty() {
        return Err("empty command".into());
    }
    let env = match entry.get_str("environment") {
        None => Vec::new(),
        Some(Value::Dict(env)) => env
            .iter()
            .map(|(k, v)| match (k, v) {
                (Value::Str(k), Value::Str(v)) => Ok((k.to_string(), v.to_string())),
                _ => Err("\"environment\" must map strings to strings".to_owned()),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("\"environment\" must be a dict".into()),
    };
    let defaults = Timers::default();
    let timers = Timers {
        retry: seconds(entry, "retry_timer", defaults.retry)?,
        backoff: match entry.get_str("retry_timer_backoff") {
            None => defaults.backoff,
            Some(v) => number(v)
                .filter(|b| b.is_finite() && *b >= 1.0)
                .ok_or("\"retry_timer_backoff\" must be a number >= 1")?,
        },
        ping: seconds(entry, "ping_timer", defaults.ping)?,
        ping_timeout: seconds(entry, "ping_timeout", defaults.ping_timeout)?,
        term_timeout: seconds(entry, "term_timeout", defaults.term_timeout)?,
    };
    Ok(ControllerEntry {
        name: name.to_owned(),
        host: host.to_owned(),
        port,
        argv,
        env,
        timers,
    })
}

fn number(v: &Value) -> Option<f64> {
    match v {
        #[allow(clippy::cast_precision_loss)] // timers are small numbers of seconds
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn seconds(entry: &Dict, key: &str, default: Duration) -> Result<Duration, String> {
    match entry.get_str(key) {
        None => Ok(default),
        Some(v) => number(v)
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .ok_or_else(|| format!("\"{key}\" must be a number of seconds >= 0")),
    }
}

#[cfg(test)]
mod tests {
    use pyon_codec::dict;

    use super::*;

    fn filter() -> HostFilter {
        HostFilter::new("::1", vec!["::1".parse().unwrap()], true)
    }

    fn resolve(host: &str) -> Vec<IpAddr> {
        match host {
            "elsewhere" => vec!["10.9.9.9".parse().unwrap()],
            other => super::super::host::resolve_host(other),
        }
    }

    #[test]
    fn entries_here() {
        let db = dict! {
            "lda" => dict! {
                "type" => "controller", "host" => "localhost", "port" => 3253,
                "command" => "aqctl_lda -p {port} --bind {bind} --name '{name} x'",
                "environment" => dict! {"A" => "1"},
                "ping_timer" => 0.5, "retry_timer_backoff" => 2,
            },
            "far" => dict! {
                "type" => "controller", "host" => "elsewhere", "port" => 1, "command" => "x",
            },
            "bad" => dict! {
                "type" => "controller", "host" => "::1", "port" => 1, "command" => "x {nope}",
            },
            "quote" => dict! {
                "type" => "controller", "host" => "::1", "port" => 1, "command" => "x 'open",
            },
            "noport" => dict! {"type" => "controller", "host" => "::1", "command" => "x"},
            "aux" => dict! {"type" => "controller_aux_target", "host" => "::1"},
            "local" => dict! {"type" => "local", "module" => "m"},
        };
        let got = controllers_here(&db, &filter(), &mut resolve);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            ["bad", "lda", "noport", "quote"]
        );
        let lda = got["lda"].as_ref().unwrap();
        assert_eq!(
            lda.argv,
            [
                "aqctl_lda",
                "-p",
                "3253",
                "--bind",
                "::1",
                "--name",
                "lda x"
            ]
        );
        assert_eq!(lda.env, [("A".to_owned(), "1".to_owned())]);
        assert_eq!(lda.timers.ping, Duration::from_millis(500));
        assert!((lda.timers.backoff - 2.0).abs() < f64::EPSILON);
        assert_eq!(lda.timers.retry, Duration::from_secs(5));
        assert_eq!(got["bad"], Err("unknown field {nope}".to_owned()));
        assert_eq!(got["quote"], Err("no closing quotation".to_owned()));
        assert_eq!(got["noport"], Err("\"port\" must be an integer".to_owned()));
    }
}
