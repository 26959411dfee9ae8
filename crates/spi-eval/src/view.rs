//! `spi view`: a local web viewer over run stores. It lists the runs of every log directory it was
//! given, shows a run's report (charts, per-category accuracy, the filterable per-sample table),
//! each sample's transcript with the scorers' explanations, and two runs side by side on their
//! shared samples.
//!
//! Key design decisions:
//! - Every request opens the store afresh and reads it (SQLite in WAL mode lets a reader run
//!   beside the writer), so a page shows a run in progress as it stands, and the run page of an
//!   unfinished run reloads itself every few seconds. Nothing is cached between requests.
//! - The pages are the report's own HTML ([`RunReport::html_with`]) plus small pages built here;
//!   no template engine and no JavaScript beyond the table filter, so every page also works as a
//!   saved file.
//! - The caller binds the listener; `spi view` binds 127.0.0.1 only, because the stores hold
//!   prompts and answers that are nobody else's business.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::error::EvalError;
use crate::report::{
    HtmlOptions, PAIRED_COLUMNS, RunReport, html_escape, paired_cells, transcript, url_path_escape,
};
use crate::stats::{Reducer, paired, reduced_scores, scorer_names};
use crate::store::{RunInfo, SampleRecord, SampleStatus, Store, validate_run_id};

/// How often the page of a run that is still running reloads itself.
const REFRESH_SECONDS: u32 = 5;

struct Viewer {
    log_dirs: Vec<PathBuf>,
}

/// The viewer's routes over these log directories (each holding a run store), in the order given;
/// pages name a directory by its position.
pub fn router(log_dirs: Vec<PathBuf>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/runs/{dir}/{run}", get(run_page))
        .route("/runs/{dir}/{run}/samples/{epoch}/{*key}", get(sample_page))
        .route("/compare/{dir}", get(compare_page))
        .fallback(|| async { page_error(StatusCode::NOT_FOUND, "no such page") })
        .with_state(Arc::new(Viewer { log_dirs }))
}

/// Serves the viewer on `listener` until the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    log_dirs: Vec<PathBuf>,
) -> std::io::Result<()> {
    axum::serve(listener, router(log_dirs)).await
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>body{{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}}table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}}th{{background:#f3f3f3}}.num{{text-align:right}}code{{background:#f3f3f3;padding:0 .2rem}}pre{{white-space:pre-wrap;background:#f7f7f7;padding:1rem;border:1px solid #ddd}}tr.differs{{background:#fff4e0}}</style></head><body>\n{body}</body></html>\n",
        html_escape(title)
    ))
}

fn page_error(status: StatusCode, why: &str) -> Response {
    (
        status,
        page(
            "spi view",
            &format!(
                "<p><a href=\"/\">all runs</a></p><h1>{}</h1><p>{}</p>\n",
                status.as_u16(),
                html_escape(why)
            ),
        ),
    )
        .into_response()
}

/// Why a page cannot be shown: its status and a sentence for the reader.
struct PageError {
    status: StatusCode,
    why: String,
}

fn fail(status: StatusCode, why: impl std::fmt::Display) -> PageError {
    PageError {
        status,
        why: why.to_string(),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        page_error(self.status, &self.why)
    }
}

impl Viewer {
    /// The store of directory `dir` (its position in the list), opened for this request.
    fn store(&self, dir: usize) -> Result<Store, PageError> {
        let path = self
            .log_dirs
            .get(dir)
            .ok_or_else(|| fail(StatusCode::NOT_FOUND, "no such log directory"))?;
        Store::open_existing(path).map_err(|e| fail(StatusCode::NOT_FOUND, e))
    }
}

/// Store reads are blocking SQLite calls; they run off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PageError> + Send + 'static,
) -> Result<T, PageError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(fail(StatusCode::INTERNAL_SERVER_ERROR, e)))
}

