# replaceStrings does not call __toString on its subject.
builtins.replaceStrings [ "a" ] [ "b" ] { __toString = s: "abc"; }
