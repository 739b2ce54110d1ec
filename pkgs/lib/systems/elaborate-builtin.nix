# The ONE place the collection calls xnix's platform builtin. `xnixElaboratePlatform`
# takes a system string (double, triple or catalogue name) or an attribute set
# (`{ config = "riscv64-unknown-linux-gnu"; }`) and returns every non-function
# attribute of the elaborated platform. Under a Nix without that builtin, a
# development stand-in may be given on the search path as <xnix-dev-shim>.
if builtins ? xnixElaboratePlatform then builtins.xnixElaboratePlatform
else if builtins.tryEval <xnix-dev-shim> ? value && (builtins.tryEval <xnix-dev-shim>).success then import <xnix-dev-shim>
else throw "xnixpkgs: platform elaboration needs xnix's builtin `xnixElaboratePlatform`; evaluate with `xnix eval`/`xnix build`, or under another Nix pass `-I xnix-dev-shim=<file>` giving a compatible function"
