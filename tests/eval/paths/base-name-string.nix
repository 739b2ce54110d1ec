[ (baseNameOf "/a/b/c") (baseNameOf "/a/b/") (baseNameOf "a") (baseNameOf "") (baseNameOf "/") ]
