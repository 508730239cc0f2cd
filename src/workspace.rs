//! What ptrwidth asks cargo and runs beside a lint: the packages of the workspace `cargo
//! ptrwidth` lints (from `cargo metadata`), its target directory, and the check command of
//! `--with-check`.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::report::{Package, PackageTarget};

/// The packages `cargo ptrwidth` is asked to lint.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// `Cargo.toml` of the workspace or package; `None` for the one cargo finds.
    pub manifest_path: Option<PathBuf>,
    /// Only these packages; every member when empty.
    pub packages: Vec<String>,
    pub excluded: Vec<String>,
}

pub struct Workspace {
    /// Directories of the packages to lint.
    pub dirs: Vec<PathBuf>,
    /// Every member, to attribute findings to.
    pub packages: Vec<Package>,
    /// Directories of members not linted that lie inside members that are.
    pub skipped_dirs: Vec<PathBuf>,
    pub target_dir: PathBuf,
    /// The directory of the workspace's root `Cargo.toml`.
    pub root: PathBuf,
}

impl Workspace {
    /// The packages `cargo metadata` lists for the selection. cargo_metadata runs `$CARGO`
    /// when set, so the cargo that ran `cargo ptrwidth` answers.
    pub fn read(selection: &Selection) -> Result<Workspace, String> {
        let mut command = cargo_metadata::MetadataCommand::new();
        command.no_deps();
        if let Some(manifest) = &selection.manifest_path {
            command.manifest_path(manifest);
        }
        let metadata = command.exec().map_err(|e| {
            let detail = match e {
                cargo_metadata::Error::CargoMetadata { stderr } => stderr
                    .lines()
                    .find(|l| l.starts_with("error"))
                    .unwrap_or(stderr.trim())
                    .to_string(),
                other => other.to_string(),
            };
            let cargo = std::env::var_os("CARGO")
                .map(|c| format!(" with CARGO={}", c.to_string_lossy()))
                .unwrap_or_default();
            format!("cannot read the cargo workspace{cargo} ({detail}); run it in a cargo project, or use `ptrwidth PATH` outside one")
        })?;
        let members = metadata.workspace_packages();
        for wanted in selection.packages.iter().chain(&selection.excluded) {
            if !members.iter().any(|p| p.name.as_str() == wanted) {
                return Err(format!(
                    "package `{wanted}` is not a member of the workspace"
                ));
            }
        }
        let dir_of = |p: &cargo_metadata::Package| {
            p.manifest_path
                .parent()
                .map(|dir| relative_to_cwd(dir.as_std_path()))
        };
        let chosen = |p: &cargo_metadata::Package| {
            let name = p.name.as_str();
            (selection.packages.is_empty() || selection.packages.iter().any(|w| w == name))
                && !selection.excluded.iter().any(|w| w == name)
        };
        let dirs: Vec<PathBuf> = members
            .iter()
            .filter(|p| chosen(p))
            .filter_map(|p| dir_of(p))
            .collect();
        if dirs.is_empty() {
            return Err("no workspace package is left to lint".to_string());
        }
        // A member left out is skipped where it nests inside a linted one, never when it holds
        // one.
        let skipped_dirs = members
            .iter()
            .filter(|p| !chosen(p))
            .filter_map(|p| dir_of(p))
            .filter(|skipped| !dirs.iter().any(|dir| dir.starts_with(skipped)))
            .collect();
        let packages = members
            .iter()
            .map(|p| Package {
                id: p.id.repr.clone(),
                manifest_path: p.manifest_path.clone().into_std_path_buf(),
                targets: p
                    .targets
                    .iter()
                    .map(|t| PackageTarget {
                        name: t.name.clone(),
                        kind: t.kind.iter().map(ToString::to_string).collect(),
                        crate_types: t.crate_types.iter().map(ToString::to_string).collect(),
                        src_path: t.src_path.clone().into_std_path_buf(),
                        edition: t.edition.as_str().to_string(),
                    })
                    .collect(),
            })
            .collect();
        Ok(Workspace {
            dirs,
            packages,
            skipped_dirs,
            target_dir: metadata.target_directory.clone().into_std_path_buf(),
            root: metadata.workspace_root.clone().into_std_path_buf(),
        })
    }
}

fn relative_to_cwd(path: &Path) -> PathBuf {
    match std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
    {
        Some(relative) if relative.as_os_str().is_empty() => PathBuf::from("."),
        Some(relative) => relative,
        None => path.to_path_buf(),
    }
}

/// A check command (`cargo check --message-format=json`) running while ptrwidth lints.
pub struct CheckCommand {
    child: std::process::Child,
    lines: std::thread::JoinHandle<Vec<String>>,
}

impl CheckCommand {
    /// Starts `command`, split on whitespace.
    pub fn spawn(command: &str) -> Result<CheckCommand, String> {
        let mut words = command.split_whitespace();
        let program = words
            .next()
            .ok_or_else(|| "--with-check needs a command".to_string())?;
        // Inside cargo, `cargo` is the cargo that ran us.
        let program = match (program, std::env::var_os("CARGO")) {
            ("cargo", Some(cargo)) => PathBuf::from(cargo),
            _ => PathBuf::from(program),
        };
        let mut child = std::process::Command::new(&program)
            .args(words)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run `{command}`: {e}"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        // Read while ptrwidth lints, so the command never blocks on a full pipe.
        let lines = std::thread::spawn(move || {
            io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect()
        });
        Ok(CheckCommand { child, lines })
    }

    /// Copies the command's records except its `build-finished`; whether it succeeded.
    pub fn pass_through(mut self, out: &mut dyn Write) -> io::Result<bool> {
        let lines = self.lines.join().unwrap_or_default();
        let status = self.child.wait()?;
        let mut succeeded = status.success();
        for line in lines {
            match serde_json::from_str::<serde_json::Value>(&line) {
                Ok(record) if record["reason"] == "build-finished" => {
                    succeeded &= record["success"] != false;
                }
                _ => writeln!(out, "{line}")?,
            }
        }
        Ok(succeeded)
    }
}
