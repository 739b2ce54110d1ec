# Rust packages built with Debian's Rust: `rustPlatform.buildRustPackage`.
#
# Everything comes from the Debian lock (pkgs/debian), each `.deb` a
# fixed-output path pinned by its SHA-256:
# - the compiler and cargo: the amd64 lock's `rust` group (rustc, cargo and
#   the libraries they load), unpacked into one tree and wrapped so that they
#   find those libraries (the tree has no run paths of its own);
# - the standard library of the platform a package is built for: Debian ships
#   `libstd-rust-dev` per architecture (Multi-Arch: same, made for exactly
#   this), each the `rust-std` group of that architecture's lock; rustc takes
#   it as the sysroot of the target (`--sysroot`), the build machine's own
#   stays in the compiler's tree for build scripts and procedural macros;
# - the crates: the `librust-*-dev` packages of a lock group, unpacked into a
#   directory source (`/usr/share/cargo/registry/<crate>-<version>`) that
#   replaces the registry; the package's Cargo.lock pins each crate's version
#   and the checksum cargo checks against the crate's `.cargo-checksum.json`.
#   cargo runs `--frozen` (offline, the lock as it is), so a build reads
#   nothing but these store paths.
# The linker is the C compiler of the package's stdenv (the cross gcc when
# cross compiling), and of the build machine's stdenv for build scripts.
{ lib, stdenv, buildPackages }:
let
  debian = import ../../debian { };
  amd64 = debian.locks.amd64;
  inherit (stdenv) buildPlatform hostPlatform;

  # The platforms with a standard library in Debian: the Rust target's CPU
  # name and the Debian architecture (bookworm has no riscv64 port, hence no
  # riscv64 standard library).
  rustCpus = {
    x86_64 = { rustCpu = "x86_64"; debArch = "amd64"; };
    aarch64 = { rustCpu = "aarch64"; debArch = "arm64"; };
    armv7l = { rustCpu = "armv7"; debArch = "armhf"; };
    i686 = { rustCpu = "i686"; debArch = "i386"; };
    powerpc64le = { rustCpu = "powerpc64le"; debArch = "ppc64el"; };
    s390x = { rustCpu = "s390x"; debArch = "s390x"; };
  };
  cpuOf = p: p.parsed.cpu.name;
  abiOf = p: p.parsed.abi.name;
  supports = p: rustCpus ? ${cpuOf p} && p.isLinux && !(p.isStatic or false)
    && (abiOf p == "gnu" || (cpuOf p == "armv7l" && abiOf p == "gnueabihf"));
  # The Rust target name of a supported platform (`armv7-unknown-linux-gnueabihf`).
  rustTargetOf = p: "${rustCpus.${cpuOf p}.rustCpu}-unknown-linux-${abiOf p}";

  # The systems `meta.platforms` of a Rust package lists.
  platforms = map (c: "${c}-linux") (builtins.attrNames rustCpus);

  notSupported = p: throw ("rustPlatform: no Rust standard library for ${p.config}: Debian bookworm ships "
    + "libstd-rust-dev for ${lib.concatStringsSep ", " (builtins.attrNames rustCpus)} (glibc, not static) only; it has no riscv64 port");

  shared = amd64.closures.gcc-native ++ amd64.closures.libc ++ [ "gcc" "cpp" ];
  # rustc, cargo and what they load, but the C compiler and C library the
  # stdenv provides.
  compilerDebs = builtins.filter (n: !(builtins.elem n shared)) amd64.closures.rust;
  rustcVersion = (builtins.head (builtins.filter (e: e.package == "rustc") amd64.packages)).version;
  upstreamVersion = builtins.head (builtins.split "\\+" rustcVersion);

  compilerTree = debian.unpackDebs {
    name = "debian-bookworm-amd64-rust-${upstreamVersion}";
    debs = map (n: debian.debs.amd64.${n}) compilerDebs;
  };

  # `bin/{rustc,cargo,rustdoc}` running the tree's programs with its libraries.
  toolchain = buildPackages.runCommandWith
    {
      name = "rust-${upstreamVersion}";
      derivationArgs = { tree = compilerTree; };
    } ''
    mkdir -p $out/bin
    for p in rustc rustdoc cargo; do
      printf '#!/bin/sh\nLD_LIBRARY_PATH=%s/usr/lib/x86_64-linux-gnu''${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} exec %s/usr/bin/%s "$@"\n' \
        "$tree" "$tree" "$p" > $out/bin/$p
      chmod +x $out/bin/$p
    done
  '';

  # The standard library of a Debian architecture other than the build
  # machine's: a sysroot holding `lib/rustlib/<target>/lib`.
  stdSysroot = debArch:
    let
      lock = debian.locks.${debArch};
      names = builtins.filter (n: lib.hasPrefix "libstd-rust-" n) lock.closures.rust-std;
    in
    debian.unpackDebs {
      name = "debian-bookworm-${debArch}-rust-std-${upstreamVersion}";
      debs = map (n: debian.debs.${debArch}.${n}) names;
    };

  # The `librust-*-dev` packages of the amd64 lock's group `group` as a
  # cargo directory source (their sources are the same on every architecture).
  vendorCrates = group: debian.unpackDebs {
    name = "${group}-vendor";
    debs = map (n: debian.debs.amd64.${n}) (builtins.filter (lib.hasPrefix "librust-") amd64.closures.${group});
  };

  buildRustPackage =
    { pname
    , version
    , src
      # The Cargo.lock the build uses (replacing the source's): the versions
      # of the crates of `cratesGroup`, as `cargo generate-lockfile` wrote
      # it against them.
    , cargoLock
      # The amd64 lock's group of `librust-*-dev` packages the crates come from.
    , cratesGroup
    , cargoBuildFlags ? [ ]
    , nativeBuildInputs ? [ ]
    , depsBuildBuild ? [ ]
    , meta ? { }
    , ...
    }@args:
    let
      cross = buildPlatform.config != hostPlatform.config;
      rustTarget = rustTargetOf hostPlatform;
      buildTarget = rustTargetOf buildPlatform;
      sysroot = stdSysroot rustCpus.${cpuOf hostPlatform}.debArch;
      vendor = vendorCrates cratesGroup;
    in
    if buildPlatform.system != "x86_64-linux" then
      throw "rustPlatform: Debian's Rust compiler comes from the amd64 lock; build on x86_64-linux (this build machine is ${buildPlatform.system})"
    else if !(supports hostPlatform) then notSupported hostPlatform
    else
      stdenv.mkDerivation (builtins.removeAttrs args [ "cargoLock" "cratesGroup" "cargoBuildFlags" ] // {
        nativeBuildInputs = [ toolchain ] ++ nativeBuildInputs;
        depsBuildBuild = lib.optional cross buildPackages.stdenv.cc ++ depsBuildBuild;
        inherit rustTarget buildTarget cargoLock vendor;
        rustSysroot = if cross then "${sysroot}/usr" else "";
        cargoBuildFlags = lib.concatStringsSep " " cargoBuildFlags;
        configurePhase = args.configurePhase or ''
          runHook preConfigure
          cp "$cargoLock" Cargo.lock
          chmod u+w Cargo.lock
          export CARGO_HOME=$PWD/.cargo-home
          mkdir -p .cargo "$CARGO_HOME"
          {
            echo '[source.crates-io]'
            echo 'replace-with = "debian-vendored"'
            echo '[source.debian-vendored]'
            echo "directory = \"$vendor/usr/share/cargo/registry\""
            echo "[target.$rustTarget]"
            echo "linker = \"$CC\""
            if [ -n "$rustSysroot" ]; then
              echo "rustflags = [\"--sysroot\", \"$rustSysroot\"]"
              echo "[target.$buildTarget]"
              echo "linker = \"$CC_FOR_BUILD\""
            fi
          } > .cargo/config.toml
          runHook postConfigure
        '';
        buildPhase = args.buildPhase or ''
          runHook preBuild
          export CARGO_HOME=$PWD/.cargo-home CARGO_PROFILE_RELEASE_DEBUG=0
          cargo build --release --frozen --offline --target "$rustTarget" -j "$NIX_BUILD_CORES" $cargoBuildFlags
          runHook postBuild
        '';
        installPhase = args.installPhase or ''
          runHook preInstall
          mkdir -p $out/bin
          for f in target/$rustTarget/release/*; do
            if [ -f "$f" ] && [ -x "$f" ]; then cp "$f" $out/bin/; fi
          done
          runHook postInstall
        '';
        meta = { inherit platforms; } // meta;
        passthru = (args.passthru or { }) // { inherit toolchain vendor rustTarget; };
      });
in
{
  inherit buildRustPackage toolchain compilerTree stdSysroot vendorCrates rustTargetOf platforms;
  rustc = toolchain;
  cargo = toolchain;
}
