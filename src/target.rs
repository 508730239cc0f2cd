//! Build targets: which Windows machines the code is compiled for, and what follows from that.

use std::path::Path;

use crate::source::{MAX_FILE_BYTES, read_settings};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    X86,
    X86_64,
    Aarch64,
    Arm64ec,
    Arm,
}

impl Arch {
    pub const ALL: [Arch; 5] = [
        Arch::X86,
        Arch::X86_64,
        Arch::Aarch64,
        Arch::Arm64ec,
        Arch::Arm,
    ];

    /// The value of `cfg(target_arch)` on this machine.
    pub fn cfg_name(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
            Arch::Arm64ec => "arm64ec",
            Arch::Arm => "arm",
        }
    }

    pub fn pointer_width(self) -> u32 {
        match self {
            Arch::X86 | Arch::Arm => 32,
            Arch::X86_64 | Arch::Aarch64 | Arch::Arm64ec => 64,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    pub triple: String,
    pub arch: Arch,
    pub pointer_width: u32,
    /// `msvc` or `gnu` (`target_env`), empty when the triple does not say.
    pub env: String,
}

/// The `target_env` values a Windows triple can end with.
pub const ENVIRONMENTS: [&str; 3] = ["msvc", "gnu", "gnullvm"];

pub const DEFAULT_TRIPLE: &str = "x86_64-pc-windows-msvc";

impl Target {
    pub fn parse(triple: &str) -> Result<Target, String> {
        let mut parts = triple.split('-');
        let arch_part = parts.next().unwrap_or_default();
        let arch = match arch_part {
            "i386" | "i586" | "i686" | "x86" => Arch::X86,
            "x86_64" | "amd64" => Arch::X86_64,
            "aarch64" | "arm64" => Arch::Aarch64,
            "arm64ec" => Arch::Arm64ec,
            a if a.starts_with("thumbv7") || a.starts_with("armv7") => Arch::Arm,
            _ => return Err(format!("unknown architecture in target `{triple}`")),
        };
        if !triple.contains("windows") {
            return Err(format!(
                "`{triple}` is not a Windows target; ptrwidth checks code built for Windows (e.g. {DEFAULT_TRIPLE}, i686-pc-windows-msvc, aarch64-pc-windows-msvc)"
            ));
        }
        let pointer_width = arch.pointer_width();
        let env = triple
            .rsplit('-')
            .next()
            .filter(|e| ENVIRONMENTS.contains(e))
            .unwrap_or("")
            .to_string();
        Ok(Target {
            triple: triple.to_string(),
            arch,
            pointer_width,
            env,
        })
    }

    pub fn is_64bit(&self) -> bool {
        self.pointer_width == 64
    }
}

/// `build.target` from the nearest `.cargo/config.toml` (or legacy `.cargo/config`) at or above `start`.
pub fn cargo_config_targets(start: &Path) -> Result<Vec<String>, String> {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in start.ancestors() {
        for name in ["config.toml", "config"] {
            let config = dir.join(".cargo").join(name);
            if !config.exists() {
                continue;
            }
            let text = read_settings(&config, MAX_FILE_BYTES)?;
            let value: toml::Table = toml::from_str(&text)
                .map_err(|e| format!("{}: {}", config.display(), e.message()))?;
            let targets = match value.get("build").and_then(|b| b.get("target")) {
                Some(toml::Value::String(t)) => vec![t.clone()],
                Some(toml::Value::Array(items)) => items
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect(),
                _ => continue,
            };
            return Ok(targets);
        }
    }
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triples_map_to_machines() {
        let t = Target::parse("i686-pc-windows-msvc").unwrap();
        assert_eq!(
            (t.arch, t.pointer_width, t.env.as_str()),
            (Arch::X86, 32, "msvc")
        );
        let t = Target::parse("x86_64-pc-windows-gnu").unwrap();
        assert_eq!(
            (t.arch, t.pointer_width, t.env.as_str()),
            (Arch::X86_64, 64, "gnu")
        );
        assert_eq!(
            Target::parse("aarch64-pc-windows-msvc").unwrap().arch,
            Arch::Aarch64
        );
        assert_eq!(
            Target::parse("arm64ec-pc-windows-msvc")
                .unwrap()
                .pointer_width,
            64
        );
        assert_eq!(
            Target::parse("thumbv7a-pc-windows-msvc")
                .unwrap()
                .pointer_width,
            32
        );
        assert!(Target::parse("x86_64-unknown-linux-gnu").is_err());
        assert!(Target::parse("sparc-pc-windows").is_err());
    }

    #[test]
    fn cargo_config_build_target_is_found_above_the_path() {
        let dir = std::env::temp_dir().join(format!("ptrwidth-cfg-{}", std::process::id()));
        let nested = dir.join("crate/src");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::create_dir_all(dir.join(".cargo")).unwrap();
        std::fs::write(
            dir.join(".cargo/config.toml"),
            "[build]\ntarget = \"i686-pc-windows-msvc\"\n",
        )
        .unwrap();
        assert_eq!(
            cargo_config_targets(&nested).unwrap(),
            vec!["i686-pc-windows-msvc".to_string()]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
