# gcc for POWER has no -march: a gcc.arch there is an error naming gcc.cpu.
# expect-error: take the processor as gcc.cpu
{ xnixpkgs }:
(import xnixpkgs { crossSystem = { config = "powerpc64le-unknown-linux-gnu"; gcc.arch = "power9"; }; }).hello.drvPath
