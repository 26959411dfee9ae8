//! The run store: one SQLite file (`spi-eval.sqlite`) per log directory, in WAL mode, holding
//! runs, every sample's record and the response cache.
//!
//! A sample is committed as soon as it completes, by a single writer thread that commits whatever
//! is queued in one transaction. A kill -9 loses at most the samples still queued or in flight;
//! those are simply not in the store, so `--resume` runs them. The primary key
//! `(run_id, sample_key, epoch)` makes a repeat impossible, and a sample that is `ok` is never
//! overwritten; an `error` one is replaced when a resume completes it.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;

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
    config TEXT NOT NULL
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
";

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
    /// Opens (creating) the store in `log_dir`.
    pub fn open(log_dir: &Path) -> Result<Store, EvalError> {
        std::fs::create_dir_all(log_dir).map_err(|source| EvalError::Io {
            path: log_dir.to_path_buf(),
            source,
        })?;
        let path = log_dir.join(STORE_FILE);
        let conn = open_conn(&path)?;
        conn.execute_batch(SCHEMA)
            .map_err(|source| EvalError::Store {
                path: path.clone(),
                source,
            })?;
        Ok(Store {
            path,
            conn: Mutex::new(conn),
        })
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

    /// Records a new run.
    pub fn create_run(&self, run: &RunInfo) -> Result<(), EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        conn.execute(
            "INSERT INTO runs (run_id, suite_name, suite_path, fingerprint, model, created_at, finished_at, status, config) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
            params![run.run_id, run.suite_name, run.suite_path, run.fingerprint, run.model, run.created_at, run.finished_at, run.status, run.config.to_string()],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
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
            },
            config,
        ))
    }

    /// All runs, oldest first.
    pub fn runs(&self) -> Result<Vec<RunInfo>, EvalError> {
        let conn = self.conn.lock().expect("store poisoned");
        let mut st = conn
            .prepare("SELECT run_id, suite_name, suite_path, fingerprint, model, created_at, finished_at, status, config FROM runs ORDER BY created_at, run_id")
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
        found.ok_or_else(|| EvalError::RunNotFound {
            run: id.to_string(),
            path: self.path.clone(),
        })
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
        let conn = self.conn.lock().expect("store poisoned");
        let mut st = conn
            .prepare("SELECT run_id, sample_key, epoch, dataset, status, sample, state, scores, error, calls, started_at, completed_at, latency_ms FROM samples WHERE run_id = ?1 ORDER BY sample_key, epoch")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([run_id], |r| {
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
        let mut out = Vec::new();
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
            out.push(SampleRecord {
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
            });
        }
        Ok(out)
    }

    /// Starts the writer thread.
    pub fn writer(&self) -> Result<StoreWriter, EvalError> {
        let conn = open_conn(&self.path)?;
        let path = self.path.clone();
        let (tx, rx) = mpsc::channel::<WriteOp>();
        let handle = std::thread::Builder::new()
            .name("spi-eval-store".into())
            .spawn(move || {
                writer_loop(conn, rx).map_err(|source| EvalError::Store { path, source })
            })
            .map_err(|source| EvalError::Io {
                path: self.path.clone(),
                source,
            })?;
        Ok(StoreWriter {
            tx,
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
                        w.record(rec);
                        stats.samples += 1;
                    }
                }
            }
            w.close()?;
        }
        Ok(stats)
    }
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

/// Sends records to the writer thread.
pub struct StoreWriter {
    tx: mpsc::Sender<WriteOp>,
    handle: Option<std::thread::JoinHandle<Result<(), EvalError>>>,
}

/// A cloneable handle that queues records for the writer thread.
#[derive(Clone)]
pub struct RecordSink(mpsc::Sender<WriteOp>);

impl RecordSink {
    /// Queues a record for commit.
    pub fn record(&self, rec: SampleRecord) {
        let _ = self.0.send(WriteOp::Sample(Box::new(rec)));
    }
}

impl StoreWriter {
    /// A handle tasks can hold.
    pub fn sink(&self) -> RecordSink {
        RecordSink(self.tx.clone())
    }

    /// Queues a record for commit.
    pub fn record(&self, rec: SampleRecord) {
        // A send fails only if the writer thread died; `close` reports its error.
        let _ = self.tx.send(WriteOp::Sample(Box::new(rec)));
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

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<WriteOp>) -> rusqlite::Result<()> {
    let mut stop = false;
    while let Ok(first) = rx.recv() {
        let tx = conn.transaction()?;
        let mut op = Some(first);
        let mut n = 0;
        while let Some(o) = op.take() {
            match o {
                WriteOp::Stop => stop = true,
                WriteOp::Sample(r) => insert_sample(&tx, &r)?,
                WriteOp::Cache(k, v) => {
                    tx.execute(
                        "INSERT OR IGNORE INTO cache (key, response) VALUES (?1, ?2)",
                        params![k, v],
                    )?;
                }
            }
            n += 1;
            if n < 512 {
                op = rx.try_recv().ok();
            }
        }
        tx.commit()?;
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
