# libffi: autotools; calls functions whose signature is known only at run
# time (Python's ctypes, GLib). Its test suite needs DejaGnu: instead a small
# program calls through the installed library.
{ lib, stdenv, buildPackages, fetchurl }:
let
  canRunHost = !stdenv.hostPlatform.isWindows && (stdenv.buildPlatform.canExecute stdenv.hostPlatform
    || stdenv.hostPlatform.emulatorAvailable buildPackages);
in
stdenv.mkDerivation {
  pname = "libffi";
  version = "3.4.4";
  src = fetchurl {
    url = "mirror://debian/pool/main/libf/libffi/libffi_3.4.4.orig.tar.gz";
    hash = "sha256-1mxWrSWags8qnfxAizK/XaUjcVALhHRff7i2RXEt9nY=";
  };
  outputs = [ "out" "dev" ];
  configureFlags = [ "--disable-docs" "--disable-multi-os-directory" ];
  postInstall = lib.optionalString canRunHost ''
    cat > ffi-call.c <<'C'
    #include <ffi.h>
    #include <stdio.h>
    static long add3(long a, int b, double c) { return a + b + (long)c; }
    int main(void) {
      ffi_cif cif;
      ffi_type *args[3] = { &ffi_type_slong, &ffi_type_sint, &ffi_type_double };
      long a = 30; int b = 10; double c = 2.0; void *values[3] = { &a, &b, &c };
      ffi_arg result;
      if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_slong, args) != FFI_OK) return 1;
      ffi_call(&cif, FFI_FN(add3), &result, values);
      printf("%ld\n", (long)result);
      return 0;
    }
    C
    $CC -I$dev/include ffi-call.c -L$out/lib -lffi -Wl,-rpath,$out/lib -o ffi-call
    [ "$($emulator ./ffi-call)" = 42 ]
  '';
  meta.platforms = lib.systems.doubles.linux ++ lib.systems.doubles.windows;
}
