//! Registry sources: `.reg` scripts, ATL registrar scripts and WiX installer sources, each
//! lowered to the registry entries it writes (root, key path, value, view), the same facts the
//! code front ends emit for registry API calls.

pub mod api;
mod regedit;
mod registrar;
pub mod text;
mod wix;

use crate::discover::RegistryFormat;
use crate::model::ir::FileIr;

/// Decodes a registry source and lowers it; the text is what spans index into.
pub fn lower(format: RegistryFormat, bytes: Vec<u8>) -> Result<(String, FileIr), String> {
    let text = text::decode(bytes)?;
    let ir = match format {
        RegistryFormat::RegEdit => regedit::lower(&text)?,
        RegistryFormat::Registrar => registrar::lower(&text)?,
        RegistryFormat::Wix => wix::lower(&text)?,
    };
    Ok((text, ir))
}
