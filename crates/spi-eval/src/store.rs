//! The run store: one SQLite file (`spi-eval.sqlite`) per log directory, in WAL mode, holding
//! runs, every sample's record and the response cache.
//!
//! A sample is committed as soon as it completes, by a single writer thread that commits whatever
//! is queued in one transaction. A kill -9 loses at most the samples still queued or in flight;
//! those are simply not in the store, so `--resume` runs them. The primary key
//! `(run_id, sample_key, epoch)` makes a repeat impossible, and a sample that is `ok` is never
//! overwritten; an `error` one is replaced when a resume completes it.
//!
//! The store is trusted only as far as it checks out: opening it runs SQLite's `quick_check`
//! and refuses a damaged file; its schema carries a version (`PRAGMA user_version`) and older
//! versions are migrated in place on open. Each run keeps its plan (every sample-epoch it set
//! out to do), so `planned = ok + errors + not run` is read from the store, not assumed. The
//! writer reports its first failure to every sender at once, so a run stops starting samples
//! the moment its results can no longer be kept; cache writes are best-effort and never take
//! the store down with them.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::client::{CallLog, ResponseCache};
use crate::dataset::Sample;
use crate::error::EvalError;
use crate::provider::ChatResponse;
use crate::scorer::Score;
use crate::solver::TaskState;

/// File name of the store inside a log directory.
pub const STORE_FILE: &str = "spi-eval.sqlite";

/// The schema version this build writes (`PRAGMA user_version`). History: 1 the first release
/// (runs, samples, cache); 2 adds `runs.arm` and the `plan` table.
pub const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    suite_name TEXT NOT NULL,
    suite_path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    model TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    config TEXT NOT NULL,
    arm TEXT NOT NULL DEFAULT 'baseline'
);
CREATE TABLE IF NOT EXISTS samples (
    run_id TEXT NOT NULL,
    sample_key TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    dataset TEXT NOT NULL,
    sample_id TEXT NOT NULL,
    status TEXT NOT NULL,
    sample TEXT NOT NULL,
    state TEXT,
    scores TEXT NOT NULL,
    error TEXT,
    calls TEXT NOT NULL,
    started_at TEXT NOT NULL,
    completed_at TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    PRIMARY KEY (run_id, sample_key, epoch)
);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    response TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan (
    run_id TEXT NOT NULL,
    sample_key TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    PRIMARY KEY (run_id, sample_key, epoch)
);
";

/// Version 1 to 2: runs name their arm; runs keep their plan.
const MIGRATE_1_TO_2: &str = "
ALTER TABLE runs ADD COLUMN arm TEXT NOT NULL DEFAULT 'baseline';
CREATE TABLE IF NOT EXISTS plan (
    run_id TEXT NOT NULL,
    sample_key TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    PRIMARY KEY (run_id, sample_key, epoch)
);
";

/// Checks that a run id can name a file: 1 to 128 characters from `A-Z a-z 0-9 . _ -`, not
/// starting with `.` (so not `.` or `..`). Ids reach paths (`reports/RUN`, `exports/RUN.json`,
/// lock files) and arrive from flags, `$JOB_NAME` and merged shard stores, so every entry checks.
pub fn validate_run_id(id: &str) -> Result<(), EvalError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(EvalError::Config(format!(
            "run id {id:?}: expected 1 to 128 characters from A-Z, a-z, 0-9, '.', '_', '-', not starting with '.'"
        )))
    }
}

/// How a run's plan stands: always `planned = ok + errors + not_run`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accounting {
    /// Sample-epochs the run set out to do.
    pub planned: u64,
    /// Recorded ok.
    pub ok: u64,
    /// Recorded as errors (a resume retries them).
    pub errors: u64,
    /// In the plan with no record yet.
    pub not_run: u64,
}

/// A run's header row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Unique id (time-ordered).
    pub run_id: String,
    /// Suite name.
    pub suite_name: String,
    /// Suite file as given.
    pub suite_path: String,
    /// Suite fingerprint plus the options that change which samples run.
    pub fingerprint: String,
    /// `provider:model`.
    pub model: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, when finished.
    pub finished_at: Option<String>,
    /// `running`, `success`, `incomplete` (errors or budget), `cancelled`.
    pub status: String,
    /// The run's options as JSON.
    pub config: serde_json::Value,
    /// The suite arm (intervention block) the run used; `baseline` when none.
    #[serde(default = "baseline_arm")]
    pub arm: String,
}

