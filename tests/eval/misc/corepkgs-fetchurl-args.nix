builtins.functionArgs (import <nix/fetchurl.nix>)
