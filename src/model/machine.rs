//! Machines of Windows binaries (the PE/COFF `Machine` field) and which processes can use them.
//!
//! Facts: a process loads only images of its own machine, with the ARM hybrids as exceptions.
//! An ARM64EC image (x64 header with CHPE metadata) and a plain x64 image load into x64 and
//! ARM64EC processes; an ARM64X image (ARM64 header with CHPE metadata) loads into ARM64, x64
//! and ARM64EC processes; classic ARM64 code does not mix with x64 or ARM64EC code.

use super::ir::{BinaryFormat, BinaryInfo, BinaryKind};
use crate::source::Span;
use crate::target::Arch;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Machine {
    I386,
    Amd64,
    Arm64,
    Arm64ec,
    Arm64x,
    ArmNt,
    /// Any other `Machine` value (Itanium, MIPS, `IMAGE_FILE_MACHINE_UNKNOWN` of `/GL` objects, ...).
    Other(u16),
}

impl Machine {
    pub fn from_value(value: u16) -> Machine {
        match value {
            0x014c => Machine::I386,
            0x8664 => Machine::Amd64,
            0xaa64 => Machine::Arm64,
            0xa641 => Machine::Arm64ec,
            0xa64e => Machine::Arm64x,
            0x01c4 => Machine::ArmNt,
            other => Machine::Other(other),
        }
    }

    pub fn value(self) -> u16 {
        match self {
            Machine::I386 => 0x014c,
            Machine::Amd64 => 0x8664,
            Machine::Arm64 => 0xaa64,
            Machine::Arm64ec => 0xa641,
            Machine::Arm64x => 0xa64e,
            Machine::ArmNt => 0x01c4,
            Machine::Other(value) => value,
        }
    }

    /// The `IMAGE_FILE_MACHINE_` suffix: `I386`, `AMD64`, ...
    pub fn name(self) -> String {
        match self {
            Machine::I386 => "I386".into(),
            Machine::Amd64 => "AMD64".into(),
            Machine::Arm64 => "ARM64".into(),
            Machine::Arm64ec => "ARM64EC".into(),
            Machine::Arm64x => "ARM64X".into(),
            Machine::ArmNt => "ARMNT".into(),
            Machine::Other(value) => format!("{value:#x}"),
        }
    }

    /// How people name the architecture: `x86`, `x64`, `ARM64`, ...
    pub fn arch_name(self) -> &'static str {
        match self {
            Machine::I386 => "x86",
            Machine::Amd64 => "x64",
            Machine::Arm64 => "ARM64",
            Machine::Arm64ec => "ARM64EC",
            Machine::Arm64x => "ARM64X",
            Machine::ArmNt => "ARM32",
            Machine::Other(_) => "unknown architecture",
        }
    }

    /// The pointer width of code for this machine; `None` when unknown.
    pub fn bits(self) -> Option<u32> {
        match self {
            Machine::I386 | Machine::ArmNt => Some(32),
            Machine::Amd64 | Machine::Arm64 | Machine::Arm64ec | Machine::Arm64x => Some(64),
            Machine::Other(_) => None,
        }
    }

    /// Whether a process built for `arch` can load (or link against) code for this machine;
    /// `None` when the machine is unknown.
    pub fn usable_by(self, arch: Arch) -> Option<bool> {
        Some(match self {
            Machine::I386 => arch == Arch::X86,
            Machine::Amd64 | Machine::Arm64ec => matches!(arch, Arch::X86_64 | Arch::Arm64ec),
            Machine::Arm64 => arch == Arch::Aarch64,
            Machine::Arm64x => matches!(arch, Arch::Aarch64 | Arch::X86_64 | Arch::Arm64ec),
            Machine::ArmNt => arch == Arch::Arm,
            Machine::Other(_) => return None,
        })
    }
}

