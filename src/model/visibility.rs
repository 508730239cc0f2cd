//! Which files a C or C++ file sees: the headers its translation units read, and for a header
//! whatever the units that read it read. A declaration is only visible where a compiler would
//! see it, so a header of another platform or a template nobody includes changes nothing.

/// The files each translation unit of the run reads, and the units that read each file.
#[derive(Default)]
pub struct Visibility {
    /// By file index: the units that read the file; empty for a file in no unit (Rust, MIDL,
    /// or a run without units), which sees every file.
    units_of: Vec<Vec<u32>>,
    /// By unit: the files it reads.
    files_of: Vec<Vec<u32>>,
    /// The files in no unit, which every file sees: MIDL (its generated headers are not in
    /// the tree, the `.idl` stands for them), Rust, and what no unit read.
    outside: FileSet,
}

impl Visibility {
    /// `units[u]` lists the indexes of the files unit `u` reads, of a run of `files` files.
    pub fn new(units: Vec<Vec<u32>>, files: usize) -> Self {
        let mut units_of = vec![Vec::new(); files];
        for (unit, members) in units.iter().enumerate() {
            let Ok(unit) = u32::try_from(unit) else {
                break;
            };
            for &file in members {
                if let Some(of) = units_of.get_mut(file as usize) {
                    of.push(unit);
                }
            }
        }
        let mut outside = FileSet(vec![0; files.div_ceil(64)]);
        for (file, of) in units_of.iter().enumerate() {
            if of.is_empty() {
                outside.insert(file as u32);
            }
        }
        Visibility {
            units_of,
            files_of: units,
            outside,
        }
    }

    /// The files the file with this index sees, or `None` when it sees every file.
    pub fn seen_from(&self, file: usize) -> Option<FileSet> {
        let units = self.units_of.get(file).filter(|units| !units.is_empty())?;
        let mut set = FileSet(self.outside.0.clone());
        for &unit in units {
            for &member in self.files_of.get(unit as usize).into_iter().flatten() {
                set.insert(member);
            }
        }
        Some(set)
    }
}

/// A set of file indexes.
#[derive(Default, Hash)]
pub struct FileSet(Vec<u64>);

impl FileSet {
    fn insert(&mut self, file: u32) {
        if let Some(word) = self.0.get_mut(file as usize / 64) {
            *word |= 1 << (file % 64);
        }
    }

    pub fn contains(&self, file: u32) -> bool {
        self.0
            .get(file as usize / 64)
            .is_some_and(|word| word & (1 << (file % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_sees_what_the_units_that_read_it_read() {
        // Unit 0: a.c reads x.h and y.h; unit 1: b.c reads y.h; unit 2: z.h alone.
        let (a, b, x, y, z, rust) = (0, 1, 2, 3, 4, 5);
        let visibility = Visibility::new(vec![vec![a, x, y], vec![b, y], vec![z]], 6);
        let from_b = visibility.seen_from(b as usize).unwrap();
        assert!(from_b.contains(y) && from_b.contains(b));
        assert!(!from_b.contains(x) && !from_b.contains(a) && !from_b.contains(z));
        let from_y = visibility.seen_from(y as usize).unwrap();
        assert!([a, b, x, y].iter().all(|&f| from_y.contains(f)));
        assert!(!from_y.contains(z));
        assert!(
            from_b.contains(rust),
            "a file in no unit is seen from every unit"
        );
        assert!(visibility.seen_from(rust as usize).is_none());
        assert!(!from_b.contains(1000));
    }
}
