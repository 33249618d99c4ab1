//! A tree that grows leaf by leaf and keeps the hash of every complete subtree, so that its root
//! at any earlier size, inclusion and consistency proofs and tlog-tiles all come in O(log n)
//! hashes. It holds about two hashes per leaf (64 bytes).

use crate::{empty_root, node_hash, Hash, ProofError};

/// Every complete subtree's hash: `levels[h][i]` is the tree hash of leaves
/// `i·2^h .. (i+1)·2^h`.
#[derive(Debug, Clone, Default)]
pub struct Levels {
    levels: Vec<Vec<Hash>>,
}

impl Levels {
    pub fn new() -> Levels {
        Levels::default()
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf (its leaf hash) and the complete subtrees it closes.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            if !row.len().is_multiple_of(2) {
                return;
            }
            hash = node_hash(&row[row.len() - 2], &row[row.len() - 1]);
            level += 1;
        }
    }

    /// The hash of the complete subtree at `level` (0 = leaves) and `index`, if it exists.
    pub fn node(&self, level: u32, index: u64) -> Option<Hash> {
        self.levels
            .get(level as usize)?
            .get(index as usize)
            .copied()
    }

    /// The tree hash of leaves `lo..hi` (`lo < hi <= size`), taking complete subtrees whole.
    fn subtree(&self, lo: u64, hi: u64) -> Hash {
        let node = &mut |height: u32, index: u64| {
            Ok::<_, std::convert::Infallible>(self.levels[height as usize][index as usize])
        };
        match crate::subtree_hash(lo, hi, node) {
            Ok(hash) => hash,
            Err(never) => match never {},
        }
    }

    /// The tree hash of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, ProofError> {
        self.check(size)?;
        Ok(if size == 0 {
            empty_root()
        } else {
            self.subtree(0, size)
        })
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.check(size)?;
        if index >= size {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        crate::inclusion_path(&mut |lo, hi| Ok(self.subtree(lo, hi)), index, size)
    }

    /// The consistency proof from the tree of `old` leaves to the tree of `new` leaves.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        self.check(new)?;
        if old == 0 || old > new {
            return Err(ProofError::BadSizes { old, new });
        }
        crate::consistency_path(&mut |lo, hi| Ok(self.subtree(lo, hi)), old, new)
    }

    fn check(&self, size: u64) -> Result<(), ProofError> {
        if size > self.size() {
            return Err(ProofError::BadSizes {
                old: size,
                new: self.size(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{consistency_proof, inclusion_proof, leaf_hash, root};

    #[test]
    fn agrees_with_the_slice_functions_for_every_size_and_index_up_to_70() {
        let leaves: Vec<Hash> = (0..70u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut levels = Levels::new();
        assert_eq!(levels.root(0).unwrap(), empty_root());
        for n in 1..=leaves.len() {
            levels.push(leaves[n - 1]);
            assert_eq!(levels.size(), n as u64);
        }
        for n in 1..=leaves.len() as u64 {
            let prefix = &leaves[..n as usize];
            assert_eq!(levels.root(n).unwrap(), root(prefix), "root({n})");
            for i in 0..n {
                assert_eq!(
                    levels.inclusion_proof(i, n).unwrap(),
                    inclusion_proof(prefix, i).unwrap(),
                    "inclusion({i}, {n})"
                );
            }
            for m in 1..=n {
                assert_eq!(
                    levels.consistency_proof(m, n).unwrap(),
                    consistency_proof(prefix, m).unwrap(),
                    "consistency({m}, {n})"
                );
            }
        }
        assert!(levels.root(71).is_err());
        assert!(levels.inclusion_proof(3, 71).is_err());
        assert_eq!(levels.node(0, 69), Some(leaves[69]));
        assert_eq!(levels.node(6, 0), Some(root(&leaves[..64])));
        assert_eq!(levels.node(6, 1), None);
    }
}
