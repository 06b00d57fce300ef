//! Request performance figures for an LLM server: timers, tokens per second, time to first token, inter-token latency, Prometheus text.
//!
//! This crate is reserved in the workspace; its contents arrive with the issue that owns it
//! (see this crate's README).
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
