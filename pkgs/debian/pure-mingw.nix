# Windows (mingw-w64) in the pure environment: Debian's mingw-w64 gcc (the
# win32 thread model) and its Windows headers and import libraries from the
# amd64 lock, in a root beside the standard tools and the native gcc (which
# compiles a build's own helper programs).
#
# A Windows program has no run path: it finds its DLLs beside itself or in
# Windows' own directories. So gcc's run-time libraries (libgcc, libstdc++)
# are linked into every program and DLL (`-static-libgcc -static-libstdc++`),
# leaving imports of Windows' own DLLs (KERNEL32, msvcrt, ...) only, and the
# standard environment copies the DLLs of dependencies beside the programs
# that import them (setup.sh `copyWindowsDlls`).
{ root, defaultGroups }:
let
  # By CPU (nixpkgs' `parsed.cpu.name`): the amd64 lock's group with the
  # compiler, binutils and the mingw-w64 headers and libraries.
  groups = {
    x86_64 = "mingw-w64-x86-64";
    i686 = "mingw-w64-i686";
  };
  cpuOf = p: p.parsed.cpu.name;
in
{
  supports = p: p.isWindows && groups ? ${cpuOf p} && !(p.useLLVM or false);
  root = p: root { groups = defaultGroups ++ [ groups.${cpuOf p} ]; };
  linkFlags = [ "-static-libgcc" "-static-libstdc++" ];
}
