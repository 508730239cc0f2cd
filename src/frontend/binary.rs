//! The binary front end: reads the PE/COFF headers of DLLs, executables, drivers and libraries
//! with the `object` crate and records the machines of the code they hold.
//!
//! A binary has no text to quote, so the text it shows in reports is one line describing its
//! headers; findings about the binary point at that line.

use object::LittleEndian as LE;
use object::pe::{self, ImageLoadConfigDirectory64, ImportObjectHeader};
use object::read::archive::ArchiveFile;
use object::read::coff::{CoffFile, CoffHeader};
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader, PeFile};
use object::{Object, ObjectSection};

use super::Lowered;
use crate::model::ir::{BinaryFormat, BinaryInfo, BinaryKind, FileIr};
use crate::model::machine::Machine;

pub fn lower(bytes: &[u8]) -> Result<Lowered, String> {
    let info = inspect(bytes)?;
    Ok(Lowered {
        text: text(&info),
        ir: FileIr {
            binary: Some(info),
            ..FileIr::default()
        },
        errors: Vec::new(),
    })
}

/// The one line a binary shows in reports.
pub fn text(info: &BinaryInfo) -> String {
    format!("{}\n", info.describe())
}

/// What the headers of a PE image, COFF object or COFF archive say; an error names what is
/// wrong with a file that is none of them, or a corrupt one.
pub fn inspect(bytes: &[u8]) -> Result<BinaryInfo, String> {
    const ARCHIVE: &[u8] = b"!<arch>\n";
    if bytes.is_empty() {
        return Err("empty file, not a Windows binary".into());
    }
    if bytes.starts_with(b"MZ") {
        return image(bytes);
    }
    if bytes.starts_with(ARCHIVE) {
        return archive(bytes);
    }
    if bytes.starts_with(b"!<thin>\n") {
        return Err("thin archive: its members live in other files".into());
    }
    if let Some(member) = coff_member(bytes).map_err(|e| format!("corrupt COFF object: {e}"))? {
        return Ok(BinaryInfo {
            format: BinaryFormat::Coff,
            kind: if member.import {
                BinaryKind::ImportLibrary
            } else {
                BinaryKind::Object
            },
            machines: vec![member.machine],
            maybe_hybrid: false,
        });
    }
    Err(not_windows(bytes))
}

fn not_windows(bytes: &[u8]) -> String {
    let what = if bytes.starts_with(b"\x7fELF") {
        "an ELF file"
    } else if matches!(
        bytes.get(..4),
        Some([0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe])
    ) {
        "a Mach-O file"
    } else if bytes
        .iter()
        .take(512)
        .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace())
    {
        "text"
    } else {
        "unknown data"
    };
    format!(
        "not a Windows binary: {what}, without the `MZ` signature of a PE image or the header of a COFF library"
    )
}

fn corrupt(what: &str, error: object::read::Error) -> String {
    let message = error.to_string();
    let mut chars = message.chars();
    let message = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => message,
    };
    format!("corrupt {what}: {message}")
}

fn image(bytes: &[u8]) -> Result<BinaryInfo, String> {
    let dos = pe::ImageDosHeader::parse(bytes).map_err(|e| corrupt("PE image", e))?;
    let magic = object::read::pe::optional_header_magic(bytes).map_err(|e| {
        let offset = dos.nt_headers_offset();
        if u64::from(offset) + 24 > bytes.len() as u64 {
            format!(
                "corrupt PE image: its PE header offset (e_lfanew = {offset:#x}) points past the end of the {}-byte file",
                bytes.len()
            )
        } else {
            corrupt("PE image", e)
        }
    })?;
    match magic {
        pe::IMAGE_NT_OPTIONAL_HDR32_MAGIC => image_of::<pe::ImageNtHeaders32>(bytes),
        pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC => image_of::<pe::ImageNtHeaders64>(bytes),
        other => Err(format!(
            "corrupt PE image: optional header magic is {other:#x}, neither PE32 (0x10b) nor PE32+ (0x20b)"
        )),
    }
}

fn image_of<Pe: ImageNtHeaders>(bytes: &[u8]) -> Result<BinaryInfo, String> {
    let file = PeFile::<Pe>::parse(bytes).map_err(|e| corrupt("PE image", e))?;
    let header = file.nt_headers().file_header();
    let mut machine = Machine::from_value(header.machine.get(LE).0);
    let mut maybe_hybrid = false;
    if matches!(machine, Machine::Amd64 | Machine::Arm64) {
        match has_chpe_metadata(&file, bytes) {
            Some(true) if machine == Machine::Amd64 => machine = Machine::Arm64ec,
            Some(true) => machine = Machine::Arm64x,
            Some(false) => {}
            None => maybe_hybrid = machine == Machine::Arm64,
        }
    }
    let kind = if header.characteristics.get(LE).contains(pe::IMAGE_FILE_DLL) {
        BinaryKind::Dll
    } else if file.nt_headers().optional_header().subsystem() == pe::IMAGE_SUBSYSTEM_NATIVE {
        BinaryKind::Driver
    } else {
        BinaryKind::Executable
    };
    Ok(BinaryInfo {
        format: if file.nt_headers().is_type_64() {
            BinaryFormat::Pe32Plus
        } else {
            BinaryFormat::Pe32
        },
        kind,
        machines: vec![machine],
        maybe_hybrid,
    })
}

