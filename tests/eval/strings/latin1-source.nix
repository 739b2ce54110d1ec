# Source text that is not UTF-8 (Latin-1 in a comment é and in strings) is
# read byte for byte, as Nix reads it.
[ "café ÿ" (builtins.stringLength "éÿ") (builtins.substring 1 1 "aéb") ]
