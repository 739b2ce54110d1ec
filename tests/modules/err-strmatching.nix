lib: with lib; { modules = [ { options.h = mkOption { type = types.strMatching "[a-z]+"; }; } { h = "Upper"; } ]; }