fn baseline_arm() -> String {
    "baseline".into()
}

/// How a sample ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleStatus {
    /// Solved and scored.
    Ok,
    /// Failed; `error` says why.
    Error,
}

/// One sample-epoch's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    /// Run.
    pub run_id: String,
    /// `dataset/id`.
    pub key: String,
    /// 1-based epoch.
    pub epoch: u32,
    /// Dataset name.
    pub dataset: String,
    /// How it ended.
    pub status: SampleStatus,
    /// The sample as loaded.
    pub sample: Sample,
    /// The conversation and output (absent if solving failed).
    pub state: Option<TaskState>,
    /// Scores by scorer name.
    pub scores: BTreeMap<String, Score>,
    /// The cause, for errors.
    pub error: Option<String>,
    /// Calls, retries, tokens, cost.
    pub calls: CallLog,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub completed_at: String,
    /// Wall time.
    pub latency_ms: f64,
}

impl SampleRecord {
    /// The record without its conversation and prompt text: what statistics and reports need
    /// (status, scores, category, usage), at a fraction of the memory.
    pub fn light(mut self) -> SampleRecord {
        self.state = None;
        self.sample.input = crate::dataset::Input::Text(String::new());
        self.sample.choices = None;
        self.sample.check = None;
        self.sample.metadata.remove("rubric");
        self
    }
}

/// The store of one log directory.
pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.path.display())
    }
}

