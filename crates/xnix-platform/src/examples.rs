//! nixpkgs' example platforms (`lib.systems.examples`), the names behind
//! `pkgsCross.*`: each name with the argument set nixpkgs passes to `elaborate`.
//! Arguments are written as JSON text and decoded on use.

/// Every catalogue entry: `(name, arguments as JSON)`, sorted by name.
pub static CATALOGUE: &[(&str, &str)] = &[
    (
        "aarch64-android",
        r#"{"androidNdkVersion":"27","androidSdkVersion":"35","config":"aarch64-unknown-linux-android","libc":"bionic","useAndroidPrebuilt":false,"useLLVM":true}"#,
    ),
    (
        "aarch64-android-prebuilt",
        r#"{"androidNdkVersion":"27","androidSdkVersion":"35","config":"aarch64-unknown-linux-android","rust":{"rustcTarget":"aarch64-linux-android"},"useAndroidPrebuilt":true}"#,
    ),
    (
        "aarch64-darwin",
        r#"{"config":"arm64-apple-darwin","platform":{},"xcodePlatform":"MacOSX"}"#,
    ),
    (
        "aarch64-embedded",
        r#"{"config":"aarch64-none-elf","libc":"newlib","rust":{"rustcTarget":"aarch64-unknown-none"}}"#,
    ),
    (
        "aarch64-freebsd",
        r#"{"config":"aarch64-unknown-freebsd","useLLVM":true}"#,
    ),
    (
        "aarch64-multiplatform",
        r#"{"config":"aarch64-unknown-linux-gnu"}"#,
    ),
    (
        "aarch64-multiplatform-musl",
        r#"{"config":"aarch64-unknown-linux-musl"}"#,
    ),
    (
        "aarch64-unknown-uefi",
        r#"{"config":"aarch64-unknown-uefi","libc":null,"linker":"lld","useLLVM":true}"#,
    ),
    (
        "aarch64-windows",
        r#"{"config":"aarch64-pc-windows-msvc","useLLVM":true}"#,
    ),
    (
        "aarch64be-embedded",
        r#"{"config":"aarch64_be-none-elf","libc":"newlib"}"#,
    ),
    ("arc", r#"{"config":"arc-unknown-linux-gnu"}"#),
    (
        "arm-embedded",
        r#"{"config":"arm-none-eabi","libc":"newlib"}"#,
    ),
    (
        "arm-embedded-nano",
        r#"{"config":"arm-none-eabi","libc":"newlib-nano"}"#,
    ),
    (
        "armhf-embedded",
        r#"{"config":"arm-none-eabihf","gcc":{"arch":"armv5t","fpu":"vfp"},"libc":"newlib"}"#,
    ),
    (
        "armv5tel-multiplatform",
        r#"{"config":"armv5tel-unknown-linux-gnueabi"}"#,
    ),
    (
        "armv7a-android-prebuilt",
        r#"{"androidNdkVersion":"27","androidSdkVersion":"35","config":"armv7a-unknown-linux-androideabi","gcc":{"arch":"armv7-a","float-abi":"softfp","fpu":"vfpv3-d16"},"rust":{"rustcTarget":"armv7-linux-androideabi"},"useAndroidPrebuilt":true}"#,
    ),
    (
        "armv7l-hf-multiplatform",
        r#"{"config":"armv7l-unknown-linux-gnueabihf"}"#,
    ),
    ("avr", r#"{"config":"avr"}"#),
    (
        "ben-nanonote",
        r#"{"config":"mipsel-unknown-linux-uclibc","gcc":{"arch":"mips32","float":"soft"}}"#,
    ),
    (
        "bluefield2",
        r#"{"config":"aarch64-unknown-linux-gnu","gcc":{"arch":"armv8-a+fp+simd+crc+crypto"}}"#,
    ),
    (
        "fuloongminipc",
        r#"{"config":"mipsel-unknown-linux-gnu","gcc":{"abi":"n32","arch":"loongson2f","float":"hard"}}"#,
    ),
    ("ghcjs", r#"{"config":"javascript-unknown-ghcjs"}"#),
    ("gnu32", r#"{"config":"i686-unknown-linux-gnu"}"#),
    ("gnu64", r#"{"config":"x86_64-unknown-linux-gnu"}"#),
    ("i686-embedded", r#"{"config":"i686-elf","libc":"newlib"}"#),
    (
        "iphone64",
        r#"{"config":"arm64-apple-ios","darwinSdkVersion":"14.3","useiOSPrebuilt":true,"xcodePlatform":"iPhoneOS","xcodeVer":"12.3"}"#,
    ),
    (
        "iphone64-simulator",
        r#"{"config":"x86_64-apple-ios","darwinPlatform":"ios-simulator","darwinSdkVersion":"14.3","useiOSPrebuilt":true,"xcodePlatform":"iPhoneSimulator","xcodeVer":"12.3"}"#,
    ),
    (
        "loongarch64-linux",
        r#"{"config":"loongarch64-unknown-linux-gnu","gcc":{"arch":"la64v1.0","cmodel":"medium","strict-align":false}}"#,
    ),
    (
        "loongarch64-linux-embedded",
        r#"{"config":"loongarch64-unknown-linux-gnu","gcc":{"arch":"loongarch64","cmodel":"medium","strict-align":true}}"#,
    ),
    ("m68k", r#"{"config":"m68k-unknown-linux-gnu"}"#),
    (
        "microblaze-embedded",
        r#"{"config":"microblazeel-none-elf","libc":"newlib"}"#,
    ),
    (
        "mingw-msvcrt-i686",
        r#"{"config":"i686-w64-mingw32","libc":"msvcrt"}"#,
    ),
    (
        "mingw-msvcrt-x86_64",
        r#"{"config":"x86_64-w64-mingw32","libc":"msvcrt"}"#,
    ),
    (
        "mingw-ucrt-aarch64",
        r#"{"config":"aarch64-w64-mingw32","libc":"ucrt","rust":{"rustcTarget":"aarch64-pc-windows-gnullvm"},"useLLVM":true}"#,
    ),
    (
        "mingw-ucrt-x86_64",
        r#"{"config":"x86_64-w64-mingw32","libc":"ucrt"}"#,
    ),
    (
        "mingw-ucrt-x86_64-llvm",
        r#"{"config":"x86_64-w64-mingw32","libc":"ucrt","rust":{"rustcTarget":"x86_64-pc-windows-gnullvm"},"useLLVM":true}"#,
    ),
    (
        "mingw32",
        r#"{"config":"i686-w64-mingw32","libc":"msvcrt"}"#,
    ),
    (
        "mingwW64",
        r#"{"config":"x86_64-w64-mingw32","libc":"msvcrt"}"#,
    ),
    (
        "mips-embedded",
        r#"{"config":"mips-none-elf","libc":"newlib"}"#,
    ),
    (
        "mips-linux-gnu",
        r#"{"config":"mips-unknown-linux-gnu","gcc":{"abi":"32","arch":"mips32r2"}}"#,
    ),
    (
        "mips64-embedded",
        r#"{"config":"mips64-none-elf","libc":"newlib"}"#,
    ),
    (
        "mips64-linux-gnuabi64",
        r#"{"config":"mips64-unknown-linux-gnuabi64","gcc":{"abi":"64","arch":"mips64r2"}}"#,
    ),
    (
        "mips64-linux-gnuabin32",
        r#"{"config":"mips64-unknown-linux-gnuabin32","gcc":{"abi":"n32","arch":"mips64r2"}}"#,
    ),
    (
        "mips64el-linux-gnuabi64",
        r#"{"config":"mips64el-unknown-linux-gnuabi64","gcc":{"abi":"64","arch":"mips64r2"}}"#,
    ),
    (
        "mips64el-linux-gnuabin32",
        r#"{"config":"mips64el-unknown-linux-gnuabin32","gcc":{"abi":"n32","arch":"mips64r2"}}"#,
    ),
    (
        "mipsel-linux-gnu",
        r#"{"config":"mipsel-unknown-linux-gnu","gcc":{"abi":"32","arch":"mips32r2"}}"#,
    ),
    (
        "mmix",
        r#"{"config":"mmix-unknown-mmixware","libc":"newlib"}"#,
    ),
    ("msp430", r#"{"config":"msp430-elf","libc":"newlib"}"#),
    (
        "musl-power",
        r#"{"config":"powerpc64le-unknown-linux-musl"}"#,
    ),
    ("musl32", r#"{"config":"i686-unknown-linux-musl"}"#),
    ("musl64", r#"{"config":"x86_64-unknown-linux-musl"}"#),
    (
        "muslpi",
        r#"{"config":"armv6l-unknown-linux-musleabihf","gcc":{"arch":"armv6kz","fpu":"vfpv2"}}"#,
    ),
    ("or1k", r#"{"config":"or1k-elf","libc":"newlib"}"#),
    ("powernv", r#"{"config":"powerpc64le-unknown-linux-gnu"}"#),
    (
        "ppc-embedded",
        r#"{"config":"powerpc-none-eabi","libc":"newlib"}"#,
    ),
    (
        "ppc32",
        r#"{"config":"powerpc-unknown-linux-gnu","rust":{"rustcTarget":"powerpc-unknown-linux-gnu"}}"#,
    ),
    (
        "ppc64",
        r#"{"config":"powerpc64-unknown-linux-gnuabielfv2"}"#,
    ),
    (
        "ppc64-elfv1",
        r#"{"config":"powerpc64-unknown-linux-gnuabielfv1"}"#,
    ),
    (
        "ppc64-elfv2",
        r#"{"config":"powerpc64-unknown-linux-gnuabielfv2"}"#,
    ),
    (
        "ppc64-musl",
        r#"{"config":"powerpc64-unknown-linux-musl","gcc":{"abi":"elfv2"}}"#,
    ),
    (
        "ppcle-embedded",
        r#"{"config":"powerpcle-none-eabi","libc":"newlib"}"#,
    ),
    (
        "raspberryPi",
        r#"{"config":"armv6l-unknown-linux-gnueabihf","gcc":{"arch":"armv6kz","fpu":"vfpv2"}}"#,
    ),
    (
        "remarkable1",
        r#"{"config":"armv7l-unknown-linux-gnueabihf","gcc":{"cpu":"cortex-a9","fpu":"neon"}}"#,
    ),
    (
        "remarkable2",
        r#"{"config":"armv7l-unknown-linux-gnueabihf","gcc":{"cpu":"cortex-a7","float-abi":"hard","fpu":"neon-vfpv4"}}"#,
    ),
    ("riscv32", r#"{"config":"riscv32-unknown-linux-gnu"}"#),
    (
        "riscv32-embedded",
        r#"{"config":"riscv32-none-elf","libc":"newlib"}"#,
    ),
    ("riscv64", r#"{"config":"riscv64-unknown-linux-gnu"}"#),
    (
        "riscv64-embedded",
        r#"{"config":"riscv64-none-elf","libc":"newlib"}"#,
    ),
    ("riscv64-musl", r#"{"config":"riscv64-unknown-linux-musl"}"#),
    ("rx-embedded", r#"{"config":"rx-none-elf","libc":"newlib"}"#),
    ("s390", r#"{"config":"s390-unknown-linux-gnu"}"#),
    ("s390x", r#"{"config":"s390x-unknown-linux-gnu"}"#),
    ("sh4", r#"{"config":"sh4-unknown-linux-gnu"}"#),
    ("ucrt64", r#"{"config":"x86_64-w64-mingw32","libc":"ucrt"}"#),
    (
        "ucrtAarch64",
        r#"{"config":"aarch64-w64-mingw32","libc":"ucrt","rust":{"rustcTarget":"aarch64-pc-windows-gnullvm"},"useLLVM":true}"#,
    ),
    ("vc4", r#"{"config":"vc4-elf","libc":"newlib"}"#),
    (
        "wasi32",
        r#"{"config":"wasm32-unknown-wasi","useLLVM":true}"#,
    ),
    (
        "wasm32-unknown-none",
        r#"{"config":"wasm32-unknown-none","rust":{"rustcTarget":"wasm32-unknown-unknown"},"useLLVM":true}"#,
    ),
    ("x86_64-cygwin", r#"{"config":"x86_64-pc-cygwin"}"#),
    (
        "x86_64-darwin",
        r#"{"config":"x86_64-apple-darwin","platform":{},"xcodePlatform":"MacOSX"}"#,
    ),
    (
        "x86_64-embedded",
        r#"{"config":"x86_64-elf","libc":"newlib"}"#,
    ),
    (
        "x86_64-freebsd",
        r#"{"config":"x86_64-unknown-freebsd","useLLVM":true}"#,
    ),
    ("x86_64-netbsd", r#"{"config":"x86_64-unknown-netbsd"}"#),
    (
        "x86_64-netbsd-llvm",
        r#"{"config":"x86_64-unknown-netbsd","useLLVM":true}"#,
    ),
    (
        "x86_64-openbsd",
        r#"{"config":"x86_64-unknown-openbsd","useLLVM":true}"#,
    ),
    (
        "x86_64-unknown-uefi",
        r#"{"config":"x86_64-unknown-uefi","libc":null,"linker":"lld","useLLVM":true}"#,
    ),
    (
        "x86_64-windows",
        r#"{"config":"x86_64-pc-windows-msvc","useLLVM":true}"#,
    ),
];
