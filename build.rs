//! Sets `KAFEDRA_BUILD_DATE` (shown in «О программе»): the day of
//! `SOURCE_DATE_EPOCH` when the packager sets it (reproducible builds), else
//! the day this build script last ran. For a Windows build with mingw-w64,
//! also links the icon and the version (Explorer's «Свойства → Подробно»)
//! into `kafedra.exe`.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    println!("cargo:rustc-env=KAFEDRA_BUILD_DATE={d:02}.{m:02}.{y:04}");
    windows_resources();
}

/// The icon and version resource of `kafedra.exe`, compiled by mingw-w64's
/// windres into an object linked into the program. Without windres the
/// program is built without them (a warning says so).
fn windows_resources() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os != "windows" || env != "gnu" {
        return;
    }
    println!("cargo:rerun-if-changed=packaging/icons/kafedra.ico");
    println!("cargo:rerun-if-env-changed=WINDRES");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let icon = root.join("packaging/icons/kafedra.ico");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let numbers: Vec<u32> = version
        .split(['.', '-', '+'])
        .take(3)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    let (a, b, c) = (
        numbers.first().copied().unwrap_or(0),
        numbers.get(1).copied().unwrap_or(0),
        numbers.get(2).copied().unwrap_or(0),
    );
    let rc = format!(
        r#"#pragma code_page(65001)
1 ICON "{icon}"
1 VERSIONINFO
FILEVERSION {a},{b},{c},0
PRODUCTVERSION {a},{b},{c},0
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "041904B0"
    BEGIN
      VALUE "CompanyName", "Kafedra"
      VALUE "FileDescription", "Kafedra — АРМ «Читатели» с доступом к ЭБС"
      VALUE "FileVersion", "{version}"
      VALUE "InternalName", "kafedra"
      VALUE "OriginalFilename", "kafedra.exe"
      VALUE "ProductName", "Kafedra"
      VALUE "ProductVersion", "{version}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x419, 1200
  END
END
"#,
        icon = icon.display().to_string().replace('\\', "/"),
    );
    let rc_file = out.join("kafedra.rc");
    let obj = out.join("kafedra-resources.o");
    if std::fs::write(&rc_file, rc).is_err() {
        return;
    }
    let windres = std::env::var("WINDRES").unwrap_or_else(|_| "x86_64-w64-mingw32-windres".into());
    let status = std::process::Command::new(&windres)
        .args(["--codepage=65001", "-O", "coff", "-i"])
        .arg(&rc_file)
        .arg("-o")
        .arg(&obj)
        .status();
    match status {
        Ok(s) if s.success() => {
            println!("cargo:rustc-link-arg-bins={}", obj.display());
        }
        _ => println!(
            "cargo:warning={windres} is not usable: kafedra.exe is built without its icon and version"
        ),
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