fn open_conn(path: &Path) -> Result<Connection, EvalError> {
    let e = |source| EvalError::Store {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(path).map_err(e)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(e)?;
    // WAL + NORMAL: a commit survives a process kill (the WAL is written before COMMIT returns);
    // only an OS crash may lose the last transactions, which resume then re-runs.
    conn.pragma_update(None, "journal_mode", "WAL").map_err(e)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(e)?;
    Ok(conn)
}

impl Store {
    /// Opens (creating) the store in `log_dir`: checks its integrity, migrates an older schema
    /// and refuses one written by a newer version.
    pub fn open(log_dir: &Path) -> Result<Store, EvalError> {
        std::fs::create_dir_all(log_dir).map_err(|source| EvalError::Io {
            path: log_dir.to_path_buf(),
            source,
        })?;
        let path = log_dir.join(STORE_FILE);
        let existed = path.exists();
        let conn = open_conn(&path).map_err(|e| match e {
            EvalError::Store { source, .. } if existed => EvalError::StoreFormat {
                path: path.clone(),
                message: format!(
                    "the file cannot be read as a run store ({source}); refusing to read or write it"
                ),
            },
            other => other,
        })?;
        let store = Store {
            path,
            conn: Mutex::new(conn),
        };
        store.check_integrity()?;
        store.migrate()?;
        Ok(store)
    }

    fn check_integrity(&self) -> Result<(), EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        let mut st = conn
            .prepare("PRAGMA quick_check")
            .map_err(|e| self.corrupt(e))?;
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.corrupt(e))?;
        if rows.len() == 1 && rows[0] == "ok" {
            Ok(())
        } else {
            Err(self.fmt_err(format!(
                "the file is damaged (SQLite quick_check: {}); refusing to read or write it. Restore it from a backup or move it aside and start a new log directory",
                rows.into_iter().take(3).collect::<Vec<_>>().join("; ")
            )))
        }
    }

    fn corrupt(&self, e: rusqlite::Error) -> EvalError {
        self.fmt_err(format!(
            "the file cannot be read as a run store ({e}); refusing to write into it"
        ))
    }

    fn migrate(&self) -> Result<(), EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if version > SCHEMA_VERSION {
            return Err(self.fmt_err(format!(
                "schema version {version} was written by a newer spi (this one reads up to {SCHEMA_VERSION}); upgrade spi"
            )));
        }
        let has_runs: bool = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| self.err(e))?
            > 0;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        // Version 0 with tables is a store from before versions were recorded: schema 1.
        let effective = if version == 0 && has_runs { 1 } else { version };
        let step = match effective {
            0 => SCHEMA,
            1 => MIGRATE_1_TO_2,
            _ => "",
        };
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {step} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
        ))
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64, EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Opens an existing store without creating one.
    pub fn open_existing(log_dir: &Path) -> Result<Store, EvalError> {
        let path = log_dir.join(STORE_FILE);
        if !path.exists() {
            return Err(EvalError::RunNotFound {
                run: "(any)".into(),
                path,
            });
        }
        Store::open(log_dir)
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> EvalError {
        EvalError::Store {
            path: self.path.clone(),
            source,
        }
    }

    fn fmt_err(&self, message: String) -> EvalError {
        EvalError::StoreFormat {
            path: self.path.clone(),
            message,
        }
    }

    /// Records a new run (its id must pass [`validate_run_id`]).
    pub fn create_run(&self, run: &RunInfo) -> Result<(), EvalError> {
        validate_run_id(&run.run_id)?;
        let conn = self.conn.lock().expect("store poisoned");
        conn.execute(
            "INSERT INTO runs (run_id, suite_name, suite_path, fingerprint, model, created_at, finished_at, status, config, arm) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
            params![run.run_id, run.suite_name, run.suite_path, run.fingerprint, run.model, run.created_at, run.finished_at, run.status, run.config.to_string(), run.arm],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Adds sample-epochs to a run's plan (repeats are ignored, so shards can share a run).
    pub fn add_plan<'a>(
        &self,
        run_id: &str,
        items: impl IntoIterator<Item = (&'a str, u32)>,
    ) -> Result<(), EvalError> {
        let mut conn = self.conn.lock().expect("store poisoned");
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        {
            let mut st = tx
                .prepare(
                    "INSERT OR IGNORE INTO plan (run_id, sample_key, epoch) VALUES (?1, ?2, ?3)",
                )
                .map_err(|e| self.err(e))?;
            for (key, epoch) in items {
                st.execute(params![run_id, key, epoch])
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// The run's accounting from the store: planned (the plan, or for runs from schema 1 the
    /// `planned` count in their config), ok, errors and not run.
    pub fn accounting(&self, run: &RunInfo) -> Result<Accounting, EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        let count = |sql: &str| -> Result<u64, EvalError> {
            conn.query_row(sql, [&run.run_id], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
                .map_err(|e| self.err(e))
        };
        let in_plan = count("SELECT count(*) FROM plan WHERE run_id = ?1")?;
        let ok = count("SELECT count(*) FROM samples WHERE run_id = ?1 AND status = 'ok'")?;
        let errors = count("SELECT count(*) FROM samples WHERE run_id = ?1 AND status != 'ok'")?;
        // Records outside the plan (a legacy run, or shards merged without plans) still count.
        let outside = count(
            "SELECT count(*) FROM samples s WHERE s.run_id = ?1 AND NOT EXISTS (SELECT 1 FROM plan p WHERE p.run_id = s.run_id AND p.sample_key = s.sample_key AND p.epoch = s.epoch)",
        )?;
        let legacy = run
            .config
            .get("planned")
            .and_then(|p| p.as_u64())
            .unwrap_or(0);
        let planned = if in_plan == 0 {
            legacy.max(ok + errors)
        } else {
            in_plan + outside
        };
        Ok(Accounting {
            planned,
            ok,
            errors,
            not_run: planned - ok - errors,
        })
    }

    /// A run's plan, ordered by key then epoch.
    pub fn plan(&self, run_id: &str) -> Result<Vec<(String, u32)>, EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        let mut st = conn
            .prepare(
                "SELECT sample_key, epoch FROM plan WHERE run_id = ?1 ORDER BY sample_key, epoch",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([run_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The planned sample-epochs of a run that have no record, ordered by key then epoch.
    pub fn not_run(&self, run_id: &str) -> Result<Vec<(String, u32)>, EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        let mut st = conn
            .prepare("SELECT p.sample_key, p.epoch FROM plan p WHERE p.run_id = ?1 AND NOT EXISTS (SELECT 1 FROM samples s WHERE s.run_id = p.run_id AND s.sample_key = p.sample_key AND s.epoch = p.epoch) ORDER BY p.sample_key, p.epoch")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([run_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Keeps a second process off a run in progress: an OS lock on `locks/NAME.lock` next to
    /// the store (`NAME` is the run id, or the run id and shard), held until the returned guard
    /// drops (or the process dies, so a killed run never leaves a stale lock behind).
    pub fn lock_run(&self, run_id: &str) -> Result<RunLock, EvalError> {
        validate_run_id(run_id)?;
        let dir = self.path.parent().unwrap_or(Path::new(".")).join("locks");
        let io = |path: &Path, source| EvalError::Io {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let path = dir.join(format!("{run_id}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(EvalError::Config(format!(
                "run `{run_id}` is being run by another process (lock {}); wait for it to finish, then resume",
                path.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(io(&path, e)),
        }
    }

    /// Sets a run's status (and finish time).
    pub fn finish_run(
        &self,
        run_id: &str,
        status: &str,
        finished_at: &str,
    ) -> Result<(), EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        conn.execute(
            "UPDATE runs SET status = ?2, finished_at = ?3 WHERE run_id = ?1",
            params![run_id, status, finished_at],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Marks a resumed run as running again (clearing its finish time).
    pub fn mark_running(&self, run_id: &str) -> Result<(), EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        conn.execute(
            "UPDATE runs SET status = 'running', finished_at = NULL WHERE run_id = ?1",
            params![run_id],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn row_to_run(row: &rusqlite::Row<'_>) -> rusqlite::Result<(RunInfo, String)> {
        let config: String = row.get(8)?;
        Ok((
            RunInfo {
                run_id: row.get(0)?,
                suite_name: row.get(1)?,
                suite_path: row.get(2)?,
                fingerprint: row.get(3)?,
                model: row.get(4)?,
                created_at: row.get(5)?,
                finished_at: row.get(6)?,
                status: row.get(7)?,
                config: serde_json::Value::Null,
                arm: row.get(9)?,
            },
            config,
        ))
    }

    /// All runs, oldest first.
    pub fn runs(&self) -> Result<Vec<RunInfo>, EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        let mut st = conn
            .prepare("SELECT run_id, suite_name, suite_path, fingerprint, model, created_at, finished_at, status, config, arm FROM runs ORDER BY created_at, run_id")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], Self::row_to_run)
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            let (mut run, config) = r.map_err(|e| self.err(e))?;
            run.config = serde_json::from_str(&config)
                .map_err(|e| self.fmt_err(format!("runs.config of {}: {e}", run.run_id)))?;
            out.push(run);
        }
        Ok(out)
    }

    /// A run by id; `latest` names the newest.
    pub fn run(&self, id: &str) -> Result<RunInfo, EvalError> {
        let runs = self.runs()?;
        let found = if id == "latest" {
            runs.last().cloned()
        } else {
            runs.into_iter().find(|r| r.run_id == id)
        };
        let run = found.ok_or_else(|| EvalError::RunNotFound {
            run: id.to_string(),
            path: self.path.clone(),
        })?;
        // Ids become paths in reports and exports: one merged from a hostile shard is refused.
        validate_run_id(&run.run_id)?;
        Ok(run)
    }

    /// The newest run with this fingerprint that is not a success: what `--resume` continues.
    pub fn find_resumable(&self, fingerprint: &str) -> Result<Option<RunInfo>, EvalError> {
        Ok(self
            .runs()?
            .into_iter()
            .rev()
            .find(|r| r.fingerprint == fingerprint && r.status != "success"))
    }

    /// Keys of samples already done (`ok`) in a run.
    pub fn completed(&self, run_id: &str) -> Result<HashSet<(String, u32)>, EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        let mut st = conn
            .prepare("SELECT sample_key, epoch FROM samples WHERE run_id = ?1 AND status = 'ok'")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([run_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every record of a run, ordered by key then epoch.
    pub fn samples(&self, run_id: &str) -> Result<Vec<SampleRecord>, EvalError> {
        let mut out = Vec::new();
        self.for_each_sample(run_id, |r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    /// Streams a run's records, ordered by key then epoch, one at a time: exports and reports
    /// of large runs hold one record in memory, not the run.
    pub fn for_each_sample(
        &self,
        run_id: &str,
        f: impl FnMut(SampleRecord) -> Result<(), EvalError>,
    ) -> Result<(), EvalError> {
        self.each_sample(run_id, None, f)
    }

    /// One record of a run (a sample-epoch), read alone: a viewer showing one transcript does
    /// not decode the whole run.
    pub fn sample(
        &self,
        run_id: &str,
        key: &str,
        epoch: u32,
    ) -> Result<Option<SampleRecord>, EvalError> {
        let mut found = None;
        self.each_sample(run_id, Some((key, epoch)), |r| {
            found = Some(r);
            Ok(())
        })?;
        Ok(found)
    }

    /// The records of a run, or the one sample-epoch `only` names, in key then epoch order.
    fn each_sample(
        &self,
        run_id: &str,
        only: Option<(&str, u32)>,
        mut f: impl FnMut(SampleRecord) -> Result<(), EvalError>,
    ) -> Result<(), EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        let mut st = conn
            .prepare("SELECT run_id, sample_key, epoch, dataset, status, sample, state, scores, error, calls, started_at, completed_at, latency_ms FROM samples WHERE run_id = ?1 AND (?2 IS NULL OR (sample_key = ?2 AND epoch = ?3)) ORDER BY sample_key, epoch")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![run_id, only.map(|o| o.0), only.map(|o| o.1)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                    r.get::<_, String>(11)?,
                    r.get::<_, f64>(12)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (
                run_id,
                key,
                epoch,
                dataset,
                status,
                sample,
                state,
                scores,
                error,
                calls,
                started_at,
                completed_at,
                latency_ms,
            ) = row.map_err(|e| self.err(e))?;
            let ctx = |what: &str, e: serde_json::Error| {
                self.fmt_err(format!("samples.{what} of {key} epoch {epoch}: {e}"))
            };
            f(SampleRecord {
                status: if status == "ok" {
                    SampleStatus::Ok
                } else {
                    SampleStatus::Error
                },
                sample: serde_json::from_str(&sample).map_err(|e| ctx("sample", e))?,
                state: state
                    .map(|s| serde_json::from_str(&s))
                    .transpose()
                    .map_err(|e| ctx("state", e))?,
                scores: serde_json::from_str(&scores).map_err(|e| ctx("scores", e))?,
                calls: serde_json::from_str(&calls).map_err(|e| ctx("calls", e))?,
                run_id,
                key,
                epoch,
                dataset,
                error,
                started_at,
                completed_at,
                latency_ms,
            })?;
        }
        Ok(())
    }

    /// Starts the writer thread.
    pub fn writer(&self) -> Result<StoreWriter, EvalError> {
        let conn = open_conn(&self.path)?;
        let path = self.path.clone();
        let (tx, rx) = mpsc::channel::<WriteOp>();
        let health = Arc::new(WriterHealth::default());
        let h = health.clone();
        let identity = file_identity(&self.path);
        let handle = std::thread::Builder::new()
            .name("spi-eval-store".into())
            .spawn(move || {
                let r = writer_loop(conn, &rx, &path, identity, &h);
                // The failure is published before the receiver drops, so a sender that finds
                // the channel closed always finds the cause too.
                if let Err(e) = &r {
                    // The cause ("database or disk is full") is in the source chain.
                    let mut msg = e.to_string();
                    let mut src = std::error::Error::source(e);
                    while let Some(c) = src {
                        msg = format!("{msg}: {c}");
                        src = c.source();
                    }
                    h.fail(msg);
                }
                drop(rx);
                r
            })
            .map_err(|source| EvalError::Io {
                path: self.path.clone(),
                source,
            })?;
        Ok(StoreWriter {
            tx,
            health,
            path: self.path.clone(),
            handle: Some(handle),
        })
    }

    /// A cache view over this store (reads here, writes through `writer`).
    pub fn cache(&self, writer: &StoreWriter) -> Result<StoreCache, EvalError> {
        Ok(StoreCache {
            conn: Mutex::new(open_conn(&self.path)?),
            tx: Mutex::new(writer.tx.clone()),
        })
    }

    /// Copies runs and samples from `other` into this store (for `spi eval merge`). A sample
    /// present in both must agree on status, output and scores.
    pub fn merge_from(&self, other: &Store) -> Result<MergeStats, EvalError> {
        let mut stats = MergeStats::default();
        let mine: HashSet<String> = self.runs()?.into_iter().map(|r| r.run_id).collect();
        for run in other.runs()? {
            if !mine.contains(&run.run_id) {
                self.create_run(&run)?;
                stats.runs += 1;
            }
            let existing: BTreeMap<(String, u32), SampleRecord> = self
                .samples(&run.run_id)?
                .into_iter()
                .map(|r| ((r.key.clone(), r.epoch), r))
                .collect();
            let w = self.writer()?;
            for rec in other.samples(&run.run_id)? {
                match existing.get(&(rec.key.clone(), rec.epoch)) {
                    Some(old)
                        if old.status == SampleStatus::Ok && rec.status == SampleStatus::Ok =>
                    {
                        if old.scores != rec.scores
                            || old.state.as_ref().map(|s| &s.output)
                                != rec.state.as_ref().map(|s| &s.output)
                        {
                            return Err(EvalError::MergeConflict {
                                run: run.run_id.clone(),
                                sample: rec.key,
                                epoch: rec.epoch,
                            });
                        }
                        stats.duplicates += 1;
                    }
                    Some(old) if old.status == SampleStatus::Ok => stats.duplicates += 1,
                    _ => {
                        w.record(rec).map_err(|f| EvalError::StoreFormat {
                            path: self.path.clone(),
                            message: f.to_string(),
                        })?;
                        stats.samples += 1;
                    }
                }
            }
            w.close()?;
            let plan = other.plan(&run.run_id)?;
            self.add_plan(&run.run_id, plan.iter().map(|(k, e)| (k.as_str(), *e)))?;
        }
        Ok(stats)
    }
}

/// Held while a run executes; see [`Store::lock_run`].
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
}

/// Counts from a merge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MergeStats {
    /// Runs added.
    pub runs: usize,
    /// Sample records added.
    pub samples: usize,
    /// Records already present and identical.
    pub duplicates: usize,
}

enum WriteOp {
    Sample(Box<SampleRecord>),
    Cache(String, String),
    Stop,
}

/// What the writer thread tells the senders: how many samples it has committed and its first
/// failure, if any. Shared so a failure is seen by the next `record`, not only by `close`.
#[derive(Debug, Default)]
struct WriterHealth {
    committed: AtomicU64,
    failure: OnceLock<String>,
}

impl WriterHealth {
    fn fail(&self, message: String) {
        let _ = self.failure.set(message);
    }
}

pub use crate::error::StoreFailure;

/// Sends records to the writer thread.
pub struct StoreWriter {
    tx: mpsc::Sender<WriteOp>,
    health: Arc<WriterHealth>,
    path: PathBuf,
    handle: Option<std::thread::JoinHandle<Result<(), EvalError>>>,
}

/// A cloneable handle that queues records for the writer thread.
#[derive(Clone)]
pub struct RecordSink {
    tx: mpsc::Sender<WriteOp>,
    health: Arc<WriterHealth>,
    path: PathBuf,
}

fn failure(health: &WriterHealth, path: &Path) -> Option<StoreFailure> {
    health.failure.get().map(|m| StoreFailure {
        path: path.to_path_buf(),
        message: m.clone(),
        committed: health.committed.load(Ordering::SeqCst),
    })
}

impl RecordSink {
    /// Queues a record for commit; fails once the writer has failed (the record is then lost,
    /// and the caller must stop producing more).
    pub fn record(&self, rec: SampleRecord) -> Result<(), StoreFailure> {
        if let Some(f) = failure(&self.health, &self.path) {
            return Err(f);
        }
        self.tx.send(WriteOp::Sample(Box::new(rec))).map_err(|_| {
            failure(&self.health, &self.path).unwrap_or_else(|| StoreFailure {
                path: self.path.clone(),
                message: "the writer thread stopped".into(),
                committed: self.health.committed.load(Ordering::SeqCst),
            })
        })
    }

    /// The writer's failure, if it has failed.
    pub fn failure(&self) -> Option<StoreFailure> {
        failure(&self.health, &self.path)
    }
}

impl StoreWriter {
    /// A handle tasks can hold.
    pub fn sink(&self) -> RecordSink {
        RecordSink {
            tx: self.tx.clone(),
            health: self.health.clone(),
            path: self.path.clone(),
        }
    }

    /// Queues a record for commit; fails once the writer has failed.
    pub fn record(&self, rec: SampleRecord) -> Result<(), StoreFailure> {
        self.sink().record(rec)
    }

    /// The writer's failure, if it has failed.
    pub fn failure(&self) -> Option<StoreFailure> {
        failure(&self.health, &self.path)
    }

    /// Samples committed so far.
    pub fn committed(&self) -> u64 {
        self.health.committed.load(Ordering::SeqCst)
    }

    /// Commits everything queued and stops the thread.
    pub fn close(mut self) -> Result<(), EvalError> {
        // Cache views may still hold senders, so stop by message rather than by hang-up.
        let _ = self.tx.send(WriteOp::Stop);
        match self.handle.take().map(|h| h.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(EvalError::Config("run store writer thread panicked".into())),
            None => Ok(()),
        }
    }
}

/// The file's device and inode (Unix), to notice a store deleted or replaced mid-run: SQLite
/// keeps writing to an unlinked file, and those commits would silently vanish with it.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).ok().map(|_| (0, 0))
    }
}

fn writer_loop(
    mut conn: Connection,
    rx: &mpsc::Receiver<WriteOp>,
    path: &Path,
    identity: Option<(u64, u64)>,
    health: &WriterHealth,
) -> Result<(), EvalError> {
    let err = |source| EvalError::Store {
        path: path.to_path_buf(),
        source,
    };
    let mut stop = false;
    while let Ok(first) = rx.recv() {
        let mut samples = Vec::new();
        let mut cache = Vec::new();
        let mut op = Some(first);
        while let Some(o) = op.take() {
            match o {
                WriteOp::Stop => stop = true,
                WriteOp::Sample(r) => samples.push(r),
                WriteOp::Cache(k, v) => cache.push((k, v)),
            }
            if samples.len() + cache.len() < 512 {
                op = rx.try_recv().ok();
            }
        }
        if !samples.is_empty() {
            if file_identity(path) != identity {
                return Err(EvalError::StoreFormat {
                    path: path.to_path_buf(),
                    message: format!(
                        "the store file was deleted or replaced during the run; {} sample(s) had been committed to the old file",
                        health.committed.load(Ordering::SeqCst)
                    ),
                });
            }
            let tx = conn.transaction().map_err(err)?;
            for r in &samples {
                insert_sample(&tx, r).map_err(err)?;
            }
            tx.commit().map_err(err)?;
            health
                .committed
                .fetch_add(samples.len() as u64, Ordering::SeqCst);
        }
        // The cache is an optimisation: a failed cache write loses the entry, never the run.
        if !cache.is_empty()
            && let Ok(tx) = conn.transaction()
        {
            let all = cache.iter().all(|(k, v)| {
                tx.execute(
                    "INSERT OR IGNORE INTO cache (key, response) VALUES (?1, ?2)",
                    params![k, v],
                )
                .is_ok()
            });
            if all {
                let _ = tx.commit();
            }
        }
        if stop {
            break;
        }
    }
    Ok(())
}

fn insert_sample(tx: &rusqlite::Transaction<'_>, r: &SampleRecord) -> rusqlite::Result<()> {
    let j = |v: &dyn erased::Ser| v.json();
    tx.execute(
        "INSERT INTO samples (run_id, sample_key, epoch, dataset, sample_id, status, sample, state, scores, error, calls, started_at, completed_at, latency_ms)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)
         ON CONFLICT (run_id, sample_key, epoch) DO UPDATE SET
            status = excluded.status, state = excluded.state, scores = excluded.scores, error = excluded.error,
            calls = excluded.calls, started_at = excluded.started_at, completed_at = excluded.completed_at, latency_ms = excluded.latency_ms
         WHERE samples.status != 'ok'",
        params![
            r.run_id,
            r.key,
            r.epoch,
            r.dataset,
            r.sample.id,
            if r.status == SampleStatus::Ok { "ok" } else { "error" },
            j(&r.sample),
            r.state.as_ref().map(|s| j(s)),
            j(&r.scores),
            r.error,
            j(&r.calls),
            r.started_at,
            r.completed_at,
            r.latency_ms
        ],
    )?;
    Ok(())
}

mod erased {
    /// Serialises any record part to JSON text (these types always serialise).
    pub trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|_| "null".into())
        }
    }
}

/// The response cache backed by the store.
pub struct StoreCache {
    conn: Mutex<Connection>,
    tx: Mutex<mpsc::Sender<WriteOp>>,
}

impl ResponseCache for StoreCache {
    fn get(&self, key: &str) -> Option<ChatResponse> {
        let conn = self.conn.lock().ok()?;
        let text: Option<String> = conn
            .query_row("SELECT response FROM cache WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .ok()?;
        text.and_then(|t| serde_json::from_str(&t).ok())
    }
    fn put(&self, key: &str, response: &ChatResponse) {
        if let (Ok(tx), Ok(v)) = (self.tx.lock(), serde_json::to_string(response)) {
            let _ = tx.send(WriteOp::Cache(key.to_string(), v));
        }
    }
}
