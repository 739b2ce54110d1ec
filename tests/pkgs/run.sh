#!/usr/bin/env bash
# Builds every package of tests/pkgs/matrix.txt for every target, checks the
# class and machine of the result (readelf for ELF, file for PE) and runs the
# Linux programs (under qemu-user for foreign CPUs). Prints "N passed, M failed"
# and exits non-zero on any failure.
#   XNIX=path/to/xnix tests/pkgs/run.sh          build with `xnix build`
#   NIXBUILD=1 tests/pkgs/run.sh                 build with real `nix-build --option sandbox false`
#   XNIX_SEED_SOURCES=1                          with xnix: add missing sources to the store by hash first
#   ONLY_TARGETS="native riscv64" ONLY_PKGS="hello lua" limit the matrix (exact names)
#   FULL_MATRIX=1                                ignore the `#ci` lines: every package for every target
#   MATRIX_JOBS=N                                builds at the same time per target (default 2; 1: one by one)
# With XNIX_STORE_ROOT (a store under a physical root, as scripts/test uses),
# outputs are inspected under that root and programs run in a mount namespace
# (bubblewrap) that shows the store at its logical place, where their run paths
# point. Prints how long each target took.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pkgs="$root/pkgs"
xnix=${XNIX:-xnix}
passed=0 failed=0 failures=()
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# Whether word $1 is one of the words of $2 (names such as aarch64-llvm contain
# other names: grep -w would match llvm in it).
inList() { local w; for w in $2; do [ "$w" = "$1" ] && return 0; done; return 1; }

storeRoot="" storeDir=${XNIX_STORE_DIR:-/xnix/store}
[ -n "${NIXBUILD-}" ] || storeRoot=${XNIX_STORE_ROOT-}
# phys (a store path's physical place) and inStore (run with the store at its logical place).
source "$here/store-view.sh"

nixOpts=()
if [ -n "${NIXBUILD-}" ]; then
    # Real Nix has no xnixElaboratePlatform builtin: give it one backed by xnix's
    # platform library (through `xnix platform show --json`).
    command -v "$xnix" >/dev/null || { echo "run.sh: NIXBUILD=1 still needs the xnix binary for platform elaboration (set XNIX)" >&2; exit 2; }
    xnixAbs=$(command -v "$xnix")
    export XNIX_BIN=$xnixAbs
    nixOpts=(--option sandbox false --option allow-unsafe-native-code-during-evaluation true --option substituters "" -I "xnix-dev-shim=$here/nix-platform-shim.nix")
fi

# The Debian mirror of this machine's APT sources, for pre-seeding sources into
# Nix's store (Nix's builtin fetcher does not resolve mirror://debian).
debianMirror() {
    grep -hE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
        | grep -v security | head -1 | sed -E 's/^URIs: *//; s/^deb (\[[^]]*\] )?//; s/ .*//'
}

# With xnix, the toolchains' .debs come through the tests' shared cache, whose
# second mirror is the one xnix resolves from the APT sources.
source "$here/deb-cache.sh"
[ -n "${NIXBUILD-}" ] || useDebCache || exit 1

evalStr() {
    if [ -n "${NIXBUILD-}" ]; then nix-instantiate "${nixOpts[@]}" --eval --json "$pkgs" -A "$1" 2>/dev/null | tr -d '"'
    else "$xnix" eval -E "(import $pkgs { }).$1" 2>/dev/null | tr -d '"'; fi
}

# Puts a package's source into the store by its hash when it is missing: for
# nix-build always, for xnix only with XNIX_SEED_SOURCES=1 (otherwise xnix's
# own fetcher resolves mirror://debian).
seedSource() { # attr
    [ -n "${NIXBUILD-}" ] || [ -n "${XNIX_SEED_SOURCES-}" ] || return 0
    local url out name tmp
    if [ -n "${NIXBUILD-}" ]; then
        out=$(evalStr "$1.src.outPath") || return 0
        [ -e "$out" ] && return 0
    fi
    url=$(evalStr "$1.src.url"); name=$(evalStr "$1.src.name")
    url=${url/mirror:\/\/debian/$(debianMirror)}
    tmp="$work/src/$name"; mkdir -p "$work/src"
    curl -sfL -o "$tmp" "$url" || return 0
    if [ -n "${NIXBUILD-}" ]; then nix-store --add-fixed sha256 "$tmp" >/dev/null
    else "$xnix" store add --fixed sha256 "$tmp" >/dev/null; fi
}

