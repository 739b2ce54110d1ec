# xnixpkgs' generic builder: sets up the environment from the dependency lists
# and runs the phases unpack, patch, configure, build, check, install, fixup.
# Run by the build machine's /bin/bash as `bash -e setup.sh`; everything
# configurable comes from the derivation's environment variables.
set -eu
set -o pipefail
shopt -s nullglob
# The build machine's tools until the dependencies are known (Nix starts
# builders with an unusable PATH).
export PATH=/usr/bin:/bin

: "${outputs:=out}"
: "${NIX_BUILD_CORES:=1}"
if [ "$NIX_BUILD_CORES" = 0 ]; then NIX_BUILD_CORES=$(nproc 2>/dev/null || echo 1); fi
export NIX_BUILD_CORES
: "${emulator:=}"
: "${strictDeps:=}"
: "${hostSalt:=}" "${buildSalt:=}"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-315532800}

# ----------------------------------------------------------------- outputs

# `outputs` names the derivation's outputs (the first is the default); Nix
# sets a variable of each name to that output's path. Each kind of file has
# an output variable naming the output that receives it (nixpkgs' names):
# the first of the candidates that is an output, else the first output.
# A derivation may set any of them itself (`outputDev = "out";`).
firstOutput() { # variable candidate...
    local var=$1 c o
    shift
    [ -z "${!var-}" ] || return 0
    for c in "$@"; do
        for o in $outputs; do
            if [ "$o" = "$c" ]; then printf -v "$var" %s "$c"; return 0; fi
        done
    done
    for o in $outputs; do printf -v "$var" %s "$o"; return 0; done
}
firstOutput outputDev dev out
firstOutput outputBin bin out
firstOutput outputInclude "$outputDev"
firstOutput outputLib lib out
firstOutput outputDoc doc out
firstOutput outputDevdoc devdoc "$outputDoc"
firstOutput outputMan man "$outputBin"
firstOutput outputDevman devman devdoc "$outputMan"
firstOutput outputInfo info "$outputBin"
multipleOutputs=""
[ "$outputs" = out ] || multipleOutputs=1
# The installation prefix: `out`, or the first output when there is none.
for firstOutputName in $outputs; do break; done
prefix=${prefix:-${out:-${!firstOutputName}}}

# ---------------------------------------------------------------- utilities

# Runs the hook or phase named $1: the string in the variable of that name
# (set by the derivation or a setup hook) if there is one, else the function.
runHook() {
    local name=$1
    if [ -n "${!name-}" ]; then eval "${!name}"; fi
    return 0
}

runPhase() {
    local phase=$1
    echo "xnix: running $phase"
    if [ -n "${!phase-}" ]; then eval "${!phase}"; else "$phase"; fi
}

addToSearchPath() {
    local var=$1 dir=$2
    [ -d "$dir" ] || return 0
    export "$var=${!var:+${!var}:}$dir"
}

appendFlags() {
    local var=$1; shift
    export "$var=${!var:+${!var} }$*"
}

# ------------------------------------------------------------ dependencies

# Every dependency with its host and target offset relative to this build:
# -1 build machine, 0 host, 1 target. `propagated-*` files of a dependency add
# more, their offsets mapped through the propagating dependency's.
declare -A depSeen=()
depOrder=()

propagatedFileFor() {
    case "$1 $2" in
    "-1 -1") echo propagated-build-build-deps ;;
    "-1 0") echo propagated-native-build-inputs ;;
    "-1 1") echo propagated-build-target-deps ;;
    "0 0") echo propagated-host-host-deps ;;
    "0 1") echo propagated-build-inputs ;;
    "1 1") echo propagated-target-target-deps ;;
    esac
}

mapOffset() { # propagator host/target, relative offset -> absolute offset
    local h=$1 t=$2 rel=$3
    if [ "$rel" -le 0 ]; then echo $((h + rel)); else echo $((t + rel - 1)); fi
}

