map builtins.parseDrvName [ "hello-2.10" "nix-unstable-2022-01-01" "foo" "foo-bar-baz" "gcc-wrapper-11.2.0" "a-1b" "x-" "-1" ]
