//! GPU probe through cudarc: devices, memory and driver, and a plain statement of why when there is no GPU.
//!
//! This crate is reserved in the workspace; its contents arrive with the issue that owns it
//! (see this crate's README).
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
