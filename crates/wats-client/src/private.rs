//! Owner-only folders and files: the one place that says how the station keeps its state
//! private. The queue and the ledger hold every report and file name, the configuration a
//! sealed token: readable by nobody but the station's user (folders 0700, files 0600 on Unix;
//! elsewhere the platform's defaults).

use std::io;
use std::path::Path;

/// Creates `dir` (and its parents) if needed and makes it owner-only.
pub fn dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates `path` empty if it does not exist, and makes it owner-only. Call it before SQLite
/// opens a database: SQLite gives its `-wal` and `-shm` files the database file's mode.
pub fn file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        options.open(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    options.open(path)?;
    Ok(())
}
