//! The request a record belongs to: [`RequestId`], a scope guard for the current thread, and
//! a future wrapper that carries the id with a task across the threads of a runtime.
//!
//! The id lives in a thread-local slot. [`RequestScope`] sets it and restores the previous
//! value when dropped, so scopes nest. A future may be polled on a different thread each time,
//! so [`WithRequestId`] enters the scope around every poll instead of once.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

const MAX_LEN: usize = 64;

/// A request id: `req_` + 8 lowercase hex digits when made here, or one taken from a client
/// when it is 1 to 64 ASCII characters of `[A-Za-z0-9._:-]`.
///
/// It is `Copy` and never allocates, so it can be attached to every record cheaply.
///
/// ```
/// use logcore::RequestId;
/// let id = RequestId::generate();
/// assert!(id.as_str().starts_with("req_") && id.as_str().len() == 12);
/// assert_eq!(RequestId::parse("a1b2c3d4").unwrap().as_str(), "a1b2c3d4");
/// assert!(RequestId::parse("evil\nline").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId {
    len: u8,
    bytes: [u8; MAX_LEN],
}

/// Why an outside request id was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidRequestId {
    /// The id was empty.
    #[error("request id is empty")]
    Empty,
    /// The id was longer than 64 characters.
    #[error("request id is {0} bytes long; at most 64 are allowed")]
    TooLong(usize),
    /// The id held a character outside `[A-Za-z0-9._:-]`.
    #[error("request id has {0:?} at byte {1}; only A-Z, a-z, 0-9, '.', '_', ':' and '-' are allowed")]
    BadChar(char, usize),
}

impl RequestId {
    /// A fresh id, `req_` followed by 8 random lowercase hex digits.
    pub fn generate() -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = random_u32();
        let mut bytes = [0u8; MAX_LEN];
        bytes[..4].copy_from_slice(b"req_");
        for (i, slot) in bytes[4..12].iter_mut().enumerate() {
            *slot = HEX[((n >> (28 - 4 * i)) & 0xf) as usize];
        }
        RequestId { len: 12, bytes }
    }

    /// Accepts an id from outside (an `X-Request-ID` header) only when it is safe to write
    /// into every log format unchanged.
    pub fn parse(text: &str) -> Result<Self, InvalidRequestId> {
        if text.is_empty() {
            return Err(InvalidRequestId::Empty);
        }
        if let Some((i, c)) = text
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')))
        {
            return Err(InvalidRequestId::BadChar(c, i));
        }
        if text.len() > MAX_LEN {
            return Err(InvalidRequestId::TooLong(text.len()));
        }
        let mut bytes = [0u8; MAX_LEN];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Ok(RequestId {
            len: text.len() as u8,
            bytes,
        })
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII from `generate` or checked by `parse` is ever stored.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({:?})", self.as_str())
    }
}

impl std::str::FromStr for RequestId {
    type Err = InvalidRequestId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RequestId::parse(s)
    }
}

impl serde::Serialize for RequestId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A per-thread generator seeded from std's random hasher keys: ids need to be unlikely to
/// repeat, not unpredictable.
fn random_u32() -> u32 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64));
            h.finish() | 1
        });
    }
    STATE.with(|state| {
        // splitmix64
        let next = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        state.set(next);
        let mut z = next;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 32) as u32
    })
}

thread_local! {
    static CURRENT: Cell<Option<RequestId>> = const { Cell::new(None) };
}

/// The request id of the current scope on this thread, if any.
///
/// ```
/// use logcore::{RequestId, RequestScope, current_request_id};
/// assert_eq!(current_request_id(), None);
/// let id = RequestId::generate();
/// let _scope = RequestScope::enter(id);
/// assert_eq!(current_request_id(), Some(id));
/// ```
pub fn current_request_id() -> Option<RequestId> {
    CURRENT.try_with(Cell::get).ok().flatten()
}

/// Sets the current thread's request id until dropped, then restores the previous one.
///
/// It cannot be sent to another thread; for async code use [`WithRequestId`].
///
/// ```
/// use logcore::{RequestId, RequestScope, current_request_id};
/// let outer = RequestId::parse("outer").unwrap();
/// let inner = RequestId::parse("inner").unwrap();
/// let _a = RequestScope::enter(outer);
/// {
///     let _b = RequestScope::enter(inner);
///     assert_eq!(current_request_id(), Some(inner));
/// }
/// assert_eq!(current_request_id(), Some(outer));
/// ```
#[must_use = "the scope ends when this guard is dropped"]
pub struct RequestScope {
    previous: Option<RequestId>,
    _not_send: PhantomData<*const ()>,
}