findDeps() {
    local h=$1 t=$2; shift 2
    local dep rh rt nh nt f
    for dep in "$@"; do
        [ -n "$dep" ] || continue
        if [ -n "${depSeen["$dep $h $t"]-}" ]; then continue; fi
        depSeen["$dep $h $t"]=1
        depOrder+=("$dep $h $t")
        for rel in "-1 -1" "-1 0" "-1 1" "0 0" "0 1" "1 1"; do
            read -r rh rt <<<"$rel"
            f="$dep/nix-support/$(propagatedFileFor "$rh" "$rt")"
            [ -f "$f" ] || continue
            nh=$(mapOffset "$h" "$t" "$rh"); nt=$(mapOffset "$h" "$t" "$rt")
            if [ "$nh" -lt -1 ] || [ "$nt" -gt 1 ] || [ "$nt" -lt "$nh" ]; then continue; fi
            # shellcheck disable=SC2046
            findDeps "$nh" "$nt" $(cat "$f")
        done
    done
}

findDeps -1 -1 ${depsBuildBuild-} ${depsBuildBuildPropagated-}
findDeps -1 0 ${nativeBuildInputs-} ${propagatedNativeBuildInputs-}
findDeps -1 1 ${depsBuildTarget-} ${depsBuildTargetPropagated-}
findDeps 0 0 ${depsHostHost-} ${depsHostHostPropagated-}
findDeps 0 1 ${buildInputs-} ${propagatedBuildInputs-}
findDeps 1 1 ${depsTargetTarget-} ${depsTargetTargetPropagated-}

