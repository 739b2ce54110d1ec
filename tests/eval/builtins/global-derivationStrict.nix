# derivationStrict is a global name in Nix 2.8 (registered without the __ prefix).
builtins.typeOf derivationStrict
