//! A PostgreSQL database of the test's own on the real server: `EMOSCOPE_TEST_POSTGRES_URL`, by
//! default the one `scripts/setup.sh --test` starts (role `emoscope`, allowed to create
//! databases). It is dropped when the test ends.

pub struct TestDb {
    admin_url: String,
    name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create() -> Self {
        let admin_url = std::env::var("EMOSCOPE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://emoscope:emoscope@127.0.0.1:5432/emoscope".into());
        let admin = sqlx::PgPool::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "no PostgreSQL at {admin_url} ({e}); `scripts/setup.sh --test` starts one, or set \
                 EMOSCOPE_TEST_POSTGRES_URL"
            )
        });
        let name = format!("emoscope_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("create database");
        admin.close().await;
        let (base, _) = admin_url.rsplit_once('/').expect("URL ends with /database");
        let url = format!("{base}/{name}");
        Self {
            admin_url,
            name,
            url,
        }
    }
}

/// The database goes when the test ends, failed ones included (this runs while unwinding), on a
/// thread and runtime of its own since the test's runtime may be gone.
impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let admin = sqlx::PgPool::connect(&admin_url).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await?;
                admin.close().await;
                Ok::<_, sqlx::Error>(())
            })
            .map_err(|e| e.to_string())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!(
                "could not drop the test database {}: {dropped:?}",
                self.name
            );
        }
    }
}
