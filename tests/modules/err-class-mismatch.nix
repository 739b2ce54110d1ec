lib: with lib; { class = "nixos"; modules = [ { _class = "darwin"; } ]; }
