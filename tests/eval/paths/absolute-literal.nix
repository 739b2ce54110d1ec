/foo/bar/baz
