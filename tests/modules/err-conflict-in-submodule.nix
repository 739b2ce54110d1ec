# Two equal-priority, different definitions of an option inside one
# attrsOf-submodule element: the error names the full path and both files.
lib: with lib; {
  modules = [
    { options.s = mkOption { type = types.attrsOf (types.submodule { options.port = mkOption { type = types.port; }; }); }; }
    ./files/define-sub-port-a.nix
    ./files/define-sub-port-b.nix
  ];
}
