# fetchurl exists only as builtins.fetchurl, not as a global name.
builtins.typeOf fetchurl
