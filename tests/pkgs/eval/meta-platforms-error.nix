# A package whose meta.platforms excludes the host fails to evaluate; others don't.
{ xnixpkgs }:
let w = (import xnixpkgs { }).pkgsCross.mingwW64; in
!(builtins.tryEval w.pigz.outPath).success && (builtins.tryEval w.hello.outPath).success
