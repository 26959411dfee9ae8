//! Tools for the agent solver: the `Tool` trait and a registry the CLI fills (the engine's tools
//! are registered there, so this crate needs no dependency on the engine).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

/// A tool failure, shown to the model as `TOOL ERROR: ...` so it can correct itself.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ToolError(pub String);

/// Something the model may call during an agent loop.
#[async_trait]
pub trait Tool: Send + Sync {
    /// The name the model writes after `CALL`.
    fn name(&self) -> &str;
    /// One paragraph telling the model what it does.
    fn description(&self) -> &str;
    /// The arguments it takes, as a JSON-schema-like object shown to the model.
    fn parameters(&self) -> serde_json::Value;
    /// Runs it. Must be bounded in time and memory: model-written input is untrusted.
    async fn call(&self, arguments: serde_json::Value) -> Result<String, ToolError>;
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

#[async_trait]
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
    async fn call(&self, arguments: serde_json::Value) -> Result<String, ToolError> {
        crate::scorer::arithmetic(&arguments)
            .map(|v| v.to_string())
            .map_err(ToolError)
    }
}
