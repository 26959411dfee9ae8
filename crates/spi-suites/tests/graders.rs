//! Every grader is total: arbitrary model output is graded (usually 0), never an error or a panic.

use proptest::prelude::*;
use spi_suites::tasks::{TASKS, final_answer, task};

fn specs() -> Vec<serde_json::Value> {
    spi_suites::generate::generate(77, TASKS.len() * 3)
        .unwrap()
        .into_iter()
        .map(|i| i["check"].clone())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn graders_are_total_on_noise(s in "\\PC{0,60}") {
        for spec in specs() {
            let t = task(spec["kind"].as_str().unwrap()).unwrap();
            prop_assert!(t.grade(&spec, &final_answer(&s)).is_ok());
        }
    }

    #[test]
    fn graders_are_total_on_answer_shaped_noise(s in "(ANSWER: )?([RCSabq][0-9]{1,2}(->|, |:|; )){0,8}(NONE|yes|no|C|D|[0-9/]{1,4})?") {
        for spec in specs() {
            let t = task(spec["kind"].as_str().unwrap()).unwrap();
            prop_assert!(t.grade(&spec, &final_answer(&s)).is_ok());
        }
    }
}
