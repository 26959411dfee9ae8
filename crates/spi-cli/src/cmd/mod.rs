//! One module per command group; each exposes a clap subcommand type and a `run` function.

pub mod eval;
pub mod game;
pub mod lockout;
pub mod model;
pub mod program;
pub mod research;
pub mod serve;
pub mod spi;
pub mod strategy;
pub mod suite;
pub mod threat;
pub mod view;

/// `--decimals N`, set once from the command line before any command runs.
static DECIMALS: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();

/// Records `--decimals` for [`q`]; called once by `main`.
pub fn set_decimals(places: Option<u32>) {
    let _ = DECIMALS.set(places);
}

/// An exact number as text output prints it: `p/q`, followed by its decimal value when the user
/// asked for `--decimals N` and the number is not an integer (a fraction like `1318/4377` is
/// exact but hard to compare by eye).
pub fn q(x: &spi_games::Rational) -> String {
    match DECIMALS.get().copied().flatten() {
        Some(places) if !x.is_integer() => format!("{x} (≈{})", x.to_decimal(places)),
        _ => x.to_string(),
    }
}

/// Numbers joined by ", ", each printed by [`q`].
pub fn qs<'a>(xs: impl IntoIterator<Item = &'a spi_games::Rational>) -> String {
    xs.into_iter().map(q).collect::<Vec<_>>().join(", ")
}

/// A number that a document carries as a string (`"3/8"`), printed by [`q`]; text that is not a
/// number is printed as it is.
pub fn q_str(s: &str) -> String {
    s.parse::<spi_games::Rational>()
        .map(|x| q(&x))
        .unwrap_or_else(|_| s.to_string())
}

/// Maps an error to the documented exit code: 2 for bad input (the default), 1 for a domain "no",
/// 3 for an [`InternalError`] anywhere in the cause chain (a bug in spi, not in the input).
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err
        .chain()
        .any(|c| c.downcast_ref::<InternalError>().is_some())
    {
        3
    } else if err.downcast_ref::<DomainRejection>().is_some() {
        1
    } else {
        2
    }
}

/// Two parts of spi that must agree did not (for example the SPI search returned a profile map the
/// independent verifier rejects): a bug, reported with exit code 3. Typed, so the exit code does not
/// depend on how the message is worded.
#[derive(Debug)]
pub struct InternalError(pub String);

impl std::fmt::Display for InternalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "internal error (a bug in spi, please report it): {}",
            self.0
        )
    }
}

impl std::error::Error for InternalError {}

/// A command's answer was a well-formed "no" that the user asked to see as a failing exit code
/// (for example a certificate that does not verify).
#[derive(Debug)]
pub struct DomainRejection(pub String);

impl std::fmt::Display for DomainRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DomainRejection {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_error_type_not_its_wording() {
        let bug = anyhow::Error::from(InternalError("search and verifier disagree".into()))
            .context("game.json");
        assert_eq!(exit_code(&bug), 3);
        let no = anyhow::Error::from(DomainRejection("internal error, says the text".into()));
        assert_eq!(exit_code(&no), 1);
        assert_eq!(exit_code(&anyhow::anyhow!("internal error: only words")), 2);
    }
}
