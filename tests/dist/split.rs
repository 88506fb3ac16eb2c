//! The release bundle's lazily loaded parts (src/ui/lazy.rs): each chunk and the loader that
//! fetches them carry the bundle's hash, the two loaders point at the hashed names, the server
//! sends them precompressed and immutable, and the sizes stay within budget.

use std::path::Path;

/// The lazily loaded parts the app has (one chunk each).
const PARTS: [&str; 3] = ["split_editor", "split_phone", "split_webcam"];
/// The whole app, brotli: every wasm and js file (the issue's target).
const WHOLE_BUDGET: u64 = 400 * 1024;
/// The first load, brotli: the main module, its js and the chunk loader. Not the issue's
/// 250 KiB (unmet: see the README's Numbers): today's size plus a margin, so that growth is seen.
const FIRST_LOAD_BUDGET: u64 = 340 * 1024;

fn read(pkg: &Path, name: &str) -> String {
    std::fs::read_to_string(pkg.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn brotli_size(pkg: &Path, name: &str) -> u64 {
    std::fs::metadata(pkg.join(format!("{name}.br")))
        .unwrap_or_else(|e| panic!("{name}.br: {e}"))
        .len()
}

/// Checks the files in `site/pkg` of the unpacked release whose bundle is `bundle`
/// (`clinical_images.<hash>`); returns the hashed chunk names, to be fetched over HTTP.
pub fn check_files(release: &Path, bundle: &str) -> Vec<String> {
    let pkg = release.join("site/pkg");
    let hash = bundle.strip_prefix("clinical_images.").unwrap();
    // Every file carries the hash: nothing under one name could change under a year's cache.
    for entry in std::fs::read_dir(&pkg).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            name.contains(&format!(".{hash}.")),
            "{name} is not named by the bundle's hash"
        );
    }
    let loader = format!("__wasm_split.{hash}.js");
    let chunks: Vec<String> = PARTS.iter().map(|p| format!("{p}.{hash}.wasm")).collect();
    for name in chunks.iter().chain([&loader]) {
        for sibling in ["", ".br", ".gz"] {
            assert!(
                pkg.join(format!("{name}{sibling}")).is_file(),
                "bundle lacks {name}{sibling}"
            );
        }
    }
    // The main module imports the loader by its hashed name; the loader imports the main module
    // and fetches each chunk by theirs, and every file it names is in the bundle.
    let main_js = read(&pkg, &format!("{bundle}.js"));
    assert!(
        main_js.contains(&format!("from \"./{loader}\"")),
        "the main module imports {loader}"
    );
    assert!(
        !main_js.contains("from \"./__wasm_split.js\""),
        "an unhashed import is left"
    );
    let loader_js = read(&pkg, &loader);
    assert!(
        loader_js.contains(&format!("from \"./{bundle}.js\"")),
        "{loader} imports {bundle}.js"
    );
    let named: Vec<&str> = loader_js
        .split("new URL(\"./")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    for chunk in &chunks {
        assert!(named.contains(&chunk.as_str()), "{loader} fetches {chunk}: {named:?}");
    }
    for name in &named {
        assert!(
            pkg.join(name).is_file(),
            "{loader} fetches {name}, which is not in the bundle"
        );
    }

    let first = [format!("{bundle}.wasm"), format!("{bundle}.js"), loader.clone()]
        .iter()
        .map(|n| brotli_size(&pkg, n))
        .sum::<u64>();
    let whole = first + named.iter().map(|n| brotli_size(&pkg, n)).sum::<u64>();
    eprintln!(
        "bundle sizes, brotli: first load {:.1} KiB, whole app {:.1} KiB",
        first as f64 / 1024.0,
        whole as f64 / 1024.0
    );
    assert!(
        whole <= WHOLE_BUDGET,
        "the whole app is {whole} bytes brotli, over {WHOLE_BUDGET}"
    );
    assert!(
        first <= FIRST_LOAD_BUDGET,
        "the first load is {first} bytes brotli, over {FIRST_LOAD_BUDGET}"
    );
    chunks.into_iter().chain([loader]).collect()
}
