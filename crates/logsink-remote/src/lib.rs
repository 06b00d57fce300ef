//! Shipping log records from logcore to central collectors: syslog and HTTP batches.
//!
//! This crate is reserved in the workspace; its contents arrive with the issue that owns it
//! (see this crate's README).
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