/// Whether a 64-bit image carries CHPE metadata, which makes an x64 header ARM64EC and an
/// ARM64 header ARM64X; `None` when the load configuration cannot be read.
fn has_chpe_metadata<Pe: ImageNtHeaders>(file: &PeFile<Pe>, bytes: &[u8]) -> Option<bool> {
    if !file.nt_headers().is_type_64() {
        return Some(false);
    }
    let Some(directory) = file.data_directory(pe::IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG) else {
        return Some(false);
    };
    let config = directory.data(bytes, &file.section_table()).ok()?;
    let declared = u32::from_le_bytes(config.get(..4)?.try_into().ok()?) as usize;
    let offset = std::mem::offset_of!(ImageLoadConfigDirectory64, chpe_metadata_pointer);
    let end = offset + std::mem::size_of::<u64>();
    // Load configurations older than the field do not have it.
    if declared < end || config.len() < end {
        return Some(false);
    }
    let pointer = u64::from_le_bytes(config[offset..end].try_into().ok()?);
    Some(pointer != 0)
}

struct Member {
    machine: Machine,
    /// An import member: a short import object, or an object with `.idata$` sections (GNU).
    import: bool,
}

/// The machine of a COFF object or short import object; `None` when the bytes are neither.
fn coff_member(bytes: &[u8]) -> Result<Option<Member>, object::read::Error> {
    if bytes.starts_with(&[0, 0, 0xff, 0xff]) {
        let header = ImportObjectHeader::parse(bytes, &mut 0)?;
        return Ok(Some(Member {
            machine: Machine::from_value(header.machine.get(LE).0),
            import: true,
        }));
    }
    let Some(magic) = bytes.get(..2) else {
        return Ok(None);
    };
    let machine = Machine::from_value(u16::from_le_bytes([magic[0], magic[1]]));
    if matches!(machine, Machine::Other(_)) {
        return Ok(None);
    }
    pe::ImageFileHeader::parse(bytes, &mut 0)?;
    let file = CoffFile::<&[u8]>::parse(bytes)?;
    let import = file
        .sections()
        .any(|s| s.name().is_ok_and(|name| name.starts_with(".idata$")));
    Ok(Some(Member { machine, import }))
}

fn archive(bytes: &[u8]) -> Result<BinaryInfo, String> {
    let archive = ArchiveFile::parse(bytes).map_err(|e| corrupt("archive", e))?;
    let mut machines = Vec::new();
    let mut all_import = true;
    let mut members = 0;
    for member in archive.members() {
        let member = member.map_err(|e| corrupt("archive", e))?;
        members += 1;
        let data = member.data(bytes).map_err(|e| corrupt("archive", e))?;
        let name = String::from_utf8_lossy(member.name());
        let Some(coff) = coff_member(data)
            .map_err(|e| format!("{} (member `{name}`)", corrupt("library", e)))?
        else {
            continue;
        };
        all_import &= coff.import;
        if !machines.contains(&coff.machine) {
            machines.push(coff.machine);
        }
    }
    if members == 0 {
        return Err("empty or truncated archive: no member could be read".into());
    }
    if machines.is_empty() {
        return Err("not a Windows library: the archive holds no COFF objects".into());
    }
    machines.sort();
    Ok(BinaryInfo {
        format: BinaryFormat::Archive,
        kind: if all_import {
            BinaryKind::ImportLibrary
        } else {
            BinaryKind::StaticLibrary
        },
        machines,
        maybe_hybrid: false,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
    }

    const X86_DLL: &str = "fixtures/cross-bitness-load/bad_vendored_32bit_dll/vendor/scanner.dll";
    const X64_LIB: &str =
        "fixtures/cross-bitness-link/good_build_rs_per_target/lib/x64/scanner.lib";

    #[test]
    fn reads_machines_formats_and_kinds() {
        let dll = inspect(&fixture(X86_DLL)).unwrap();
        assert_eq!(
            (dll.format, dll.kind, dll.machines.as_slice()),
            (BinaryFormat::Pe32, BinaryKind::Dll, &[Machine::I386][..])
        );
        let lib = inspect(&fixture(X64_LIB)).unwrap();
        assert_eq!(
            (lib.format, lib.kind, lib.machines.as_slice()),
            (
                BinaryFormat::Archive,
                BinaryKind::ImportLibrary,
                &[Machine::Amd64][..]
            )
        );
    }

    #[test]
    fn names_what_is_wrong_with_files_that_are_not_binaries() {
        let error = |bytes: &[u8]| inspect(bytes).unwrap_err();
        assert!(error(b"").contains("empty file"));
        assert!(error(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0").contains("an ELF file"));
        assert!(error(b"hello, world\n").contains("text"));
        assert!(error(b"!<thin>\n").contains("thin archive"));
        let mut bad_offset = b"MZ".to_vec();
        bad_offset.resize(64, 0);
        bad_offset[60..64].copy_from_slice(&0x1000u32.to_le_bytes());
        assert!(error(&bad_offset).contains("e_lfanew = 0x1000"));
    }

    /// Every prefix of a real DLL and import library is an answer or an error, never a panic.
    #[test]
    fn truncated_binaries_never_panic() {
        for path in [X86_DLL, X64_LIB] {
            let bytes = fixture(path);
            for end in 0..bytes.len() {
                let _ = inspect(&bytes[..end]);
            }
        }
    }
}