binPath=""
# Programs for the host platform from the store (patchShebangs --host).
HOST_PATH=""
# Per compiler salt, the -L flags of library directories holding only static
# archives: they come after every directory with shared libraries, so that
# `-lz` finds a package's shared library even when its static archive moved
# to the `dev` output, whose directory is searched first otherwise.
declare -A staticLibDirs=()
for entry in "${depOrder[@]}"; do
    read -r dep h t <<<"$entry"
    # Executables run on the build machine: build-platform deps, and (unless
    # strictDeps) host deps too, as a native build can run them.
    if [ "$h" = -1 ] || { [ "$h" = 0 ] && [ -z "$strictDeps" ]; }; then
        [ -d "$dep/bin" ] && binPath="${binPath:+$binPath:}$dep/bin"
    fi
    if [ "$h" = 0 ] && [ -d "$dep/bin" ]; then HOST_PATH="${HOST_PATH:+$HOST_PATH:}$dep/bin"; fi
    # Headers and libraries, for the compiler of the platform they are for.
    salt=""
    if [ "$h" = 0 ]; then salt=$hostSalt; elif [ "$h" = -1 ]; then salt=$buildSalt; fi
    if [ -n "$salt" ]; then
        [ -d "$dep/include" ] && appendFlags "NIX_CFLAGS_COMPILE_$salt" "-isystem $dep/include"
        if [ -d "$dep/lib" ]; then
            sharedLibs=("$dep"/lib/*.so "$dep"/lib/*.so.* "$dep"/lib/*.dylib)
            if [ ${#sharedLibs[@]} -gt 0 ]; then
                appendFlags "NIX_CFLAGS_LINK_$salt" "-L$dep/lib"
                # Windows has no run-time search path: the DLLs travel with the program.
                if [ "$salt" != "$hostSalt" ] || [ -z "${hostIsWindows-}" ]; then
                    appendFlags "NIX_CFLAGS_LINK_$salt" "-Wl,-rpath,$dep/lib"
                fi
            else
                staticLibDirs[$salt]="${staticLibDirs[$salt]:+${staticLibDirs[$salt]} }-L$dep/lib"
            fi
        fi
    fi
    if [ "$h" = 0 ]; then
        addToSearchPath PKG_CONFIG_PATH "$dep/lib/pkgconfig"
        addToSearchPath PKG_CONFIG_PATH "$dep/share/pkgconfig"
        addToSearchPath CMAKE_PREFIX_PATH "$dep"
    elif [ "$h" = -1 ]; then
        addToSearchPath PKG_CONFIG_PATH_FOR_BUILD "$dep/lib/pkgconfig"
    fi
done

for salt in "${!staticLibDirs[@]}"; do
    appendFlags "NIX_CFLAGS_LINK_$salt" "${staticLibDirs[$salt]}"
done
unset salt sharedLibs staticLibDirs

export PATH="${binPath:+$binPath:}/usr/local/bin:/usr/bin:/bin"
export HOST_PATH

# Setup hooks of the dependencies (compiler wrappers, cmake, meson, ...), with
# the offsets of the dependency visible to them.
for entry in "${depOrder[@]}"; do
    read -r dep depHostOffset depTargetOffset <<<"$entry"
    if [ -f "$dep/nix-support/setup-hook" ]; then
        # shellcheck disable=SC1091
        source "$dep/nix-support/setup-hook"
    fi
done
unset depHostOffset depTargetOffset

# The program's own libraries are found at run time from the store.
if [ -z "${hostIsWindows-}" ] && [ -n "$hostSalt" ]; then
    appendFlags "NIX_CFLAGS_LINK_$hostSalt" "-Wl,-rpath,${!outputLib}/lib"
fi

# ------------------------------------------------------------------ phases

unpackPhase() {
    runHook preUnpack
    local s
    for s in ${srcs:-${src-}}; do
        if [ -d "$s" ]; then
            cp -r --no-preserve=mode "$s" "./$(basename "$s" | cut -d- -f2-)"
        else
            case "$s" in
            *.zip) unzip -q "$s" ;;
            *) tar -xf "$s" --no-same-owner ;;
            esac
        fi
    done
    if [ -z "${sourceRoot-}" ]; then
        local dirs=(*/)
        if [ ${#dirs[@]} -ne 1 ]; then
            echo "xnix: unpacking gave ${#dirs[@]} directories (${dirs[*]}); set sourceRoot" >&2
            exit 1
        fi
        sourceRoot=${dirs[0]}
    fi
    chmod -R u+w "$sourceRoot"
    cd "$sourceRoot"
    runHook postUnpack
}

patchPhase() {
    runHook prePatch
    local p
    for p in ${patches-}; do
        echo "applying $p"
        case "$p" in
        *.gz) gzip -dc "$p" | patch ${patchFlags:--p1} ;;
        *.xz) xz -dc "$p" | patch ${patchFlags:--p1} ;;
        *) patch ${patchFlags:--p1} < "$p" ;;
        esac
    done
    runHook postPatch
}

configurePhase() {
    runHook preConfigure
    local script=${configureScript:-./configure}
    if [ -x "${script%% *}" ] || [ -n "${configureScript-}" ]; then
        local flags=()
        [ -n "${dontAddPrefix-}" ] || flags+=("${prefixKey:---prefix=}$prefix")
        # With several outputs an autoconf-style script installs each kind of
        # file into its output directly (`setOutputFlags = false;` for
        # scripts that know no such options).
        if [ -n "$multipleOutputs" ] && [ -n "${setOutputFlags-1}" ]; then
            local docName=${shareDocName:-${name%%-[0-9]*}}
            flags+=(--bindir="${!outputBin}/bin" --sbindir="${!outputBin}/sbin"
                --includedir="${!outputInclude}/include" --oldincludedir="${!outputInclude}/include"
                --mandir="${!outputMan}/share/man" --infodir="${!outputInfo}/share/info"
                --docdir="${!outputDoc}/share/doc/$docName"
                --libdir="${!outputLib}/lib" --libexecdir="${!outputLib}/libexec"
                --localedir="${!outputLib}/share/locale")
        fi
        # shellcheck disable=SC2086
        $script "${flags[@]}" ${configureFlags-}
    else
        echo "no configure script, doing nothing"
    fi
    runHook postConfigure
}

