//! The checklist: at most fifteen risk factors for SPI lock-out, each a yes/no question a policy
//! author can answer, with its rationale and mitigation (`lockout/checklist.toml`).

use serde_json::{Value, json};

use crate::CANARY;
use crate::error::LockoutError;
use crate::value::{array, join, nonempty_string, only_keys, parse_toml, required, table};

/// The most factors a checklist may have: beyond that nobody consults it.
pub const MAX_FACTORS: usize = 15;

/// One risk factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskFactor {
    /// `RF01` ...
    pub id: String,
    /// A short name.
    pub name: String,
    /// The yes/no question ("yes" means the risk is present).
    pub question: String,
    /// Why it locks SPIs out.
    pub rationale: String,
    /// The cheap fix.
    pub mitigation: String,
}

/// The checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    /// `X-Y` version of the checklist file.
    pub version: String,
    /// The factors, in file order.
    pub factors: Vec<RiskFactor>,
}

pub(crate) fn check_version(v: &str, path: &str) -> Result<(), LockoutError> {
    let ok = v.split_once('-').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
    });
    if ok {
        Ok(())
    } else {
        Err(LockoutError::invalid(
            path,
            "a version \"X-Y\" (e.g. \"1-0\")",
            format!("{v:?}"),
        ))
    }
}

pub(crate) fn check_canary(obj: &serde_json::Map<String, Value>) -> Result<(), LockoutError> {
    let c = nonempty_string(obj, "", "canary")?;
    if c.trim() != CANARY {
        return Err(LockoutError::invalid(
            "canary",
            &format!("{CANARY:?}"),
            format!("{c:?}"),
        ));
    }
    Ok(())
}

impl Checklist {
    /// Reads `checklist.toml`.
    pub fn from_toml_str(text: &str) -> Result<Checklist, LockoutError> {
        let v = parse_toml(text)?;
        let obj = table(&v, "$")?;
        only_keys(
            obj,
            "",
            &[
                "canary",
                "schema",
                "version",
                "factor",
                "title",
                "description",
            ],
        )?;
        check_canary(obj)?;
        let schema = nonempty_string(obj, "", "schema")?;
        if schema != "spi-lockout-checklist/1" {
            return Err(LockoutError::invalid(
                "schema",
                "\"spi-lockout-checklist/1\"",
                format!("{schema:?}"),
            ));
        }
        let version = nonempty_string(obj, "", "version")?;
        check_version(&version, "version")?;
        let list = array(required(obj, "", "factor")?, "factor")?;
        if list.is_empty() || list.len() > MAX_FACTORS {
            return Err(LockoutError::invalid(
                "factor",
                &format!("between 1 and {MAX_FACTORS} [[factor]] tables"),
                format!("{} of them", list.len()),
            ));
        }
        let mut factors: Vec<RiskFactor> = Vec::new();
        for (k, f) in list.iter().enumerate() {
            let p = format!("factor[{k}]");
            let t = table(f, &p)?;
            only_keys(
                t,
                &p,
                &["id", "name", "question", "rationale", "mitigation"],
            )?;
            let id = nonempty_string(t, &p, "id")?;
            if factors.iter().any(|g| g.id == id) {
                return Err(LockoutError::invalid(
                    &join(&p, "id"),
                    "a unique factor id",
                    format!("{id:?} a second time"),
                ));
            }
            factors.push(RiskFactor {
                id,
                name: nonempty_string(t, &p, "name")?,
                question: nonempty_string(t, &p, "question")?,
                rationale: nonempty_string(t, &p, "rationale")?,
                mitigation: nonempty_string(t, &p, "mitigation")?,
            });
        }
        Ok(Checklist { version, factors })
    }

    /// Looks a factor up by id.
    pub fn factor(&self, id: &str) -> Option<&RiskFactor> {
        self.factors.iter().find(|f| f.id == id)
    }

    /// Plain text, one block per factor; `exhibited_by(id)` lists the scenarios exhibiting it.
    pub fn to_text(&self, exhibited_by: &dyn Fn(&str) -> Vec<String>) -> String {
        let mut out = format!(
            "SPI lock-out checklist (version {}): answer each question for your policy; \"yes\" is a risk.\n",
            self.version
        );
        for f in &self.factors {
            out.push_str(&format!(
                "\n{}  {}\n  Q: {}\n  Why: {}\n  Fix: {}\n",
                f.id, f.name, f.question, f.rationale, f.mitigation
            ));
            let s = exhibited_by(&f.id);
            if !s.is_empty() {
                out.push_str(&format!("  Scenarios: {}\n", s.join(", ")));
            }
        }
        out
    }

    /// Markdown, a section per factor.
    pub fn to_markdown(&self, exhibited_by: &dyn Fn(&str) -> Vec<String>) -> String {
        let mut out = format!(
            "# SPI lock-out checklist (version {})\n\nAnswer each question for your policy; a \"yes\" is a risk factor for locking out safe Pareto improvements.\n",
            self.version
        );
        for f in &self.factors {
            out.push_str(&format!(
                "\n## {} {}\n\n**Question.** {}\n\n**Why it matters.** {}\n\n**Mitigation.** {}\n",
                f.id, f.name, f.question, f.rationale, f.mitigation
            ));
            let s = exhibited_by(&f.id);
            if !s.is_empty() {
                out.push_str(&format!(
                    "\n**Scenarios.** {}\n",
                    s.iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        out
    }

    /// The `spi-lockout-checklist/1` JSON document.
    pub fn to_value(&self, exhibited_by: &dyn Fn(&str) -> Vec<String>) -> Value {
        json!({
            "schema": "spi-lockout-checklist/1",
            "version": self.version,
            "factors": self.factors.iter().map(|f| json!({
                "id": f.id, "name": f.name, "question": f.question, "rationale": f.rationale,
                "mitigation": f.mitigation, "scenarios": exhibited_by(&f.id),
            })).collect::<Vec<_>>(),
        })
    }
}
