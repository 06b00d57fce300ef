//! The logger.
