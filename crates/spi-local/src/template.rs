//! [`ChatTemplate`]: renders a conversation into prompt text with the Jinja template stored in
//! the GGUF's `tokenizer.chat_template`, the same template llama.cpp and Hugging Face apply.

use minijinja::{Environment, ErrorKind, context};

use crate::{ChatMessage, LocalError};

/// The name the template is registered under in its environment.
const NAME: &str = "chat";

/// A parsed chat template with the special token strings it may refer to.
pub struct ChatTemplate {
    env: Environment<'static>,
    bos_token: String,
    eos_token: String,
}

impl ChatTemplate {
    /// Parses `source`. `bos_token`/`eos_token` are the strings templates reference by those names.
    pub fn new(source: String, bos_token: String, eos_token: String) -> Result<Self, LocalError> {
        let mut env = Environment::new();
        // Hugging Face templates signal bad input this way; surface it as a template error.
        env.add_function("raise_exception", |msg: String| -> Result<String, _> {
            Err(minijinja::Error::new(ErrorKind::InvalidOperation, msg))
        });
        env.add_template_owned(NAME, source)
            .map_err(|cause| LocalError::Template { cause })?;
        Ok(ChatTemplate {
            env,
            bos_token,
            eos_token,
        })
    }

    /// The prompt text for `messages`, ending with the assistant's turn header.
    pub fn render(&self, messages: &[ChatMessage]) -> Result<String, LocalError> {
        let tmpl = self
            .env
            .get_template(NAME)
            .map_err(|cause| LocalError::Template { cause })?;
        let messages: Vec<_> = messages
            .iter()
            .map(|m| context! { role => m.role.as_str(), content => m.content.as_str() })
            .collect();
        tmpl.render(context! {
            messages => messages,
            add_generation_prompt => true,
            bos_token => self.bos_token.as_str(),
            eos_token => self.eos_token.as_str(),
        })
        .map_err(|cause| LocalError::Template { cause })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tokenizer.chat_template` as stored in SmolLM2-135M-Instruct.Q4_1.gguf.
    const SMOLLM2_TEMPLATE: &str = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    fn msg(role: &str, content: &str) -> ChatMessage {
        ChatMessage {
            role: role.into(),
            content: content.into(),
        }
    }

    fn smollm2() -> ChatTemplate {
        ChatTemplate::new(
            SMOLLM2_TEMPLATE.into(),
            "<|im_start|>".into(),
            "<|im_end|>".into(),
        )
        .unwrap()
    }

    #[test]
    fn smollm2_template_adds_default_system_turn() {
        assert_eq!(
            smollm2().render(&[msg("user", "Hi")]).unwrap(),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging \
             Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn smollm2_template_keeps_given_system_and_history() {
        let out = smollm2()
            .render(&[
                msg("system", "Be terse."),
                msg("user", "2+2?"),
                msg("assistant", "4"),
                msg("user", "3+3?"),
            ])
            .unwrap();
        assert_eq!(
            out,
            "<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n\
             <|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\n3+3?<|im_end|>\n\
             <|im_start|>assistant\n"
        );
    }

    #[test]
    fn raise_exception_becomes_a_template_error() {
        let t = ChatTemplate::new(
            "{{ raise_exception('roles must alternate') }}".into(),
            String::new(),
            String::new(),
        )
        .unwrap();
        let err = t.render(&[]).unwrap_err().to_string();
        assert!(err.contains("roles must alternate"), "{err}");
    }
}
