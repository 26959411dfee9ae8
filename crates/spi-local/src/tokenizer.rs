//! [`GgufTokenizer`]: the byte-level BPE tokenizer rebuilt from a GGUF file's own metadata
//! (`tokenizer.ggml.tokens`, `.merges`, `.token_type`, `.pre`), so a model file is all a run needs.
//!
//! The pre-tokenizer follows llama.cpp's choice for the file's `tokenizer.ggml.pre`: for `smollm`
//! (and the StarCoder family it shares a vocabulary with) digits are split one by one, then the
//! GPT-2 split pattern applies. Byte-level pre-tokenizers in the tokenizers crate add a leading
//! space by default; llama.cpp does not when `tokenizer.ggml.add_space_prefix` is false (as it is
//! in SmolLM2's file), so we set `add_prefix_space` from that key. The golden test
//! `smollm2_token_ids_match_llama_cpp` holds the ids llama.cpp produced for the same strings.

use std::path::Path;

use candle_core::quantized::gguf_file::{Content, Value};
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::{AddedToken, PreTokenizerWrapper, Tokenizer};

use crate::LocalError;

/// llama.cpp's token type for control tokens (`<|im_start|>` and the like).
const TOKEN_TYPE_CONTROL: i32 = 3;
/// llama.cpp's token type for user-defined tokens, matched literally in text like control ones.
const TOKEN_TYPE_USER_DEFINED: i32 = 4;

/// Pre-tokenizer families whose digits llama.cpp splits one at a time before the GPT-2 pattern.
const INDIVIDUAL_DIGIT_PRE: &[&str] = &[
    "smollm",
    "starcoder",
    "refact",
    "command-r",
    "codeshell",
    "exaone",
    "minerva-7b",
];

/// A tokenizer built from a GGUF file, plus the special ids generation needs.
pub struct GgufTokenizer {
    inner: Tokenizer,
    /// `tokenizer.ggml.bos_token_id`, if any.
    pub bos_id: Option<u32>,
    /// `tokenizer.ggml.eos_token_id`.
    pub eos_id: u32,
    /// Whether `tokenizer.ggml.add_bos_token` asks for BOS before a prompt.
    pub add_bos: bool,
    /// Every token that ends a turn (EOS plus the control tokens llama.cpp treats as end of
    /// generation, such as `<|im_end|>` and `<|endoftext|>`).
    pub end_of_generation: Vec<u32>,
    tokens: Vec<String>,
}

fn meta<'a>(ct: &'a Content, path: &Path, key: &str) -> Result<&'a Value, LocalError> {
    ct.metadata.get(key).ok_or_else(|| LocalError::Metadata {
        path: path.to_owned(),
        key: key.to_owned(),
        detail: "missing".to_owned(),
    })
}

fn bad(path: &Path, key: &str, e: impl std::fmt::Display) -> LocalError {
    LocalError::Metadata {
        path: path.to_owned(),
        key: key.to_owned(),
        detail: e.to_string(),
    }
}

fn string_array(ct: &Content, path: &Path, key: &str) -> Result<Vec<String>, LocalError> {
    meta(ct, path, key)?
        .to_vec()
        .map_err(|e| bad(path, key, e))?
        .iter()
        .map(|v| v.to_string().cloned().map_err(|e| bad(path, key, e)))
        .collect()
}

fn opt_u32(ct: &Content, path: &Path, key: &str) -> Result<Option<u32>, LocalError> {
    ct.metadata
        .get(key)
        .map(|v| v.to_u32().map_err(|e| bad(path, key, e)))
        .transpose()
}

fn opt_bool(ct: &Content, path: &Path, key: &str) -> Result<Option<bool>, LocalError> {
    ct.metadata
        .get(key)
        .map(|v| v.to_bool().map_err(|e| bad(path, key, e)))
        .transpose()
}

impl GgufTokenizer {
    /// Reads only the metadata of the GGUF at `path` and builds its tokenizer.
    pub fn from_file(path: &Path) -> Result<Self, LocalError> {
        let mut file = std::fs::File::open(path).map_err(|source| LocalError::Io {
            action: "opening",
            path: path.to_owned(),
            cause: source,
        })?;
        let ct = Content::read(&mut file).map_err(|source| LocalError::Gguf {
            path: path.to_owned(),
            cause: source,
        })?;
        Self::from_gguf(&ct, path)
    }

