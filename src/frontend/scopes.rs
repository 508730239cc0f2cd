//! The names of a function body's locals, block by block: what both code front ends resolve a
//! name in a body against.

use rustc_hash::FxHashMap as HashMap;

use crate::model::ir::{Body, Local, LocalId, TypeRef, Value};

/// Nested blocks of one body; a fresh one has the body's own block open.
pub struct Scopes(Vec<HashMap<String, LocalId>>);

impl Default for Scopes {
    fn default() -> Self {
        Scopes(vec![HashMap::default()])
    }
}

impl Scopes {
    /// Enters a block.
    pub fn open(&mut self) {
        self.0.push(HashMap::default());
    }

    /// Leaves the innermost block; the body's own block stays.
    pub fn close(&mut self) {
        if self.0.len() > 1 {
            self.0.pop();
        }
    }

    /// Adds a local to `body` with its first value and names it in the innermost block.
    pub fn bind(
        &mut self,
        body: &mut Body,
        name: String,
        ty: Option<TypeRef>,
        value: Value,
    ) -> LocalId {
        let id = body.locals.len();
        body.locals.push(Local {
            name: name.clone(),
            ty,
            values: vec![value],
        });
        if let Some(block) = self.0.last_mut() {
            block.insert(name, id);
        }
        id
    }

    /// The local a name stands for, from the innermost block out.
    pub fn lookup(&self, name: &str) -> Option<LocalId> {
        self.0
            .iter()
            .rev()
            .find_map(|block| block.get(name).copied())
    }
}
