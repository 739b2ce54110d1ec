//! Doubles, triples and platforms that are not in the oracle; each expected
//! value is derived from nixpkgs' rules, stated in a comment.

use serde_json::{json, Value};
use xnix_platform::{doubles, elaborate, parse, resolve, ComponentKind, Emulator, PlatformError};

fn triple(s: &str) -> String {
    parse(s).unwrap_or_else(|e| panic!("{s}: {e}")).triple()
}

fn get(p: &str, attr: &str) -> Value {
    elaborate(&json!(p))
        .unwrap_or_else(|e| panic!("{p}: {e}"))
        .get(attr)
        .unwrap_or_else(|e| panic!("{p}.{attr}: {e}"))
}

#[test]
fn doubles_get_nixpkgs_default_vendor_and_abi() {
    // 32-bit ARM on Linux defaults to hard float from ARMv6 on, soft before.
    assert_eq!(triple("armv6l-linux"), "armv6l-unknown-linux-gnueabihf");
    assert_eq!(triple("armv5tel-linux"), "armv5tel-unknown-linux-gnueabi");
    // `arm` has no version: compared as "0", so soft float.
    assert_eq!(triple("arm-linux"), "arm-unknown-linux-gnueabi");
    // Plain `-windows` doubles mean MSVC, with the `pc` vendor.
    assert_eq!(triple("i686-windows"), "i686-pc-windows-msvc");
    // Darwin doubles get the apple vendor and print aarch64 as arm64.
    assert_eq!(triple("aarch64-darwin"), "arm64-apple-darwin");
    // Non-Linux, non-Windows kernels get no ABI.
    assert_eq!(triple("x86_64-freebsd"), "x86_64-unknown-freebsd");
    assert_eq!(triple("riscv64-none"), "riscv64-unknown-none");
    // 32-bit x86 NetBSD defaults to a.out in GNU tools, so ELF is spelt out.
    assert_eq!(triple("i686-netbsd"), "i686-unknown-netbsdelf");
    assert_eq!(triple("x86_64-netbsd"), "x86_64-unknown-netbsd");
    // MIPS64 on Linux gets the plain gnu ABI.
    assert_eq!(triple("mips64el-linux"), "mips64el-unknown-linux-gnu");
}

#[test]
fn triples_are_normalised_as_nixpkgs_does() {
    // `mingw32` in the kernel place means Windows with the GNU ABI.
    assert_eq!(triple("i686-w64-mingw32"), "i686-w64-windows-gnu");
    // cpu-kernel-abi with a `linux` second component: vendor is `unknown`.
    assert_eq!(triple("aarch64-linux-musl"), "aarch64-unknown-linux-musl");
    // Darwin kernel versions are dropped.
    assert_eq!(triple("aarch64-apple-darwin23"), "arm64-apple-darwin");
    // `-elf` doubles are bare-metal.
    assert_eq!(triple("riscv32-elf"), "riscv32-unknown-none-elf");
    // gnu-config ignores an `e?abi...` tail on the kernel; nixpkgs strips
    // everything from the last `abi` on.
    assert_eq!(triple("x86_64-pc-linuxabi-gnu"), "x86_64-pc-linux-gnu");
    assert_eq!(
        parse("x86_64-pc-linuxeabi-gnu").unwrap_err().nix_message(),
        "Unknown kernel: linuxe"
    );
    // The 64-bit big-endian PowerPC double defaults to ELFv1 (as nixpkgs),
    // so that the gnu ABI's ambiguity assertion does not fire on it.
    assert_eq!(
        triple("powerpc64-linux"),
        "powerpc64-unknown-linux-gnuabielfv1"
    );
    let p = parse("x86_64-unknown-linux-gnu").unwrap();
    assert_eq!(p.double(), "x86_64-linux");
}