impl BinaryInfo {
    /// Whether a process (or link) for `arch` can use this binary: a library is usable when
    /// any of its machines is; `None` when the headers cannot tell.
    pub fn usable_by(&self, arch: Arch) -> Option<bool> {
        let mut verdict = Some(false);
        for machine in &self.machines {
            let usable = match machine {
                Machine::Arm64
                    if self.maybe_hybrid && matches!(arch, Arch::X86_64 | Arch::Arm64ec) =>
                {
                    None
                }
                _ => machine.usable_by(arch),
            };
            match usable {
                Some(true) => return Some(true),
                None => verdict = None,
                Some(false) => {}
            }
        }
        if self.machines.is_empty() {
            return None;
        }
        verdict
    }

    /// "x86", "x64", "x86 and x64".
    pub fn arch_names(&self) -> String {
        let names: Vec<&str> = self.machines.iter().map(|m| m.arch_name()).collect();
        match names.as_slice() {
            [] => "no code".to_string(),
            [one] => (*one).to_string(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }

    /// The pointer width of its code, when all of it has one.
    pub fn bits(&self) -> Option<u32> {
        let first = self.machines.first()?.bits()?;
        self.machines
            .iter()
            .all(|m| m.bits() == Some(first))
            .then_some(first)
    }

    /// Where findings about the binary point: its start. The text it shows in reports is
    /// this description, but offsets into the file must not claim any of its bytes.
    pub fn description_span(&self) -> Span {
        Span::new(0, 0)
    }

    /// The `Machine` value in the file's header for code of this machine: a PE image marks
    /// ARM64EC with the x64 value and ARM64X with the ARM64 value, plus CHPE metadata.
    pub fn header_value(&self, machine: Machine) -> u16 {
        let image = matches!(self.format, BinaryFormat::Pe32 | BinaryFormat::Pe32Plus);
        match machine {
            Machine::Arm64ec if image => Machine::Amd64.value(),
            Machine::Arm64x if image => Machine::Arm64.value(),
            other => other.value(),
        }
    }

    /// "32-bit x86 DLL", without the header details.
    pub fn summary(&self) -> String {
        let bits = self.bits().map_or(String::new(), |b| format!("{b}-bit "));
        format!("{bits}{} {}", self.arch_names(), self.kind.noun())
    }

    /// One line for people: "32-bit x86 DLL (PE32, machine I386 0x14c)".
    pub fn describe(&self) -> String {
        let bits = self.bits().map_or(String::new(), |b| format!("{b}-bit "));
        let format = match self.format {
            BinaryFormat::Pe32 => "PE32",
            BinaryFormat::Pe32Plus => "PE32+",
            BinaryFormat::Coff => "COFF",
            BinaryFormat::Archive => "COFF archive",
        };
        let machines: Vec<String> = self
            .machines
            .iter()
            .map(|&m| {
                let header = Machine::from_value(self.header_value(m));
                let mut text = format!("{} {:#x}", header.name(), header.value());
                if header != m {
                    text.push_str(" with CHPE metadata");
                }
                text
            })
            .collect();
        let machine_word = if machines.len() == 1 {
            "machine"
        } else {
            "machines"
        };
        let mut line = format!(
            "{bits}{} {} ({format}, {machine_word} {}",
            self.arch_names(),
            self.kind.noun(),
            if machines.is_empty() {
                "none".to_string()
            } else {
                machines.join(", ")
            }
        );
        if self.maybe_hybrid {
            line.push_str("; its load configuration is unreadable, so it may be ARM64X");
        }
        line.push(')');
        line
    }
}

impl BinaryKind {
    pub fn noun(self) -> &'static str {
        match self {
            BinaryKind::Dll => "DLL",
            BinaryKind::Executable => "executable",
            BinaryKind::Driver => "driver",
            BinaryKind::ImportLibrary => "import library",
            BinaryKind::StaticLibrary => "static library",
            BinaryKind::Object => "object file",
        }
    }
}

/// How people name the machine a target builds for.
pub fn arch_label(arch: Arch) -> &'static str {
    match arch {
        Arch::X86 => "x86",
        Arch::X86_64 => "x64",
        Arch::Aarch64 => "ARM64",
        Arch::Arm64ec => "ARM64EC",
        Arch::Arm => "ARM32",
    }
}