buildPhase() {
    runHook preBuild
    if [ -n "${makefile-}" ] || [ -e Makefile ] || [ -e makefile ] || [ -e GNUmakefile ]; then
        # shellcheck disable=SC2086
        make ${makefile:+-f $makefile} -j"$NIX_BUILD_CORES" SHELL=/bin/bash ${makeFlags-} ${buildFlags-}
    else
        echo "no Makefile, doing nothing"
    fi
    runHook postBuild
}

checkPhase() {
    runHook preCheck
    local target=${checkTarget-}
    if [ -z "$target" ]; then
        if make -n check >/dev/null 2>&1; then target=check
        elif make -n test >/dev/null 2>&1; then target=test
        fi
    fi
    if [ -n "$target" ]; then
        # shellcheck disable=SC2086
        make ${makefile:+-f $makefile} -j"$NIX_BUILD_CORES" SHELL=/bin/bash ${makeFlags-} ${checkFlags-} $target
    else
        echo "no check or test target, doing nothing"
    fi
    runHook postCheck
}

installPhase() {
    runHook preInstall
    mkdir -p "$prefix"
    # shellcheck disable=SC2086
    make ${makefile:+-f $makefile} SHELL=/bin/bash ${makeFlags-} ${installFlags-} ${installTargets:-install}
    runHook postInstall
}

# ------------------------------------------------------------------ fixup

