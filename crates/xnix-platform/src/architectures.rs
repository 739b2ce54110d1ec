//! CPU feature flags implied by a GCC `-march` name (nixpkgs'
//! `lib.systems.architectures`), behind `sse3Support`, `avx2Support`, ...

const V2: &[&str] = &["sse3", "ssse3", "sse4_1", "sse4_2"];
const V3: &[&str] = &["sse3", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma"];
const V4: &[&str] = &[
    "sse3", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "avx512", "fma",
];
const SKYLAKE: &[&str] = &[
    "sse3", "ssse3", "sse4_1", "sse4_2", "aes", "avx", "avx2", "fma",
];
const SKYLAKE512: &[&str] = &[
    "sse3", "ssse3", "sse4_1", "sse4_2", "aes", "avx", "avx2", "avx512", "fma",
];
const BDVER: &[&str] = &[
    "sse3", "ssse3", "sse4_1", "sse4_2", "sse4a", "aes", "avx", "fma", "fma4",
];
const ZEN: &[&str] = &[
    "sse3", "ssse3", "sse4_1", "sse4_2", "sse4a", "aes", "avx", "avx2", "fma",
];
const ZEN4: &[&str] = &[
    "sse3", "ssse3", "sse4_1", "sse4_2", "sse4a", "aes", "avx", "avx2", "avx512", "fma",
];

/// `gcc.arch` value to the CPU features it implies.
pub static FEATURES: &[(&str, &[&str])] = &[
    ("default", &[]),
    ("x86-64", &[]),
    ("x86-64-v2", V2),
    ("x86-64-v3", V3),
    ("x86-64-v4", V4),
    ("nehalem", V2),
    ("westmere", V2),
    ("silvermont", V2),
    ("sandybridge", &["sse3", "ssse3", "sse4_1", "sse4_2", "avx"]),
    ("ivybridge", &["sse3", "ssse3", "sse4_1", "sse4_2", "avx"]),
    ("haswell", V3),
    ("broadwell", V3),
    ("skylake", SKYLAKE),
    ("skylake-avx512", SKYLAKE512),
    ("cannonlake", SKYLAKE512),
    ("icelake-client", SKYLAKE512),
    ("icelake-server", SKYLAKE512),
    ("cascadelake", SKYLAKE512),
    ("cooperlake", SKYLAKE512),
    ("tigerlake", SKYLAKE512),
    ("alderlake", SKYLAKE),
    ("sapphirerapids", SKYLAKE512),
    ("emeraldrapids", SKYLAKE512),
    ("btver1", V2),
    (
        "btver2",
        &["sse3", "ssse3", "sse4_1", "sse4_2", "aes", "avx"],
    ),
    ("bdver1", BDVER),
    ("bdver2", BDVER),
    ("bdver3", BDVER),
    (
        "bdver4",
        &[
            "sse3", "ssse3", "sse4_1", "sse4_2", "sse4a", "aes", "avx", "avx2", "fma", "fma4",
        ],
    ),
    ("znver1", ZEN),
    ("znver2", ZEN),
    ("znver3", ZEN),
    ("znver4", ZEN4),
    ("znver5", ZEN4),
    ("loongarch64", &["fpu64"]),
    ("la464", &["fpu64", "lsx", "lasx"]),
    ("la664", &["fpu64", "lsx", "lasx"]),
    ("la64v1.0", &["fpu64", "lsx"]),
    ("la64v1.1", &["fpu64", "lsx"]),
    ("armv5te", &[]),
    ("armv6", &[]),
    ("armv7-a", &[]),
    ("armv8-a", &[]),
    ("mips32", &[]),
    ("loongson2f", &[]),
];

/// The feature-flag attributes of an elaborated platform and the feature
/// each one tests, in alphabetical order of the attribute.
pub static FEATURE_PREDICATES: &[(&str, &str)] = &[
    ("aesSupport", "aes"),
    ("avx2Support", "avx2"),
    ("avx512Support", "avx512"),
    ("avxSupport", "avx"),
    ("fma4Support", "fma4"),
    ("fmaSupport", "fma"),
    ("lasxSupport", "lasx"),
    ("lsxSupport", "lsx"),
    ("sse3Support", "sse3"),
    ("sse4_1Support", "sse4_1"),
    ("sse4_2Support", "sse4_2"),
    ("sse4_aSupport", "sse4a"),
    ("ssse3Support", "ssse3"),
];

/// Whether the `gcc.arch` value `arch` implies `feature`; unknown
/// architectures imply nothing.
pub fn supports(arch: &str, feature: &str) -> bool {
    FEATURES
        .iter()
        .find(|(a, _)| *a == arch)
        .is_some_and(|(_, f)| f.contains(&feature))
}

/// `gcc.arch` values each architecture fully subsumes: code built for any of
/// them runs on it (nixpkgs' `inferiors`).
pub fn inferiors(arch: &str) -> Vec<&'static str> {
    let direct = |arch: &str| -> &'static [&'static str] {
        GCC_ARCH_INFERIORS
            .iter()
            .find(|(a, _)| *a == arch)
            .map_or(&[], |(_, d)| d)
    };
    let mut out: Vec<&'static str> = Vec::new();
    let mut todo: Vec<&'static str> = direct(arch).to_vec();
    while let Some(x) = todo.pop() {
        if !out.contains(&x) {
            out.push(x);
            todo.extend_from_slice(direct(x));
        }
    }
    out
}

/// The `gcc.arch` values each architecture subsumes directly; [`inferiors`]
/// is their transitive closure. The one copy of the table: the
/// collection's `lib.systems` reads it from the generated
/// `pkgs/lib/systems/platform-tables.json`.
pub static GCC_ARCH_INFERIORS: &[(&str, &[&str])] = &[
    ("x86-64-v2", &["x86-64"]),
    ("x86-64-v3", &["x86-64-v2"]),
    ("x86-64-v4", &["x86-64-v3"]),
    ("nehalem", &["x86-64-v2"]),
    ("westmere", &["nehalem"]),
    ("sandybridge", &["westmere"]),
    ("ivybridge", &["sandybridge"]),
    ("haswell", &["ivybridge", "x86-64-v3"]),
    ("broadwell", &["haswell"]),
    ("skylake", &["broadwell"]),
    ("skylake-avx512", &["skylake", "x86-64-v4"]),
    ("cannonlake", &["skylake-avx512"]),
    ("icelake-client", &["cannonlake"]),
    ("icelake-server", &["icelake-client"]),
    ("cascadelake", &["cannonlake"]),
    ("cooperlake", &["cascadelake"]),
    ("tigerlake", &["icelake-server"]),
    ("sapphirerapids", &["tigerlake"]),
    ("emeraldrapids", &["sapphirerapids"]),
    ("znver1", &["skylake"]),
    ("znver2", &["znver1"]),
    ("znver3", &["znver2"]),
    ("znver4", &["znver3", "x86-64-v4"]),
    ("znver5", &["znver4"]),
    ("la64v1.0", &["loongarch64"]),
    ("la64v1.1", &["la64v1.0"]),
    ("la464", &["la64v1.0"]),
    ("la664", &["la464", "la64v1.1"]),
];
