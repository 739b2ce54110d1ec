# buildEnv: the files of several packages merged into one tree of symlinks
# (a user environment, a system's `sw`). Directories are real directories,
# every file is a symlink to the package that provides it. Two packages
# providing the same file is an error naming both, unless both links would
# point to the same file or `ignoreCollisions` is set (the first one wins).
{ lib, runCommandWith }:
{ name
, paths
, pathsToLink ? [ "/" ]
, extraOutputsToInstall ? [ ]
, ignoreCollisions ? false
, postBuild ? ""
}:
let
  # The outputs of each package a user environment gets.
  outputsOf = p:
    let
      wanted = lib.unique ((p.meta.outputsToInstall or [ "out" ]) ++ extraOutputsToInstall);
      present = lib.filter (o: p ? ${o}) wanted;
    in
    if p.outputSpecified or false then [ p ]
    else if p ? outputs && present != [ ] then map (o: p.${o}) present
    else [ p ];
  trees = lib.unique (map toString (lib.concatMap outputsOf (lib.filter (p: p != null) paths)));
in
runCommandWith
{
  inherit name;
  derivationArgs = {
    inherit trees pathsToLink postBuild;
    ignoreCollisions = if ignoreCollisions then "1" else "";
  };
}
  ''
    mkdir -p "$out"
    for tree in $trees; do
      for sub in $pathsToLink; do
        sub=''${sub%/}
        [ -d "$tree$sub" ] || continue
        (cd "$tree$sub" && find . -mindepth 1) |
        while IFS= read -r rel; do
          rel=''${rel#./}
          src="$tree$sub/$rel"
          dst="$out$sub/$rel"
          if [ -d "$src" ] && [ ! -L "$src" ]; then
            mkdir -p "$dst"
          elif [ -e "$dst" ] || [ -L "$dst" ]; then
            if [ "$(readlink -f "$dst")" = "$(readlink -f "$src")" ] || [ -n "$ignoreCollisions" ]; then
              :
            else
              echo "buildEnv: collision between $(readlink "$dst") and $src" >&2
              echo "  (set ignoreCollisions = true to keep the first)" >&2
              exit 1
            fi
          else
            mkdir -p "$(dirname "$dst")"
            ln -s "$src" "$dst"
          fi
        done
      done
    done
    eval "$postBuild"
  ''
