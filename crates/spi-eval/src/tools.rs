//! Tools for the agent solver: the `Tool` trait and a registry the CLI fills (the engine's tools
//! are registered there, so this crate needs no dependency on the engine).
//!
//! A tool is a plain synchronous function of its arguments and the sample being solved: the
//! solver runs it on a blocking thread under a time budget, so an engine computation never
//! stalls the async threads that drive the model calls.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::dataset::Sample;
use crate::provider::ChatMessage;

/// A tool failure, shown to the model as `TOOL ERROR: ...` so it can correct itself.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ToolError(pub String);

/// What a tool call may look at besides its arguments.
#[derive(Debug, Clone, Copy)]
pub struct ToolContext<'a> {
    /// The sample being solved (its `check` or `metadata` may carry the game the tool works on).
    pub sample: &'a Sample,
    /// The conversation so far.
    pub messages: &'a [ChatMessage],
}

/// Something the model may call during an agent loop.
pub trait Tool: Send + Sync {
    /// The name the model writes after `CALL`.
    fn name(&self) -> &str;
    /// One paragraph telling the model what it does.
    fn description(&self) -> &str;
    /// The arguments it takes, as a JSON-schema-like object shown to the model.
    fn parameters(&self) -> serde_json::Value;
    /// Runs it. Must be bounded in memory and should be bounded in time (the solver stops
    /// waiting after its budget): model-written input is untrusted.
    fn call(
        &self,
        arguments: serde_json::Value,
        ctx: &ToolContext<'_>,
    ) -> Result<String, ToolError>;
}

/// Tools by name.
#[derive(Clone, Default)]
pub struct ToolRegistry {
    tools: BTreeMap<String, Arc<dyn Tool>>,
}

impl std::fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.tools.keys()).finish()
    }
}

impl ToolRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a tool (replacing one with the same name).
    pub fn register(&mut self, tool: Arc<dyn Tool>) {
        self.tools.insert(tool.name().to_string(), tool);
    }
    /// Looks a tool up.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Tool>> {
        self.tools.get(name).cloned()
    }
    /// Registered names.
    pub fn names(&self) -> Vec<String> {
        self.tools.keys().cloned().collect()
    }
}

/// Integer arithmetic on exact 128-bit values: the smallest useful tool, used to test the agent
/// loop and available to suites that want it.
#[derive(Debug, Default)]
pub struct ArithmeticTool;

impl Tool for ArithmeticTool {
    fn name(&self) -> &str {
        "arithmetic"
    }
    fn description(&self) -> &str {
        "Exact integer arithmetic: applies op (add, sub, mul) to the integer operands in order."
    }
    fn parameters(&self) -> serde_json::Value {
        serde_json::json!({"op": "add|sub|mul", "operands": "list of integers"})
    }
    fn call(
        &self,
        arguments: serde_json::Value,
        _ctx: &ToolContext<'_>,
    ) -> Result<String, ToolError> {
        crate::check::arithmetic(&arguments)
            .map(|v| v.to_string())
            .map_err(ToolError)
    }
}
