# A container type given a value of the wrong kind: nixpkgs words it as a
# TypeError showing the failing definitions only.
lib: with lib; {
  modules = [
    { options.l = mkOption { type = types.listOf types.str; }; }
    { l = [ "fine" ]; }
    { l = "not a list"; }
  ];
}
