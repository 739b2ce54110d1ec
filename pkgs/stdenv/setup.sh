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
prefix=${prefix:-$out}

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
for entry in "${depOrder[@]}"; do
    read -r dep h t <<<"$entry"
    # Executables run on the build machine: build-platform deps, and (unless
    # strictDeps) host deps too, as a native build can run them.
    if [ "$h" = -1 ] || { [ "$h" = 0 ] && [ -z "$strictDeps" ]; }; then
        [ -d "$dep/bin" ] && binPath="${binPath:+$binPath:}$dep/bin"
    fi
    # Headers and libraries, for the compiler of the platform they are for.
    salt=""
    if [ "$h" = 0 ]; then salt=$hostSalt; elif [ "$h" = -1 ]; then salt=$buildSalt; fi
    if [ -n "$salt" ]; then
        [ -d "$dep/include" ] && appendFlags "NIX_CFLAGS_COMPILE_$salt" "-isystem $dep/include"
        if [ -d "$dep/lib" ]; then
            appendFlags "NIX_CFLAGS_LINK_$salt" "-L$dep/lib"
            # Windows has no run-time search path: the DLLs travel with the program.
            if [ "$salt" != "$hostSalt" ] || [ -z "${hostIsWindows-}" ]; then
                appendFlags "NIX_CFLAGS_LINK_$salt" "-Wl,-rpath,$dep/lib"
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

export PATH="${binPath:+$binPath:}/usr/local/bin:/usr/bin:/bin"

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
    appendFlags "NIX_CFLAGS_LINK_$hostSalt" "-Wl,-rpath,$out/lib"
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

fixupPhase() {
    runHook preFixup
    # Strip debug information with the host platform's strip.
    if [ -z "${dontStrip-}" ] && [ -n "${STRIP-}" ]; then
        local f
        for f in "$out"/bin/* "$out"/lib/*.so* "$out"/lib/*.a "$out"/bin/*.dll "$out"/lib/*.dll; do
            [ -f "$f" ] && [ ! -L "$f" ] || continue
            $STRIP -S "$f" 2>/dev/null || true
        done
    fi
    # Record propagated dependencies for packages that depend on this one.
    mkdir -p "$out/nix-support"
    local var file
    for var in depsBuildBuildPropagated:propagated-build-build-deps \
        propagatedNativeBuildInputs:propagated-native-build-inputs \
        depsBuildTargetPropagated:propagated-build-target-deps \
        depsHostHostPropagated:propagated-host-host-deps \
        propagatedBuildInputs:propagated-build-inputs \
        depsTargetTargetPropagated:propagated-target-target-deps; do
        file=${var#*:}; var=${var%%:*}
        if [ -n "${!var-}" ]; then echo "${!var}" > "$out/nix-support/$file"; fi
    done
    if [ -n "${setupHook-}" ]; then cp "$setupHook" "$out/nix-support/setup-hook"; fi
    rmdir "$out/nix-support" 2>/dev/null || true
    runHook postFixup
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
