# curl: autotools, with TLS from the collection's OpenSSL and compression
# from its zlib; every other optional library is left out (the build
# machine's would be found otherwise).
{ lib, stdenv, buildPackages, fetchurl, pkg-config, openssl, zlib }:
let
  hp = stdenv.hostPlatform;
  canRunHost = !hp.isWindows && (stdenv.buildPlatform.canExecute hp || hp.emulatorAvailable buildPackages);
in
stdenv.mkDerivation {
  pname = "curl";
  version = "7.88.1";
  src = fetchurl {
    url = "mirror://debian/pool/main/c/curl/curl_7.88.1.orig.tar.gz";
    hash = "sha256-zbOLcuNrxdM9W4gQ+AGOzhuqKajyFbRJXkld7YK788c=";
  };
  outputs = [ "out" "dev" ];
  nativeBuildInputs = [ pkg-config ];
  # libcurl's users link OpenSSL and zlib too when it is a static library.
  propagatedBuildInputs = [ openssl zlib ];
  configureFlags = [
    "--with-openssl"
    "--with-zlib"
    "--without-libpsl"
    "--without-brotli"
    "--without-zstd"
    "--without-libidn2"
    "--without-nghttp2"
    "--without-librtmp"
    "--without-libssh2"
    "--without-libgsasl"
    "--disable-ldap"
    "--disable-manual"
  ] ++ lib.optionals (!hp.isWindows) [
    # Where Debian and most distributions keep the system's certificates.
    "--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt"
    "--without-ca-path"
  ];
  # curl-config prints the include and library flags: it belongs with the
  # headers (in `out` it would make `out` and `dev` name each other).
  postInstall = ''
    moveToOutput bin/curl-config "$dev"
  '' + lib.optionalString canRunHost ''
    echo "hello curl" > hello.txt
    [ "$($emulator $out/bin/curl -sS file://$PWD/hello.txt)" = "hello curl" ]
  '';
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
