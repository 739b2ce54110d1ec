# Setup hook of meson: configure with meson (a cross file when cross
# compiling, with the emulator as exe_wrapper), build, test, install with ninja.
mesonConfigurePhase() {
    runHook preConfigure
    local flags=(--prefix="$prefix" --libdir=lib --buildtype=release --wrap-mode=nodownload)
    if [ -n "${hostIsStatic-}" ]; then flags+=(--default-library=static --prefer-static); fi
    if [ -n "${crossSystemName-}" ]; then
        {
            echo "[binaries]"
            echo "c = '$CC'"
            if command -v "$CXX" >/dev/null; then echo "cpp = '$CXX'"; fi
            echo "ar = '$AR'"
            echo "strip = '$STRIP'"
            echo "pkgconfig = 'pkg-config'"
            if [ -n "${WINDRES-}" ]; then echo "windres = '$WINDRES'"; fi
            if [ -n "${emulator-}" ]; then echo "exe_wrapper = '$emulator'"; fi
            echo "[host_machine]"
            echo "system = '$crossMesonSystem'"
            echo "cpu_family = '$crossCpuFamily'"
            echo "cpu = '$crossCpu'"
            echo "endian = '$crossEndian'"
        } > "$TMPDIR/meson-cross.ini"
        flags+=(--cross-file="$TMPDIR/meson-cross.ini")
    fi
    # shellcheck disable=SC2086
    meson setup build "${flags[@]}" ${mesonFlags-}
    cd build
    runHook postConfigure
}
if [ -z "${configurePhase-}" ]; then configurePhase=mesonConfigurePhase; fi
# Tests through meson, which runs cross-built ones with the exe_wrapper.
if [ -n "${doCheck-}" ] && [ -z "${checkPhase-}" ]; then
    checkPhase='runHook preCheck; meson test --print-errorlogs; runHook postCheck'
fi
