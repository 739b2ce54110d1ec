# Setup hook of cmake: configure with cmake (a toolchain file when cross
# compiling), build and install with make from the build directory.
cmakeConfigurePhase() {
    runHook preConfigure
    local flags=(-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_LIBDIR=lib
        -DCMAKE_INSTALL_INCLUDEDIR=include -DCMAKE_INSTALL_BINDIR=bin)
    if [ -n "${hostIsStatic-}" ]; then flags+=(-DBUILD_SHARED_LIBS=OFF); fi
    if [ -n "${crossSystemName-}" ]; then
        {
            echo "set(CMAKE_SYSTEM_NAME $crossSystemName)"
            echo "set(CMAKE_SYSTEM_PROCESSOR $crossCpu)"
            echo "set(CMAKE_C_COMPILER $(command -v "$CC"))"
            if command -v "$CXX" >/dev/null; then echo "set(CMAKE_CXX_COMPILER $(command -v "$CXX"))"; fi
            echo "set(CMAKE_AR $(command -v "$AR") CACHE FILEPATH \"archiver\")"
            echo "set(CMAKE_RANLIB $(command -v "$RANLIB") CACHE FILEPATH \"ranlib\")"
            echo "set(CMAKE_STRIP $(command -v "$STRIP") CACHE FILEPATH \"strip\")"
            if [ -n "${WINDRES-}" ]; then echo "set(CMAKE_RC_COMPILER $(command -v "$WINDRES"))"; fi
            if [ -n "${emulator-}" ]; then echo "set(CMAKE_CROSSCOMPILING_EMULATOR $emulator)"; fi
            echo "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)"
        } > "$TMPDIR/cmake-toolchain.cmake"
        flags+=(-DCMAKE_TOOLCHAIN_FILE="$TMPDIR/cmake-toolchain.cmake")
    fi
    mkdir -p build
    cd build
    # shellcheck disable=SC2086
    cmake .. "${flags[@]}" ${cmakeFlags-}
    runHook postConfigure
}
if [ -z "${configurePhase-}" ] && [ -z "${dontUseCmakeConfigure-}" ]; then
    configurePhase=cmakeConfigurePhase
fi
if [ -n "${doCheck-}" ] && [ -z "${checkPhase-}" ]; then
    checkPhase='runHook preCheck; ctest --output-on-failure; runHook postCheck'
fi
