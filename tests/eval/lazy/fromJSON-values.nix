builtins.fromJSON "{\"a\": [1, 2], \"b\": {\"c\": null}}"