fn internal(e: EvalError) -> PageError {
    fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

fn find_run(store: &Store, run: &str) -> Result<RunInfo, PageError> {
    validate_run_id(run).map_err(|e| fail(StatusCode::BAD_REQUEST, e))?;
    store.run(run).map_err(|e| fail(StatusCode::NOT_FOUND, e))
}

async fn index(State(v): State<Arc<Viewer>>) -> Response {
    let viewer = v.clone();
    let body = blocking(move || {
        let mut body = String::from("<h1>Runs</h1>\n");
        for (k, dir) in viewer.log_dirs.iter().enumerate() {
            let _ = writeln!(body, "<h2><code>{}</code></h2>", html_escape(&dir.display().to_string()));
            let store = match Store::open_existing(dir) {
                Ok(s) => s,
                Err(e) => {
                    let _ = writeln!(body, "<p>{}</p>", html_escape(&e.to_string()));
                    continue;
                }
            };
            let mut runs = store.runs().map_err(internal)?;
            runs.reverse();
            body.push_str("<table><tr><th>run</th><th>suite</th><th>model</th><th>arm</th><th>status</th><th>created</th><th>done / planned</th></tr>\n");
            for r in &runs {
                let acc = store.accounting(r).map_err(internal)?;
                let _ = writeln!(
                    body,
                    "<tr><td><a href=\"/runs/{k}/{id}\"><code>{id}</code></a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=num>{} / {}</td></tr>",
                    html_escape(&r.suite_name),
                    html_escape(&r.model),
                    html_escape(&r.arm),
                    html_escape(&r.status),
                    html_escape(&r.created_at),
                    acc.ok + acc.errors,
                    acc.planned,
                    id = html_escape(&r.run_id),
                );
            }
            body.push_str("</table>\n");
            if runs.len() >= 2 {
                let options: String = runs
                    .iter()
                    .map(|r| {
                        format!(
                            "<option value=\"{id}\">{id} ({}, {})</option>",
                            html_escape(&r.suite_name),
                            html_escape(&r.arm),
                            id = html_escape(&r.run_id)
                        )
                    })
                    .collect();
                let _ = writeln!(
                    body,
                    "<form action=\"/compare/{k}\" method=get>Compare A <select name=a>{options}</select> with B <select name=b>{options}</select> <button>side by side</button></form>"
                );
            }
        }
        Ok(body)
    })
    .await;
    match body {
        Ok(b) => page("spi view: runs", &b).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn run_page(
    State(v): State<Arc<Viewer>>,
    Path((dir, run)): Path<(usize, String)>,
) -> Response {
    let out = blocking(move || {
        let store = v.store(dir)?;
        let info = find_run(&store, &run)?;
        let report = RunReport::from_store(&store, &info, Reducer::Mean).map_err(internal)?;
        let options = HtmlOptions {
            sample_link_base: Some(format!("/runs/{dir}/{}/samples", info.run_id)),
            refresh_seconds: (info.status == "running").then_some(REFRESH_SECONDS),
            back_link: Some("/".into()),
        };
        Ok(report.html_with(&options))
    })
    .await;
    match out {
        Ok(html) => Html(html).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn sample_page(
    State(v): State<Arc<Viewer>>,
    Path((dir, run, epoch, key)): Path<(usize, String, u32, String)>,
) -> Response {
    let out = blocking(move || {
        let store = v.store(dir)?;
        let info = find_run(&store, &run)?;
        let found = store.sample(&info.run_id, &key, epoch).map_err(internal)?;
        let r = found.ok_or_else(|| {
            fail(
                StatusCode::NOT_FOUND,
                format!("run {} has no sample {key:?} at epoch {epoch}", info.run_id),
            )
        })?;
        Ok(page(
            &format!("{} · {}", r.key, info.run_id),
            &format!(
                "<p><a href=\"/\">all runs</a> · <a href=\"/runs/{dir}/{run}\">run {run}</a></p><h1><code>{}</code></h1><pre>{}</pre>\n",
                html_escape(&r.key),
                html_escape(&transcript(&r)),
                run = html_escape(&info.run_id),
            ),
        ))
    })
    .await;
    match out {
        Ok(p) => p.into_response(),
        Err(r) => r.into_response(),
    }
}

/// The query string's value for `name`, percent-decoded (`a=RUN&b=RUN&scorer=NAME`).
fn query_value(uri: &Uri, name: &str) -> Option<String> {
    uri.query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// A scorer's value and answer on a record, as two cells.
fn score_cells(r: &SampleRecord, scorer: &str) -> String {
    let cut = |t: &str| html_escape(&t.chars().take(80).collect::<String>());
    if r.status == SampleStatus::Error {
        return format!(
            "<td>error</td><td>{}</td>",
            cut(r.error.as_deref().unwrap_or(""))
        );
    }
    match r.scores.get(scorer) {
        None => "<td></td><td></td>".into(),
        Some(s) => format!(
            "<td class=num>{}</td><td>{}</td>",
            s.value,
            cut(s.answer.as_deref().unwrap_or(""))
        ),
    }
}

async fn compare_page(State(v): State<Arc<Viewer>>, Path(dir): Path<usize>, uri: Uri) -> Response {
    let (Some(a), Some(b)) = (query_value(&uri, "a"), query_value(&uri, "b")) else {
        return fail(StatusCode::BAD_REQUEST, "expected ?a=RUN&b=RUN").into_response();
    };
    let wanted = query_value(&uri, "scorer");
    let out = blocking(move || {
        let store = v.store(dir)?;
        let (ia, ib) = (find_run(&store, &a)?, find_run(&store, &b)?);
        let ra = store.samples(&ia.run_id).map_err(internal)?;
        let rb = store.samples(&ib.run_id).map_err(internal)?;
        // The scorer asked for, else the one that scored most of A's samples (a suite's datasets
        // may each have their own).
        let names = scorer_names(&ra);
        let count = |n: &String| ra.iter().filter(|r| r.scores.contains_key(n)).count();
        let asked = wanted.filter(|w| names.contains(w));
        let scorer = asked.or_else(|| names.iter().max_by_key(|n| count(n)).cloned());
        let mut body = format!(
            "<p><a href=\"/\">all runs</a></p><h1>A <code>{}</code> and B <code>{}</code></h1><p>A: {} on {}, arm <code>{}</code>. B: {} on {}, arm <code>{}</code>.</p>\n",
            html_escape(&ia.run_id),
            html_escape(&ib.run_id),
            html_escape(&ia.suite_name),
            html_escape(&ia.model),
            html_escape(&ia.arm),
            html_escape(&ib.suite_name),
            html_escape(&ib.model),
            html_escape(&ib.arm),
        );
        let Some(scorer) = scorer else {
            body.push_str("<p>Run A has no scored samples.</p>\n");
            return Ok(page("spi view: compare", &body));
        };
        let scorer = &scorer;
        if names.len() > 1 {
            let links: Vec<String> = names
                .iter()
                .map(|n| {
                    format!(
                        "<a href=\"/compare/{dir}?a={}&b={}&scorer={}\">{}</a>",
                        html_escape(&ia.run_id),
                        html_escape(&ib.run_id),
                        html_escape(&url_path_escape(n)),
                        html_escape(n)
                    )
                })
                .collect();
            let _ = writeln!(body, "<p>Scorers: {}</p>", links.join(" · "));
        }
        let c = paired(
            &reduced_scores(&ra, scorer, Reducer::Mean),
            &reduced_scores(&rb, scorer, Reducer::Mean),
            0x5eed,
        );
        let row = |cells: &[String], tag: &str| {
            cells
                .iter()
                .map(|c| format!("<{tag}>{}</{tag}>", html_escape(c)))
                .collect::<String>()
        };
        let columns: Vec<String> = PAIRED_COLUMNS.iter().map(|c| c.to_string()).collect();
        let _ = writeln!(
            body,
            "<h2>Paired on <code>{}</code></h2><table><tr>{}</tr><tr>{}</tr></table>",
            html_escape(scorer),
            row(&columns, "th"),
            row(&paired_cells(&c), "td"),
        );
        let by_key = |rs: &[SampleRecord]| -> BTreeMap<(String, u32), usize> {
            rs.iter().enumerate().map(|(i, r)| ((r.key.clone(), r.epoch), i)).collect()
        };
        let (ka, kb) = (by_key(&ra), by_key(&rb));
        let shared: Vec<&(String, u32)> = ka.keys().filter(|k| kb.contains_key(*k)).collect();
        let value = |r: &SampleRecord| r.scores.get(scorer).map(|s| s.value);
        let pairs: Vec<(&(String, u32), &SampleRecord, &SampleRecord)> = shared
            .into_iter()
            .map(|k| (k, &ra[ka[k]], &rb[kb[k]]))
            .collect();
        let differing = pairs.iter().filter(|(_, x, y)| value(x) != value(y)).count();
        let _ = writeln!(
            body,
            "<h2>Shared samples</h2><p>{} shared sample-epochs, {differing} scored differently (highlighted). <label><input type=checkbox id=only> only those</label></p><table id=pairs><tr><th>sample</th><th>epoch</th><th>A {scorer}</th><th>A answer</th><th>B {scorer}</th><th>B answer</th></tr>",
            pairs.len(),
            scorer = html_escape(scorer),
        );
        for (k, x, y) in pairs {
            let differs = value(x) != value(y);
            let link = |run: &RunInfo| {
                format!(
                    "/runs/{dir}/{}/samples/{}/{}",
                    html_escape(&run.run_id),
                    k.1,
                    html_escape(&url_path_escape(&k.0))
                )
            };
            let _ = writeln!(
                body,
                "<tr{}><td><code>{}</code> (<a href=\"{}\">A</a>, <a href=\"{}\">B</a>)</td><td class=num>{}</td>{}{}</tr>",
                if differs { " class=differs" } else { "" },
                html_escape(&k.0),
                link(&ia),
                link(&ib),
                k.1,
                score_cells(x, scorer),
                score_cells(y, scorer),
            );
        }
        body.push_str("</table>\n<script>document.getElementById('only').addEventListener('change',function(e){document.querySelectorAll('#pairs tr').forEach(function(r,i){if(i>0)r.style.display=(e.target.checked&&!r.classList.contains('differs'))?'none':'';});});</script>\n");
        Ok(page("spi view: compare", &body))
    })
    .await;
    match out {
        Ok(p) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], p).into_response(),
        Err(r) => r.into_response(),
    }
}
