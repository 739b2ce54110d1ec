#!/usr/bin/env bash
# Evaluates every tests/pkgs/eval/*.nix (a function of { xnixpkgs } returning
# a boolean) and expects `true`; a file with an `# expect-error: TEXT` line
# must instead fail with an error message containing TEXT. Uses `xnix eval` (XNIX=...), or real
# nix-instantiate with NIXBUILD=1. Prints "N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
xnix=${XNIX:-xnix}
passed=0 failed=0
for f in "$here"/eval/*.nix; do
    name=$(basename "$f" .nix)
    [ -z "${ONLY-}" ] || grep -qw -- "$name" <<<"$ONLY" || continue
    expr="import $f { xnixpkgs = $root/pkgs; }"
    if [ -n "${NIXBUILD-}" ]; then
        export XNIX_BIN=$(command -v "$xnix")
        got=$(nix-instantiate --eval --option allow-unsafe-native-code-during-evaluation true \
            -I "xnix-dev-shim=$here/nix-platform-shim.nix" -E "$expr" 2>&1)
    else
        got=$("$xnix" eval -E "$expr" 2>&1)
    fi
    expectErr=$(sed -n 's/^# expect-error: //p' "$f")
    if [ -n "$expectErr" ]; then
        if [[ "$got" == *"$expectErr"* ]] && [[ "$got" == *error* ]]; then passed=$((passed + 1)); echo "PASS $name (error: $expectErr)"
        else failed=$((failed + 1)); echo "FAIL $name: expected an error containing '$expectErr', got: $(tail -c 600 <<<"$got")"; fi
        continue
    fi
    if [ "$got" = true ]; then passed=$((passed + 1)); echo "PASS $name"
    else failed=$((failed + 1)); echo "FAIL $name: $(tail -c 600 <<<"$got")"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
