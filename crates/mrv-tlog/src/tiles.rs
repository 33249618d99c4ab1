//! C2SP `tlog-tiles`: tile paths, hash tiles cut from a [`Levels`] tree, and entry bundles.
//!
//! A hash tile at level `L` and index `N` holds the hashes of the complete subtrees of height
//! `8·L` numbered `N·256 ..`, 32 bytes each: 256 of them when full, `W` (1..=255) in a partial
//! tile `.p/W`. An entry bundle holds entries `N·256 ..`, each as a big-endian `u16` length and
//! the bytes.

use crate::levels::Levels;
use thiserror::Error;

/// Hashes (or entries) per full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels per tile level.
pub const TILE_HEIGHT: u32 = 8;
/// The longest entry a bundle can hold.
pub const MAX_ENTRY: usize = u16::MAX as usize;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TileError {
    #[error("not a tile path: {0}")]
    BadPath(&'static str),
    #[error("malformed entry bundle: {0}")]
    BadBundle(&'static str),
}

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`
    Hashes { level: u8, index: u64, width: u16 },
    /// `tile/entries/<N>[.p/<W>]`
    Entries { index: u64, width: u16 },
}

/// `N` as 3-digit groups, all but the last prefixed by `x`: 1234067 → `x001/x234/067`.
pub fn encode_index(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

fn three_digits(s: &str) -> Option<u64> {
    (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().unwrap_or(0))
}

fn decode_index(groups: &[&str]) -> Result<u64, TileError> {
    let bad = TileError::BadPath;
    let (last, rest) = groups.split_last().ok_or(bad("no index"))?;
    let mut n: u64 = 0;
    for (i, g) in rest.iter().enumerate() {
        let d = g
            .strip_prefix('x')
            .and_then(three_digits)
            .ok_or(bad("an index group is not x + 3 digits"))?;
        if i == 0 && d == 0 {
            return Err(bad("the index has a leading zero group"));
        }
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(d))
            .ok_or(bad("the index is too large"))?;
    }
    let d = three_digits(last).ok_or(bad("the last index group is not 3 digits"))?;
    n.checked_mul(1000)
        .and_then(|n| n.checked_add(d))
        .ok_or(bad("the index is too large"))
}

impl TilePath {
    pub fn width(&self) -> u16 {
        match *self {
            TilePath::Hashes { width, .. } | TilePath::Entries { width, .. } => width,
        }
    }

    /// The path, without a leading slash.
    pub fn to_path(&self) -> String {
        let (head, index, width) = match *self {
            TilePath::Hashes {
                level,
                index,
                width,
            } => (level.to_string(), index, width),
            TilePath::Entries { index, width } => ("entries".to_owned(), index, width),
        };
        let mut p = format!("tile/{head}/{}", encode_index(index));
        if u64::from(width) < TILE_WIDTH {
            p.push_str(&format!(".p/{width}"));
        }
        p
    }

    /// Parses a path such as `tile/0/x001/234.p/7` or `tile/entries/000` (a leading slash is
    /// allowed). Only canonical spellings are accepted.
    pub fn parse(path: &str) -> Result<TilePath, TileError> {
        let bad = TileError::BadPath;
        let path = path.strip_prefix('/').unwrap_or(path);
        let rest = path
            .strip_prefix("tile/")
            .ok_or(bad("does not start with tile/"))?;
        let (head, rest) = rest.split_once('/').ok_or(bad("no index"))?;
        let (index_part, width) = match rest.split_once(".p/") {
            Some((i, w)) => {
                let w = crate::canonical_decimal(w)
                    .filter(|&w| (1..TILE_WIDTH).contains(&w))
                    .ok_or(bad("a partial width is 1..=255 without leading zeros"))?;
                (i, w as u16)
            }
            None => (rest, TILE_WIDTH as u16),
        };
        let groups: Vec<&str> = index_part.split('/').collect();
        let index = decode_index(&groups)?;
        if head == "entries" {
            return Ok(TilePath::Entries { index, width });
        }
        let level = crate::canonical_decimal(head)
            .filter(|&l| l <= 63)
            .ok_or(bad("the level is not a number 0..=63"))?;
        Ok(TilePath::Hashes {
            level: level as u8,
            index,
            width,
        })
    }
}

/// How many hashes of the tile at `level`/`index` a tree of `size` leaves fills (level 0 also
/// for entry bundles): 0..=256.
pub fn filled(level: u8, index: u64, size: u64) -> u64 {
    let height = TILE_HEIGHT * u32::from(level);
    if height >= 64 {
        return 0; // no tree of u64 leaves has a complete node that high
    }
    let nodes = u128::from(size) >> height; // complete nodes at that tree level
    let start = u128::from(index) * u128::from(TILE_WIDTH);
    nodes.saturating_sub(start).min(u128::from(TILE_WIDTH)) as u64
}

/// The bytes of hash tile `level`/`index` of width `width` in the tree of the first `size`
/// leaves of `tree`, or `None` if that tree does not fill it that far.
pub fn hash_tile(tree: &Levels, size: u64, level: u8, index: u64, width: u16) -> Option<Vec<u8>> {
    if u64::from(width) > filled(level, index, size) || width == 0 {
        return None;
    }
    let tree_level = TILE_HEIGHT * u32::from(level);
    let mut out = Vec::with_capacity(32 * usize::from(width));
    for i in 0..u64::from(width) {
        out.extend_from_slice(&tree.node(tree_level, index * TILE_WIDTH + i)?);
    }
    Some(out)
}

/// An entry bundle of `entries` (each at most 65535 bytes).
pub fn encode_bundle<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).map_err(|_| TileError::BadBundle("entry too long"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// The entries of a bundle.
pub fn decode_bundle(mut bytes: &[u8]) -> Result<Vec<Vec<u8>>, TileError> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 2 {
            return Err(TileError::BadBundle("a length prefix is cut short"));
        }
        let len = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
        let rest = &bytes[2..];
        if rest.len() < len {
            return Err(TileError::BadBundle("an entry is cut short"));
        }
        out.push(rest[..len].to_vec());
        bytes = &rest[len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{leaf_hash, root};

    #[test]
    fn index_encoding_matches_the_spec() {
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(7), "007");
        assert_eq!(encode_index(1000), "x001/000");
        assert_eq!(encode_index(1234067), "x001/x234/067");
        let p = TilePath::Hashes {
            level: 0,
            index: 1234067,
            width: 256,
        };
        assert_eq!(p.to_path(), "tile/0/x001/x234/067");
        let e = TilePath::Entries { index: 5, width: 3 };
        assert_eq!(e.to_path(), "tile/entries/005.p/3");
        for n in [0, 1, 999, 1000, 1001, 999_999, 1_000_000, u64::MAX] {
            let p = TilePath::Hashes {
                level: 3,
                index: n,
                width: 17,
            };
            assert_eq!(TilePath::parse(&p.to_path()).unwrap(), p);
        }
        assert_eq!(
            TilePath::parse("/tile/entries/x001/234").unwrap(),
            TilePath::Entries {
                index: 1234,
                width: 256
            }
        );
    }

    #[test]
    fn non_canonical_paths_are_refused() {
        for bad in [
            "tile/0/1",
            "tile/0/0001",
            "tile/0/x000/001",
            "tile/0/001/002",
            "tile/0/x01/002",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/07",
            "tile/0/000.p/",
            "tile/01/000",
            "tile/64/000",
            "tile/-1/000",
            "tile/data/000",
            "tile/0/",
            "tiles/0/000",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
        ] {
            assert!(TilePath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hash_tiles_full_and_partial() {
        let leaves: Vec<_> = (0..600u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut tree = Levels::new();
        for l in &leaves {
            tree.push(*l);
        }
        // Level 0: tiles 0 and 1 full, tile 2 holds 88.
        assert_eq!(filled(0, 2, 600), 88);
        let t = hash_tile(&tree, 600, 0, 2, 88).unwrap();
        assert_eq!(t.len(), 88 * 32);
        assert_eq!(&t[..32], &leaves[512]);
        assert!(hash_tile(&tree, 600, 0, 2, 89).is_none());
        assert!(hash_tile(&tree, 600, 0, 2, 256).is_none());
        // A smaller earlier tree fills less.
        assert!(hash_tile(&tree, 520, 0, 2, 9).is_none());
        assert!(hash_tile(&tree, 520, 0, 2, 8).is_some());
        // Level 1: each hash is the root of 256 leaves; 600 leaves make 2.
        assert_eq!(filled(1, 0, 600), 2);
        let t = hash_tile(&tree, 600, 1, 0, 2).unwrap();
        assert_eq!(&t[..32], &root(&leaves[..256]));
        assert_eq!(&t[32..], &root(&leaves[256..512]));
        assert!(hash_tile(&tree, 600, 1, 0, 3).is_none());
        assert_eq!(filled(0, 2, 600), 88);
        assert_eq!(filled(2, 0, 600), 0);
        // Levels up to 63 parse; from 8 up no tree has a node that high.
        for level in [8, 16, 63] {
            assert_eq!(filled(level, 0, u64::MAX), 0);
            assert!(hash_tile(&tree, 600, level, 0, 1).is_none());
        }
    }

    #[test]
    fn bundles_round_trip_and_refuse_truncation() {
        let entries: Vec<&[u8]> = vec![b"one", b"", b"three\n"];
        let b = encode_bundle(entries.iter().copied()).unwrap();
        assert_eq!(&b[..5], b"\x00\x03one");
        assert_eq!(decode_bundle(&b).unwrap(), entries);
        assert!(decode_bundle(&b[..b.len() - 1]).is_err());
        assert!(decode_bundle(&[0]).is_err());
        let big = vec![0u8; MAX_ENTRY + 1];
        assert!(encode_bundle([big.as_slice()]).is_err());
    }
}

/// A log's tree of `size` leaves seen only through its hash tiles (fetched by the caller's
/// `fetch`, cached): its root and its inclusion and consistency proofs, computed by us. A client
/// compares [`TiledTree::root`] with the signed checkpoint's root before trusting any proof.
pub struct TiledTree<F> {
    size: u64,
    fetch: F,
    cache: std::collections::HashMap<(u8, u64), Vec<u8>>,
}

/// Why a proof could not be computed from tiles.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TiledError {
    #[error("fetching {path}: {reason}")]
    Fetch { path: String, reason: String },
    #[error("{path} has {got} bytes; a tile of width {width} has {}", 32 * *width as usize)]
    WrongLength {
        path: String,
        got: usize,
        width: u16,
    },
    #[error("{0}")]
    Proof(#[from] crate::ProofError),
}

impl<F: FnMut(&TilePath) -> Result<Vec<u8>, String>> TiledTree<F> {
    pub fn new(size: u64, fetch: F) -> TiledTree<F> {
        TiledTree {
            size,
            fetch,
            cache: Default::default(),
        }
    }

    /// The complete subtree of `2^height` leaves at `index`, from the tile holding its
    /// descendants at the nearest tile level below, hashed up.
    fn node(&mut self, height: u32, index: u64) -> Result<crate::Hash, TiledError> {
        let level = (height / TILE_HEIGHT) as u8;
        let rest = height % TILE_HEIGHT;
        let first = index << rest;
        let n = first / TILE_WIDTH;
        let width = filled(level, n, self.size) as u16;
        if !self.cache.contains_key(&(level, n)) {
            let path = TilePath::Hashes {
                level,
                index: n,
                width,
            };
            let bytes = (self.fetch)(&path).map_err(|reason| TiledError::Fetch {
                path: path.to_path(),
                reason,
            })?;
            if bytes.len() != 32 * usize::from(width) {
                return Err(TiledError::WrongLength {
                    path: path.to_path(),
                    got: bytes.len(),
                    width,
                });
            }
            self.cache.insert((level, n), bytes);
        }
        let tile = &self.cache[&(level, n)];
        let start = (first % TILE_WIDTH) as usize;
        let mut row: Vec<crate::Hash> = (start..start + (1 << rest))
            .map(|i| tile[32 * i..32 * i + 32].try_into().expect("32 bytes"))
            .collect();
        while row.len() > 1 {
            row = row
                .chunks(2)
                .map(|p| crate::node_hash(&p[0], &p[1]))
                .collect();
        }
        Ok(row[0])
    }

    fn subtree(&mut self, lo: u64, hi: u64) -> Result<crate::Hash, TiledError> {
        crate::subtree_hash(lo, hi, &mut |height, index| self.node(height, index))
    }

    /// The tree hash, to compare with the checkpoint's root.
    pub fn root(&mut self) -> Result<crate::Hash, TiledError> {
        if self.size == 0 {
            return Ok(crate::empty_root());
        }
        self.subtree(0, self.size)
    }

    pub fn inclusion_proof(&mut self, index: u64) -> Result<Vec<crate::Hash>, TiledError> {
        if index >= self.size {
            return Err(crate::ProofError::IndexOutOfRange {
                index,
                size: self.size,
            }
            .into());
        }
        let size = self.size;
        crate::inclusion_path(&mut |lo, hi| self.subtree(lo, hi), index, size)
    }

    /// The consistency proof from the tree of `old` leaves to this one.
    pub fn consistency_proof(&mut self, old: u64) -> Result<Vec<crate::Hash>, TiledError> {
        if old == 0 || old > self.size {
            return Err(crate::ProofError::BadSizes {
                old,
                new: self.size,
            }
            .into());
        }
        let size = self.size;
        crate::consistency_path(&mut |lo, hi| self.subtree(lo, hi), old, size)
    }
}

#[cfg(test)]
mod tiled_tests {
    use super::*;
    use crate::{leaf_hash, verify_consistency, verify_inclusion, Levels};

    #[test]
    fn proofs_from_tiles_equal_proofs_from_the_whole_tree() {
        let mut tree = Levels::new();
        for i in 0..70_000u32 {
            tree.push(leaf_hash(&i.to_be_bytes()));
        }
        for size in [1u64, 2, 255, 256, 257, 65_535, 65_536, 65_537, 70_000] {
            let mut fetched = 0;
            let mut tiled = TiledTree::new(size, |p: &TilePath| {
                fetched += 1;
                match *p {
                    TilePath::Hashes {
                        level,
                        index,
                        width,
                    } => hash_tile(&tree, size, level, index, width).ok_or("404".to_owned()),
                    TilePath::Entries { .. } => Err("not a hash tile".into()),
                }
            });
            let root = tree.root(size).unwrap();
            assert_eq!(tiled.root().unwrap(), root, "root({size})");
            for i in [0, size / 3, size - 1] {
                let p = tiled.inclusion_proof(i).unwrap();
                assert_eq!(p, tree.inclusion_proof(i, size).unwrap());
                verify_inclusion(&tree.node(0, i).unwrap(), i, size, &p, &root).unwrap();
            }
            for old in [1, size / 2 + 1, size] {
                let p = tiled.consistency_proof(old).unwrap();
                assert_eq!(p, tree.consistency_proof(old, size).unwrap());
                verify_consistency(old, size, &tree.root(old).unwrap(), &root, &p).unwrap();
            }
            drop(tiled);
            assert!(fetched <= 12, "{fetched} tiles fetched for size {size}");
        }
    }

    #[test]
    fn short_and_missing_tiles_are_errors() {
        let mut short = TiledTree::new(300, |_: &TilePath| Ok(vec![0; 31]));
        assert!(matches!(short.root(), Err(TiledError::WrongLength { .. })));
        let mut missing = TiledTree::new(300, |_: &TilePath| Err("connection refused".to_owned()));
        assert!(matches!(missing.root(), Err(TiledError::Fetch { .. })));
    }
}
