//! The layers, each over the one before: the built-in defaults (`#[serde(default)]`), the TOML
//! file, then the `EMOSCOPE_*` environment variables, merged by figment and read once into the
//! typed configuration. A variable's name is its setting's path in the structs, upper-cased,
//! a section and its key joined by `__` (`limits.max_upload_bytes` is
//! `EMOSCOPE_LIMITS__MAX_UPLOAD_BYTES`), so there is no list of names to keep: a variable whose
//! first part names a setting is read (a misspelt key in a section stops the start), and the
//! others (`EMOSCOPE_CONFIG`, `EMOSCOPE_LOG_FORMAT`) are left to whoever reads them. Values come
//! as text and are read as their setting's type (figment's lossy extraction: `5`, `true`).

use std::path::Path;

use anyhow::{Context, Result};
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Value};

use super::Config;

const PREFIX: &str = "EMOSCOPE_";

/// The variables read: each one's path among the settings, and its name.
type Read = Vec<(Vec<String>, String)>;

impl Config {
    /// Defaults, overlaid by `file` when given, then by the environment; checked.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let text = match file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?,
            ),
            None => None,
        };
        let file = file.zip(text.as_deref());
        Self::layered(file, std::env::vars())
    }

    /// The layers: defaults, then `file` (its path and text), then the `EMOSCOPE_*` variables
    /// among `vars`; checked.
    pub fn layered(
        file: Option<(&Path, &str)>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self> {
        let mut figment = Figment::new();
        if let Some((_, text)) = file {
            figment = figment.merge(Toml::string(text));
        }
        let (env, read) = environment(vars);
        let config: Config = figment
            .merge(Serialized::defaults(env))
            .extract_lossy()
            .map_err(|e| explain(e, file.map(|(path, _)| path), &read))?;
        config.validate()?;
        Ok(config)
    }
}

/// The `EMOSCOPE_*` variables that name a setting, as nested tables of text.
fn environment(vars: impl IntoIterator<Item = (String, String)>) -> (Dict, Read) {
    let settings = crate::fields::names::<Config>();
    let (mut tables, mut read) = (Dict::new(), Read::new());
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let path: Vec<String> = rest
            .to_ascii_lowercase()
            .split("__")
            .map(str::to_string)
            .collect();
        if !settings.contains(&path[0].as_str()) {
            continue;
        }
        insert(&mut tables, &path, Value::from(value));
        read.push((path, name));
    }
    (tables, read)
}

fn insert(tables: &mut Dict, path: &[String], value: Value) {
    match path {
        [] => {}
        [key] => {
            tables.insert(key.clone(), value);
        }
        [section, rest @ ..] => {
            let entry = tables
                .entry(section.clone())
                .or_insert_with(|| Value::from(Dict::new()));
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

/// Names the variable a bad value came from, never repeating the value of one (it may be a
/// secret); else the file or the variables as a whole.
fn explain(e: figment::Error, file: Option<&Path>, read: &Read) -> anyhow::Error {
    if let Some((_, name)) = read.iter().find(|(path, _)| *path == e.path) {
        return match &e.kind {
            figment::error::Kind::UnknownField(field, _) => {
                anyhow::anyhow!("{name} names no setting: there is no `{field}` in its section")
            }
            kind => anyhow::anyhow!("invalid value for {name}: {}", describe(kind)),
        };
    }
    match file {
        Some(path) => anyhow::anyhow!(
            "invalid configuration (the file {} or the EMOSCOPE_* variables): {e}",
            path.display()
        ),
        None => anyhow::anyhow!("invalid configuration (the EMOSCOPE_* variables): {e}"),
    }
}

/// What was wrong, without the value itself.
fn describe(kind: &figment::error::Kind) -> String {
    use figment::error::Kind;
    match kind {
        Kind::InvalidType(_, expected) => format!("expected {expected}"),
        Kind::InvalidValue(_, expected) => format!("expected {expected}"),
        other => other.to_string(),
    }
}
