builtins.unsafeDiscardOutputDependency "no context here"
