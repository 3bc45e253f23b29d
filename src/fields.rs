//! The field names of a struct as serde reads them, so that a list of accepted names (an
//! upload's options, the configuration's settings) is the struct's own and cannot drift from it.

use serde::Deserialize;

/// The field names of a struct that derives `Deserialize`, as serde reads them: a deserializer
/// that only records what `deserialize_struct` is told.
pub fn names<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Deserializer, Visitor};
    struct Names<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("names only"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Names(&mut names));
    names
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Two {
        first: u8,
        #[serde(rename = "second_one")]
        second: String,
    }

    #[test]
    fn names_are_serdes() {
        assert_eq!(super::names::<Two>(), ["first", "second_one"]);
    }
}
