//! Files only the desk's user may read: the data folder (0700), the database
//! and its WAL/SHM, slips, settings with secrets, keys (0600). Written through
//! a fresh temporary file created 0600 with `O_EXCL` in the same folder, then
//! renamed: no window in which another account reads them, and no way to
//! redirect them through a planted file or symlink.
//!
//! On Windows the user's profile folders (AppData, where the data lives by
//! default) are already private to the user; the modes below are Unix-only.

use std::io::Write;
use std::path::Path;

/// Reads a small file the user names (a certificate, a secret): a regular
/// file only — a device such as `/dev/zero`, a pipe or a folder is refused
/// before it is opened — and at most `max` bytes, whatever the file claims.
/// The errors are Russian, for the messages that quote them.
pub fn read_small(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "это папка, а не файл",
        ));
    }
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "это не обычный файл (устройство или канал)",
        ));
    }
    let too_big = || {
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("файл больше {} КиБ", max / 1024),
        )
    };
    if meta.len() > max {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Creates the folder (and missing parents) readable by the user only. An
/// existing folder keeps its mode: it may be shared on purpose (`--data-dir`
/// pointing at a home or a common folder); the files in it are private.
pub fn folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Makes `path` (if it exists) and its SQLite companions readable by the user
/// only; creates it empty with that mode when missing.
pub fn file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if !path.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .or_else(|e| match e.kind() {
                    // Another desk created it at the same moment.
                    std::io::ErrorKind::AlreadyExists => std::fs::File::open(path),
                    _ => Err(e),
                })?;
        }
        for p in [
            path.to_path_buf(),
            with_suffix(path, "-wal"),
            with_suffix(path, "-shm"),
        ] {
            if let Ok(meta) = std::fs::metadata(&p)
                && meta.permissions().mode() & 0o077 != 0
                && owned_by_us(&meta)
            {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))?;
            }
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Writes `bytes` to `path` atomically through a fresh 0600 temporary file
/// in the same folder (created exclusively, never a planted one).
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // tempfile creates with O_EXCL and mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(".kafedra-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg_attr(not(unix), allow(dead_code))]
fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

#[cfg(unix)]
fn owned_by_us(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    meta.uid() == unsafe { libc::geteuid() }
}

/// Why a file operation failed, in Russian (the system's own text is
/// English): what the librarian or the admin can act on.
pub fn io_reason(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "нет такого файла или папки",
        K::PermissionDenied => "нет прав доступа",
        K::AlreadyExists => "такой файл уже есть",
        K::StorageFull => "нет места на диске",
        K::ReadOnlyFilesystem => "диск доступен только для чтения",
        K::IsADirectory => "это папка, а не файл",
        K::NotADirectory => "в пути есть файл вместо папки",
        K::InvalidFilename => "недопустимое имя файла",
        K::FileTooLarge => "файл слишком большой",
        K::Unsupported => "это не обычный файл (устройство или канал)",
        K::Interrupted | K::TimedOut | K::WouldBlock => "операция прервана, повторите",
        K::InvalidData | K::UnexpectedEof => "содержимое повреждено",
        _ => "ошибка ввода-вывода",
    }
}

/// Is `dir` on a network file system (SMB/CIFS, NFS, AFS…) or a UNC path?
/// SQLite's WAL needs shared memory those do not give two machines.
pub fn on_network_file_system(dir: &Path) -> bool {
    let text = dir.to_string_lossy();
    // A UNC path (on Linux `//tmp` is the local /tmp).
    if text.starts_with("\\\\") || (cfg!(windows) && text.starts_with("//")) {
        return true;
    }
    // The folder may not exist yet: look at the nearest one that does.
    let Some(dir) = dir.ancestors().find(|a| a.exists()) else {
        return false;
    };
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
            return false;
        };
        let mut st: libc::statfs = unsafe { std::mem::zeroed() };
        // SAFETY: `c` is a valid NUL-terminated path and `st` a valid out-pointer.
        if unsafe { libc::statfs(c.as_ptr(), &mut st) } != 0 {
            return false;
        }
        is_network_fs_magic(st.f_type as i64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        // Mapped network drives on Windows are refused by SQLite's own
        // locking errors; only UNC paths are recognised here.
        let _ = dir;
        false
    }
}

/// The `statfs` type numbers of network file systems (Linux `magic.h`).
pub fn is_network_fs_magic(magic: i64) -> bool {
    const NETWORK: [i64; 9] = [
        0x6969,      // NFS
        0x517B,      // SMB
        0xFF53_4D42, // CIFS
        0xFE53_4D42, // SMB2
        0x5346_414F, // AFS
        0x7375_7245, // Coda
        0x564C,      // NCP
        0x0102_1997, // 9P
        0x00C3_6400, // Ceph
    ];
    // The kernel may hand the 32-bit constants back sign-extended.
    let m = magic & 0xFFFF_FFFF;
    NETWORK.contains(&m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_file_read_refuses_devices_folders_and_big_files() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.pem");
        std::fs::write(&ok, "abc").unwrap();
        assert_eq!(read_small(&ok, 10).unwrap(), b"abc");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 11]).unwrap();
        assert!(
            read_small(&big, 10)
                .unwrap_err()
                .to_string()
                .contains("больше")
        );
        assert!(read_small(dir.path(), 10).is_err());
        #[cfg(unix)]
        {
            let e = read_small(Path::new("/dev/zero"), 10).unwrap_err();
            assert!(e.to_string().contains("не обычный файл"), "{e}");
        }
    }

    #[test]
    fn network_paths_and_file_systems_are_recognised() {
        assert!(on_network_file_system(Path::new(r"\\server\share\kafedra")));
        assert_eq!(
            on_network_file_system(Path::new("//server/share")),
            cfg!(windows),
            "on Linux `//tmp` is the local /tmp"
        );
        assert!(is_network_fs_magic(0x6969));
        assert!(
            is_network_fs_magic(0xFF53_4D42_u32 as i32 as i64),
            "sign-extended CIFS"
        );
        assert!(!is_network_fs_magic(0xEF53), "ext4 is local");
        assert!(!is_network_fs_magic(0x0102_1994), "tmpfs is local");
        assert!(
            !is_network_fs_magic(0x6573_5546),
            "FUSE (NTFS USB drives too) is not refused"
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(!on_network_file_system(dir.path()));
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_the_users_only_and_planted_temp_files_are_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("provider.toml");
        // A planted world-writable temp file and a symlink next to the target
        // must not become the written file.
        let planted = dir.path().join("provider.tmp");
        std::fs::write(&planted, "x").unwrap();
        std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o666)).unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("provider.toml.tmp")).unwrap();
        write(&target, b"secret = 1").unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!elsewhere.exists(), "nothing went through the symlink");
        assert_eq!(std::fs::read(&planted).unwrap(), b"x");

        let data = dir.path().join("data");
        folder(&data).unwrap();
        assert_eq!(
            std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let db = data.join("db");
        file(&db).unwrap();
        assert_eq!(
            std::fs::metadata(&db).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
