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

/// Maps an error to the documented exit code: 2 for bad input (the default), 1 for a domain "no".
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.downcast_ref::<DomainRejection>().is_some() {
        1
    } else {
        2
    }
}

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
