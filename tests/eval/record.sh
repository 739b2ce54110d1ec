#!/usr/bin/env bash
# Records what Nix 2.8 does with every case of the eval corpus, beside the case:
#
#   NAME.nix -> NAME.out   standard output, byte for byte, when Nix succeeds
#            -> NAME.err   standard error when Nix fails, with the absolute path of
#                          the workspace root written as @ROOT@
#
# The recordings are the expectations of `cargo test -p xnix-eval --test corpus`,
# which needs no Nix. Run this after adding or changing a case, and commit the
# recordings with it:
#
#   tests/eval/record.sh              # every case
#   tests/eval/record.sh errmsg/ json # only cases whose path contains one of the words
#
# Flags follow the case's top-level directory (json/: --strict --json, lazy/:
# none, others: --strict). Nix runs from the workspace root on the relative
# path, read-only, with an empty NIX_PATH, a private HOME and a private empty
# store, so nothing of this machine leaks into the recordings.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v nix-instantiate >/dev/null || {
    echo "record.sh: nix-instantiate (Nix 2.8) is not on PATH; install it with scripts/install-deps test" >&2
    exit 1
}
scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home"

record_one() { # relative path of a case
    local file=$1 rel=${1#tests/eval/} base=${1%.nix}
    local flags=(--strict)
    case $rel in
        json/*) flags=(--strict --json) ;;
        lazy/*) flags=() ;;
    esac
    local out="$scratch/$$.$RANDOM.out" err="$scratch/$$.$RANDOM.err"
    if env -i PATH="$PATH" NIX_PATH= HOME="$scratch/home" \
        XDG_CACHE_HOME="$scratch/home/.cache" XDG_CONFIG_HOME="$scratch/home/.config" \
        XDG_DATA_HOME="$scratch/home/.local/share" \
        nix-instantiate --eval --readonly-mode --store "local?root=$scratch/store" \
        "${flags[@]}" "$file" >"$out" 2>"$err"; then
        mv "$out" "$base.out"
        rm -f "$base.err" "$err"
    else
        sed "s|$root|@ROOT@|g" "$err" >"$base.err"
        rm -f "$base.out" "$out" "$err"
    fi
}
export -f record_one
export root scratch

# A new store's state directory is set up without a lock: do it once, first.
env -i PATH="$PATH" HOME="$scratch/home" nix-instantiate --eval --readonly-mode \
    --store "local?root=$scratch/store" -E null >/dev/null

find tests/eval -name '*.nix' -not -path '*/lib/*' | sort | {
    if [ $# -gt 0 ]; then grep -F "${@/#/-e}"; else cat; fi
} | xargs -P "$(nproc)" -I{} bash -c 'record_one "$@"' _ {}

# Recordings whose case is gone.
find tests/eval \( -name '*.out' -o -name '*.err' \) -not -path '*/lib/*' | while read -r rec; do
    [ -e "${rec%.*}.nix" ] || rm -v "$rec"
done
