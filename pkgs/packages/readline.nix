# GNU Readline: autotools, over ncurses (the shared library links it, so
# programs need not name it).
{ lib, stdenv, fetchurl, ncurses }:
stdenv.mkDerivation {
  pname = "readline";
  version = "8.2";
  src = fetchurl {
    url = "mirror://debian/pool/main/r/readline/readline_8.2.orig.tar.gz";
    hash = "sha256-P+txcfFqhO6CyhijbXub4QmlLAT0kqBTMx19EJUAfDU=";
  };
  outputs = [ "out" "dev" ];
  # A static link of readline needs ncurses too.
  propagatedBuildInputs = [ ncurses ];
  configureFlags = [ "--with-curses" "--with-shared-termcap-library" "--disable-install-examples" ];
  meta.platforms = lib.systems.doubles.linux;
}
