# Sourced by the package tests that build with xnix: toolchain `.deb`s come
# through the tests' machine-wide cache (crates/xnix-test-support deb_cache,
# filled once per machine), given to xnix as the first Debian mirror before
# this machine's archive. Expects $xnix (the xnix binary); does nothing when
# XNIX_MIRROR_DEBIAN is already set.
useDebCache() {
    [ -z "${XNIX_MIRROR_DEBIAN-}" ] || return 0
    local bin tool
    bin=$(command -v "$xnix") || return 0
    tool=$(dirname "$bin")/xnix-test-deb-cache
    if [ ! -x "$tool" ]; then
        echo "note: $tool is missing (cargo build -p xnix-test-support): .debs come from the archive" >&2
        return 0
    fi
    XNIX_MIRROR_DEBIAN=$("$tool" prepare "$bin") || { echo "filling the .deb cache failed" >&2; return 1; }
    export XNIX_MIRROR_DEBIAN
}
