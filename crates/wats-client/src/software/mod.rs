//! Software distribution to the station: install a released package from the server into the
//! software folder, verified and atomic.
//!
//! An install downloads every file of the package into a new staging folder
//! (`<folder>/.staging/<name>-<random>`), checks each file's size and SHA-256 against the
//! server's file list, syncs it to disk, and only then swaps it in for `<folder>/<name>`: the
//! old version is renamed aside (`<folder>/.old/…`), the staging folder renamed into place,
//! the record of installed packages (`<folder>/.wats-software.json`) replaced atomically, and
//! the old version removed. The download is then logged on the server.
//!
//! A power cut or kill before the swap leaves the old version untouched (the staging folder
//! is removed by the next install); one between the two renames leaves the old version in
//! `.old`, from where [`Installer::recover`] (run by the next install, under its lock) puts it
//! back.
//! File paths from the server are checked like a zip's (no `..`, nothing absolute): a server
//! cannot make the station write outside the package's folder.

pub mod keeper;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wats::software::{Package, PackageStatus};

/// The record of installed packages, in the software folder.
pub const MANIFEST: &str = ".wats-software.json";
const STAGING: &str = ".staging";
const OLD: &str = ".old";

/// One installed package.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Installed {
    /// Package name.
    pub name: String,
    /// The server's id of the installed version.
    pub package_id: uuid::Uuid,
    /// Version.
    pub version: i64,
    /// Its folder, relative to the software folder.
    pub folder: String,
    /// Files installed.
    pub files: usize,
    /// Bytes installed.
    pub bytes: u64,
    /// When (UTC, RFC 3339).
    pub installed_utc: String,
}

/// Installs packages into one software folder.
#[derive(Clone, Debug)]
pub struct Installer {
    root: PathBuf,
}

