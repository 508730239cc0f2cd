//! Whether every [`Span`](crate::source::Span) in a value lies in a text, found by serializing the value into a
//! serializer that keeps nothing but looks at each `Span` it passes. Every part of the IR is
//! serializable (the cache stores it so), so no span is missed however the IR grows.

use std::fmt;

use serde::Serialize;
use serde::ser;

/// Whether every span in `value` is a range of `text` that starts and ends on a character.
pub fn fit(value: &impl Serialize, text: &str) -> bool {
    let mut walker = Walker { text, number: 0 };
    value.serialize(&mut walker).is_ok()
}

/// The name `#[derive(Serialize)]` gives [`Span`](crate::source::Span)'s struct (a test holds it to that).
const SPAN: &str = "Span";

/// Why a walk stopped: a span that does not fit.
#[derive(Debug)]
struct Misfit;

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a span lies outside the text")
    }
}

impl std::error::Error for Misfit {}

impl ser::Error for Misfit {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Misfit
    }
}

struct Walker<'t> {
    text: &'t str,
    /// The last unsigned integer serialized: a span's field, when inside a span.
    number: u64,
}

/// A struct being walked; for a span, its bounds as they are passed.
struct Fields<'w, 't> {
    walker: &'w mut Walker<'t>,
    is_span: bool,
    start: Option<u64>,
    end: Option<u64>,
}

impl ser::SerializeStruct for Fields<'_, '_> {
    type Ok = ();
    type Error = Misfit;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Misfit> {
        value.serialize(&mut *self.walker)?;
        if self.is_span {
            match key {
                "start" => self.start = Some(self.walker.number),
                "end" => self.end = Some(self.walker.number),
                _ => {}
            }
        }
        Ok(())
    }

    fn end(self) -> Result<(), Misfit> {
        if !self.is_span {
            return Ok(());
        }
        let bound = |n: Option<u64>| n.and_then(|n| usize::try_from(n).ok());
        match (bound(self.start), bound(self.end)) {
            (Some(start), Some(end)) if self.walker.text.get(start..end).is_some() => Ok(()),
            _ => Err(Misfit),
        }
    }
}

/// Serializer methods for values that hold no span: nothing to look at.
macro_rules! nothing_to_check {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, _: $ty) -> Result<(), Misfit> {
            Ok(())
        })*
    };
}

impl<'w, 't> ser::Serializer for &'w mut Walker<'t> {
    type Ok = ();
    type Error = Misfit;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Fields<'w, 't>;
    type SerializeStructVariant = Self;

    nothing_to_check! {
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_f32: f32, serialize_f64: f64,
        serialize_char: char, serialize_str: &str, serialize_bytes: &[u8],
    }
    fn serialize_u8(self, v: u8) -> Result<(), Misfit> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Misfit> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Misfit> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Misfit> {
        self.number = v;
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Misfit> {
        self.number = u64::try_from(v).unwrap_or(u64::MAX);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Misfit> {
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Misfit> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Misfit> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Misfit> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Misfit> {
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Misfit> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), Misfit> {
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Misfit> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Misfit> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Misfit> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Misfit> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Misfit> {
        Ok(self)
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Fields<'w, 't>, Misfit> {
        Ok(Fields {
            walker: self,
            is_span: name == SPAN,
            start: None,
            end: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Misfit> {
        Ok(self)
    }
    fn is_human_readable(&self) -> bool {
        false
    }
}

/// The compound values other than structs: each element is walked in turn.
macro_rules! walk_elements {
    ($($trait:ident :: $method:ident $(($key:ty))?;)*) => {$(
        impl ser::$trait for &mut Walker<'_> {
            type Ok = ();
            type Error = Misfit;
            fn $method<T: ?Sized + Serialize>(
                &mut self,
                $(_: $key,)?
                value: &T,
            ) -> Result<(), Misfit> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Misfit> {
                Ok(())
            }
        }
    )*};
}

walk_elements! {
    SerializeSeq::serialize_element;
    SerializeTuple::serialize_element;
    SerializeTupleStruct::serialize_field;
    SerializeTupleVariant::serialize_field;
    SerializeStructVariant::serialize_field(&'static str);
}

impl ser::SerializeMap for &mut Walker<'_> {
    type Ok = ();
    type Error = Misfit;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Misfit> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Misfit> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Misfit> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn every_span_is_checked_wherever_it_lies() {
        let text = "é = 1;";
        assert!(fit(&Span::new(0, 2), text));
        assert!(fit(&Span::new(text.len(), text.len()), text));
        let nested = (
            vec![Some(Span::new(0, 2))],
            Some(vec![(Span::new(2, 4), "x")]),
        );
        assert!(fit(&nested, text));
        for misfit in [
            Span::new(0, text.len() + 1),
            Span::new(1, 2),
            Span::new(3, 2),
            Span::new(usize::MAX, usize::MAX),
        ] {
            assert!(!fit(&misfit, text), "{misfit:?}");
            let nested = (vec![Some(Span::new(0, 2))], Some(vec![(misfit, "x")]));
            assert!(!fit(&nested, text), "{misfit:?} in {nested:?}");
        }
    }

    /// A registry call waiting for constants keeps its text's characters with their spans.
    #[test]
    fn the_spans_of_recorded_text_are_checked() {
        use crate::model::text::MappedText;
        let text = "é = 1;";
        let mut key = MappedText::written("=", 3);
        key.append(MappedText::named("VENDOR"));
        assert!(fit(&key, text));
        key.append(MappedText::written("1", 1));
        assert!(!fit(&key, text));
    }

    /// A library load keeps its name's characters with their spans: one that does not fit is
    /// found inside the file's IR, as are those of a text constant.
    #[test]
    fn the_spans_of_load_names_and_text_constants_are_checked() {
        use crate::model::cfg::Cond;
        use crate::model::ir::{FileIr, LoadSite, TextConst};
        use crate::model::text::MappedText;
        let text = "é = 1;";
        let load = |name: MappedText| {
            let mut ir = FileIr::default();
            ir.loads.push(LoadSite {
                body: 0,
                api: "LoadLibraryW".into(),
                name,
                name_span: Span::new(3, 4),
                flags: Vec::new(),
                span: Span::new(0, text.len()),
                cond: Cond::TRUE,
            });
            ir
        };
        assert!(fit(&load(MappedText::written("=", 3)), text));
        assert!(!fit(&load(MappedText::written("=", 1)), text));
        let mut ir = FileIr::default();
        ir.text_consts.push(TextConst {
            name: "PLUGIN".into(),
            value: MappedText::written("1;", text.len() - 1),
            cond: Cond::TRUE,
        });
        assert!(!fit(&ir, text));
    }
}
