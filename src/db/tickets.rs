//! Live tickets (`live/tickets.rs`) in the database, so that a ticket one API process gives is
//! taken at any other: only its hash is stored, it is deleted when used, and the expired ones
//! go whenever one is given.

use async_trait::async_trait;

use super::{DbResult, SqlStore, TicketStore, with_pool};

/// Whether a ticket was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issued {
    Yes,
    /// Its key holds as many unexpired tickets as it may.
    KeyFull,
    /// All keys together hold as many as the database keeps.
    Full,
}

#[async_trait]
impl TicketStore for SqlStore {
    async fn issue_ticket(
        &self,
        hash: &str,
        key_id: Option<&str>,
        now: i64,
        expires_at: i64,
        per_key: u64,
        max_total: u64,
    ) -> DbResult<Issued> {
        let lock = self.dialect().admission_lock();
        let expire = "DELETE FROM live_tickets WHERE expires_at <= $1";
        // '' is no key id: keys are UUIDs.
        let mine =
            "SELECT COUNT(*) FROM live_tickets WHERE COALESCE(key_id, '') = COALESCE($1, '')";
        let all = "SELECT COUNT(*) FROM live_tickets";
        let insert = "INSERT INTO live_tickets (hash, key_id, expires_at) VALUES ($1, $2, $3)";
        with_pool!(self, pool => {
            // Under the admission lock (PostgreSQL) or SQLite's one writer: two processes cannot
            // both count a key's tickets before either inserts.
            let mut tx = pool.begin().await?;
            if let Some(lock) = lock {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            sqlx::query(expire).bind(now).execute(&mut *tx).await?;
            let held: i64 = sqlx::query_scalar(mine).bind(key_id).fetch_one(&mut *tx).await?;
            if held as u64 >= per_key {
                return Ok(Issued::KeyFull);
            }
            let total: i64 = sqlx::query_scalar(all).fetch_one(&mut *tx).await?;
            if total as u64 >= max_total {
                return Ok(Issued::Full);
            }
            sqlx::query(insert)
                .bind(hash)
                .bind(key_id)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Issued::Yes)
        })
    }

    async fn redeem_ticket(&self, hash: &str, now: i64) -> DbResult<Option<Option<String>>> {
        let sql = "DELETE FROM live_tickets WHERE hash = $1 RETURNING key_id, expires_at";
        let row: Option<(Option<String>, i64)> = with_pool!(self, pool => sqlx::query_as(sql)
            .bind(hash)
            .fetch_optional(pool)
            .await)?;
        Ok(row
            .filter(|(_, expires_at)| *expires_at > now)
            .map(|(key, _)| key))
    }
}