#[test]
fn bad_input_names_the_component_and_suggests() {
    let e = parse("armv7-unknown-linux-gnueabihf").unwrap_err();
    assert_eq!(e.nix_message(), "Unknown CPU type: armv7");
    match &e {
        PlatformError::UnknownComponent {
            kind,
            position,
            suggestions,
            ..
        } => {
            assert_eq!(*kind, ComponentKind::Cpu);
            assert_eq!(*position, Some(1));
            assert_eq!(suggestions, &["armv7l", "armv7a"]);
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains("did you mean `armv7l` or `armv7a`?"),
        "{text}"
    );

    let e = parse("x86_64-unknown-linxu-gnu").unwrap_err();
    assert_eq!(e.nix_message(), "Unknown kernel: linxu");
    assert!(e.to_string().contains("`linux`"), "{e}");

    let e = parse("aarch64-unknown-linux-gnueabhf").unwrap_err();
    assert_eq!(e.nix_message(), "Unknown ABI: gnueabhf");
    assert!(e.to_string().contains("`gnueabihf`"), "{e}");

    let e = parse("x86_64-foo-linux-gnu").unwrap_err();
    assert_eq!(e.nix_message(), "Unknown vendor: foo");
    // nixpkgs checks cpu, vendor, kernel, abi in that order.
    assert_eq!(
        parse("x86_64-foo-bar-baz").unwrap_err().nix_message(),
        "Unknown vendor: foo"
    );
    assert_eq!(
        parse("x86_64-pc-bar-baz").unwrap_err().nix_message(),
        "Unknown kernel: bar"
    );

    // Three components that fit none of nixpkgs' shapes.
    let e = parse("x86_64-unknown-linux").unwrap_err();
    assert_eq!(
        e.nix_message(),
        "system string 'x86_64-unknown-linux' with 3 components is ambiguous"
    );
    let e = parse("a-b-c-d-e").unwrap_err();
    assert!(matches!(
        e,
        PlatformError::ComponentCount { components: 5, .. }
    ));

    // Close catalogue names are offered for misspelt names.
    let e = resolve("raspberrypi").unwrap_err();
    assert!(e.to_string().contains("`raspberryPi`"), "{e}");
}

#[test]
fn elaborated_values_follow_nixpkgs_rules() {
    // Linux on x86_64 puts libraries in lib64 and uses glibc by default.
    assert_eq!(get("x86_64-linux", "libDir"), "lib64");
    assert_eq!(get("x86_64-linux", "libc"), "glibc");
    // i686: the kernel calls it i386, U-Boot x86, UEFI ia32.
    assert_eq!(get("i686-linux", "linuxArch"), "i386");
    assert_eq!(get("i686-linux", "ubootArch"), "x86");
    assert_eq!(get("i686-linux", "efiArch"), "ia32");
    // 32-bit ARM: GOARM is the CPU version.
    assert_eq!(
        get("armv6l-linux", "go"),
        json!({"GOARCH": "arm", "GOARM": "6", "GOOS": "linux"})
    );
    // ARMv6 guesses the Raspberry Pi's GCC settings.
    assert_eq!(
        get("armv6l-linux", "gcc"),
        json!({"arch": "armv6kz", "fpu": "vfpv2"})
    );
    // FreeBSD uses LLVM's linker by default.
    assert_eq!(get("x86_64-freebsd", "linker"), "lld");
    // A user's `isStatic` overrides, and the library extension follows it.
    let p = elaborate(&json!({"config": "x86_64-unknown-linux-musl", "isStatic": true})).unwrap();
    assert_eq!(p.get("hasSharedLibraries").unwrap(), false);
    assert_eq!(p.get("extensions.library").unwrap(), ".a");
    // Bare metal has no shared libraries: `extensions.library` fails.
    let p = elaborate(&json!("arm-none-eabi")).unwrap();
    let e = p.get("extensions.library").unwrap_err();
    assert_eq!(e.nix_message(), "attribute 'sharedLibrary' missing");
    assert!(p.to_json()["extensions"].get("library").is_none());
    // x86-64-v3 implies AVX2 and FMA but not AVX-512.
    let p = elaborate(&json!({"system": "x86_64-linux", "gcc": {"arch": "x86-64-v3"}})).unwrap();
    assert_eq!(p.get("avx2Support").unwrap(), true);
    assert_eq!(p.get("avx512Support").unwrap(), false);
    // The gnu ABI's assertion rejects 32-bit ARM.
    let e = elaborate(&json!("armv7l-unknown-linux-gnu")).unwrap_err();
    assert!(e.nix_message().contains("ambiguous on 32-bit ARM"), "{e}");
}

#[test]
fn emulators_follow_nixpkgs_choice() {
    let build = resolve("x86_64-linux").unwrap();
    let emu = |t: &str| resolve(t).unwrap().emulator_on(&build);
    assert_eq!(emu("i686-linux"), Emulator::Native);
    assert_eq!(
        emu("aarch64-multiplatform"),
        Emulator::Program("qemu-aarch64".into())
    );
    assert_eq!(
        emu("mips64el-linux-gnuabin32"),
        Emulator::Program("qemu-mipsn32el".into())
    );
    assert_eq!(emu("x86_64-windows"), Emulator::Program("wine64".into()));
    assert_eq!(emu("mingw32"), Emulator::Program("wine".into()));
    assert_eq!(emu("wasi32"), Emulator::Program("wasmtime".into()));
    assert_eq!(emu("mmix"), Emulator::Program("mmix".into()));
    // s390 (31-bit) has no qemu-user target in nixpkgs.
    assert_eq!(emu("s390"), Emulator::Unavailable);
    assert_eq!(emu("aarch64-darwin"), Emulator::Unavailable);
}

#[test]
fn doubles_lists_are_filtered_by_predicates() {
    let linux = doubles::list("linux").unwrap();
    assert!(linux.contains(&"x86_64-linux".to_string()));
    assert!(!linux.contains(&"x86_64-darwin".to_string()));
    let darwin = doubles::list("darwin").unwrap();
    assert_eq!(
        darwin,
        [
            "x86_64-darwin",
            "i686-darwin",
            "aarch64-darwin",
            "armv7a-darwin"
        ]
    );
    // armv7l-linux parses with gnueabihf, which is a GNU ABI.
    assert!(doubles::list("gnu")
        .unwrap()
        .contains(&"armv7l-linux".to_string()));
    assert!(doubles::list("embedded")
        .unwrap()
        .contains(&"avr-none".to_string()));
    assert_eq!(doubles::list("all").unwrap().len(), doubles::ALL.len());
    assert!(doubles::list("nonsense").is_none());
}
