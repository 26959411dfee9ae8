//! Fuzzes the bargaining-program parser and checker: any text must give a program or a positioned
//! error, never a panic or a stack overflow (nesting is bounded in the parser).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spi_programs::{Limits, Program};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Program::parse(text, &Limits::default());
    }
});
