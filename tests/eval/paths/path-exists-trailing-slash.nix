# A trailing `/` or `/.` asks for a directory: a file so named does not exist.
let here = toString ./.; file = toString ./path-exists-trailing-slash.nix; in
map builtins.pathExists [ "${here}/" "${here}/." file "${file}/" "${file}/." "/" "/." "${here}/missing/" ]
