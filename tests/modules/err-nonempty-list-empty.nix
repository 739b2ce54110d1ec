# addCheck on a container (nonEmptyListOf): a list that fails the extra
# check is a TypeError showing that definition.
lib: with lib; {
  modules = [
    { options.l = mkOption { type = types.nonEmptyListOf types.int; }; }
    { l = [ ]; }
  ];
}
