//! One scenario of the lock-out library (`spi-lockout-scenario/1`, one TOML file each).

use serde_json::{Value, json};

use crate::checklist::{check_canary, check_version};
use crate::error::LockoutError;
use crate::value::{nonempty_string, only_keys, parse_toml, required, string, strings, table};
use crate::witness::Witness;

/// How the scenario locks the SPI out (agenda II.1 vs II.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mechanism {
    /// The option to implement the SPI is removed.
    Implementation,
    /// The option stays, but the reasons to use it are undermined.
    Incentive,
}

/// The SPI family a scenario forecloses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SpiFamily {
    /// Surrogate goals and concession-equivalent policies (agenda B.3).
    SurrogateGoals,
    /// Renegotiation programs and the PMP-extension (DCM; agenda B.4).
    Renegotiation,
    /// Replacing a costly conflict outcome by a harmless one (OC's Demand Game).
    SimulatedConflict,
    /// Commitments conditional on the counterpart's commitments (open-source game theory).
    DefaultConditional,
}

impl Mechanism {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Implementation => "implementation",
            Mechanism::Incentive => "incentive",
        }
    }
}

impl SpiFamily {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            SpiFamily::SurrogateGoals => "surrogate_goals",
            SpiFamily::Renegotiation => "renegotiation",
            SpiFamily::SimulatedConflict => "simulated_conflict",
            SpiFamily::DefaultConditional => "default_conditional",
        }
    }
    fn parse(s: &str) -> Option<SpiFamily> {
        [
            SpiFamily::SurrogateGoals,
            SpiFamily::Renegotiation,
            SpiFamily::SimulatedConflict,
            SpiFamily::DefaultConditional,
        ]
        .into_iter()
        .find(|f| f.name() == s)
    }
}

/// A lock-out scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Unique id (`lo-...`).
    pub id: String,
    /// `X-Y`.
    pub version: String,
    /// One line.
    pub title: String,
    /// The agenda passage it serves.
    pub agenda: String,
    /// Who is involved.
    pub actors: Vec<String>,
    /// The clause, commitment or rule.
    pub policy: String,
    /// Implementation or incentive lock-out.
    pub mechanism: Mechanism,
    /// The SPI families it forecloses.
    pub forecloses: Vec<SpiFamily>,
    /// Checklist factor ids.
    pub risk_factors: Vec<String>,
    /// How it happens.
    pub narrative: String,
    /// The cheap fix.
    pub mitigation: String,
    /// The policy with the fix applied.
    pub fixed_policy: String,
    /// The engine witness, if the scenario has one.
    pub witness: Option<Witness>,
}

const KEYS: &[&str] = &[
    "canary",
    "schema",
    "version",
    "id",
    "title",
    "agenda",
    "actors",
    "policy",
    "mechanism",
    "forecloses",
    "risk_factors",
    "narrative",
    "mitigation",
    "fixed_policy",
    "witness",
    "references",
    "notes",
];

impl Scenario {
    /// Reads one scenario file.
    pub fn from_toml_str(text: &str) -> Result<Scenario, LockoutError> {
        let v = parse_toml(text)?;
        let obj = table(&v, "$")?;
        only_keys(obj, "", KEYS)?;
        check_canary(obj)?;
        let schema = nonempty_string(obj, "", "schema")?;
        if schema != "spi-lockout-scenario/1" {
            return Err(LockoutError::invalid(
                "schema",
                "\"spi-lockout-scenario/1\"",
                format!("{schema:?}"),
            ));
        }
        let version = nonempty_string(obj, "", "version")?;
        check_version(&version, "version")?;
        let id = nonempty_string(obj, "", "id")?;
        if !id
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        {
            return Err(LockoutError::invalid(
                "id",
                "lower-case letters, digits and '-'",
                format!("{id:?}"),
            ));
        }
        let mechanism = match string(required(obj, "", "mechanism")?, "mechanism")?.as_str() {
            "implementation" => Mechanism::Implementation,
            "incentive" => Mechanism::Incentive,
            other => {
                return Err(LockoutError::invalid(
                    "mechanism",
                    "\"implementation\" or \"incentive\"",
                    format!("{other:?}"),
                ));
            }
        };
        let mut forecloses = Vec::new();
        for (k, s) in strings(required(obj, "", "forecloses")?, "forecloses")?
            .iter()
            .enumerate()
        {
            let f = SpiFamily::parse(s).ok_or_else(|| {
                LockoutError::invalid(
                    &format!("forecloses[{k}]"),
                    "surrogate_goals, renegotiation, simulated_conflict or default_conditional",
                    format!("{s:?}"),
                )
            })?;
            if forecloses.contains(&f) {
                return Err(LockoutError::invalid(
                    &format!("forecloses[{k}]"),
                    "each family once",
                    format!("{s:?} twice"),
                ));
            }
            forecloses.push(f);
        }
        if forecloses.is_empty() {
            return Err(LockoutError::invalid(
                "forecloses",
                "at least one SPI family",
                "an empty list",
            ));
        }
        let risk_factors = strings(required(obj, "", "risk_factors")?, "risk_factors")?;
        if risk_factors.is_empty() {
            return Err(LockoutError::invalid(
                "risk_factors",
                "at least one checklist factor id",
                "an empty list",
            ));
        }
        let actors = strings(required(obj, "", "actors")?, "actors")?;
        if actors.is_empty() {
            return Err(LockoutError::invalid(
                "actors",
                "at least one actor",
                "an empty list",
            ));
        }
        let witness = match obj.get("witness") {
            None => None,
            Some(w) => Some(Witness::from_value(w, "witness")?),
        };
        Ok(Scenario {
            id,
            version,
            title: nonempty_string(obj, "", "title")?,
            agenda: nonempty_string(obj, "", "agenda")?,
            actors,
            policy: nonempty_string(obj, "", "policy")?,
            mechanism,
            forecloses,
            risk_factors,
            narrative: nonempty_string(obj, "", "narrative")?,
            mitigation: nonempty_string(obj, "", "mitigation")?,
            fixed_policy: nonempty_string(obj, "", "fixed_policy")?,
            witness,
        })
    }

    /// A summary value for listings (`spi lockout scenarios --json`).
    pub fn to_value(&self) -> Value {
        json!({
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "agenda": self.agenda,
            "actors": self.actors,
            "mechanism": self.mechanism.name(),
            "forecloses": self.forecloses.iter().map(|f| f.name()).collect::<Vec<_>>(),
            "risk_factors": self.risk_factors,
            "policy": self.policy,
            "mitigation": self.mitigation,
            "fixed_policy": self.fixed_policy,
            "witness": self.witness.as_ref().map(|w| w.evaluate().to_value()),
        })
    }
}
