//! RFC 6962 (and RFC 9162 §2.1) Merkle trees: leaf and node hashing, tree hashes, and inclusion
//! and consistency proofs — generating them from leaf hashes and verifying them from nothing but
//! the proof, the sizes and the roots.
//!
//! Used for stamps (a measurement row proven to belong to an approved batch) and the audit log,
//! whose formats live in the modules: [`levels`] (a growing tree that proves in O(log n)),
//! [`note`] (C2SP signed-note with Ed25519), [`checkpoint`] (C2SP tlog-checkpoint), [`tiles`]
//! (C2SP tlog-tiles paths, tiles and entry bundles) and [`receipt`] (C2SP tlog-proof).
//! Pure: no I/O, no clock.

use sha2::{Digest, Sha256};
use thiserror::Error;

pub mod checkpoint;
pub mod levels;
pub mod note;
pub mod receipt;
pub mod tiles;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use levels::Levels;
pub use note::{NoteError, Opened, SignerKey, VerifierKey};
pub use receipt::{Receipt, ReceiptError};
pub use tiles::{TilePath, TiledError, TiledTree, TILE_HEIGHT, TILE_WIDTH};

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree hash.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 ‖ data)`: the hash of a leaf holding `data`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The hash of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A decimal number in its one canonical spelling (digits only, no leading zero but for `0`),
/// as every count and index in the C2SP formats is written.
pub(crate) fn canonical_decimal(s: &str) -> Option<u64> {
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// The tree hash of leaves `lo..hi` (`lo < hi`) from complete subtrees: `node(height, index)` is
/// the hash of the `2^height` leaves from `index·2^height`. RFC 6962's split keeps every left
/// part complete and aligned, so this takes O(log n) nodes.
pub(crate) fn subtree_hash<E>(
    lo: u64,
    hi: u64,
    node: &mut impl FnMut(u32, u64) -> Result<Hash, E>,
) -> Result<Hash, E> {
    let n = hi - lo;
    if n.is_power_of_two() && lo.is_multiple_of(n) {
        return node(n.trailing_zeros(), lo / n);
    }
    let k = split(n);
    let left = subtree_hash(lo, lo + k, node)?;
    Ok(node_hash(&left, &subtree_hash(lo + k, hi, node)?))
}

/// The largest power of two strictly less than `n` (`n >= 2`): where RFC 6962 splits a tree.
pub(crate) fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// A tree hash built leaf by leaf, keeping one hash per complete subtree (at most 64): the
/// root of millions of leaves without holding them.
#[derive(Debug, Clone, Default)]
pub struct TreeBuilder {
    /// (size, hash) of the complete subtrees, largest first.
    stack: Vec<(u64, Hash)>,
    size: u64,
}

impl TreeBuilder {
    pub fn new() -> TreeBuilder {
        TreeBuilder::default()
    }

    /// Appends a leaf by its leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (1u64, leaf);
        while let Some(&(size, hash)) = self.stack.last() {
            if size != node.0 {
                break;
            }
            self.stack.pop();
            node = (size * 2, node_hash(&hash, &node.1));
        }
        self.stack.push(node);
        self.size += 1;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree hash of the leaves pushed so far (RFC 6962 MTH).
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, mut root)) = iter.next() else {
            return empty_root();
        };
        for (_, left) in iter {
            root = node_hash(left, &root);
        }
        root
    }
}

/// The tree hash (RFC 6962 MTH) of `leaves` (leaf hashes).
pub fn root(leaves: &[Hash]) -> Hash {
    let mut tree = TreeBuilder::new();
    for leaf in leaves {
        tree.push(*leaf);
    }
    tree.root()
}

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    #[error("index {index} is not in a tree of {size} leaves")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("a consistency proof needs 0 < old size <= new size; got {old} and {new}")]
    BadSizes { old: u64, new: u64 },
    #[error("the proof has {got} hashes; a tree of this shape needs {want}")]
    WrongLength { got: usize, want: usize },
    #[error("the proof does not lead to the expected root")]
    RootMismatch,
}

/// The audit path (RFC 6962 PATH) of leaf `index` in the tree of `leaves`.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let size = leaves.len() as u64;
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let sub = &mut |lo: u64, hi: u64| Ok::<_, ProofError>(root(&leaves[lo as usize..hi as usize]));
    inclusion_path(sub, index, size)
}

/// The audit path of leaf `index < size` in the tree of the first `size` leaves, taking subtree
/// hashes from `subtree(lo, hi)` (the tree hash of leaves `lo..hi`): O(log n) calls, each for a
/// range RFC 6962's recursion produces (a complete, aligned subtree on its left side).
pub(crate) fn inclusion_path<E>(
    subtree: &mut impl FnMut(u64, u64) -> Result<Hash, E>,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, E> {
    let mut proof = Vec::new();
    let (mut lo, mut hi, mut m) = (0, size, index);
    let mut siblings = Vec::new();
    while hi - lo > 1 {
        let k = split(hi - lo);
        if m < k {
            siblings.push((lo + k, hi));
            hi = lo + k;
        } else {
            siblings.push((lo, lo + k));
            lo += k;
            m -= k;
        }
    }
    for (a, b) in siblings.into_iter().rev() {
        proof.push(subtree(a, b)?);
    }
    Ok(proof)
}

/// The root an inclusion proof leads to for `leaf` at `index` in a tree of `size` leaves
/// (RFC 9162 §2.1.3.2).
pub fn root_from_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: inclusion_length(index, size),
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: inclusion_length(index, size),
        });
    }
    Ok(r)
}

/// The number of hashes in the audit path of `index` in a tree of `size` leaves.
fn inclusion_length(index: u64, size: u64) -> usize {
    let (mut start, mut end, mut m, mut len) = (0u64, size, index, 0usize);
    while end - start > 1 {
        let k = split(end - start);
        if m < k {
            end = start + k;
        } else {
            start += k;
            m -= k;
        }
        len += 1;
    }
    len
}

/// Checks that `leaf` is at `index` in the tree of `size` leaves whose hash is `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if root_from_inclusion(leaf, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// The consistency proof (RFC 6962 PROOF(m, D[n])) that the tree of the first `old` leaves is a
/// prefix of the tree of `leaves`.
pub fn consistency_proof(leaves: &[Hash], old: u64) -> Result<Vec<Hash>, ProofError> {
    let new = leaves.len() as u64;
    if old == 0 || old > new {
        return Err(ProofError::BadSizes { old, new });
    }
    let sub = &mut |lo: u64, hi: u64| Ok::<_, ProofError>(root(&leaves[lo as usize..hi as usize]));
    consistency_path(sub, old, new)
}

/// The consistency proof between the trees of the first `old` and `new` leaves
/// (`0 < old <= new`), taking subtree hashes from `subtree(lo, hi)`.
pub(crate) fn consistency_path<E>(
    subtree: &mut impl FnMut(u64, u64) -> Result<Hash, E>,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, E> {
    // RFC 6962 SUBPROOF, unrolled: walk down, noting the ranges, then hash them bottom-up.
    let mut ranges = Vec::new();
    let (mut m, mut lo, mut hi, mut complete) = (old, 0, new, true);
    loop {
        let n = hi - lo;
        if m == n {
            if !complete {
                ranges.push((lo, hi));
            }
            break;
        }
        let k = split(n);
        if m <= k {
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            ranges.push((lo, lo + k));
            lo += k;
            m -= k;
            complete = false;
        }
    }
    // The recursion emits the innermost hash first.
    let mut proof = Vec::with_capacity(ranges.len());
    for &(a, b) in ranges.iter().rev() {
        proof.push(subtree(a, b)?);
    }
    Ok(proof)
}

/// Checks that the tree of `old` leaves with hash `old_root` is a prefix of the tree of `new`
/// leaves with hash `new_root` (RFC 9162 §2.1.4.2). Equal sizes need equal roots and an empty
/// proof.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old == 0 || old > new {
        return Err(ProofError::BadSizes { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    // When `old` is a power of two its root is the first node of the path.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let want = consistency_length(old, new) + usize::from(old.is_power_of_two());
    if path.len() != want {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: want - usize::from(old.is_power_of_two()),
        });
    }
    let (mut f_n, mut s_n) = (old - 1, new - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s_n == 0 {
            return Err(ProofError::RootMismatch);
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n == 0 && fr == *old_root && sr == *new_root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// The number of hashes in PROOF(old, D[new]) for 0 < old < new.
fn consistency_length(old: u64, new: u64) -> usize {
    let (mut m, mut n, mut complete, mut len) = (old, new, true, 0usize);
    loop {
        if m == n {
            return len + usize::from(!complete);
        }
        let k = split(n);
        if m <= k {
            n = k;
        } else {
            m -= k;
            n -= k;
            complete = false;
        }
        len += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&(i as u64).to_be_bytes()))
            .collect()
    }

    /// MTH exactly as RFC 6962 §2.1 writes it (recursive), to check the builder against.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    /// The RFC 6962 test inputs used by Certificate Transparency's reference tests.
    fn ct_inputs() -> Vec<Vec<u8>> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|h| hex::decode(h).unwrap())
        .collect()
    }

    #[test]
    fn known_answer_roots_for_sizes_0_to_8() {
        let expected = [
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let hashes: Vec<Hash> = ct_inputs().iter().map(|d| leaf_hash(d)).collect();
        for (size, want) in expected.iter().enumerate() {
            assert_eq!(hex::encode(root(&hashes[..size])), *want, "size {size}");
            assert_eq!(hex::encode(mth(&hashes[..size])), *want, "size {size}");
        }
    }

    #[test]
    fn builder_matches_the_recursive_definition_up_to_300_leaves() {
        let all = leaves(300);
        for n in 0..=300 {
            assert_eq!(root(&all[..n]), mth(&all[..n]), "size {n}");
        }
    }

    /// Every inclusion proof of every tree up to 64 leaves verifies, and fails for every other
    /// index, a changed leaf, a bent hash and a truncated or extended proof. (The size itself is
    /// bound by the signed checkpoint, not by the path.)
    #[test]
    fn all_inclusion_proofs_up_to_64_leaves() {
        let all = leaves(64);
        for size in 1..=64u64 {
            let tree = &all[..size as usize];
            let r = root(tree);
            for index in 0..size {
                let leaf = tree[index as usize];
                let proof = inclusion_proof(tree, index).unwrap();
                assert_eq!(proof.len(), inclusion_length(index, size));
                verify_inclusion(&leaf, index, size, &proof, &r).unwrap();
                for other in (0..size).filter(|&o| o != index) {
                    assert!(verify_inclusion(&leaf, other, size, &proof, &r).is_err());
                }
                let wrong = leaf_hash(b"not a leaf");
                assert_eq!(
                    verify_inclusion(&wrong, index, size, &proof, &r),
                    Err(ProofError::RootMismatch)
                );
                if !proof.is_empty() {
                    let short = &proof[..proof.len() - 1];
                    assert!(verify_inclusion(&leaf, index, size, short, &r).is_err());
                    let mut bent = proof.clone();
                    bent[0][0] ^= 1;
                    assert!(verify_inclusion(&leaf, index, size, &bent, &r).is_err());
                }
                let mut long = proof.clone();
                long.push(r);
                assert!(verify_inclusion(&leaf, index, size, &long, &r).is_err());
            }
            assert_eq!(
                inclusion_proof(tree, size),
                Err(ProofError::IndexOutOfRange { index: size, size })
            );
        }
    }

    /// Every consistency proof between every pair of trees up to 64 leaves verifies, and fails
    /// against other sizes, other roots and bent, truncated or extended proofs.
    #[test]
    fn all_consistency_proofs_up_to_64_leaves() {
        let all = leaves(64);
        let roots: Vec<Hash> = (0..=64).map(|n| root(&all[..n])).collect();
        for new in 1..=64u64 {
            for old in 1..=new {
                let proof = consistency_proof(&all[..new as usize], old).unwrap();
                let (ro, rn) = (&roots[old as usize], &roots[new as usize]);
                verify_consistency(old, new, ro, rn, &proof)
                    .unwrap_or_else(|e| panic!("{old} -> {new}: {e}"));
                if old < new {
                    assert_eq!(proof.len(), consistency_length(old, new));
                    assert!(verify_consistency(old, new, rn, rn, &proof).is_err());
                    assert!(verify_consistency(old, new, ro, ro, &proof).is_err());
                    for other in (1..=new).filter(|&o| o != old) {
                        let r_other = &roots[other as usize];
                        assert!(
                            verify_consistency(other, new, r_other, rn, &proof).is_err(),
                            "proof {old}->{new} accepted for {other}"
                        );
                    }
                    let mut bent = proof.clone();
                    let last = bent.len() - 1;
                    bent[last][31] ^= 1;
                    assert!(verify_consistency(old, new, ro, rn, &bent).is_err());
                    assert!(verify_consistency(old, new, ro, rn, &proof[1..]).is_err());
                    let mut long = proof.clone();
                    long.push(*rn);
                    assert!(verify_consistency(old, new, ro, rn, &long).is_err());
                } else {
                    assert!(proof.is_empty());
                    let other = roots[(old as usize + 1) % 65];
                    assert_eq!(
                        verify_consistency(old, new, ro, &other, &proof),
                        Err(ProofError::RootMismatch)
                    );
                }
            }
        }
        assert!(consistency_proof(&all[..5], 0).is_err());
        assert!(consistency_proof(&all[..5], 6).is_err());
    }

    proptest! {
        #[test]
        fn proofs_hold_for_larger_trees(size in 1u64..3000, a in any::<u64>(), b in any::<u64>()) {
            let tree = leaves(size as usize);
            let r = root(&tree);
            let index = a % size;
            let proof = inclusion_proof(&tree, index).unwrap();
            prop_assert!(verify_inclusion(&tree[index as usize], index, size, &proof, &r).is_ok());
            let old = 1 + b % size;
            let c = consistency_proof(&tree, old).unwrap();
            let ro = root(&tree[..old as usize]);
            prop_assert!(verify_consistency(old, size, &ro, &r, &c).is_ok());
        }
    }
}
