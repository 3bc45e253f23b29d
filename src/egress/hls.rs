//! HLS playlists (RFC 8216), read here rather than by FFmpeg so that every playlist, variant
//! and segment is fetched through the egress path. Only what reading a stream needs: a master
//! playlist's variants, a media playlist's segments, its initialisation section and whether it
//! has ended. Encrypted and byte-range playlists are refused: their keys and ranges would be
//! more requests to check, and live cameras seldom use them.

/// What a playlist lists.
#[derive(Debug, PartialEq)]
pub enum Playlist {
    /// Variants of one stream (their URIs as written, relative or not).
    Master(Vec<Variant>),
    Media(Media),
}

#[derive(Debug, PartialEq)]
pub struct Variant {
    pub bandwidth: u64,
    pub uri: String,
}

#[derive(Debug, PartialEq, Default)]
pub struct Media {
    /// `EXT-X-TARGETDURATION`: the longest segment, in seconds.
    pub target_secs: f64,
    /// `EXT-X-MEDIA-SEQUENCE`: the number of the first segment listed.
    pub first_sequence: u64,
    pub segments: Vec<String>,
    /// `EXT-X-MAP`: the initialisation section that fragmented-MP4 segments need first.
    pub map: Option<String>,
    /// `EXT-X-ENDLIST`: no segment will be added.
    pub ended: bool,
}

/// Parses a playlist; says why it cannot be read.
pub fn parse(text: &str) -> Result<Playlist, String> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next() != Some("#EXTM3U") {
        return Err("not an HLS playlist (no #EXTM3U)".into());
    }
    let mut variants = Vec::new();
    let mut media = Media::default();
    let mut bandwidth = None;
    let mut is_media = false;
    for line in lines {
        let Some(tag) = line.strip_prefix('#') else {
            match bandwidth.take() {
                Some(bandwidth) => variants.push(Variant {
                    bandwidth,
                    uri: line.to_string(),
                }),
                None => media.segments.push(line.to_string()),
            }
            continue;
        };
        let (name, value) = tag.split_once(':').unwrap_or((tag, ""));
        match name {
            "EXT-X-STREAM-INF" => {
                let value = attribute(value, "BANDWIDTH").and_then(|b| b.parse().ok());
                bandwidth = Some(value.unwrap_or(0));
            }
            "EXT-X-TARGETDURATION" => {
                is_media = true;
                media.target_secs = value.parse().map_err(|_| "a bad EXT-X-TARGETDURATION")?;
            }
            "EXT-X-MEDIA-SEQUENCE" => {
                media.first_sequence = value.parse().map_err(|_| "a bad EXT-X-MEDIA-SEQUENCE")?;
            }
            "EXTINF" => is_media = true,
            "EXT-X-ENDLIST" => media.ended = true,
            "EXT-X-MAP" => {
                if attribute(value, "BYTERANGE").is_some() {
                    return Err("byte-range HLS playlists are not supported".into());
                }
                media.map = Some(attribute(value, "URI").ok_or("an EXT-X-MAP without a URI")?);
            }
            "EXT-X-KEY" if attribute(value, "METHOD").as_deref() != Some("NONE") => {
                return Err("encrypted HLS streams (EXT-X-KEY) are not supported".into());
            }
            "EXT-X-BYTERANGE" => {
                return Err("byte-range HLS playlists are not supported".into());
            }
            _ => {}
        }
    }
    match (variants.is_empty(), is_media) {
        (false, false) => Ok(Playlist::Master(variants)),
        (true, true) => Ok(Playlist::Media(media)),
        (true, false) => Err("the playlist lists nothing".into()),
        (false, true) => Err("the playlist mixes variants and segments".into()),
    }
}

/// The variant to read: the highest bandwidth, as a player on a good line would pick.
pub fn best(variants: &[Variant]) -> Option<&Variant> {
    variants.iter().max_by_key(|v| v.bandwidth)
}

/// An attribute's value from a tag's `NAME=value,NAME="quoted, value"` list.
fn attribute(list: &str, name: &str) -> Option<String> {
    let mut rest = list;
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let (value, next) = quoted.split_once('"')?;
                (value, next.strip_prefix(',').unwrap_or(next))
            }
            None => after.split_once(',').unwrap_or((after, "")),
        };
        if key.trim() == name {
            return Some(value.to_string());
        }
        rest = next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_master_playlist_lists_its_variants_and_the_best_is_chosen() {
        let text = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\"\nlow/index.m3u8\n#EXT-X-STREAM-INF:RESOLUTION=1280x720,BANDWIDTH=2500000\nhttps://cdn.example/high.m3u8\n";
        let Ok(Playlist::Master(variants)) = parse(text) else {
            panic!("a master playlist");
        };
        assert_eq!(variants.len(), 2);
        assert_eq!(
            best(&variants).map(|v| v.uri.as_str()),
            Some("https://cdn.example/high.m3u8")
        );
    }

    #[test]
    fn a_media_playlist_lists_its_segments_map_and_end() {
        let text = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2.0,\nseg41.m4s\n#EXTINF:2.0,\nseg42.m4s\n#EXT-X-ENDLIST\n";
        let want = Media {
            target_secs: 2.0,
            first_sequence: 41,
            segments: vec!["seg41.m4s".into(), "seg42.m4s".into()],
            map: Some("init.mp4".into()),
            ended: true,
        };
        assert_eq!(parse(text), Ok(Playlist::Media(want)));
    }

    #[test]
    fn encrypted_byte_range_and_other_files_are_refused() {
        let key = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"http://10.0.0.1/key\"\n#EXTINF:2,\na.ts\n";
        assert!(parse(key).is_err_and(|e| e.contains("encrypted")));
        let clear = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=NONE\n#EXTINF:2,\na.ts\n";
        assert!(parse(clear).is_ok());
        let range = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n#EXT-X-BYTERANGE:100@0\na.ts\n";
        assert!(parse(range).is_err_and(|e| e.contains("byte-range")));
        assert!(parse("\u{0}\u{0}ftypisom").is_err());
        assert!(parse("#EXTM3U\n").is_err());
    }
}
