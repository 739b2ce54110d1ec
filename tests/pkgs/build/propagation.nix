# Build test: a library that propagates zlib (propagatedBuildInputs) gives its
# dependents zlib's headers and libraries; a program for the host is compiled
# against them and run (through $emulator when cross compiling). Also checks
# which compilers the setup hooks exported: CC for the host, CC_FOR_BUILD for
# the build machine (from depsBuildBuild).
pkgs:
let
  inherit (pkgs) stdenv zlib buildPackages;
  zlibUser = stdenv.mkDerivation {
    name = "zlib-user";
    dontUnpack = true;
    propagatedBuildInputs = [ zlib ];
    installPhase = ''
      mkdir -p $out/include
      echo '#include <zlib.h>' > $out/include/zlib-user.h
    '';
  };
in
stdenv.mkDerivation {
  name = "propagation-test";
  dontUnpack = true;
  depsBuildBuild = [ buildPackages.stdenv.cc ];
  buildInputs = [ zlibUser ];
  buildPhase = ''
    printf '#include <zlib-user.h>\n#include <stdio.h>\nint main(void) { printf("zlib %%s\\n", zlibVersion()); return 0; }\n' > t.c
    $CC t.c ${if stdenv.hostPlatform.isWindows then "-lzlib" else "-lz"} -o t
    ${if stdenv.hostPlatform.isWindows || stdenv.hostPlatform.isStatic || stdenv.hostPlatform.isMusl then "" else ''
      # Linked against the store's zlib, not one the build machine may have.
      $READELF -d t | grep -q "${zlib}/lib"
    ''}    printf 'int main(void) { return 0; }\n' > b.c
    $CC_FOR_BUILD b.c -o b && ./b
    case "$CC" in */${stdenv.cc.targetPrefix}cc) ;; *) echo "CC is $CC" >&2; exit 1 ;; esac
    case "$CC_FOR_BUILD" in */bin/cc) ;; *) echo "CC_FOR_BUILD is $CC_FOR_BUILD" >&2; exit 1 ;; esac
  '';
  # Windows has no run path: every DLL t.exe imports besides Windows' own
  # (zlib's) must lie beside it once the fixup has run.
  postFixup = if stdenv.hostPlatform.isWindows then ''
    for dll in $($OBJDUMP -p $out/bin/t.exe | sed -n 's/^[[:space:]]*DLL Name: //p'); do
      case "$dll" in KERNEL32.dll|msvcrt.dll) ;; *) [ -f "$out/bin/$dll" ] || { echo "t.exe imports $dll, which is not beside it" >&2; exit 1; } ;; esac
    done
    [ -f $out/bin/libzlib.dll ]
  '' else null;
  installPhase = ''
    mkdir -p $out/bin
    cp t* $out/bin/
    ${if stdenv.buildPlatform.canExecute stdenv.hostPlatform || stdenv.hostPlatform.emulatorAvailable buildPackages
      then ''[ "$($emulator ./t)" = "zlib 1.2.13" ] && echo ran > $out/ok''
      else "echo built > $out/ok"}
  '';
}
