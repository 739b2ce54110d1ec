map (t: builtins.hashFile t ./lib/text.txt) [ "md5" "sha1" "sha256" "sha512" ]
