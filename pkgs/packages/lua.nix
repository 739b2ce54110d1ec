# Lua: a plain Makefile. The build also runs the luac it has just built (for
# the host, through the emulator when cross compiling) to precompile a chunk.
{ lib, stdenv, fetchurl, buildPackages }:
let
  windows = stdenv.hostPlatform.isWindows;
  exe = if windows then ".exe" else "";
  # Whether programs built here for the host can run during the build.
  canRunHost = stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages;
in
stdenv.mkDerivation {
  pname = "lua";
  version = "5.4.4";
  src = fetchurl {
    url = "mirror://debian/pool/main/l/lua5.4/lua5.4_5.4.4.orig.tar.gz";
    hash = "sha256-Fkx4SWU7gK5nvsS3RzuIS/XMjS3KBWU0dewu0nuev2E=";
  };
  # Headers in `dev`; liblua.a, the only library, stays with the programs.
  outputs = [ "out" "dev" ];
  dontConfigure = true;
  buildPhase = ''
    runHook preBuild
    make -C src -j$NIX_BUILD_CORES ${if windows then "mingw" else "linux"} \
      CC="$CC -std=gnu99" AR="$AR rcu" RANLIB="$RANLIB"
    ${lib.optionalString canRunHost ''
      echo 'print("precompiled " .. (1 + 1))' > precompiled.lua
      $emulator src/luac${exe} -o precompiled.luac precompiled.lua
    ''}
    runHook postBuild
  '';
  installPhase = ''
    runHook preInstall
    mkdir -p $out/bin $out/include $out/lib $out/share/lua/5.4
    cp src/lua${exe} src/luac${exe} $out/bin/
    ${lib.optionalString windows "cp src/lua54.dll $out/bin/"}
    cp src/lua.h src/luaconf.h src/lualib.h src/lauxlib.h src/lua.hpp $out/include/
    ${lib.optionalString (!windows) "cp src/liblua.a $out/lib/"}
    ${lib.optionalString canRunHost "cp precompiled.luac $out/share/lua/5.4/"}
    runHook postInstall
  '';
  doCheck = true;
  # One run checks both the interpreter and the chunk luac precompiled: when
  # cross compiling, every run starts the emulator (qemu, wine) anew.
  checkPhase = ''
    [ "$($emulator src/lua${exe} -e 'print(1+1)' precompiled.luac | tr -d '\r')" = $'2\nprecompiled 2' ]
  '';
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
