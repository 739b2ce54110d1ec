# lib.systems: platform elaboration (from xnix's builtin) plus the function
# attributes a package set needs (canExecute, emulator, isCompatible, ...).
{ lib }:
let
  elaborateData = import ./elaborate-builtin.nix;

  # The platform tables, generated from xnix's platform library (the one
  # hand-maintained copy; a test there checks this file is current):
  # the pkgsCross catalogue, the CPU compatibility edges, gcc.arch inferiors.
  tables = builtins.fromJSON (builtins.readFile ./platform-tables.json);

  # Which CPUs a CPU runs natively besides itself: the edges of nixpkgs'
  # compatibility relation; `isCompatible` follows them transitively.
  runsAlso = tables.cpuRunsAlso;
  reachable = seen: todo:
    if todo == [ ] then seen
    else
      let
        n = builtins.head todo;
        next = builtins.filter (m: !(builtins.elem m seen)) (runsAlso.${n} or [ ]);
      in
      reachable (seen ++ next) (builtins.tail todo ++ next);

  # Whether a CPU `a` (a parsed cpu attribute set) runs code for CPU `b`.
  isCompatible = a: b: builtins.elem b.name (reachable [ a.name ] [ a.name ]);

  gccArch = p: p.gcc.arch or null;
  archInferiors = tables.gccArchInferiors;
  reachableArch = seen: todo:
    if todo == [ ] then seen
    else
      let next = builtins.filter (m: !(builtins.elem m seen)) (archInferiors.${builtins.head todo} or [ ]);
      in reachableArch (seen ++ next) (builtins.tail todo ++ next);
  gccArchRuns = a: b:
    gccArch b == null || (gccArch a != null && builtins.elem (gccArch b) (reachableArch [ (gccArch a) ] [ (gccArch a) ]));

  # Debian's qemu-user binaries, on the build machine.
  qemuBinary = qemuArch: "/usr/bin/qemu-${qemuArch}";

  elaborate = args:
    let
      data = elaborateData args;
      final = data // {
        # Whether binaries for `platform` run natively on this one.
        canExecute = platform:
          final.isAndroid == platform.isAndroid
          && isCompatible final.parsed.cpu platform.parsed.cpu
          && final.parsed.kernel == platform.parsed.kernel
          # Same CPU: code tuned for a gcc.arch needs that architecture here.
          && (final.parsed.cpu.name != platform.parsed.cpu.name || gccArchRuns final platform);
        isCompatible = platform: isCompatible final.parsed.cpu platform.parsed.cpu;
        # A command running this platform's programs on the machine of
        # `pkgs.stdenv.hostPlatform` (usually `buildPackages`).
        emulator = pkgs:
          if pkgs.stdenv.hostPlatform.canExecute final then "${pkgs.runtimeShell or "/bin/sh"} -c '\"$@\"' --"
          else if final.isLinux && final ? qemuArch then qemuBinary final.qemuArch
          else throw "xnixpkgs: no emulator for ${final.config} on ${pkgs.stdenv.hostPlatform.config}";
        emulatorAvailable = pkgs:
          pkgs.stdenv.hostPlatform.canExecute final
          || (final.isLinux && final ? qemuArch && builtins.pathExists (qemuBinary final.qemuArch));
      };
    in
    final;

  examples = tables.catalogue;
in
{
  inherit elaborate examples isCompatible;
  # A system string, catalogue name or attribute set, elaborated; an already
  # elaborated platform is returned as it is.
  resolve = s:
    if builtins.isAttrs s && s ? canExecute then s
    else if builtins.isString s && examples ? ${s} then elaborate examples.${s}
    else elaborate s;
  doubles = import ./doubles.nix;
}
