//! The `metadata_props` of an ONNX file, read straight from its protobuf, so that a process that
//! runs no analysis (`serve --api-only`) can list the models without loading ONNX Runtime.
//! `ModelProto` keeps them in field 14, each a `StringStringEntryProto { key = 1, value = 2 }`;
//! every other field (the weights among them) is skipped, not read.

use std::collections::HashMap;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("not an ONNX model: {what}"),
    )
}

/// A protobuf varint; `None` at a clean end of the input.
fn varint(r: &mut impl Read) -> std::io::Result<Option<u64>> {
    let mut value = 0u64;
    for i in 0..10 {
        let mut b = [0u8; 1];
        if r.read(&mut b)? == 0 {
            return if i == 0 {
                Ok(None)
            } else {
                Err(bad("cut-off varint"))
            };
        }
        value |= u64::from(b[0] & 0x7f) << (7 * i);
        if b[0] & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Err(bad("varint too long"))
}

/// Longest metadata entry read; a model's whole metadata is a few hundred bytes.
const MAX_ENTRY: u64 = 1 << 20;

pub fn read_metadata(path: &Path) -> std::io::Result<HashMap<String, String>> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut r = BufReader::new(file);
    let mut props = HashMap::new();
    while let Some(key) = varint(&mut r)? {
        let (field, wire) = (key >> 3, key & 7);
        let skip = match wire {
            0 => {
                varint(&mut r)?.ok_or_else(|| bad("cut-off field"))?;
                0
            }
            1 => 8,
            5 => 4,
            2 => {
                let len = varint(&mut r)?.ok_or_else(|| bad("cut-off length"))?;
                if field == 14 {
                    if len > MAX_ENTRY {
                        return Err(bad("metadata entry too long"));
                    }
                    let mut entry = vec![0u8; len as usize];
                    r.read_exact(&mut entry)?;
                    let (k, v) = entry_of(&entry)?;
                    props.insert(k, v);
                    0
                } else {
                    len
                }
            }
            _ => return Err(bad("unknown wire type")),
        };
        let skip = i64::try_from(skip).map_err(|_| bad("field too long"))?;
        r.seek_relative(skip)?;
    }
    // A skip can run past the end without an error: a cut-off file shows here.
    if r.stream_position()? > size {
        return Err(bad("the file is cut off"));
    }
    Ok(props)
}

fn entry_of(mut bytes: &[u8]) -> std::io::Result<(String, String)> {
    let (mut key, mut value) = (String::new(), String::new());
    while let Some(tag) = varint(&mut bytes)? {
        if tag & 7 != 2 {
            return Err(bad("metadata entry with a non-string field"));
        }
        let len = varint(&mut bytes)?.ok_or_else(|| bad("cut-off entry"))? as usize;
        if len > bytes.len() {
            return Err(bad("cut-off entry"));
        }
        let text = String::from_utf8_lossy(&bytes[..len]).into_owned();
        bytes = &bytes[len..];
        match tag >> 3 {
            1 => key = text,
            2 => value = text,
            _ => {}
        }
    }
    Ok((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made ModelProto: ir_version (varint), a graph (skipped), two metadata entries.
    #[test]
    fn metadata_is_read_and_everything_else_skipped() {
        let entry = |k: &str, v: &str| {
            let mut e = vec![0x0a, k.len() as u8];
            e.extend_from_slice(k.as_bytes());
            e.extend_from_slice(&[0x12, v.len() as u8]);
            e.extend_from_slice(v.as_bytes());
            e
        };
        let mut model = vec![0x08, 0x07]; // ir_version = 7
        model.extend_from_slice(&[0x3a, 0x03, 1, 2, 3]); // graph: 3 opaque bytes
        for (k, v) in [("labels", "angry,happy"), ("arch", "emonet")] {
            let e = entry(k, v);
            model.extend_from_slice(&[0x72, e.len() as u8]); // field 14, length-delimited
            model.extend_from_slice(&e);
        }
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("m.onnx");
        std::fs::write(&path, &model).expect("write");
        let meta = read_metadata(&path).expect("read");
        assert_eq!(meta.get("labels").map(String::as_str), Some("angry,happy"));
        assert_eq!(meta.get("arch").map(String::as_str), Some("emonet"));

        std::fs::write(&path, &model[..model.len() - 3]).expect("write");
        assert!(read_metadata(&path).is_err(), "a cut-off file is refused");
    }
}
