# Every dynamically linked Linux target of the package matrix (matrix.txt's
# `#target` lines) has a pure stdenv (`config.xnixPure = true`) whose
# compiler links programs against the lock's C library: the interpreter it
# writes into programs and their run path are in the store (the same path,
# the C library), the interpreter is the one that target's ABI names, and
# the builders run in a root of locked packages. A matrix target added
# without pure coverage fails here (its name is missing from `loaders`).
# Evaluation only.
{ xnixpkgs }:
let
  pkgs = import xnixpkgs { config.xnixPure = true; };
  lines = builtins.filter builtins.isString (builtins.split "\n" (builtins.readFile ../matrix.txt));
  # "#target <name> :: <attribute prefix> :: ..." -> { name; set; }
  targets = builtins.concatMap
    (l:
      let m = builtins.match "#target ([^ ]+) :: ([^ ]*) :: .*" l; in
      if m == null then [ ] else [{
        name = builtins.elemAt m 0;
        set = builtins.foldl' (s: a: s.${a}) pkgs
          (builtins.filter (a: a != "") (builtins.filter builtins.isString (builtins.split "[.]" (builtins.elemAt m 1))));
      }])
    lines;
  # What the dynamic linker of each target's ABI is called (the ELF
  # interpreter a program for it asks for).
  loaders = {
    native = "ld-linux-x86-64.so.2";
    aarch64-multiplatform = "ld-linux-aarch64.so.1";
    riscv64 = "ld-linux-riscv64-lp64d.so.1";
    armv7l-hf-multiplatform = "ld-linux-armhf.so.3";
    gnu32 = "ld-linux.so.2";
    powernv = "ld64.so.2";
    s390x = "ld64.so.1";
    mips-linux-gnu = "ld.so.1";
    mipsel-linux-gnu = "ld.so.1";
    mips64el-linux-gnuabi64 = "ld.so.1";
    mips64-linux-gnuabi64 = "ld.so.1";
    armv5tel-multiplatform = "ld-linux.so.3";
    raspberryPi = "ld-linux-armhf.so.3";
  };
  # Static (musl64: Debian's musl-gcc links everything statically), Windows
  # and clang (pkgsLLVM) targets are not this test's: they have no
  # interpreter, or a compiler of their own.
  dynamicGnu = t: let h = t.set.stdenv.hostPlatform; in
    h.isLinux && !h.isStatic && !t.set.stdenv.cc.xnixToolchain.alwaysStatic && !(h.useLLVM or false);
  store = builtins.storeDir + "/";
  inStore = path: builtins.substring 0 (builtins.stringLength store) path == store;
  storePathOf = path: builtins.head (builtins.match "(${store}[^/]+)/.*" path);
  flagValues = prefix: flags: builtins.concatMap
    (f: let m = builtins.match "${prefix}(.*)" f; in if m == null then [ ] else m)
    flags;
  check = t:
    let
      cc = t.set.stdenv.cc;
      # (every run's flags, and those of runs that link where the wrapper
      # keeps them apart)
      flags = cc.drvAttrs.baseFlags ++ cc.drvAttrs.linkFlags or [ ];
      interpreters = flagValues "-Wl,--dynamic-linker=" flags;
      rpaths = flagValues "-Wl,-rpath," flags;
      interpreter = builtins.head interpreters;
      ok = loaders ? ${t.name}
        && builtins.length interpreters == 1 && inStore interpreter
        && baseNameOf interpreter == loaders.${t.name}
        && builtins.length rpaths == 1 && storePathOf (builtins.head rpaths) == storePathOf interpreter
        && cc.drvAttrs ? __xnixRoot && !(cc.drvAttrs ? __impureHostDeps)
        && t.set.hello.drvAttrs ? __xnixRoot;
    in
    if ok then true
    else builtins.trace "pure-linux-targets: ${t.name}: interpreter flags ${builtins.toJSON interpreters}, run paths ${builtins.toJSON rpaths}" false;
  checked = builtins.filter dynamicGnu targets;
in
builtins.length checked >= 13 && builtins.all check checked
