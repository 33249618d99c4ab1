//! Writing the files users ask for (stamp exports, row proofs, receipts, overlay PNGs) without
//! ever writing through a link someone planted and without replacing a file nobody asked us to
//! replace.
//!
//! Every such file goes through [`write_atomic`]: the bytes go to a fresh temporary file created
//! exclusively (`O_EXCL`, random name) in the destination's folder, are fsync'd, and the file is
//! then moved to its name in one step — with [`Overwrite::Refuse`] by a move that fails when the
//! name exists (a link, even a dangling one, counts), with [`Overwrite::Replace`] by `rename`,
//! which replaces the name itself and never follows a link at it. A reader sees the old file or
//! the whole new one.

use crate::AppError;
use std::io::Write;
use std::path::Path;

/// What to do when the destination name is already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Leave the existing file alone and fail (the default for everything a user asks for).
    Refuse,
    /// Replace an existing regular file (the user asked for it, e.g. `--force`). A symbolic
    /// link or anything else that is not a regular file is still refused.
    Replace,
}

/// Checks that `path` may be written under `overwrite` without writing through anything.
pub fn check_destination(path: &Path, overwrite: Overwrite) -> Result<(), AppError> {
    let meta = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(AppError::Io(format!("{}: {e}", path.display()))),
        Ok(meta) => meta,
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(AppError::InvalidInput(format!(
            "{} is a symbolic link; refusing to write through it",
            path.display()
        )));
    }
    if !kind.is_file() {
        return Err(AppError::InvalidInput(format!(
            "{} exists and is not a regular file; refusing to replace it",
            path.display()
        )));
    }
    match overwrite {
        Overwrite::Replace => Ok(()),
        Overwrite::Refuse => Err(AppError::Conflict(format!(
            "{} already exists; refusing to overwrite it unless asked to (--force)",
            path.display()
        ))),
    }
}

/// Writes `bytes` to `path` as described in the module comment: exclusively created aside,
/// fsync'd, moved into place; the aside file is removed on any failure.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: Overwrite) -> Result<(), AppError> {
    let io = |e: std::io::Error| AppError::Io(format!("{}: {e}", path.display()));
    check_destination(path, overwrite)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| AppError::InvalidInput(format!("{} is not a file name", path.display())))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| AppError::Io(format!("{}: {e}", dir.display())))?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    let persisted = match overwrite {
        Overwrite::Refuse => tmp.persist_noclobber(path),
        Overwrite::Replace => tmp.persist(path),
    };
    match persisted {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            // Taken between the check and the move: the check names what took it.
            check_destination(path, Overwrite::Refuse)?;
            Err(io(e.error))
        }
        Err(e) => Err(io(e.error)),
    }
}

/// What one file of a folder written by [`write_dir_atomic`] holds.
pub(crate) enum FolderFile<'a> {
    Bytes(&'a [u8]),
    /// A copy of a stored file (read, never linked).
    Copy(&'a Path),
}

/// Writes a whole folder at `dest` or nothing: every file is written (exclusively created,
/// fsync'd) into a fresh temporary folder beside `dest`, which is then moved into place. An
/// existing `dest` is replaced only with [`Overwrite::Replace`] and only when it is a real
/// folder; a link at `dest` is never followed or replaced. `files` are relative `/`-separated
/// paths without `..`.
pub(crate) fn write_dir_atomic(
    dest: &Path,
    files: &[(String, FolderFile<'_>)],
    overwrite: Overwrite,
) -> Result<(), AppError> {
    let shown = dest.display();
    let exists = match std::fs::symlink_metadata(dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(AppError::Io(format!("{shown}: {e}"))),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(AppError::InvalidInput(format!(
                "{shown} is a symbolic link; refusing to write through it"
            )))
        }
        Ok(meta) if !meta.is_dir() => {
            return Err(AppError::InvalidInput(format!(
                "{shown} exists and is not a folder; refusing to replace it"
            )))
        }
        Ok(_) if overwrite == Overwrite::Refuse => {
            return Err(AppError::Conflict(format!(
                "{shown} already exists; refusing to overwrite it unless asked to (--force)"
            )))
        }
        Ok(_) => true,
    };
    let parent = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = dest
        .file_name()
        .ok_or_else(|| AppError::InvalidInput(format!("{shown} is not a folder name")))?
        .to_string_lossy()
        .into_owned();
    std::fs::create_dir_all(parent)
        .map_err(|e| AppError::Io(format!("{}: {e}", parent.display())))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempdir_in(parent)
        .map_err(|e| AppError::Io(format!("{}: {e}", parent.display())))?;
    for (rel, content) in files {
        let safe = !rel.is_empty()
            && !rel.starts_with('/')
            && rel
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if !safe {
            return Err(AppError::Internal(format!(
                "{rel:?} is not a relative path inside the folder"
            )));
        }
        let path = tmp.path().join(rel);
        let io = |e: std::io::Error| AppError::Io(format!("{}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io)?;
        match content {
            FolderFile::Bytes(bytes) => file.write_all(bytes).map_err(io)?,
            FolderFile::Copy(from) => {
                let mut source = open_input(from, "stored file")?;
                std::io::copy(&mut source, &mut file).map_err(io)?;
            }
        }
        file.sync_all().map_err(io)?;
    }
    let tmp = tmp.keep();
    let cleanup = |e: AppError| {
        let _ = std::fs::remove_dir_all(&tmp);
        e
    };
    let aside = if exists {
        let aside = parent.join(format!(".{name}.{}.old", std::process::id()));
        std::fs::rename(dest, &aside)
            .map_err(|e| cleanup(AppError::Io(format!("{shown}: {e}"))))?;
        Some(aside)
    } else {
        None
    };
    // Claim the name with an empty folder (fails if anything took it meanwhile), then move the
    // written folder onto it: a rename replaces only an empty folder, never a link or files.
    let moved = std::fs::create_dir(dest).and_then(|()| std::fs::rename(&tmp, dest));
    if let Err(e) = moved {
        let _ = std::fs::remove_dir(dest);
        if let Some(aside) = &aside {
            let _ = std::fs::rename(aside, dest);
        }
        return Err(cleanup(match e.kind() {
            std::io::ErrorKind::AlreadyExists => AppError::Conflict(format!(
                "{shown} was created by someone else meanwhile; nothing was written"
            )),
            _ => AppError::Io(format!("{shown}: {e}")),
        }));
    }
    if let Some(aside) = aside {
        std::fs::remove_dir_all(&aside)
            .map_err(|e| AppError::Io(format!("{}: {e}", aside.display())))?;
    }
    Ok(())
}

/// What a path that should be an input file really is, as a refusal; `Ok` for a regular file
/// (a link to one counts). `what` names the file's role ("boundary file", "raster file", …).
pub(crate) fn check_input(path: &Path, what: &str) -> Result<(), AppError> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            AppError::InvalidInput(format!("{what} {shown} does not exist"))
        }
        _ => AppError::InvalidInput(format!("{what} {shown} cannot be read: {e}")),
    })?;
    refuse_non_file(&meta, path, what)
}

