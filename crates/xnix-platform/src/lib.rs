//! Platforms as nixpkgs models them: parsing doubles and triples, elaborating
//! platform descriptions, the `pkgsCross` catalogue, `canExecute` and emulators.
