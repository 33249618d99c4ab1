//! Content-addressed file storage: `files/sha256/<first two hex>/<hex>`.
//!
//! A file is streamed into `tmp/`, hashed on the way, fsync'd and then renamed into place, so a
//! stored blob is always complete; a crash leaves at most a temporary file, removed on next open.

use crate::StoreError;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Lower-case hex SHA-256.
pub type Sha256Hex = String;

/// Writes a blob while hashing it; [`BlobWriter::finish`] moves it to its content address.
pub struct BlobWriter {
    tmp_path: PathBuf,
    files_dir: PathBuf,
    out: BufWriter<File>,
    hasher: Sha256,
    size: u64,
}

impl BlobWriter {
    pub(crate) fn create(tmp_dir: &Path, files_dir: &Path) -> Result<BlobWriter, StoreError> {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp_path = tmp_dir.join(format!("blob-{}-{n}.part", std::process::id()));
        let file = File::create(&tmp_path).map_err(|e| StoreError::io(&tmp_path, e))?;
        Ok(BlobWriter {
            tmp_path,
            files_dir: files_dir.to_owned(),
            out: BufWriter::with_capacity(1 << 16, file),
            hasher: Sha256::new(),
            size: 0,
        })
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.out
            .write_all(bytes)
            .map_err(|e| StoreError::io(&self.tmp_path, e))
    }

    /// Flushes and fsyncs what was written so far, so a later [`BlobWriter::finish`] is cheap.
    pub fn sync(&mut self) -> Result<(), StoreError> {
        self.out
            .flush()
            .map_err(|e| StoreError::io(&self.tmp_path, e))?;
        self.out
            .get_ref()
            .sync_all()
            .map_err(|e| StoreError::io(&self.tmp_path, e))
    }

    /// Durably stores the blob under its hash and returns (hash, size). Storing the same content
    /// twice is harmless: the second copy is discarded.
    pub fn finish(mut self) -> Result<(Sha256Hex, u64), StoreError> {
        self.sync()?;
        let hash = hex::encode(std::mem::take(&mut self.hasher).finalize());
        let final_path = blob_path(&self.files_dir, &hash);
        let dir = final_path.parent().expect("blob path has a parent");
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        if final_path.exists() {
            std::fs::remove_file(&self.tmp_path).map_err(|e| StoreError::io(&self.tmp_path, e))?;
        } else {
            std::fs::rename(&self.tmp_path, &final_path)
                .map_err(|e| StoreError::io(&final_path, e))?;
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| StoreError::io(dir, e))?;
        }
        self.tmp_path = PathBuf::new();
        Ok((hash, self.size))
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.tmp_path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp_path);
        }
    }
}

pub(crate) fn blob_path(files_dir: &Path, sha256: &str) -> PathBuf {
    files_dir.join("sha256").join(&sha256[..2]).join(sha256)
}
