let lib = import ./lib/mini-lib.nix; in with lib; stringToCharacters "nix!"
