# Derivations made by a shell command, and text files and scripts: the
# helpers system configurations (and packages) build small things with. They
# run on the build platform with the build machine's shell and coreutils (the
# stdenv's shell and host paths), need no compiler, and so build for any host.
{ lib, stdenv }:
let
  # The build machine's tools, as the stdenv's builders see them.
  toolPath = "/usr/bin:/bin";
in
rec {
  # `buildCommand` run by the shell, with `$out` to fill; `derivationArgs`
  # become further environment variables of the build.
  runCommandWith = { name, derivationArgs ? { } }: buildCommand:
    derivation ({
      inherit name buildCommand;
      system = stdenv.buildPlatform.system;
      builder = stdenv.shell;
      args = [ "-e" "-c" "export PATH=${toolPath}; eval \"$buildCommand\"" ];
    } // stdenv.sandboxAttrs // derivationArgs);

  # runCommand NAME ENV COMMAND: as nixpkgs (`ENV` holds further variables).
  runCommand = name: env: runCommandWith { inherit name; derivationArgs = env; };
  runCommandLocal = runCommand;

  # A file with `text` at `$out` (or `$out${destination}`), made executable
  # when `executable`; `checkPhase` runs after it is written.
  writeTextFile = { name, text, executable ? false, destination ? "", checkPhase ? "" }:
    runCommandWith
      {
        inherit name;
        derivationArgs = {
          inherit text destination checkPhase;
          executable = if executable then "1" else "";
          passAsFile = [ "text" ];
        };
      }
      ''
        target="$out$destination"
        mkdir -p "$(dirname "$target")"
        cp "$textPath" "$target"
        if [ -n "$executable" ]; then chmod +x "$target"; fi
        eval "$checkPhase"
      '';

  writeText = name: text: writeTextFile { inherit name text; };
  writeScript = name: text: writeTextFile { inherit name text; executable = true; };
  writeScriptBin = name: text: writeTextFile { inherit name text; executable = true; destination = "/bin/${name}"; };

  # POSIX shell scripts for `/bin/sh` of the machine they run on (every Linux
  # machine has one; the collection has no shell package yet). The text is
  # checked with the build machine's `sh -n`.
  writeShellScript = name: text: writeTextFile {
    inherit name;
    executable = true;
    text = "#!/bin/sh\n" + text;
    checkPhase = ''sh -n "$target"'';
  };
  writeShellScriptBin = name: text: writeTextFile {
    inherit name;
    executable = true;
    destination = "/bin/${name}";
    text = "#!/bin/sh\n" + text;
    checkPhase = ''sh -n "$target"'';
  };

  # One tree of symlinks to the files of `paths`.
  symlinkJoin = { name, paths, postBuild ? "" }:
    (import ./build-env.nix { inherit lib runCommandWith; }) { inherit name paths postBuild; };
}
