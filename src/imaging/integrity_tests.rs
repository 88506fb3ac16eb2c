//! Hand-made files (real encoder output is tested in the server's re-check).
use super::*;

/// SOI, APP0, a scan with stuffed bytes and a restart marker, EOI.
fn tiny_jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB];
    j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x03, 0x01]);
    j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0x78]);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

fn tiny_png() -> Vec<u8> {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut p, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
    chunk(&mut p, b"IDAT", &[1, 2, 3, 4]);
    chunk(&mut p, b"IEND", &[]);
    p
}

fn tiny_webp() -> Vec<u8> {
    let mut w = b"RIFF\0\0\0\0WEBPVP8L".to_vec();
    w.extend_from_slice(&5u32.to_le_bytes());
    w.extend_from_slice(&[0x2F, 0, 0, 0, 0, 0]); // 5 bytes + padding
    let riff = (w.len() - 8) as u32;
    w[4..8].copy_from_slice(&riff.to_le_bytes());
    w
}

#[test]
fn whole_files_pass_and_extra_bytes_after_the_end_are_allowed() {
    for f in [tiny_jpeg(), tiny_png(), tiny_webp()] {
        assert_eq!(check_whole(&f), Ok(()));
    }
    let mut motion = tiny_jpeg();
    motion.extend_from_slice(b"\0\0\0\x18ftypmp42 a video follows");
    assert_eq!(check_whole(&motion), Ok(()));
    assert_eq!(check_whole(b"%PDF-1.7"), Ok(()), "not ours to judge");
}

#[test]
fn every_cut_of_a_file_is_incomplete() {
    for f in [tiny_jpeg(), tiny_png(), tiny_webp()] {
        for n in 12..f.len() {
            assert_eq!(check_whole(&f[..n]), Err(Damage::Incomplete), "{n} of {}", f.len());
        }
    }
}

#[test]
fn broken_structure_is_corrupt() {
    let mut png = tiny_png();
    png[8 + 8 + 13 + 4 + 8] ^= 1; // a byte of IDAT's data
    assert_eq!(check_whole(&png), Err(Damage::Corrupt));
    let mut jpeg = tiny_jpeg();
    jpeg.splice(2..2, [0xFF, 0xD9]); // ends before any image
    assert_eq!(check_whole(&jpeg), Err(Damage::Corrupt));
    let mut webp = tiny_webp();
    webp[16..20].copy_from_slice(&100u32.to_le_bytes());
    assert_eq!(check_whole(&webp), Err(Damage::Corrupt));
}

#[test]
fn messages_name_the_file() {
    assert_eq!(
        Damage::Incomplete.message("IMG_1.jpg"),
        "IMG_1.jpg appears to be damaged (it is incomplete) and was not added."
    );
    assert!(
        Damage::Corrupt
            .message("a.png")
            .starts_with("a.png appears to be damaged")
    );
}
