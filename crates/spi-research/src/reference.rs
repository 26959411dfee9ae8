//! The reference solver: the engine answering through the same interface as a model. It is a
//! [`Provider`] that recognises each task by its input, and each step of a decomposition by the
//! step's request, and replies with the engine's answer in the strict format. Any mode run with
//! it must score 100% on classes 1-8; a lower score is a bug in a generator, grader or mode.

use std::collections::HashMap;

use spi_eval::dataset::Sample;
use spi_eval::error::ProviderError;
use spi_eval::provider::{ChatRequest, ChatResponse, Provider, Role};

use crate::check::spec_class;

/// The reference provider over a set of tasks.
pub struct ReferenceProvider {
    /// Task input text -> (whole reference, step requests with their references).
    tasks: HashMap<String, (String, Vec<(String, String)>)>,
}

impl ReferenceProvider {
    /// Builds the engine's answers for `samples` (samples without a research check are skipped).
    pub fn new(samples: &[Sample]) -> ReferenceProvider {
        let mut tasks = HashMap::new();
        for s in samples {
            let Some(spec) = &s.check else { continue };
            let Ok(class) = spec_class(spec) else {
                continue;
            };
            let (Ok(whole), Ok(steps)) = (class.reference(spec), class.steps(spec)) else {
                continue;
            };
            let steps = steps
                .into_iter()
                .filter(|st| !st.prompt.is_empty())
                .map(|st| (st.prompt, st.reference))
                .collect();
            tasks.insert(s.input.as_text(), (whole, steps));
        }
        ReferenceProvider { tasks }
    }
}

#[async_trait::async_trait]
impl Provider for ReferenceProvider {
    fn name(&self) -> String {
        "reference:engine".into()
    }
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let users: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::User)
            .map(|m| m.content.as_str())
            .collect();
        let first = users.first().copied().unwrap_or_default();
        let last = users.last().copied().unwrap_or_default();
        let (whole, steps) = self
            .tasks
            .iter()
            .filter(|(input, _)| first.contains(input.as_str()))
            .max_by_key(|(input, _)| input.len())
            .map(|(_, v)| v)
            .ok_or_else(|| {
                ProviderError::Rejected("reference: no task matches this conversation".into())
            })?;
        let answer = steps
            .iter()
            .rev()
            .find(|(prompt, _)| last.contains(prompt.as_str()))
            .map_or(whole, |(_, r)| r);
        Ok(ChatResponse {
            text: format!("ANSWER: {answer}"),
            prompt_tokens: 0,
            completion_tokens: 0,
            finish_reason: "stop".into(),
        })
    }
}
