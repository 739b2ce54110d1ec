#!/usr/bin/env bash
# Differential test: the drvPath of every package x target of matrix.txt as
# `xnix eval` computes it must equal real Nix's (nix-instantiate, with the
# platform shim backed by the same xnix). Prints "N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export XNIX_BIN=$(command -v "${XNIX:-xnix}") || { echo "drvpaths.sh: set XNIX to the xnix binary" >&2; exit 2; }
command -v nix-instantiate >/dev/null || { echo "drvpaths.sh: nix-instantiate (Debian nix-bin) is required" >&2; exit 2; }
passed=0 failed=0
prefixes=$(grep '^#target ' "$here/matrix.txt" | awk -F' :: ' '{print $2}')
names=$(grep -vE '^(#|skip:|$)' "$here/matrix.txt" | awk -F' :: ' '{print $1}')
# A package with `#ci <package> :: <target>...` lines is compared for those
# targets only (FULL_MATRIX=1: for every target), as run.sh builds it.
declare -A prefixOf
while IFS= read -r t; do
    IFS=$'\x1f' read -r tname tprefix _ <<<"${t// :: /$'\x1f'}"
    prefixOf[${tname// /}]=${tprefix// /}
done < <(grep '^#target ' "$here/matrix.txt" | sed 's/^#target //')
exprs=()
for n in $names; do
    ci=$(grep "^#ci $n :: " "$here/matrix.txt" | sed 's/^#ci [^ ]* :: //')
    if [ -z "$ci" ] || [ -n "${FULL_MATRIX-}" ]; then
        for pre in "" $prefixes; do exprs+=("$pre$n"); done
    else
        for t in $ci; do exprs+=("${prefixOf[$t]-}$n"); done
    fi
done
exprs+=(stdenv.cc pkgsStatic.hello pkgsMusl.hello buildPackages.hello)
for a in "${exprs[@]}"; do
    e="(import $root/pkgs { }).$a.drvPath"
    xall=$("$XNIX_BIN" eval -E "$e" 2>&1); x=$(tail -1 <<<"$xall")
    nall=$(nix-instantiate --eval --option allow-unsafe-native-code-during-evaluation true \
        -I "xnix-dev-shim=$here/nix-platform-shim.nix" -E "$e" 2>&1); n=$(tail -1 <<<"$nall")
    if [ "$x" = "$n" ] && [[ "$x" == '"/nix/store/'* ]]; then passed=$((passed + 1)); echo "PASS $a $x"
    elif [[ "$nall" == *"not available for the host platform"* ]] && [[ "$xall" == *"not available for the host platform"* ]]; then
        passed=$((passed + 1)); echo "PASS $a (both: not available)"
    else failed=$((failed + 1)); echo "FAIL $a: xnix $(head -1 <<<"$xall") / nix $(head -1 <<<"$nall")"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
