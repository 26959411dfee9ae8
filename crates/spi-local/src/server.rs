//! [`ModelServer`]: one [`LocalModel`] on its own thread, serving concurrent callers with
//! continuous batching.
//!
//! Callers render and tokenize on their own threads (the text side is shared and immutable), send
//! the prompt ids over a channel and block on their own reply channel. The model thread collects
//! whatever has arrived between two forward passes into the running batch (the scheduler in
//! `batch.rs`), so a request that comes while others decode joins at the next step instead of
//! waiting for the batch to drain. No async runtime: the harness calls [`ModelServer::chat`]
//! from its blocking pool.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use crate::batch::{BatchOptions, Scheduler};
use crate::llama::{Llama, SequenceCache};
use crate::model::TextSide;
use crate::{ChatMessage, Completion, GenerationParams, LocalError, LocalModel};

/// A request on its way to the model thread.
struct Job {
    prompt: Vec<u32>,
    params: GenerationParams,
    /// Where the result goes; the caller waits on the other end.
    reply: Sender<Result<Completion, LocalError>>,
}

/// A loaded model serving many callers at once (`Send + Sync`: share it in an `Arc`).
pub struct ModelServer {
    /// Tokenizer and chat template, used on the callers' threads.
    text: Arc<TextSide>,
    /// Requests to the model thread; dropping it tells the thread to finish and exit.
    jobs: Option<Sender<Job>>,
    /// The model thread, joined on drop.
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ModelServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ModelServer")
    }
}

impl ModelServer {
    /// Moves `model` onto a new thread that batches the requests it is sent.
    pub fn start(model: LocalModel, options: BatchOptions) -> Result<ModelServer, LocalError> {
        let (llama, text, context_length) = model.into_parts();
        let (jobs, inbox) = mpsc::channel();
        let worker_text = text.clone();
        let thread = std::thread::Builder::new()
            .name("spi-local-model".to_owned())
            .spawn(move || serve(llama, &worker_text, context_length, options, &inbox))
            .map_err(|source| LocalError::Worker {
                detail: format!("could not start the model thread: {source}"),
            })?;
        Ok(ModelServer {
            text,
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Renders `messages` with the chat template and generates the reply, batched with whatever
    /// else is running. Blocks the calling thread until the reply is complete.
    pub fn chat(
        &self,
        messages: &[ChatMessage],
        params: &GenerationParams,
    ) -> Result<Completion, LocalError> {
        let prompt = self.text.chat_ids(messages)?;
        self.generate(prompt, params)
    }

    /// Generates from prompt ids, batched with whatever else is running.
    pub fn generate(
        &self,
        prompt: Vec<u32>,
        params: &GenerationParams,
    ) -> Result<Completion, LocalError> {
        let stopped = || LocalError::Worker {
            detail: "the model thread has stopped (an earlier request failed inside it)".to_owned(),
        };
        let (reply, answer) = mpsc::channel();
        let job = Job {
            prompt,
            params: params.clone(),
            reply,
        };
        self.jobs
            .as_ref()
            .ok_or_else(stopped)?
            .send(job)
            .map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        // Closing the channel ends the thread once the running batch has finished.
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            // A panic on the model thread was already reported to every waiting caller as a
            // closed reply channel; there is nothing more to do with it here.
            let _ = t.join();
        }
    }
}

/// The model thread: take jobs, step the batch, answer finished requests, until the channel
/// closes and nothing is left.
fn serve(
    mut llama: Llama,
    text: &TextSide,
    context_length: usize,
    options: BatchOptions,
    inbox: &Receiver<Job>,
) {
    let mut scheduler: Scheduler<SequenceCache, Sender<Result<Completion, LocalError>>> =
        Scheduler::new(options, context_length);
    let mut open = true;
    loop {
        if scheduler.is_idle() {
            if !open {
                return;
            }
            // Nothing to do: sleep until a request arrives (or every sender is gone).
            match inbox.recv() {
                Ok(job) => submit(&mut scheduler, job),
                Err(_) => return,
            }
        }
        // Everything that arrived while the last step ran joins the queue now.
        loop {
            match inbox.try_recv() {
                Ok(job) => submit(&mut scheduler, job),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        for (reply, result) in scheduler.step(&mut llama, text) {
            // A caller that has gone away no longer wants its answer.
            let _ = reply.send(result.map(|f| f.completion));
        }
    }
}

fn submit(
    scheduler: &mut Scheduler<SequenceCache, Sender<Result<Completion, LocalError>>>,
    job: Job,
) {
    if let Err((reply, e)) = scheduler.submit(job.reply, job.prompt, job.params) {
        let _ = reply.send(Err(e));
    }
}
