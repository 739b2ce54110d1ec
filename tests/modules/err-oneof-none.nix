# A definition no member of oneOf accepts names the option, the whole
# type and the file of the bad value.
lib: with lib; {
  modules = [
    { options.o = mkOption { type = types.oneOf [ types.int types.str (types.listOf types.bool) ]; }; }
    { o = { not = "accepted"; }; }
  ];
}
