//! Reading the user's input files: one bounded reader for every command.
//!
//! Reading whole files with `read_to_string` let `/dev/zero` grow the process to gigabytes and a
//! FIFO block it forever. Every engine input (games, certificates, programs, models, policies) now
//! comes through here: `-` is standard input, anything else must be a regular file (after
//! following symlinks), and no more than a cap is read, whatever the file claims its size is, since
//! `/proc` files and growing files report sizes that are not what a read returns.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The most one input may hold unless `SPI_MAX_INPUT_BYTES` says otherwise: 64 MiB holds a 2,000 ×
/// 2,000 game in JSON, far beyond what the exact algorithms can finish.
pub const DEFAULT_MAX_INPUT: u64 = 64 << 20;

/// The cap in force: `SPI_MAX_INPUT_BYTES` (a positive integer) or [`DEFAULT_MAX_INPUT`].
pub fn max_input() -> Result<u64> {
    match std::env::var("SPI_MAX_INPUT_BYTES") {
        Err(_) => Ok(DEFAULT_MAX_INPUT),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => {
                bail!("SPI_MAX_INPUT_BYTES: expected a positive whole number of bytes, found {v:?}")
            }
        },
    }
}

/// What kind of file a path names, in words, for an error message.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// Reads `spec` (a path, or `-` for standard input) as UTF-8 text of at most [`max_input`] bytes.
/// Errors name the path and say what was expected.
pub fn read_text(spec: &str) -> Result<String> {
    let cap = max_input()?;
    let shown = if spec == "-" { "<stdin>" } else { spec };
    let bytes = if spec == "-" {
        read_capped(std::io::stdin().lock(), cap, shown)?
    } else {
        let path = Path::new(spec);
        let meta =
            std::fs::metadata(path).with_context(|| format!("{shown}: cannot read the file"))?;
        if !meta.is_file() {
            bail!("{shown}: expected a regular file, found {}", kind_of(&meta));
        }
        if meta.len() > cap {
            bail!(
                "{shown}: expected at most {cap} bytes (set SPI_MAX_INPUT_BYTES to raise the cap), found {}",
                meta.len()
            );
        }
        let file =
            std::fs::File::open(path).with_context(|| format!("{shown}: cannot read the file"))?;
        read_capped(file, cap, shown)?
    };
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{shown}: expected UTF-8 text, found an invalid byte at offset {}",
            e.utf8_error().valid_up_to()
        )
    })
}

fn read_capped(r: impl Read, cap: u64, shown: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(cap + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("{shown}: cannot read the file"))?;
    if buf.len() as u64 > cap {
        bail!(
            "{shown}: expected at most {cap} bytes (set SPI_MAX_INPUT_BYTES to raise the cap), found more"
        );
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let e = read_text("/dev/zero").unwrap_err().to_string();
        assert_eq!(
            e,
            "/dev/zero: expected a regular file, found a character device"
        );
        let e = read_text("/").unwrap_err().to_string();
        assert_eq!(e, "/: expected a regular file, found a directory");
    }

    #[test]
    fn caps_what_is_read_not_what_is_claimed() {
        let e = read_capped(std::io::repeat(b'x'), 10, "f")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f: expected at most 10 bytes"), "{e}");
        assert_eq!(read_capped(&b"0123456789"[..], 10, "f").unwrap().len(), 10);
    }

    #[test]
    fn names_the_offset_of_invalid_utf8() {
        let dir = std::env::temp_dir().join(format!("spi-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.json");
        std::fs::write(&p, b"{\"a\xff").unwrap();
        let e = read_text(p.to_str().unwrap()).unwrap_err().to_string();
        assert!(
            e.ends_with("expected UTF-8 text, found an invalid byte at offset 3"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
