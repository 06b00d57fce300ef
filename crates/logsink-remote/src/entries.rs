//! A batch of encoded records: contiguous bytes cut into entries, each with a small key.

/// Encoded records in order, each with the key its encoder gave it (a Loki stream, say).
///
/// ```
/// let mut batch = logsink_remote::Entries::default();
/// batch.push(2, b"first");
/// batch.push(0, b"second");
/// assert_eq!(batch.len(), 2);
/// assert_eq!(batch.iter().collect::<Vec<_>>(), vec![(2, &b"first"[..]), (0, &b"second"[..])]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entries {
    bytes: Vec<u8>,
    // (end offset in `bytes`, key) per entry.
    ends: Vec<(usize, u32)>,
}

impl Entries {
    /// An empty batch with room for `bytes` bytes in `entries` entries.
    pub fn with_capacity(bytes: usize, entries: usize) -> Self {
        Entries {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(entries),
        }
    }

    /// Appends one entry.
    pub fn push(&mut self, key: u32, entry: &[u8]) {
        self.bytes.extend_from_slice(entry);
        self.ends.push((self.bytes.len(), key));
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of all entries together.
    pub fn total_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Removes every entry, keeping the allocations.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// The entry at `index` and its key.
    pub fn get(&self, index: usize) -> Option<(u32, &[u8])> {
        let (end, key) = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1].0 };
        Some((key, &self.bytes[start..end]))
    }

    /// The entries in order, with their keys.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u32, &[u8])> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&(end, key)| {
            let entry = &self.bytes[start..end];
            start = end;
            (key, entry)
        })
    }

    /// Keeps only the entries whose index `keep` returns true for.
    pub fn retain_indices(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut kept = Entries::default();
        for (i, (key, entry)) in self.iter().enumerate() {
            if keep(i) {
                kept.push(key, entry);
            }
        }
        self.bytes.clear();
        self.bytes.extend_from_slice(&kept.bytes);
        self.ends.clear();
        self.ends.extend_from_slice(&kept.ends);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retain_keeps_order_and_keys() {
        let mut e = Entries::default();
        for i in 0..5u32 {
            e.push(i, format!("e{i}").as_bytes());
        }
        e.retain_indices(|i| i % 2 == 0);
        assert_eq!(
            e.iter().map(|(k, b)| (k, b.to_vec())).collect::<Vec<_>>(),
            vec![(0, b"e0".to_vec()), (2, b"e2".to_vec()), (4, b"e4".to_vec())]
        );
        assert_eq!(e.get(1), Some((2, &b"e2"[..])));
        assert_eq!(e.get(3), None);
    }
}
