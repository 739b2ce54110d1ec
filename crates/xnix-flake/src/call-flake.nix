# Calls a locked flake. Each node of the lock file becomes a flake, or its plain source
# tree for `flake = false`; a node's tree is fetched only when something uses it.
lockText: lockFile: rootSource: fetchLocked:
let
  lock = builtins.fromJSON lockText;

  # The node an input leads to: a node name, or a `follows` path of input names.
  target = spec: if builtins.isList spec then walk lock.root spec else spec;
  walk = key: path:
    if path == [ ] then key
    else walk (target lock.nodes.${key}.inputs.${builtins.head path}) (builtins.tail path);

  # Source information as flakes see it, with `outPath` copied lazily: forcing it is
  # what puts the tree into the store.
  withOutPath = src:
    let
      dir = /. + src.__dir;
      excluded = map (name: src.__dir + "/" + name) src.__excluded;
    in
    removeAttrs src [ "__dir" "__excluded" "__subdir" ] // {
      outPath = builtins.path {
        path = dir;
        name = "source";
        filter = path: type: !(builtins.elem path excluded);
      };
    };

  nodes = builtins.mapAttrs (key: node:
    let
      source = if key == lock.root then rootSource else fetchLocked lockFile key node.locked;
      subdir = if key == lock.root then rootSource.__subdir else node.locked.dir or "";
      flakeDir = /. + (source.__dir + (if subdir == "" then "" else "/" + subdir));
      flake = import (flakeDir + "/flake.nix");
      sourceInfo = withOutPath source;
      inputs = builtins.mapAttrs (name: spec: nodes.${target spec}) (node.inputs or { });
      outputs = flake.outputs (inputs // { self = result; });
      result = outputs // sourceInfo // {
        inherit inputs outputs sourceInfo;
        _type = "flake";
      };
    in
    if node.flake or true then result else sourceInfo
  ) lock.nodes;
in
nodes.${lock.root}