# moveToOutput PATTERN DESTINATION: moves what matches PATTERN (a glob
# relative to an output, e.g. `lib/*.a`) from every other output to the same
# place under DESTINATION (an output's path, e.g. "${!outputDev}"), merging
# directories; DESTINATION `REMOVE` deletes instead. Directories emptied by
# the move are removed (never an output itself).
moveToOutput() {
    local pattern=$1 dest=$2 o root src rel parent
    for o in $outputs; do
        root=${!o}
        [ "$root" != "$dest" ] || continue
        for src in "$root"/$pattern; do
            [ -e "$src" ] || [ -L "$src" ] || continue
            rel=${src#"$root"}
            if [ "$dest" = REMOVE ]; then
                echo "removing $src"
                rm -rf "$src"
            elif [ -d "$src" ] && [ ! -L "$src" ] && [ -d "$dest$rel" ]; then
                echo "moving $src into $dest$rel"
                cp -a "$src"/. "$dest$rel"/
                rm -rf "$src"
            else
                echo "moving $src to $dest$rel"
                mkdir -p "$(dirname "$dest$rel")"
                mv "$src" "$dest$rel"
            fi
            parent=$(dirname "$src")
            while [ "$parent" != "$root" ] && rmdir "$parent" 2>/dev/null; do
                parent=$(dirname "$parent")
            done
        done
    done
}

# Documentation to `doc`, `man`, `info`, ... when those outputs exist.
moveDocsToOutputs() {
    moveToOutput share/info "${!outputInfo}"
    moveToOutput share/doc "${!outputDoc}"
    moveToOutput share/gtk-doc "${!outputDevdoc}"
    moveToOutput share/man "${!outputMan}"
    moveToOutput share/man/man3 "${!outputDevman}"
}

# What only building against the package needs to `dev`: headers,
# pkg-config, CMake and aclocal files, and static archives when the package
# also has shared libraries (a static-only build keeps its archives with the
# libraries' output, where they are the library). pkg-config files get the
# headers' new place.
moveDevToOutputs() {
    [ -n "${moveToDev-1}" ] || return 0
    local dev=${!outputDev} o shared=() archives=() f
    moveToOutput include "${!outputInclude}"
    moveToOutput lib/pkgconfig "$dev"
    moveToOutput share/pkgconfig "$dev"
    moveToOutput lib/cmake "$dev"
    moveToOutput share/aclocal "$dev"
    for o in $outputs; do
        [ "${!o}" != "$dev" ] || continue
        shared+=("${!o}"/lib/*.so "${!o}"/lib/*.so.* "${!o}"/lib/*.dylib "${!o}"/bin/*.dll "${!o}"/lib/*.dll)
    done
    local archivesMoved=""
    if [ ${#shared[@]} -gt 0 ]; then
        moveToOutput "lib/*.a" "$dev"
        archives=("$dev"/lib/*.a)
        [ ${#archives[@]} -eq 0 ] || archivesMoved=1
    fi
    for f in "$dev"/lib/pkgconfig/*.pc "$dev"/share/pkgconfig/*.pc; do
        sed -i -e "s|^includedir=\${prefix}|includedir=${!outputInclude}|" \
            -e "s|^includedir=$prefix/|includedir=${!outputInclude}/|" "$f"
        # The archives (and Windows import libraries) are no longer in
        # `libdir`: name their new directory too, after it (every -L applies
        # to every -l, in order), so shared libraries still come first.
        if [ -n "$archivesMoved" ]; then sed -i "s|^Libs:.*|& -L$dev/lib|" "$f"; fi
    done
}

# `dev` propagates the outputs a dependent builds with: by default those with
# programs, headers and libraries (`propagatedBuildOutputs` names others, or
# none when empty), so a dependency on `zlib.dev` also finds `zlib.out`.
propagateDevOutputs() {
    local names o paths=""
    if [ -n "${propagatedBuildOutputs+1}" ]; then names=$propagatedBuildOutputs
    else names="$outputBin $outputInclude $outputLib"; fi
    for o in $(tr ' ' '\n' <<<"$names" | sort -u); do
        [ -n "$o" ] && [ "$o" != "$outputDev" ] || continue
        paths="${paths:+$paths }${!o}"
    done
    [ -n "$paths" ] || return 0
    local file=${!outputDev}/nix-support/propagated-build-inputs
    mkdir -p "${!outputDev}/nix-support"
    if [ -s "$file" ]; then echo "$(cat "$file") $paths" > "$file"; else echo "$paths" > "$file"; fi
}

# The first file or symlink of output $1 that refers to output $2 (by the
# hash part of its path, which is what the store's reference scan finds).
outputReference() {
    local from=${!1} hash=${!2##*/}
    hash=${hash%%-*}
    grep -rlF -- "$hash" "$from" 2>/dev/null | head -1 || true
    find "$from" -type l -lname "*$hash*" 2>/dev/null | head -1 || true
}

# Outputs that refer to each other are a cycle, which the store rejects:
# say which files do it, so the build can keep the reference one-way
# (`dev` refers to `out`, never the reverse).
checkOutputCycles() {
    local a b ab ba
    for a in $outputs; do
        for b in $outputs; do
            [[ "$a" < "$b" ]] || continue
            ab=$(outputReference "$a" "$b" | head -1)
            [ -n "$ab" ] || continue
            ba=$(outputReference "$b" "$a" | head -1)
            [ -n "$ba" ] || continue
            echo "xnix: outputs '$a' and '$b' refer to each other, a cycle the store rejects:" >&2
            echo "  $ab refers to '$b'" >&2
            echo "  $ba refers to '$a'" >&2
            echo "  move the file(s) in postInstall/postFixup (moveToOutput) or stop one output naming the other" >&2
            return 1
        done
    done
}

# patchShebangs [--build | --host] PATH...: rewrites the interpreter line of
# every executable script under PATH (`#!/bin/sh`, `#!/usr/bin/env lua -i`)
# to the interpreter found by name.
#   --build (the default): for scripts the build runs, from PATH: the build
#     platform's programs (store dependencies first, then the build
#     machine's /usr/bin and /bin).
#   --host: for scripts installed for the host platform (fixup does this for
#     every output), only from the store: this derivation's own outputs and
#     the host platform's dependencies (HOST_PATH). A build-machine program
#     never appears in an installed script: when no store path provides the
#     interpreter the line is kept as it is, with a warning.
# `#!/usr/bin/env -S ...` keeps env (found the same way) as the interpreter.
patchShebangs() {
    local mode=build
    case "${1-}" in
    --build) shift ;;
    --host) mode=host; shift ;;
    esac
    local search=$PATH o p f
    if [ "$mode" = host ]; then
        search=""
        for o in $outputs; do search="${search:+$search:}${!o}/bin"; done
        search="$search${HOST_PATH:+:$HOST_PATH}"
    fi
    for p in "$@"; do
        [ -e "$p" ] || continue
        while IFS= read -r -d '' f; do
            patchShebangOf "$f" "$mode" "$search"
        done < <(find "$p" -type f -perm -0100 -print0)
    done
}