build() { # attr -> output path on stdout
    if [ -n "${NIXBUILD-}" ]; then
        nix-build "${nixOpts[@]}" --no-out-link "$pkgs" -A "$1"
    else
        "$xnix" build "$pkgs" -A "$1"
    fi
}

record() { # ok? description
    if [ "$1" = 0 ]; then passed=$((passed + 1)); echo "PASS $2"
    else failed=$((failed + 1)); failures+=("$2"); echo "FAIL $2"; fi
}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

# Resolves symbolic links (absolute ones name logical store paths) to the
# physical file.
realFile() { # logical path
    local f=$1 l i
    for i in $(seq 40); do
        [ -L "$(phys "$f")" ] || break
        l=$(readlink "$(phys "$f")")
        case $l in /*) f=$l ;; *) f=$(dirname "$f")/$l ;; esac
    done
    readlink -f "$(phys "$f")"
}

mapfile -t targets < <(grep '^#target ' "$here/matrix.txt" | sed 's/^#target //')
mapfile -t packages < <(grep -vE '^(#|skip:|$)' "$here/matrix.txt")
skips=$(grep '^skip:' "$here/matrix.txt" | sed 's/^skip: *//')
# `#only <target> :: <name>...`: the target builds just these packages and build tests.
onlyFor() { grep "^#only $1 :: " "$here/matrix.txt" | sed 's/^#only [^ ]* :: //'; }
# `#ci <package> :: <target>...`: the default run builds the package for these targets only.
ciTargetsFor() { grep "^#ci $1 :: " "$here/matrix.txt" | sed 's/^#ci [^ ]* :: //'; }
# Whether the matrix builds package or build test $1 for target $2.
wanted() {
    local only ci
    if [ -n "${ONLY_PKGS-}" ] && ! inList "$1" "$ONLY_PKGS"; then return 1; fi
    grep -qx "$1 $2" <<<"$skips" && return 1
    if [ -z "${FULL_MATRIX-}" ]; then
        ci=$(ciTargetsFor "$1")
        [ -z "$ci" ] || inList "$2" "$ci" || return 1
    fi
    only=$(onlyFor "$2")
    [ -z "$only" ] || inList "$1" "$only"
}

# Sources are the same for every target: seed them once, from the native set.
for p in "${packages[@]}"; do seedSource "${p%% ::*}"; done

declare -A seconds
for t in "${targets[@]}"; do
    IFS=$'\x1f' read -r tname tprefix tclass tmachine trun <<<"${t// :: /$'\x1f'}"
    tname=$(trim "$tname"); tprefix=$(trim "$tprefix"); tclass=$(trim "$tclass"); tmachine=$(trim "$tmachine"); trun=$(trim "$trun")
    if [ -n "${ONLY_TARGETS-}" ] && ! inList "$tname" "$ONLY_TARGETS"; then continue; fi
    start=$SECONDS
    # Build the target's packages in one run first, MATRIX_JOBS (default 2) at a
    # time: one package's configure script leaves the other core idle. Failures
    # are ignored here; the loop below builds each package again and reports it.
    if [ -z "${NIXBUILD-}" ] && [ "${MATRIX_JOBS:-2}" -gt 1 ]; then
        attrs=()
        for p in "${packages[@]}"; do
            pname=$(trim "${p%% ::*}")
            wanted "$pname" "$tname" && attrs+=(-A "$tprefix$pname")
        done
        [ ${#attrs[@]} -lt 4 ] || "$xnix" build --no-out-link -k -j "${MATRIX_JOBS:-2}" "$pkgs" "${attrs[@]}" >/dev/null 2>"$work/prebuild.log" || true
    fi
    for p in "${packages[@]}"; do
        IFS=$'\x1f' read -r pname pglob pcmd pexpect <<<"${p// :: /$'\x1f'}"
        pname=$(trim "$pname"); pglob=$(trim "$pglob"); pcmd=$(trim "$pcmd"); pexpect=$(trim "$pexpect")
        wanted "$pname" "$tname" || continue
        attr="$tprefix$pname"
        if ! OUT=$(build "$attr" 2>"$work/log" | tail -1) || [ -z "$OUT" ]; then
            tail -15 "$work/log"; record 1 "$attr: build"; continue
        fi
        record 0 "$attr: build"
        file=""
        for g in $pglob; do for f in $(phys "$OUT")/$g; do [ -e "$f" ] && { file=$(realFile "$OUT${f#"$(phys "$OUT")"}"); break 2; }; done; done
        if [ -z "$file" ]; then record 1 "$attr: no file matching '$pglob' in $OUT"; continue; fi
        if [ "$tclass" = PE32+ ] || [ "$tclass" = PE32 ]; then
            # `file` says "PE32+ executable ..." or "PE32 executable ...".
            desc=$(file -b "$file")
            [[ "$desc" == "$tclass "* && "$desc" == *"$tmachine"* ]]; record $? "$attr: $(basename "$file") is $tclass $tmachine ($desc)"
        else
            hdr=$(readelf -h "$file" 2>/dev/null)
            cls=$(awk -F: '/Class:/ {gsub(/ /,"",$2); print $2; exit}' <<<"$hdr")
            mach=$(awk -F: '/Machine:/ {sub(/^ +/,"",$2); print $2; exit}' <<<"$hdr")
            [ "$cls" = "$tclass" ] && [[ "$mach" == *"$tmachine"* ]]
            record $? "$attr: $(basename "$file") is $tclass $tmachine (got $cls, $mach)"
            if [ "$tname" = musl64 ] && [[ "$file" != *.a ]]; then
                ! readelf -l "$file" | grep -q INTERP; record $? "$attr: statically linked"
            fi
        fi
        if [ "$pcmd" != - ] && [ "$trun" != none ]; then
            RUN=""; [ "$trun" = native ] || RUN=$trun
            got=$(OUT=$OUT RUN=$RUN HERE=$here inStore bash -c "$pcmd" 2>&1 | tr -d '\r')
            [ "$got" = "$pexpect" ]; record $? "$attr: runs ('$pexpect'${RUN:+ under ${RUN%% *}}; got '$got')"
        fi
    done
    seconds[$tname]=$((SECONDS - start))
done

# Build tests: each tests/pkgs/build/*.nix is a function of a package set
# whose result must contain `ok`; built for every target (unless filtered).
for f in "$here"/build/*.nix; do
    name=$(basename "$f" .nix)
    for t in "${targets[@]}"; do
        IFS=$'\x1f' read -r tname tprefix _ <<<"${t// :: /$'\x1f'}"
        tname=$(trim "$tname"); tprefix=$(trim "$tprefix")
        if [ -n "${ONLY_TARGETS-}" ] && ! inList "$tname" "$ONLY_TARGETS"; then continue; fi
        wanted "$name" "$tname" || continue
        start=$SECONDS
        expr="import $f (import $pkgs { }).${tprefix%.}"
        [ -n "$tprefix" ] || expr="import $f (import $pkgs { })"
        if [ -n "${NIXBUILD-}" ]; then OUT=$(nix-build "${nixOpts[@]}" --no-out-link -E "$expr" 2>"$work/log" | tail -1)
        else OUT=$("$xnix" build -E "$expr" 2>"$work/log" | tail -1); fi
        if [ -n "$OUT" ] && [ -f "$(phys "$OUT")/ok" ]; then record 0 "build test $name for $tname ($(cat "$(phys "$OUT")/ok"))"
        else tail -15 "$work/log"; record 1 "build test $name for $tname"; fi
        seconds[$tname]=$(( ${seconds[$tname]:-0} + SECONDS - start))
    done
done

echo
for t in "${targets[@]}"; do
    tname=$(trim "${t%% ::*}")
    [ -z "${seconds[$tname]+set}" ] || echo "time $tname: ${seconds[$tname]} s"
done
echo
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
