(import <nix/fetchurl.nix> { url = "http://example.org/file.tar.gz"; sha256 = "0000000000000000000000000000000000000000000000000000"; }).drvPath