fn refuse_non_file(meta: &std::fs::Metadata, path: &Path, what: &str) -> Result<(), AppError> {
    let shown = path.display();
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    let is = if kind.is_dir() {
        "is a directory"
    } else {
        special_kind(&kind)
    };
    Err(AppError::InvalidInput(format!(
        "{what} {shown} {is}, not a regular file"
    )))
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "is a FIFO (named pipe)"
    } else if kind.is_socket() {
        "is a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "is a device"
    } else {
        "is not a regular file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "is not a regular file"
}

/// Opens an input file for reading, refusing anything but a regular file with what it really
/// is. Opening never blocks: a FIFO is opened non-blocking (and then refused), so a path swapped
/// for a pipe after [`check_input`] cannot hang us either.
pub(crate) fn open_input(path: &Path, what: &str) -> Result<std::fs::File, AppError> {
    check_input(path, what)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(|e| {
        AppError::InvalidInput(format!("{what} {} cannot be read: {e}", path.display()))
    })?;
    let meta = file
        .metadata()
        .map_err(|e| AppError::Io(format!("{}: {e}", path.display())))?;
    refuse_non_file(&meta, path, what)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn planted_links_are_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let out = dir.path().join("out.json");
        std::os::unix::fs::symlink(&victim, &out).unwrap();
        for mode in [Overwrite::Refuse, Overwrite::Replace] {
            let err = write_atomic(&out, b"attack", mode).unwrap_err();
            assert!(err.to_string().contains("symbolic link"), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        // A dangling link is refused too (it would create the file it points at).
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink(dir.path().join("created-by-attacker"), &dangling).unwrap();
        assert!(write_atomic(&dangling, b"x", Overwrite::Refuse).is_err());
        assert!(!dir.path().join("created-by-attacker").exists());
    }

    #[test]
    fn an_existing_file_is_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.json");
        write_atomic(&out, b"first", Overwrite::Refuse).unwrap();
        let err = write_atomic(&out, b"second", Overwrite::Refuse).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Conflict, "{err}");
        assert_eq!(std::fs::read(&out).unwrap(), b"first");
        write_atomic(&out, b"second", Overwrite::Replace).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");
    }

    #[test]
    #[cfg(unix)]
    fn a_folder_is_written_whole_and_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("export-1");
        let files = |text: &'static [u8]| {
            vec![
                ("a.txt".to_owned(), FolderFile::Bytes(text)),
                ("sub/b.txt".to_owned(), FolderFile::Bytes(b"b")),
            ]
        };
        write_dir_atomic(&out, &files(b"first"), Overwrite::Refuse).unwrap();
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"first");
        assert_eq!(std::fs::read(out.join("sub/b.txt")).unwrap(), b"b");
        let err = write_dir_atomic(&out, &files(b"second"), Overwrite::Refuse).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Conflict, "{err}");
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"first");
        write_dir_atomic(&out, &files(b"second"), Overwrite::Replace).unwrap();
        assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary folder left behind");

        // A link at the destination is never followed, not even when asked to replace.
        let victim = dir.path().join("victim");
        std::fs::create_dir(&victim).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        for mode in [Overwrite::Refuse, Overwrite::Replace] {
            let err = write_dir_atomic(&link, &files(b"x"), mode).unwrap_err();
            assert!(err.to_string().contains("symbolic link"), "{err}");
        }
        assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);
        // A bad path inside the folder writes nothing.
        let bad = vec![("../escape".to_owned(), FolderFile::Bytes(b"x"))];
        assert!(write_dir_atomic(&dir.path().join("new"), &bad, Overwrite::Refuse).is_err());
        assert!(!dir.path().join("new").exists() && !dir.path().join("escape").exists());
    }

    #[test]
    #[cfg(unix)]
    fn directories_and_fifos_are_named_for_what_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let err = open_input(dir.path(), "measurement file").unwrap_err();
        assert!(
            err.to_string()
                .ends_with("is a directory, not a regular file"),
            "{err}"
        );
        let fifo = dir.path().join("pipe.csv");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Nobody writes to the pipe: a blocking open would hang here.
        let err = open_input(&fifo, "measurement file").unwrap_err();
        assert!(err.to_string().contains("is a FIFO"), "{err}");
        let err = open_input(&dir.path().join("nope.csv"), "measurement file").unwrap_err();
        assert!(err.to_string().ends_with("does not exist"), "{err}");
    }
}
