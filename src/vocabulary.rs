//! The words a job's options and the configuration's defaults share (which detector, which
//! people), kept apart from both so that `config` imports nothing of the pipeline.

use serde::{Deserialize, Serialize};

/// YuNet is the face detector; the Haar cascade is the fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectorKind {
    Yunet,
    Haar,
}

impl DetectorKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "yunet" => Some(Self::Yunet),
            "haar" => Some(Self::Haar),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yunet => "yunet",
            Self::Haar => "haar",
        }
    }
}

impl std::str::FromStr for DetectorKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| format!("the detector must be yunet or haar, not {s:?}"))
    }
}

/// Which people a job reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Focus {
    /// Everyone seen for at least `min_track_ms`.
    #[default]
    All,
    /// Only the person on screen longest: the usual "analyse the speaker" case.
    Main,
}

impl Focus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "all" => Some(Self::All),
            "main" => Some(Self::Main),
            _ => None,
        }
    }
}

impl std::str::FromStr for Focus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| format!("focus must be all or main, not {s:?}"))
    }
}
