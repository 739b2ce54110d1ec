# Expat, the XML parser: its CMake build (C only without the tests).
{ lib, stdenv, buildPackages, fetchurl, cmake }:
let
  hp = stdenv.hostPlatform;
  canRunHost = !hp.isWindows && (stdenv.buildPlatform.canExecute hp || hp.emulatorAvailable buildPackages);
in
stdenv.mkDerivation {
  pname = "expat";
  version = "2.5.0";
  src = fetchurl {
    url = "mirror://debian/pool/main/e/expat/expat_2.5.0.orig.tar.gz";
    hash = "sha256-qwDuBccGf9EKNcXSpJIuu6dG3dUP+Dt5yCjaF7vfF1c=";
  };
  outputs = [ "out" "dev" ];
  nativeBuildInputs = [ cmake ];
  # The tarball is the repository's tree: the library is in expat/.
  preConfigure = ''
    cd expat
  '';
  # CMake would clear at install the run path the compiler wrapper set.
  cmakeFlags = [ "-DCMAKE_SKIP_RPATH=ON" "-DEXPAT_BUILD_TESTS=OFF" "-DEXPAT_BUILD_EXAMPLES=OFF" "-DEXPAT_BUILD_DOCS=OFF" ]
    ++ lib.optional (hp.isStatic || hp.isMusl) "-DEXPAT_SHARED_LIBS=OFF";
  # xmlwf, the checker, accepts a well-formed document and names the error of another.
  postInstall = lib.optionalString canRunHost ''
    # (xmlwf exits non-zero on a document with errors.)
    [ -z "$(echo '<a><b/></a>' | $emulator $out/bin/xmlwf)" ]
    case "$(echo '<a><b></a>' | $emulator $out/bin/xmlwf || true)" in
      *"mismatched tag"*) ;;
      *) echo "xmlwf did not report the mismatched tag" >&2; exit 1 ;;
    esac
  '';
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
