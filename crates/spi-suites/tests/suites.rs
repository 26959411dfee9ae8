//! The shipped content: every suite loads in the harness with every arm, and `spi suite lint`
//! finds no errors in the repository's `suites/`.

use std::path::Path;

use spi_suites::library::Library;
use spi_suites::lint::lint_library;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites")
}

#[test]
fn every_suite_loads_in_the_harness_with_every_arm() {
    let lib = Library::discover(&root()).unwrap();
    let mut loaded = 0;
    for s in &lib.suites {
        let Some(file) = &s.suite_file else { continue };
        let suite = spi_eval::suite::Suite::load(file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(!suite.is_empty(), "{}", s.name);
        for arm in &suite.file.arms {
            suite
                .with_arm(&arm.name)
                .unwrap_or_else(|e| panic!("{} --arm {}: {e}", s.name, arm.name));
        }
        assert!(
            suite.file.arms.len() >= 4,
            "{}: the intervention arms",
            s.name
        );
        loaded += 1;
    }
    assert!(loaded >= 7, "{loaded} suites");
}

#[test]
fn the_shipped_content_lints_clean() {
    let report = lint_library(&Library::discover(&root()).unwrap());
    assert_eq!(report.errors(), 0, "{}", report.to_text());
    assert!(
        report.families >= 150 && report.generated >= 1200,
        "{}",
        report.to_text()
    );
}
