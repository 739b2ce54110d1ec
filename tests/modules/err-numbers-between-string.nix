# numbers.between is a check on either int float: a string fails the
# either itself, and the message says neither type takes it.
lib: with lib; {
  modules = [
    { options.n = mkOption { type = types.numbers.between 0 10; }; }
    { n = "five"; }
  ];
}
