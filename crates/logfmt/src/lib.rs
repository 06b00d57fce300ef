//! One log record to bytes, with no I/O and no global state.
//!
//! `logfmt` turns an [`Event`] (a borrowed view of one record) into one line of text in one of
//! three formats, written into a caller-provided `Vec<u8>`:
//!
//! - [`Format::Pipe`] (the default), the fixed-column layout operators grep:
//!   `2025-01-19 14:30:15 | INFO     | app.main              | create_app           | no-req       | VLLM Server starting up`
//! - [`Format::Compact`]: `2025-01-09 14:30:25 - INFO - [req_a1b2c3d4] message`
//! - [`Format::Json`]: one JSON object per line with stable field names.
//!
//! Text formats escape control characters, so one record is always one physical line, and
//! redact secrets (bearer tokens, API keys, password fields) on the way out.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod clock;
mod escape;
mod event;
mod format;
mod level;
mod redact;
mod truncate;

pub use clock::{Civil, Day, Precision, TimeCache, Timestamp, Zone};
pub use escape::{escape_json, escape_text};
pub use event::{Event, Fields, Value};
pub use format::{Format, Formatter, Scratch};
pub use level::{Level, ParseLevelError};
pub use redact::{is_sensitive_header, is_sensitive_key, redact};
pub use truncate::{preview, truncate_chars};