/// A path from the server, checked: relative, no `..`, `/`-separated segments.
pub fn safe_relative(path: &str) -> anyhow::Result<PathBuf> {
    let p = path.replace('\\', "/");
    let bytes = p.as_bytes();
    if p.starts_with('/') || (bytes.len() >= 2 && bytes[1] == b':') {
        bail!("the server named an absolute path {path:?}");
    }
    let mut out = PathBuf::new();
    for seg in p.split('/').filter(|s| !s.is_empty() && *s != ".") {
        if seg == ".." || seg.chars().any(char::is_control) {
            bail!("the server named a path outside the package: {path:?}");
        }
        out.push(seg);
    }
    if out.as_os_str().is_empty() {
        bail!("the server named an empty path");
    }
    Ok(out)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut f =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

impl Installer {
    /// An installer for a software folder (created when needed).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Installer { root: root.into() }
    }

    /// The software folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The installed packages, by name (as recorded; reading changes nothing).
    pub fn installed(&self) -> anyhow::Result<Vec<Installed>> {
        let path = self.root.join(MANIFEST);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a list of installed packages", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    fn save_manifest(&self, list: &[Installed]) -> anyhow::Result<()> {
        let path = self.root.join(MANIFEST);
        let tmp = self.root.join(format!("{MANIFEST}.tmp"));
        write_synced(&tmp, &serde_json::to_vec_pretty(list)?)?;
        std::fs::rename(&tmp, &path)
            .with_context(|| format!("cannot replace {}", path.display()))?;
        sync_dir(&self.root)
    }

    /// Finishes or undoes what a killed install left: an old version set aside whose
    /// replacement never arrived is put back; leftover staging folders are removed.
    pub fn recover(&self) -> anyhow::Result<()> {
        let old = self.root.join(OLD);
        if let Ok(entries) = std::fs::read_dir(&old) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                // `<folder>@<random>`: the folder it came from.
                let Some((folder, _)) = name.rsplit_once('@') else {
                    continue;
                };
                let target = self.root.join(folder.replace('%', "/"));
                if target.exists() {
                    std::fs::remove_dir_all(e.path()).with_context(|| {
                        format!("cannot remove the replaced version {}", e.path().display())
                    })?;
                } else {
                    std::fs::rename(e.path(), &target).with_context(|| {
                        format!(
                            "cannot restore {} to {}",
                            e.path().display(),
                            target.display()
                        )
                    })?;
                    tracing::warn!(folder = %target.display(), "restored the version an interrupted install set aside");
                }
            }
        }
        let staging = self.root.join(STAGING);
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .with_context(|| format!("cannot remove {}", staging.display()))?;
        }
        Ok(())
    }

    /// The folder a package installs into, relative to the software folder.
    pub fn folder_of(package: &Package) -> anyhow::Result<PathBuf> {
        if package.install_on_root == Some(true) {
            bail!(
                "package {:?} installs on the root folder, which cannot be swapped atomically; \
                 give it a rootDirectory",
                package.name.as_deref().unwrap_or("")
            );
        }
        match package
            .root_directory
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            Some(dir) => safe_relative(dir),
            None => safe_relative(package.name.as_deref().unwrap_or("")),
        }
    }

    /// Downloads, verifies and installs the newest Released version of `name` (or `version`),
    /// then logs the download. Installing the version already installed does nothing.
    pub async fn install(
        &self,
        wats: &wats::Wats,
        name: &str,
        version: Option<i64>,
    ) -> anyhow::Result<Installed> {
        std::fs::create_dir_all(&self.root)
            .with_context(|| format!("cannot create {}", self.root.display()))?;
        // One install at a time per folder: another would clear this one's staging folder.
        let lock_path = self.root.join(".lock");
        let lock = std::fs::File::create(&lock_path)
            .with_context(|| format!("cannot create {}", lock_path.display()))?;
        match fs4::FileExt::try_lock(&lock) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                bail!("another install is running in {}", self.root.display())
            }
            Err(fs4::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", lock_path.display()))
            }
        }
        self.recover()?;
        let mut list = self.installed()?;
        let sw = wats.software();
        let package = sw
            .by_name(name, Some(PackageStatus::Released), version)
            .await?
            .with_context(|| match version {
                Some(v) => format!("package {name:?} has no Released version {v}"),
                None => format!("package {name:?} has no Released version"),
            })?;
        let id = package
            .package_id
            .context("the server sent a package without an id")?;
        let pversion = package.version.unwrap_or(0);
        let folder = Self::folder_of(&package)?;
        let folder_text = folder.to_string_lossy().replace('\\', "/");
        if let Some(same) = list.iter().find(|i| i.package_id == id) {
            if self.root.join(&folder).is_dir() {
                return Ok(same.clone());
            }
        }

        // 1. Download into a new staging folder, verifying every file.
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let staging = self
            .root
            .join(STAGING)
            .join(format!("{}@{tag}", folder_text.replace('/', "%")));
        std::fs::create_dir_all(&staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        let files = sw.files(id).await?;
        let mut bytes_total = 0u64;
        for f in &files {
            let path = f
                .path
                .as_deref()
                .context("the server sent a file without a path")?;
            let rel = safe_relative(path)?;
            let fid = f
                .file_id
                .or(f.package_file_id)
                .context("a file without an id")?;
            let content = sw.download_file(fid).await?;
            let sum = sha256_hex(&content);
            let want = f.checksum.as_deref().unwrap_or("");
            if !sum.eq_ignore_ascii_case(want) || f.size.is_some_and(|s| s != content.len() as i64)
            {
                let _ = std::fs::remove_dir_all(&staging);
                bail!(
                    "{path}: checksum {sum} ({} bytes) does not match the server's {want} ({} \
                     bytes); nothing was installed",
                    content.len(),
                    f.size.unwrap_or(-1)
                );
            }
            write_synced(&staging.join(&rel), &content)?;
            bytes_total += content.len() as u64;
        }
        sync_dir(&staging)?;

        // 2. Swap it in: old aside, new in place, record, old removed.
        let target = self.root.join(&folder);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let aside = self
            .root
            .join(OLD)
            .join(format!("{}@{tag}", folder_text.replace('/', "%")));
        let had_old = target.exists();
        if had_old {
            std::fs::create_dir_all(self.root.join(OLD))?;
            std::fs::rename(&target, &aside)
                .with_context(|| format!("cannot set {} aside", target.display()))?;
        }
        std::fs::rename(&staging, &target)
            .with_context(|| format!("cannot move the new version into {}", target.display()))?;
        sync_dir(&self.root)?;
        let entry = Installed {
            name: package.name.clone().unwrap_or_else(|| name.to_owned()),
            package_id: id,
            version: pversion,
            folder: folder_text,
            files: files.len(),
            bytes: bytes_total,
            installed_utc: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        list.retain(|i| !i.name.eq_ignore_ascii_case(&entry.name) && i.folder != entry.folder);
        list.push(entry.clone());
        list.sort_by_key(|a| a.name.to_uppercase());
        self.save_manifest(&list)?;
        if had_old {
            std::fs::remove_dir_all(&aside)
                .with_context(|| format!("cannot remove the old version {}", aside.display()))?;
        }
        // The bookkeeping folders go when empty (`remove_dir` leaves a non-empty one).
        let _ = std::fs::remove_dir(self.root.join(STAGING));
        let _ = std::fs::remove_dir(self.root.join(OLD));

        // 3. Tell the server.
        sw.log_download(id, bytes_total, None).await?;
        Ok(entry)
    }

    /// The installed packages the server has revoked (or replaced with a newer release,
    /// unless `revoked_only`).
    pub async fn revoked(
        &self,
        wats: &wats::Wats,
        revoked_only: bool,
    ) -> anyhow::Result<Vec<Installed>> {
        let list = self.installed()?;
        let ids: Vec<_> = list.iter().map(|i| i.package_id).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let gone = wats.software().revoked(&ids, revoked_only).await?;
        Ok(list
            .into_iter()
            .filter(|i| gone.contains(&i.package_id))
            .collect())
    }
}

/// The software folder of an instance: `software_folder` in its configuration, else
/// `<data folder>/software`.
pub fn folder_for(instance: &crate::config::Instance, config: &crate::config::Config) -> PathBuf {
    match config
        .extra
        .get("software_folder")
        .and_then(|v| v.as_str())
        .filter(|s| !s.trim().is_empty())
    {
        Some(dir) => PathBuf::from(dir),
        None => instance.data_dir().join("software"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_from_the_server_are_checked() {
        assert_eq!(safe_relative("a\\b/c").unwrap(), PathBuf::from("a/b/c"));
        for bad in ["/etc/passwd", "C:/x", "a/../../x", "", "a/\u{7}"] {
            assert!(safe_relative(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn recover_puts_an_interrupted_swap_back() {
        let dir = tempfile::tempdir().unwrap();
        let i = Installer::new(dir.path());
        std::fs::create_dir_all(dir.path().join(".old/prog@abc")).unwrap();
        std::fs::write(dir.path().join(".old/prog@abc/v1.txt"), "v1").unwrap();
        std::fs::create_dir_all(dir.path().join(".staging/prog@def")).unwrap();
        i.recover().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("prog/v1.txt")).unwrap(),
            "v1"
        );
        assert!(!dir.path().join(".staging").exists());
    }
}