    /// Builds the tokenizer from `ct`'s metadata; `path` only labels errors.
    pub fn from_gguf(ct: &Content, path: &Path) -> Result<Self, LocalError> {
        let model_key = "tokenizer.ggml.model";
        let model = meta(ct, path, model_key)?
            .to_string()
            .map_err(|e| bad(path, model_key, e))?;
        if model != "gpt2" {
            return Err(bad(
                path,
                model_key,
                format!("`{model}` is not supported (only byte-level BPE, `gpt2`)"),
            ));
        }
        let pre = ct
            .metadata
            .get("tokenizer.ggml.pre")
            .and_then(|v| v.to_string().ok())
            .cloned()
            .unwrap_or_default();
        let tokens = string_array(ct, path, "tokenizer.ggml.tokens")?;
        let merges = string_array(ct, path, "tokenizer.ggml.merges")?;
        let types_key = "tokenizer.ggml.token_type";
        let types: Vec<i32> = match ct.metadata.get(types_key) {
            Some(v) => v
                .to_vec()
                .map_err(|e| bad(path, types_key, e))?
                .iter()
                .map(|t| t.to_i32().map_err(|e| bad(path, types_key, e)))
                .collect::<Result<_, _>>()?,
            None => vec![1; tokens.len()],
        };
        let add_space_prefix =
            opt_bool(ct, path, "tokenizer.ggml.add_space_prefix")?.unwrap_or(false);
        let add_bos = opt_bool(ct, path, "tokenizer.ggml.add_bos_token")?.unwrap_or(false);
        let bos_id = opt_u32(ct, path, "tokenizer.ggml.bos_token_id")?;
        let eos_key = "tokenizer.ggml.eos_token_id";
        let eos_id = opt_u32(ct, path, eos_key)?.ok_or_else(|| bad(path, eos_key, "missing"))?;

        let vocab: tokenizers::models::bpe::Vocab = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let merges = merges
            .iter()
            .map(|m| {
                m.split_once(' ')
                    .map(|(a, b)| (a.to_owned(), b.to_owned()))
                    .ok_or_else(|| bad(path, "tokenizer.ggml.merges", format!("bad merge `{m}`")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bpe = BPE::builder()
            .vocab_and_merges(vocab, merges)
            .build()
            .map_err(|e| LocalError::Tokenizer {
                detail: e.to_string(),
            })?;
        let mut inner = Tokenizer::new(bpe);
        let byte_level = ByteLevel::new(add_space_prefix, false, true);
        let pre_tokenizer: PreTokenizerWrapper = if INDIVIDUAL_DIGIT_PRE.contains(&pre.as_str()) {
            Sequence::new(vec![Digits::new(true).into(), byte_level.into()]).into()
        } else {
            byte_level.into()
        };
        inner.with_pre_tokenizer(Some(pre_tokenizer));
        inner.with_decoder(Some(ByteLevelDecoder::default()));

        let specials: Vec<AddedToken> = tokens
            .iter()
            .zip(&types)
            .filter(|(_, t)| **t == TOKEN_TYPE_CONTROL)
            .map(|(tok, _)| AddedToken::from(tok.clone(), true))
            .collect();
        inner.add_special_tokens(&specials);
        let user: Vec<AddedToken> = tokens
            .iter()
            .zip(&types)
            .filter(|(_, t)| **t == TOKEN_TYPE_USER_DEFINED)
            .map(|(tok, _)| AddedToken::from(tok.clone(), false))
            .collect();
        inner.add_tokens(&user);

        let mut end_of_generation = vec![eos_id];
        for name in [
            "<|im_end|>",
            "<|endoftext|>",
            "<|eot_id|>",
            "<|end|>",
            "</s>",
        ] {
            if let Some(&id) = tokens
                .iter()
                .position(|t| t == name)
                .map(|i| i as u32)
                .as_ref()
                .filter(|&&id| types.get(id as usize) == Some(&TOKEN_TYPE_CONTROL))
                && !end_of_generation.contains(&id)
            {
                end_of_generation.push(id);
            }
        }
        Ok(GgufTokenizer {
            inner,
            bos_id,
            eos_id,
            add_bos,
            end_of_generation,
            tokens,
        })
    }

    /// Token ids for `text`, with control tokens written in the text (`<|im_start|>`) parsed as
    /// single tokens, as llama.cpp does with `parse_special`. BOS is not added here.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, LocalError> {
        let enc = self
            .inner
            .encode_fast(text, false)
            .map_err(|e| LocalError::Tokenizer {
                detail: e.to_string(),
            })?;
        Ok(enc.get_ids().to_vec())
    }

    /// Text for `ids`, leaving out control tokens.
    pub fn decode(&self, ids: &[u32]) -> Result<String, LocalError> {
        self.inner
            .decode(ids, true)
            .map_err(|e| LocalError::Tokenizer {
                detail: e.to_string(),
            })
    }

    /// The token string for `id` (byte-level form), if the id is in the vocabulary.
    pub fn token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }

    /// Number of tokens in the vocabulary.
    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use candle_core::quantized::gguf_file::{self, Content, Value};

    use super::*;

    /// A GGUF with no tensors and a toy byte-level vocabulary, shaped like SmolLM2's metadata.
    fn toy_gguf(add_space_prefix: bool) -> Content {
        let tokens = [
            "<|endoftext|>",
            "<|im_start|>",
            "<|im_end|>",
            "H",
            "e",
            "l",
            "o",
            "Ġ",
            "1",
            "2",
            "He",
            "ll",
            "Hell",
            "Hello",
            "ĠHello",
            "12",
        ];
        let merges = ["H e", "l l", "He ll", "Hell o", "Ġ Hello", "1 2"];
        let strings =
            |xs: &[&str]| Value::Array(xs.iter().map(|s| Value::String((*s).into())).collect());
        let types = Value::Array(
            (0..tokens.len())
                .map(|i| Value::I32(if i < 3 { 3 } else { 1 }))
                .collect(),
        );
        let md = [
            ("tokenizer.ggml.model", Value::String("gpt2".into())),
            ("tokenizer.ggml.pre", Value::String("smollm".into())),
            ("tokenizer.ggml.tokens", strings(&tokens)),
            ("tokenizer.ggml.merges", strings(&merges)),
            ("tokenizer.ggml.token_type", types),
            (
                "tokenizer.ggml.add_space_prefix",
                Value::Bool(add_space_prefix),
            ),
            ("tokenizer.ggml.bos_token_id", Value::U32(1)),
            ("tokenizer.ggml.eos_token_id", Value::U32(2)),
        ];
        let md_refs: Vec<(&str, &Value)> = md.iter().map(|(k, v)| (*k, v)).collect();
        let mut buf = Cursor::new(Vec::new());
        gguf_file::write(&mut buf, &md_refs, &[]).unwrap();
        buf.set_position(0);
        Content::read(&mut buf).unwrap()
    }

    fn toy(add_space_prefix: bool) -> GgufTokenizer {
        GgufTokenizer::from_gguf(&toy_gguf(add_space_prefix), Path::new("toy.gguf")).unwrap()
    }

    #[test]
    fn no_leading_space_when_add_space_prefix_is_false() {
        // 13 = "Hello", 14 = "ĠHello": the first word must not gain a space.
        assert_eq!(toy(false).encode("Hello").unwrap(), vec![13]);
        assert_eq!(toy(false).encode("Hello Hello").unwrap(), vec![13, 14]);
        assert_eq!(toy(true).encode("Hello").unwrap(), vec![14]);
    }

    #[test]
    fn control_tokens_in_text_are_single_ids() {
        let t = toy(false);
        assert_eq!(
            t.encode("<|im_start|>Hello<|im_end|>").unwrap(),
            vec![1, 13, 2]
        );
        assert_eq!(t.decode(&[1, 13, 14, 2]).unwrap(), "Hello Hello");
        assert_eq!(t.end_of_generation, vec![2, 0]);
    }

    #[test]
    fn smollm_pre_tokenizer_splits_digits_one_by_one() {
        // The merge "1 2" exists, but llama.cpp's smollm pre-tokenizer isolates each digit first.
        assert_eq!(toy(false).encode("12").unwrap(), vec![8, 9]);
    }

    #[test]
    fn non_bpe_vocabularies_are_rejected_with_the_key() {
        let mut ct = toy_gguf(false);
        ct.metadata
            .insert("tokenizer.ggml.model".into(), Value::String("llama".into()));
        let err = GgufTokenizer::from_gguf(&ct, Path::new("toy.gguf"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("toy.gguf") && err.contains("tokenizer.ggml.model"),
            "{err}"
        );
    }
}
