# Setup hook of ninja: build, check and install with ninja when the
# configure step wrote a build.ninja.
ninjaBuildPhase() {
    runHook preBuild
    ninja -j"$NIX_BUILD_CORES" ${ninjaFlags-}
    runHook postBuild
}
ninjaCheckPhase() {
    runHook preCheck
    if ninja -t targets | grep -q '^test:'; then ninja test; else echo "no test target"; fi
    runHook postCheck
}
ninjaInstallPhase() {
    runHook preInstall
    ninja install
    runHook postInstall
}
if [ -z "${buildPhase-}" ]; then buildPhase='if [ -e build.ninja ]; then ninjaBuildPhase; else buildPhase; fi'; fi
if [ -z "${checkPhase-}" ]; then checkPhase='if [ -e build.ninja ]; then ninjaCheckPhase; else checkPhase; fi'; fi
if [ -z "${installPhase-}" ]; then installPhase='if [ -e build.ninja ]; then ninjaInstallPhase; else installPhase; fi'; fi
