//! The content tree: `suites/<suite>/` folders with `suite.toml`, `families/*.toml`, `items.jsonl`,
//! and `suites/attitudes/items.jsonl`. Discovery only lists and reads these files; it writes nothing.

use std::path::{Path, PathBuf};

use crate::error::SuiteError;
use crate::family::Family;

/// One suite folder.
#[derive(Debug, Clone)]
pub struct SuiteDir {
    /// Folder name (`premature-commitment`).
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
    /// `suite.toml`, when present.
    pub suite_file: Option<PathBuf>,
    /// `families/*.toml`, sorted.
    pub family_files: Vec<PathBuf>,
}

/// Every suite under a root (`suites/`).
#[derive(Debug, Clone)]
pub struct Library {
    /// The root folder.
    pub root: PathBuf,
    /// Suites sorted by name.
    pub suites: Vec<SuiteDir>,
}

fn io(file: &Path) -> impl FnOnce(std::io::Error) -> SuiteError + '_ {
    move |source| SuiteError::Io {
        file: file.to_path_buf(),
        cause: source,
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, SuiteError> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    out.sort();
    Ok(out)
}

impl Library {
    /// Lists the suites under `root` (folders holding a `suite.toml` or a `families/` folder).
    ///
    /// # Errors
    /// [`SuiteError::Io`] when a folder cannot be listed.
    pub fn discover(root: &Path) -> Result<Library, SuiteError> {
        let mut suites = Vec::new();
        for dir in sorted_entries(root)? {
            if !dir.is_dir() {
                continue;
            }
            let suite_file = Some(dir.join("suite.toml")).filter(|p| p.is_file());
            let fam_dir = dir.join("families");
            let family_files = if fam_dir.is_dir() {
                sorted_entries(&fam_dir)?
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .collect()
            } else {
                Vec::new()
            };
            if suite_file.is_none() && family_files.is_empty() {
                continue;
            }
            suites.push(SuiteDir {
                name: dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                dir,
                suite_file,
                family_files,
            });
        }
        Ok(Library {
            root: root.to_path_buf(),
            suites,
        })
    }

    /// A suite by folder name.
    pub fn suite(&self, name: &str) -> Option<&SuiteDir> {
        self.suites.iter().find(|s| s.name == name)
    }

    /// Loads every family of a suite: per file, the family or why it could not be read.
    pub fn families(&self, suite: &SuiteDir) -> Vec<(PathBuf, Result<Family, SuiteError>)> {
        suite
            .family_files
            .iter()
            .map(|f| (f.clone(), Family::load(f, Some(suite.name.clone()))))
            .collect()
    }

    /// The attitude items file, when present.
    pub fn attitudes(&self) -> Option<PathBuf> {
        Some(self.root.join("attitudes").join("items.jsonl")).filter(|p| p.is_file())
    }
}

impl Library {
    /// Copies every suite's `items.jsonl` into `out` as `<suite>.jsonl` and writes
    /// `manifest.json` beside them (`spi-suite-export/1`: per suite, its file, sample and family
    /// counts). Each file is written to a temporary name and renamed, so an interrupted export
    /// leaves no half-written file. Returns the manifest.
    pub fn export(&self, out: &Path) -> Result<serde_json::Value, SuiteError> {
        std::fs::create_dir_all(out).map_err(io(out))?;
        let mut manifest = Vec::new();
        for s in &self.suites {
            let items = s.dir.join("items.jsonl");
            let Ok(text) = std::fs::read_to_string(&items) else {
                continue;
            };
            let dest = out.join(format!("{}.jsonl", s.name));
            write_atomically(&dest, &text)?;
            manifest.push(serde_json::json!({
                "suite": s.name,
                "file": dest.display().to_string(),
                "samples": text.lines().filter(|l| !l.trim().is_empty()).count(),
                "families": s.family_files.len(),
            }));
        }
        let m = serde_json::json!({
            "schema": "spi-suite-export/1",
            "canary": crate::family::CANARY,
            "version": "1-0",
            "suites": manifest,
        });
        let text = serde_json::to_string_pretty(&m).unwrap_or_default() + "\n";
        write_atomically(&out.join("manifest.json"), &text)?;
        Ok(m)
    }
}

/// Writes `text` to `path` with the harness's atomic writer (temporary file, fsync, rename).
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), SuiteError> {
    let to_io = |e: std::io::Error| SuiteError::Io {
        file: path.to_path_buf(),
        cause: e,
    };
    spi_eval::export::write_atomically(path, |w| {
        w.write_all(text.as_bytes())
            .map_err(|source| spi_eval::error::EvalError::Io {
                path: path.to_path_buf(),
                source,
            })
    })
    .map_err(|e| match e {
        spi_eval::error::EvalError::Io { source, .. } => to_io(source),
        other => to_io(std::io::Error::other(other.to_string())),
    })
}
