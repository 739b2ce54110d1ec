# The platform's `gcc` settings become the compiler wrapper's flags (as
# nixpkgs' cc-wrapper passes them), for gcc and clang, from the catalogue and
# from a user's crossSystem/localSystem; a platform without settings gets none.
{ xnixpkgs }:
let
  p = import xnixpkgs { };
  flagsOf = set: set.stdenv.cc.drvAttrs.baseFlags;
  has = set: flags: builtins.all (f: builtins.elem f (flagsOf set)) flags;
  pi = p.pkgsCross.raspberryPi;
  user = import xnixpkgs { crossSystem = { config = "aarch64-unknown-linux-gnu"; gcc.arch = "armv8.2-a"; gcc.tune = "cortex-a53"; }; };
  v3 = import xnixpkgs { localSystem = { config = "x86_64-unknown-linux-gnu"; gcc.arch = "x86-64-v3"; }; };
  mFlags = set: builtins.filter (f: builtins.match "-m.*" f != null) (flagsOf set);
  # Every catalogue entry with a toolchain here: each setting is a flag.
  withToolchain = builtins.filter (n: p.pkgsCross.${n}.xnixToolchainStatus.known) (builtins.attrNames p.pkgsCross);
  settingFlags = g: (if g ? arch then [ "-march=${g.arch}" ] else [ ])
    ++ (if g ? cpu then [ "-mcpu=${g.cpu}" ] else [ ])
    ++ (if g ? fpu then [ "-mfpu=${g.fpu}" ] else [ ])
    ++ (if g ? float-abi then [ "-mfloat-abi=${g.float-abi}" ] else [ ])
    ++ (if g ? abi then [ "-mabi=${g.abi}" ] else [ ]);
  catalogueOk = builtins.all (n: let s = p.pkgsCross.${n}; in has s (settingFlags (s.stdenv.hostPlatform.gcc or { }))) withToolchain;
in
# raspberryPi: ARMv6KZ with VFPv2, in ARM mode (Debian's armhf gcc defaults to
# Thumb-2, which ARMv6 lacks).
pi.stdenv.cc.machineFlags == [ "-march=armv6kz" "-mfpu=vfpv2" "-marm" ]
&& has pi [ "-march=armv6kz" "-mfpu=vfpv2" "-marm" ]
# the same through clang, with its target
&& has pi.pkgsLLVM [ "--target=arm-linux-gnueabihf" "-march=armv6kz" "-mfpu=vfpv2" "-marm" ]
# the preprocessor gets them too
&& pi.stdenv.cc.drvAttrs.cppFlags == [ "-march=armv6kz" "-mfpu=vfpv2" "-marm" ]
# ARMv7 keeps Debian's Thumb-2 default
&& p.pkgsCross.armv7l-hf-multiplatform.stdenv.cc.machineFlags == [ "-march=armv7-a" "-mfpu=vfpv3-d16" ]
&& p.pkgsCross.remarkable2.stdenv.cc.machineFlags == [ "-mcpu=cortex-a7" "-mfloat-abi=hard" "-mfpu=neon-vfpv4" ]
&& p.pkgsCross.mips64-linux-gnuabi64.stdenv.cc.machineFlags == [ "-march=mips64r2" "-mabi=64" ]
&& user.stdenv.cc.machineFlags == [ "-march=armv8.2-a" "-mtune=cortex-a53" ]
&& has v3 [ "-march=x86-64-v3" ]
&& mFlags p == [ ] && p.stdenv.cc.machineFlags == [ ]
&& p.pkgsCross.riscv64.stdenv.cc.machineFlags == [ ]
# a flag changes the wrapper, hence everything built with it
&& v3.stdenv.cc.drvPath != p.stdenv.cc.drvPath
&& catalogueOk && builtins.length withToolchain > 10
