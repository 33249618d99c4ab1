//! Content-addressed file storage: `files/sha256/<first two hex>/<hex>`.
//!
//! A file is streamed into `tmp/`, hashed on the way, fsync'd and then renamed into place, so a
//! stored blob is always complete; a crash leaves at most a temporary file, removed on next open.
//! A writer holds an OS advisory lock on its temporary file for as long as it lives, so opening
//! the workspace (any process, any time) removes only the files of writers that are gone.

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
    /// Creates `tmp/blob-<pid>-<n>.part` exclusively and holds an OS advisory lock on it until
    /// the writer is finished or dropped, so that [`clean_tmp`] (run by every workspace open, in
    /// any process) leaves it alone.
    pub(crate) fn create(tmp_dir: &Path, files_dir: &Path) -> Result<BlobWriter, StoreError> {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        loop {
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let tmp_path = tmp_dir.join(format!("blob-{}-{n}.part", std::process::id()));
            let file = match File::create_new(&tmp_path) {
                // Left by an earlier process with the same id: take the next name.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                opened => opened.map_err(|e| StoreError::io(&tmp_path, e))?,
            };
            file.lock().map_err(|e| StoreError::io(&tmp_path, e))?;
            // A cleaner may have locked and removed the file between its creation and our lock;
            // then the name no longer leads to our file and we start again under a new name.
            if !still_named(&file, &tmp_path) {
                continue;
            }
            return Ok(BlobWriter {
                tmp_path,
                files_dir: files_dir.to_owned(),
                out: BufWriter::with_capacity(1 << 16, file),
                hasher: Sha256::new(),
                size: 0,
            });
        }
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
            std::fs::rename(&self.tmp_path, &final_path).map_err(|e| StoreError::Io {
                path: format!(
                    "moving {} to {}",
                    self.tmp_path.display(),
                    final_path.display()
                ),
                source: e,
            })?;
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

/// Whether `path` still names the open `file` (same device and inode).
fn still_named(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        // Elsewhere an open file cannot be removed, so the name still leads to it.
        let _ = file;
        path.exists()
    }
}

/// Removes the partial blobs in `tmp` that no live writer holds: those left by a killed
/// process. A file whose lock is held belongs to a writer still at work (in this or another
/// process) and is left alone. Best effort: a file that cannot be removed is only wasted space,
/// never mistaken for a stored blob.
pub(crate) fn clean_tmp(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().ends_with(".part") {
            continue;
        }
        let path = entry.path();
        // Never follow a link planted in tmp/; it is not ours to lock or open.
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let Ok(file) = File::open(&path) else {
            continue;
        };
        // Locked: a writer is still at work. Held by us: nobody owns it, so remove it while
        // the lock keeps a new writer (which would pick another name anyway) away.
        if file.try_lock().is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

pub(crate) fn blob_path(files_dir: &Path, sha256: &str) -> PathBuf {
    files_dir.join("sha256").join(&sha256[..2]).join(sha256)
}