findInterpreter() { # name search-path mode
    local d
    local IFS=:
    for d in $2; do
        [ -n "$d" ] || continue
        if [ "$3" = host ] && [[ "$d" != "$NIX_STORE"/* ]]; then continue; fi
        if [ -x "$d/$1" ] && [ ! -d "$d/$1" ]; then echo "$d/$1"; return 0; fi
    done
    return 1
}

patchShebangOf() { # file mode search-path
    local f=$1 mode=$2 search=$3 line interp args name found new
    [ "$(head -c 2 "$f")" = '#!' ] || return 0
    IFS= read -r line < "$f" || [ -n "$line" ] || return 0
    [[ "$line" == '#!'* ]] || return 0
    line=${line#'#!'}
    line=${line%$'\r'}
    line=${line#"${line%%[! $'\t']*}"}
    interp=${line%%[ $'\t']*}
    args=${line:${#interp}}
    args=${args#"${args%%[! $'\t']*}"}
    [ -n "$interp" ] || return 0
    [[ "$interp" != "$NIX_STORE"/* ]] || return 0
    name=${interp##*/}
    if [ "$name" = env ] && [[ "$args" != -* ]] && [ -n "$args" ]; then
        name=${args%%[ $'\t']*}
        args=${args:${#name}}
        args=${args#"${args%%[! $'\t']*}"}
        if [[ "$name" == *=* ]]; then
            echo "patchShebangs: $f: '#!$line' sets variables; left as it is" >&2
            return 0
        fi
    fi
    if ! found=$(findInterpreter "$name" "$search" "$mode"); then
        echo "patchShebangs: $f: no '$name' for the $mode platform in the store; the interpreter line stays '#!$line'" >&2
        return 0
    fi
    new="#!$found${args:+ $args}"
    [ "$new" != "#!$line" ] || return 0
    echo "patchShebangs: $f: '#!$line' -> '$new'"
    local tmp mode_
    tmp=$(mktemp)
    { printf '%s\n' "$new"; tail -n +2 "$f"; } > "$tmp"
    mode_=$(stat -c %a "$f")
    chmod u+w "$f"
    cat "$tmp" > "$f"
    chmod "$mode_" "$f"
    rm -f "$tmp"
}

# Windows finds a program's DLLs beside the program or in its own system
# directories: there is no run path. Each DLL that a program or DLL of the
# outputs imports from another output or a host dependency is copied beside
# it (and what that DLL imports, in turn); the imports found nowhere are
# Windows' own (KERNEL32.dll, msvcrt.dll, ...).
copyWindowsDlls() {
    [ -n "${OBJDUMP-}" ] || return 0
    local dirs=() queue=() entry dep h t o f name d found
    local -A seen=()
    for o in $outputs; do dirs+=("${!o}/bin" "${!o}/lib"); done
    for entry in "${depOrder[@]}"; do
        read -r dep h t <<<"$entry"
        if [ "$h" = 0 ]; then dirs+=("$dep/bin" "$dep/lib"); fi
    done
    for o in $outputs; do queue+=("${!o}"/bin/*.exe "${!o}"/bin/*.dll); done
    while [ ${#queue[@]} -gt 0 ]; do
        f=${queue[0]}
        queue=("${queue[@]:1}")
        [ -f "$f" ] && [ -z "${seen[$f]-}" ] || continue
        seen[$f]=1
        for name in $($OBJDUMP -p "$f" 2>/dev/null | sed -n 's/^[[:space:]]*DLL Name: //p' | tr -d '\r'); do
            # Windows matches DLL names without regard to case.
            found=""
            for d in "$(dirname "$f")" "${dirs[@]}"; do
                [ -d "$d" ] || continue
                found=$(find "$d" -maxdepth 1 -iname "$name" -print -quit)
                [ -z "$found" ] || break
            done
            [ -n "$found" ] || continue
            if [ "$(dirname "$found")" != "$(dirname "$f")" ]; then
                echo "copying $(basename "$found") beside $f"
                cp -L "$found" "$(dirname "$f")/"
                chmod u+w "$(dirname "$f")/$(basename "$found")"
            fi
            queue+=("$(dirname "$f")/$(basename "$found")")
        done
    done
}

fixupPhase() {
    runHook preFixup
    local o f var file
    for o in $outputs; do mkdir -p "${!o}"; done
    if [ -n "$multipleOutputs" ]; then
        moveDocsToOutputs
        moveDevToOutputs
    fi
    # Strip debug information with the host platform's strip.
    if [ -z "${dontStrip-}" ] && [ -n "${STRIP-}" ]; then
        for o in $outputs; do
            for f in "${!o}"/bin/* "${!o}"/lib/*.so* "${!o}"/lib/*.a "${!o}"/bin/*.dll "${!o}"/lib/*.dll; do
                [ -f "$f" ] && [ ! -L "$f" ] || continue
                $STRIP -S "$f" 2>/dev/null || true
            done
        done
    fi
    if [ -z "${dontPatchShebangs-}" ]; then
        for o in $outputs; do patchShebangs --host "${!o}"; done
    fi
    if [ -n "${hostIsWindows-}" ]; then copyWindowsDlls; fi
    # Record propagated dependencies and the setup hook, in the output that
    # dependents use (`dev` when there is one).
    local support=${!outputDev}/nix-support
    mkdir -p "$support"
    for var in depsBuildBuildPropagated:propagated-build-build-deps \
        propagatedNativeBuildInputs:propagated-native-build-inputs \
        depsBuildTargetPropagated:propagated-build-target-deps \
        depsHostHostPropagated:propagated-host-host-deps \
        propagatedBuildInputs:propagated-build-inputs \
        depsTargetTargetPropagated:propagated-target-target-deps; do
        file=${var#*:}; var=${var%%:*}
        if [ -n "${!var-}" ]; then echo "${!var}" > "$support/$file"; fi
    done
    if [ -n "${setupHook-}" ]; then cp "$setupHook" "$support/setup-hook"; fi
    if [ -n "$multipleOutputs" ]; then propagateDevOutputs; fi
    runHook postFixup
    if [ -n "$multipleOutputs" ]; then checkOutputCycles; fi
    for o in $outputs; do rmdir "${!o}/nix-support" 2>/dev/null || true; done
}

genericBuild() {
    if [ -n "${buildCommand-}" ]; then
        eval "$buildCommand"
        return
    fi
    local phases_=${phases:-unpackPhase patchPhase ${preConfigurePhases-} configurePhase ${preBuildPhases-} buildPhase checkPhase ${preInstallPhases-} installPhase fixupPhase ${postPhases-}}
    local phase
    for phase in $phases_; do
        case "$phase" in
        unpackPhase) [ -z "${dontUnpack-}" ] || continue ;;
        patchPhase) [ -z "${dontPatch-}" ] || continue ;;
        configurePhase) [ -z "${dontConfigure-}" ] || continue ;;
        buildPhase) [ -z "${dontBuild-}" ] || continue ;;
        checkPhase) [ -n "${doCheck-}" ] || continue ;;
        installPhase) [ -z "${dontInstall-}" ] || continue ;;
        fixupPhase) [ -z "${dontFixup-}" ] || continue ;;
        esac
        runPhase "$phase"
    done
}

cd "${TMPDIR:-/tmp}"
genericBuild
