//! The files the Linux package ships beside the binary, generated from the
//! clap definitions so that they never drift from the real command line:
//! man pages (`man/kafedra.1`, one page per visible subcommand such as
//! `man/kafedra-pool.1`) and shell completions (`completions/kafedra.bash`,
//! `completions/_kafedra`, `completions/kafedra.fish`).
//!
//! Run by `packaging/linux/build-deb.sh` through the hidden command
//! `kafedra generate-packaging-files --out target/packaging`.

use std::fs;
use std::path::Path;

use clap_complete::Shell;

use super::{Failure, Outcome};

/// The binary's name, as the man pages and completions call it.
const BIN: &str = "kafedra";

/// Writes the man pages and the completions under `out`.
pub fn generate(out: &Path) -> Outcome {
    man_pages(&out.join("man"))
        .and_then(|()| completions(&out.join("completions")))
        .map_err(|e| {
            Failure::failed(format!(
                "Не удалось записать файлы пакета в {}: {}",
                out.display(),
                kafedra_core::private::io_reason(&e)
            ))
        })?;
    println!(
        "Страницы man и дополнения для оболочек записаны в {}",
        out.display()
    );
    Ok(())
}

fn man_pages(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    // One page for the program and one per visible subcommand (kafedra-pool.1,
    // kafedra-pool-import.1…); hidden commands get none.
    clap_mangen::generate_to(super::russian::command(), dir)
}

fn completions(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for (shell, file) in [
        (Shell::Bash, "kafedra.bash"),
        (Shell::Zsh, "_kafedra"),
        (Shell::Fish, "kafedra.fish"),
    ] {
        let mut cmd = without_hidden(super::russian::command());
        let mut f = fs::File::create(dir.join(file))?;
        clap_complete::generate(shell, &mut cmd, BIN, &mut f);
    }
    Ok(())
}

/// The command line as a user completes it: clap_complete would also offer
/// hidden subcommands (this one among them), so they are left out here.
fn without_hidden(full: clap::Command) -> clap::Command {
    let args: Vec<clap::Arg> = full.get_arguments().cloned().collect();
    let subcommands: Vec<clap::Command> = full
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .cloned()
        .collect();
    // The Russian --help and --version are among the arguments already.
    let cmd = clap::Command::new(BIN)
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .args(args)
        .subcommands(subcommands);
    match full.get_about() {
        Some(about) => cmd.about(about.clone()),
        None => cmd,
    }
}
