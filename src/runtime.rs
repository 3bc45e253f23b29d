//! ONNX Runtime: loaded from a configured library at run time, once per process, and the
//! execution provider chosen for every session.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow};
use ort::environment::Environment;
use ort::ep::{CPU, CUDA};
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// Loads `libonnxruntime` from `lib` the first time; later calls reuse it.
pub fn environment(lib: &Path) -> Result<&'static Environment> {
    ENVIRONMENT
        .get_or_init(|| {
            if !lib.is_file() {
                return Err(format!(
                    "ONNX Runtime library not found at {} (set EMOSCOPE_ONNXRUNTIME_LIB or run scripts/setup.sh)",
                    lib.display()
                ));
            }
            ort::init_from(lib)
                .map_err(|e| format!("cannot load ONNX Runtime from {}: {e}", lib.display()))?
                .with_name("emoscope")
                .build()
                .map_err(|e| format!("cannot start ONNX Runtime: {e}"))
        })
        .as_ref()
        .map_err(|e| anyhow!("{e}"))
}

/// An ONNX Runtime execution provider: the one configured, or the one a session really runs on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionProvider {
    Cpu,
    Cuda,
}

impl ExecutionProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
        }
    }
}

impl std::str::FromStr for ExecutionProvider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cpu" => Ok(Self::Cpu),
            "cuda" => Ok(Self::Cuda),
            _ => Err(format!(
                "the execution provider must be cpu or cuda, not {s:?}"
            )),
        }
    }
}

/// Opens a model; a CUDA request that cannot be met falls back to the CPU, loudly.
pub fn open_session(
    env: &Environment,
    model: &Path,
    want_cuda: bool,
    threads: usize,
) -> Result<(Session, ExecutionProvider)> {
    let build = |provider: ExecutionProvider| -> Result<Session> {
        let ep = match provider {
            ExecutionProvider::Cuda => CUDA::default().build().error_on_failure(),
            // No arena: it keeps the largest allocation ever made, which at 1080p is most of the
            // process's memory, for little speed on these small networks.
            ExecutionProvider::Cpu => CPU::default()
                .with_arena_allocator(false)
                .build()
                .error_on_failure(),
        };
        let session = Session::builder(env)?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(ort::Error::<()>::from)?
            .with_intra_threads(threads)
            .map_err(ort::Error::<()>::from)?
            // Idle inference threads must not spin: the decoder needs the same cores.
            .with_config_entry("session.intra_op.allow_spinning", "0")
            .map_err(ort::Error::<()>::from)?
            .with_execution_providers([ep])
            .map_err(ort::Error::<()>::from)?
            .commit_from_file(model)?;
        Ok(session)
    };
    if want_cuda {
        match build(ExecutionProvider::Cuda) {
            Ok(session) => return Ok((session, ExecutionProvider::Cuda)),
            Err(e) => tracing::warn!(
                model = %model.display(),
                error = %e,
                "CUDA execution provider unavailable; falling back to the CPU"
            ),
        }
    }
    let session = build(ExecutionProvider::Cpu)
        .with_context(|| format!("cannot load model {}", model.display()))?;
    Ok((session, ExecutionProvider::Cpu))
}
