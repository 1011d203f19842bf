//! Atomic, owner-only file writes with a backup of the previous version.

use super::*;

pub(super) fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

fn sync_dir(dir: &Path) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(dir))?;
    }
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to `path` so that a reader sees the old or the new content, never a mix:
/// a temp file beside it, fsync, (the previous file copied to `<name>.bak` the same way when
/// `backup`), rename over, fsync of the folder. New files are owner-only.
pub fn write_atomic(path: &Path, bytes: &[u8], backup: bool) -> Result<(), ConfigError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let write_tmp = |target: &Path, content: &[u8]| -> Result<(), ConfigError> {
        let tmp = dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            fastrand::u64(..)
        ));
        let result = (|| {
            let mut f = owner_only(OpenOptions::new().write(true).create_new(true)).open(&tmp)?;
            f.write_all(content)?;
            f.sync_all()?;
            fs::rename(&tmp, target)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(io_err(target))
    };
    if backup {
        match fs::read(path) {
            Ok(old) => write_tmp(&backup_path(path), &old)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(path)(e)),
        }
    }
    write_tmp(path, bytes)?;
    sync_dir(dir)
}

/// `<path>.bak`
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}