/// The architecture a folder name announces (`x64/`, `win32/`, `arm64/`), if any.
pub fn folder_arch(name: &str) -> Option<Arch> {
    Some(match name.to_ascii_lowercase().as_str() {
        "x64" | "amd64" | "win64" | "x86_64" | "x86-64" => Arch::X86_64,
        "x86" | "win32" | "i686" | "i386" | "i586" => Arch::X86,
        "arm64" | "aarch64" => Arch::Aarch64,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        for value in [0x14c, 0x8664, 0xaa64, 0xa641, 0xa64e, 0x1c4, 0x200] {
            assert_eq!(Machine::from_value(value).value(), value);
        }
    }

    #[test]
    fn hybrids_load_across_x64_and_arm64ec() {
        assert_eq!(Machine::I386.usable_by(Arch::X86_64), Some(false));
        assert_eq!(Machine::Amd64.usable_by(Arch::X86), Some(false));
        assert_eq!(Machine::Amd64.usable_by(Arch::Arm64ec), Some(true));
        assert_eq!(Machine::Arm64ec.usable_by(Arch::X86_64), Some(true));
        assert_eq!(Machine::Arm64ec.usable_by(Arch::Aarch64), Some(false));
        assert_eq!(Machine::Arm64.usable_by(Arch::X86_64), Some(false));
        assert_eq!(Machine::Arm64x.usable_by(Arch::X86_64), Some(true));
        assert_eq!(Machine::Arm64x.usable_by(Arch::Aarch64), Some(true));
        assert_eq!(Machine::Arm64x.usable_by(Arch::X86), Some(false));
        assert_eq!(Machine::Other(0x200).usable_by(Arch::X86), None);
    }

    fn image(machines: Vec<Machine>, maybe_hybrid: bool) -> BinaryInfo {
        BinaryInfo {
            format: BinaryFormat::Pe32Plus,
            kind: BinaryKind::Dll,
            machines,
            maybe_hybrid,
        }
    }

    #[test]
    fn an_arm64_image_that_may_be_arm64x_is_not_judged_for_x64() {
        let unsure = image(vec![Machine::Arm64], true);
        assert_eq!(unsure.usable_by(Arch::X86_64), None);
        assert_eq!(unsure.usable_by(Arch::Arm64ec), None);
        assert_eq!(unsure.usable_by(Arch::Aarch64), Some(true));
        assert_eq!(unsure.usable_by(Arch::X86), Some(false));
        assert_eq!(
            image(vec![Machine::Arm64], false).usable_by(Arch::X86_64),
            Some(false)
        );
    }

    #[test]
    fn a_library_is_usable_when_any_of_its_machines_is() {
        let arm64x_lib = BinaryInfo {
            format: BinaryFormat::Archive,
            kind: BinaryKind::ImportLibrary,
            machines: vec![Machine::Arm64, Machine::Arm64ec],
            maybe_hybrid: false,
        };
        assert_eq!(arm64x_lib.usable_by(Arch::Aarch64), Some(true));
        assert_eq!(arm64x_lib.usable_by(Arch::Arm64ec), Some(true));
        assert_eq!(arm64x_lib.usable_by(Arch::X86), Some(false));
        assert_eq!(arm64x_lib.header_value(Machine::Arm64ec), 0xa641);
        let ec_image = image(vec![Machine::Arm64ec], false);
        assert_eq!(ec_image.header_value(Machine::Arm64ec), 0x8664);
        assert!(
            ec_image
                .describe()
                .contains("AMD64 0x8664 with CHPE metadata")
        );
    }
}
