//! Starting the service: the store, the engine, the workers and the HTTP server.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::api::{AppState, router};
use crate::config::Config;
use crate::jobs::postgres::PgStore;
use crate::jobs::sqlite::SqliteStore;
use crate::jobs::store::JobStore;
use crate::jobs::worker::{self, Workers};
use crate::pipeline::Engine;
use crate::report::service::Reporter;

pub async fn open_store(config: &Config) -> Result<Arc<dyn JobStore>> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        tokio::fs::create_dir_all(&config.data_dir)
            .await
            .with_context(|| format!("cannot create data_dir {}", config.data_dir.display()))?;
        let store = SqliteStore::open(&url)
            .await
            .with_context(|| format!("cannot open {url}"))?;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PgStore::open(&url)
            .await
            .with_context(|| format!("cannot open the PostgreSQL database {}", redact(&url)))?;
        Ok(Arc::new(store))
    } else {
        bail!("unsupported database_url {url:?}")
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Loads the models off the async runtime (it takes a moment) for `workers` workers.
pub async fn load_engine(config: &Arc<Config>, workers: usize) -> Result<Arc<Engine>> {
    let c = config.clone();
    let threads = config.threads_per_session(workers);
    let engine = tokio::task::spawn_blocking(move || Engine::load(&c, threads)).await??;
    Ok(Arc::new(engine))
}

/// What `serve` runs: the API and, when `workers > 0`, workers in the same process.
pub struct Service {
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

impl Service {
    pub async fn start(config: Config, listener: TcpListener, workers: usize) -> Result<Self> {
        let config = Arc::new(config);
        let store = open_store(&config).await?;
        tokio::fs::create_dir_all(config.uploads_dir()).await?;
        let engine = load_engine(&config, workers.max(1)).await?;
        let wake = Arc::new(Notify::new());
        let (shutdown, rx) = watch::channel(false);
        let handles = if workers > 0 {
            worker::spawn(
                Workers {
                    store: store.clone(),
                    engine: engine.clone(),
                    config: config.clone(),
                    wake: wake.clone(),
                },
                workers,
                rx.clone(),
            )
        } else {
            Vec::new()
        };
        let reporter = Arc::new(Reporter::new(&config.report)?);
        tracing::info!(provider = reporter.default_provider(), "narrative reports");
        let app = router(AppState {
            store,
            engine,
            config,
            wake,
            reporter,
        });
        let addr = listener.local_addr()?;
        let mut stop = rx;
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await
        });
        tracing::info!(%addr, workers, "emoscope listening");
        Ok(Self {
            addr,
            shutdown,
            server,
            workers: handles,
        })
    }

    /// Stops taking requests, lets the workers put their jobs back, and waits for them.
    pub async fn stop(self) -> Result<()> {
        let _ = self.shutdown.send(true);
        self.server.await??;
        let workers = self.workers;
        tokio::task::spawn_blocking(move || {
            for w in workers {
                let _ = w.join();
            }
        })
        .await?;
        Ok(())
    }
}

/// Only workers, against the configured database (scale-out).
pub async fn run_workers(
    config: Config,
    count: usize,
    signal: impl Future<Output = ()>,
) -> Result<()> {
    let config = Arc::new(config);
    let store = open_store(&config).await?;
    let engine = load_engine(&config, count).await?;
    let (shutdown, rx) = watch::channel(false);
    let handles = worker::spawn(
        Workers {
            store,
            engine,
            config,
            wake: Arc::new(Notify::new()),
        },
        count,
        rx,
    );
    signal.await;
    tracing::info!("shutting down workers");
    let _ = shutdown.send(true);
    tokio::task::spawn_blocking(move || {
        for h in handles {
            let _ = h.join();
        }
    })
    .await?;
    Ok(())
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
