# Build test: the platform's `gcc` settings (nixpkgs' `hostPlatform.gcc`)
# reach the code the stdenv's compiler emits.
#   - 32-bit ARM: an object's `Tag_CPU_arch` (readelf -A) is the
#     architecture of `gcc.arch` (v6KZ for raspberryPi, where Debian's armhf
#     default is v7); the linked program is recorded too, since its C
#     library and crt files come from Debian and may be newer.
#   - MIPS: `__mips_isa_rev` and `_MIPS_SIM` follow `gcc.arch` and `gcc.abi`.
#   - x86_64 (native, not musl): the same collection with `gcc.arch =
#     "x86-64-v3"` defines `__AVX2__`, this set's compiler does not, and a
#     program built by each says so when run (where the processor has AVX2).
# Other platforms only check that the compiler accepts the flags.
pkgs:
let
  inherit (pkgs) stdenv lib;
  p = stdenv.hostPlatform;
  gcc = p.gcc or { };
  # The set built for the same platform with gcc.arch = "x86-64-v3".
  v3 = import ../../../pkgs { localSystem = { config = p.config; gcc.arch = "x86-64-v3"; }; };
  x86Native = p.isx86_64 && p.isLinux && !p.isMusl && !p.isStatic && p.config == stdenv.buildPlatform.config;
  # The program both compilers build for the x86_64 check.
  avx2Program = ''
    printf '#include <stdio.h>\nint main(void) {\n#ifdef __AVX2__\nputs("avx2");\n#else\nputs("no avx2");\n#endif\nreturn 0; }\n' > avx.c
  '';
  v3Build = v3.stdenv.mkDerivation {
    name = "machine-flags-x86-64-v3";
    dontUnpack = true;
    buildPhase = ''
      ${avx2Program}
      $CC avx.c -o avx
      # (a file, not a pipe: grep -q stopping early would fail the compiler)
      $CC -dM -E -x c /dev/null > macros
      grep -q '^#define __AVX2__ 1$' macros
    '';
    installPhase = "mkdir -p $out/bin && cp avx $out/bin/";
  };
  armDigit = builtins.head (builtins.match "armv([0-9]+).*" gcc.arch);
  mipsRev = builtins.match "mips(32|64)r([0-9]+)" (gcc.arch or "");
  mipsSim = { "32" = "_ABIO32"; "n32" = "_ABIN32"; "64" = "_ABI64"; }.${gcc.abi or ""} or null;
in
stdenv.mkDerivation {
  name = "machine-flags-test";
  dontUnpack = true;
  buildPhase = ''
    printf 'int f(int x) { return x * 3; }\n' > f.c
    $CC -c f.c -o f.o
    $CC -dM -E -x c /dev/null > macros
    echo "flags: ${toString stdenv.cc.machineFlags}" > result
  '' + lib.optionalString (p.isAarch32 && gcc ? arch) ''
    object=$($READELF -A f.o | sed -n 's/^ *Tag_CPU_arch: //p')
    echo "object Tag_CPU_arch: $object" >> result
    case "$object" in v${armDigit}*) ;; *) echo "f.o is for $object, not ${gcc.arch}" >&2; exit 1 ;; esac
    grep -qx '#define __ARM_ARCH ${armDigit}' macros || { grep __ARM_ARCH macros >&2; exit 1; }
    printf 'int main(void) { return 0; }\n' > m.c
    $CC m.c -o m
    echo "linked program Tag_CPU_arch: $($READELF -A m | sed -n 's/^ *Tag_CPU_arch: //p')" >> result
  '' + lib.optionalString (mipsRev != null) ''
    grep -qx '#define __mips_isa_rev ${builtins.elemAt mipsRev 1}' macros || { grep __mips_isa_rev macros >&2; exit 1; }
  '' + lib.optionalString (p.isMips && mipsSim != null) ''
    grep -qx '#define _MIPS_SIM ${mipsSim}' macros || { grep _MIPS_SIM macros >&2; exit 1; }
    echo "mips: $(grep -E '__mips_isa_rev|_MIPS_SIM ' macros | tr '\n' ' ')" >> result
  '' + lib.optionalString x86Native ''
    ${avx2Program}
    $CC avx.c -o avx
    if grep -q '^#define __AVX2__' macros; then echo "the default compiler defines __AVX2__" >&2; exit 1; fi
    [ "$(./avx)" = "no avx2" ]
    if grep -qw avx2 /proc/cpuinfo; then
      [ "$(${v3Build}/bin/avx)" = avx2 ]
      echo "x86-64-v3 program: $(${v3Build}/bin/avx); default: $(./avx)" >> result
    else
      echo "x86-64-v3 program built (this processor has no AVX2 to run it)" >> result
    fi
  '';
  installPhase = ''
    mkdir -p $out
    cp f.o macros $out/
    tr '\n' ';' < result > $out/ok
  '';
}
