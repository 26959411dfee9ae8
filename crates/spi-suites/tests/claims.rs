//! Claim parser properties: printing and re-parsing gives the same tree; no input panics.

use proptest::prelude::*;
use spi_suites::claim::Claim;

fn arg() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}",
        "[a-z]{1,5}\\([a-z0-9]{1,5}\\)",
        "lab [A-Z]",
        "-?[0-9]{1,3}(/[1-9][0-9]{0,2})?",
        "[a-z ,\"]{1,8}".prop_filter("non-blank", |s| !s.trim().is_empty() && s.trim() == s),
    ]
}

fn claim() -> impl Strategy<Value = Claim> {
    let leaf = ("[a-z][a-z_]{0,12}", prop::collection::vec(arg(), 0..4))
        .prop_filter("not a keyword", |(n, _)| {
            !matches!(n.as_str(), "and" | "or" | "not")
        })
        .prop_map(|(name, args)| Claim::Pred { name, args });
    leaf.prop_recursive(6, 48, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Claim::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Claim::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Claim::Or(Box::new(a), Box::new(b))),
        ]
    })
}

proptest! {
    #[test]
    fn printing_then_parsing_is_the_identity(c in claim()) {
        let text = c.to_string();
        prop_assert_eq!(Claim::parse(&text), Ok(c), "{}", text);
    }

    #[test]
    fn the_parser_is_total(s in "\\PC{0,80}") {
        let _ = Claim::parse(&s);
    }

    #[test]
    fn the_parser_is_total_on_claim_like_noise(s in "[a-z(),\" ]{0,60}") {
        let _ = Claim::parse(&s);
    }
}

#[test]
fn hostile_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}spi{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Claim::parse(&deep).is_err());
    let nots = "not ".repeat(100_000) + "spi";
    assert!(Claim::parse(&nots).is_err());
    let arg = format!("loses({}x{})", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Claim::parse(&arg).is_err());
}
