//! Moving a watched file out of the watch folder: into the done folder after its reports are
//! queued, or into the error folder with a `<name>.error` note saying why it was refused.
//! Never overwriting: a taken name becomes `name (2).ext`.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::setup::Setup;
use super::worker::Verdict;
use crate::metrics::Metrics;

/// Moves a file that could not be converted into the error folder, with a `.error` note.
pub(super) fn fail(
    setup: &Setup,
    path: &Path,
    converter: Option<&str>,
    message: &str,
    metrics: &Metrics,
) -> Verdict {
    metrics.files_failed.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(file = %path.display(), error = %message, "file not converted; moved to the error folder");
    match move_into(path, &setup.watch, &setup.error) {
        Ok(moved) => {
            let mut note = moved.clone().into_os_string();
            note.push(".error");
            let text = format!(
                "file: {}\nwhen: {}\nconverter: {}\nerror: {}\n",
                path.display(),
                chrono::Local::now().to_rfc3339(),
                converter.unwrap_or("auto-detect"),
                message
            );
            if let Err(e) = std::fs::write(&note, text) {
                tracing::error!(note = %PathBuf::from(note).display(), error = %e, "cannot write the .error note");
            }
            Verdict::Failed
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Verdict::Vanished,
        Err(e) => {
            tracing::error!(file = %path.display(), error = %e, "cannot move the file to the error folder; it stays in place");
            Verdict::Failed
        }
    }
}

/// Moves `path` (inside `watch`) to the same relative place under `target`, never
/// overwriting: `name (2).ext` when the name is taken. Returns the new path.
pub(super) fn move_into(path: &Path, watch: &Path, target: &Path) -> std::io::Result<PathBuf> {
    let relative = path
        .strip_prefix(watch)
        .unwrap_or_else(|_| Path::new(path.file_name().unwrap_or_default()));
    let mut dest = target.join(relative);
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let stem = dest
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = dest
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut n = 2;
    while dest.exists() {
        dest.set_file_name(format!("{stem} ({n}){ext}"));
        n += 1;
    }
    match std::fs::rename(path, &dest) {
        Ok(()) => Ok(dest),
        // Another file system: copy, sync, then remove the original.
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            std::fs::copy(path, &dest)?;
            std::fs::File::open(&dest)?.sync_all()?;
            std::fs::remove_file(path)?;
            Ok(dest)
        }
        Err(e) => Err(e),
    }
}