impl RequestScope {
    /// Makes `id` the current request id on this thread.
    pub fn enter(id: RequestId) -> Self {
        Self::set(Some(id))
    }

    /// Clears the current request id until dropped (for work outside any request).
    pub fn none() -> Self {
        Self::set(None)
    }

    fn set(id: Option<RequestId>) -> Self {
        let previous = CURRENT.try_with(|c| c.replace(id)).ok().flatten();
        RequestScope {
            previous,
            _not_send: PhantomData,
        }
    }
}

impl Drop for RequestScope {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.previous));
    }
}

impl fmt::Debug for RequestScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestScope")
            .field("previous", &self.previous)
            .finish()
    }
}

/// Runs `f` with `id` as the current request id.
pub fn in_request<R>(id: RequestId, f: impl FnOnce() -> R) -> R {
    let _scope = RequestScope::enter(id);
    f()
}

/// A future that is polled inside a request scope, on whichever thread polls it.
///
/// Made by [`RequestIdExt::with_request_id`].
#[must_use = "futures do nothing unless polled"]
pub struct WithRequestId<F> {
    id: RequestId,
    inner: F,
}

impl<F> WithRequestId<F> {
    /// The id this future runs under.
    pub fn request_id(&self) -> RequestId {
        self.id
    }
}

impl<F: Future> Future for WithRequestId<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of `self`, and
        // `WithRequestId` has no `Drop` impl or `Unpin` impl that could move it.
        let this = unsafe { self.get_unchecked_mut() };
        let _scope = RequestScope::enter(this.id);
        // SAFETY: as above; `this` came from a pinned reference.
        unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx)
    }
}

impl<F> fmt::Debug for WithRequestId<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithRequestId")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Attaches a request id to any future.
///
/// ```
/// use logcore::{RequestId, RequestIdExt, current_request_id};
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// let id = RequestId::generate();
/// let seen = block_on(async { current_request_id() }.with_request_id(id));
/// assert_eq!(seen, Some(id));
/// ```
pub trait RequestIdExt: Sized {
    /// Polls `self` with `id` as the current request id.
    fn with_request_id(self, id: RequestId) -> WithRequestId<Self> {
        WithRequestId { id, inner: self }
    }
}

impl<F: Future> RequestIdExt for F {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_the_documented_shape_and_differ() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| RequestId::generate().to_string()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert!(id.starts_with("req_"), "{id}");
            assert!(
                id[4..]
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
                "{id}"
            );
            assert_eq!(id.len(), 12);
        }
    }

    #[test]
    fn outside_ids_are_checked() {
        assert!(RequestId::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").is_ok());
        assert!(RequestId::parse(&"a".repeat(64)).is_ok());
        assert_eq!(RequestId::parse(&"a".repeat(65)), Err(InvalidRequestId::TooLong(65)));
        assert_eq!(RequestId::parse(""), Err(InvalidRequestId::Empty));
        assert_eq!(RequestId::parse("a b"), Err(InvalidRequestId::BadChar(' ', 1)));
        assert_eq!(RequestId::parse("id\x1b[2J"), Err(InvalidRequestId::BadChar('\x1b', 2)));
        assert_eq!(RequestId::parse("아이디"), Err(InvalidRequestId::BadChar('아', 0)));
    }

    #[test]
    fn scopes_nest_and_restore() {
        let a = RequestId::parse("a").unwrap();
        let b = RequestId::parse("b").unwrap();
        assert_eq!(current_request_id(), None);
        {
            let _a = RequestScope::enter(a);
            {
                let _none = RequestScope::none();
                assert_eq!(current_request_id(), None);
                let _b = RequestScope::enter(b);
                assert_eq!(current_request_id(), Some(b));
            }
            assert_eq!(current_request_id(), Some(a));
            assert_eq!(in_request(b, current_request_id), Some(b));
        }
        assert_eq!(current_request_id(), None);
    }
}
