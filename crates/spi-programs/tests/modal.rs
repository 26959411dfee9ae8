//! Modal agents evaluated on the GL chain: the public results of docs/reference/definitions.md §7.2
//! (V 7.1).

use spi_programs::modal::ModalSystem;

fn coop(s: &ModalSystem, a: &str, b: &str) -> (bool, bool) {
    let o = s.play(a, b).expect("known agents");
    (o.first_cooperates, o.second_cooperates)
}

#[test]
fn formal2019_modal_results() {
    let s = ModalSystem::library();
    let mut table = String::new();
    let names = ["CooperateBot", "DefectBot", "FairBot", "PrudentBot"];
    for a in names {
        for b in names {
            let o = s.play(a, b).unwrap();
            let c = |x: bool| if x { "C" } else { "D" };
            table.push_str(&format!(
                "{a:>12} vs {b:<12} {} {}  (worlds {}, variables {})\n",
                c(o.first_cooperates),
                c(o.second_cooperates),
                o.worlds,
                o.variables
            ));
        }
    }
    insta::assert_snapshot!(table);
    assert_eq!(coop(&s, "FairBot", "FairBot"), (true, true));
    assert_eq!(coop(&s, "PrudentBot", "PrudentBot"), (true, true));
    assert_eq!(coop(&s, "FairBot", "PrudentBot"), (true, true));
    assert_eq!(coop(&s, "PrudentBot", "CooperateBot"), (false, true));
    assert_eq!(coop(&s, "FairBot", "CooperateBot"), (true, true));
    // "Every agent" in docs/reference/definitions.md V 7.1 means every agent that conditions on its
    // counterpart.
    for a in ["DefectBot", "FairBot", "PrudentBot"] {
        assert!(
            !coop(&s, a, "DefectBot").0,
            "{a} must defect against DefectBot"
        );
    }
}

#[test]
fn fairbot_vs_defectbot_box_bottom_flips_after_world_zero() {
    // □⊥ is true at world 0 and false from world 1: FairBot's □C(me) against DefectBot fails at world 1.
    let s = ModalSystem::library();
    let o = s.play("FairBot", "DefectBot").unwrap();
    assert!(!o.first_cooperates);
    assert_eq!(o.worlds, 2);
}

#[test]
fn user_defined_agents_with_references_and_pa_k() {
    let mut s = ModalSystem::library();
    s.add_source(
        "// cooperates iff PA+2 proves the counterpart cooperates with FairBot\n\
         agent FairFriend = box[2] C(FairBot);\n\
         agent Paranoid = box C(me) and box not C(CooperateBot, them);\n",
    )
    .unwrap();
    assert_eq!(coop(&s, "FairFriend", "FairBot"), (true, true));
    assert_eq!(coop(&s, "FairFriend", "DefectBot"), (false, false));
    // Paranoid needs a proof that CooperateBot does not cooperate with the counterpart: never.
    assert!(!coop(&s, "Paranoid", "FairBot").0);
}

#[test]
fn rejects_unmodalised_and_unknown() {
    let mut s = ModalSystem::library();
    let e = s.add_source("agent Naive = C(me);").unwrap_err();
    assert!(e.to_string().contains("fully modalised"), "{e}");
    let e = s.add_source("agent X = box C(Nobody);").unwrap_err();
    assert!(e.to_string().contains("unknown agent `Nobody`"), "{e}");
    let deep = format!("agent D = {}true{};", "(".repeat(500), ")".repeat(500));
    let e = s.add_source(&deep).unwrap_err();
    assert!(e.to_string().contains("nesting deeper"), "{e}");
}

/// A file that defines an agent twice, or names one beyond what a table can print, is refused.
#[test]
fn duplicate_and_unprintable_agent_names_are_refused() {
    let mut s = ModalSystem::library();
    let e = s
        .add_source("agent Mine = box C(me);\nagent mine = box C(them);\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("agent mine is defined twice in this file"),
        "{e}"
    );
    let long = format!("agent {} = box C(me);", "A".repeat(70_000));
    let e = s.add_source(&long).unwrap_err().to_string();
    assert!(e.contains("at most 256 characters"), "{e}");
    assert!(e.len() < 200, "{} bytes", e.len());
}

/// Syntax errors name the token as a reader writes it, not as Rust's Debug prints it.
#[test]
fn syntax_errors_name_tokens_plainly() {
    let mut s = ModalSystem::library();
    let e = s
        .add_source("agent X ; box C(me);")
        .unwrap_err()
        .to_string();
    assert!(e.contains("found `;`"), "{e}");
    assert!(!e.contains("P(") && !e.contains("Word("), "{e}");
}

/// A user file may not give a library agent (or one an earlier file defined) another formula: a
/// "FairBot" that is not FairBot would change what every match calling it FairBot means. Naming the
/// same file twice (the same formula again) is fine.
#[test]
fn library_agents_cannot_be_redefined_with_another_formula() {
    let mut s = ModalSystem::library();
    let e = s
        .add_source("agent fairbot = box C(DefectBot);")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "agent fairbot: FairBot is already defined (a library agent), with another formula"
        ),
        "{e}"
    );
    assert!(
        s.add_source("agent FairBot = box C(me);").is_ok(),
        "the same formula"
    );
    s.add_source("agent Mine = box C(me) and box C(DefectBot);")
        .unwrap();
    s.add_source("agent Mine = box C(me) and box C(DefectBot);")
        .unwrap();
    let e = s
        .add_source("agent Mine = box C(them);")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Mine is already defined, with another formula"),
        "{e}"
    );
    let library = ModalSystem::library();
    assert_eq!(library.names(), spi_programs::modal::LIBRARY_NAMES.to_vec());
}
