//! Errors of the platform library.

use std::fmt;

/// Which component of a system string was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    /// The CPU type (first component).
    Cpu,
    /// The vendor.
    Vendor,
    /// The kernel / operating system.
    Kernel,
    /// The ABI / environment.
    Abi,
}

impl ComponentKind {
    /// nixpkgs' wording of the component in its "Unknown ..." messages.
    pub fn nix_label(self) -> &'static str {
        match self {
            ComponentKind::Cpu => "CPU type",
            ComponentKind::Vendor => "vendor",
            ComponentKind::Kernel => "kernel",
            ComponentKind::Abi => "ABI",
        }
    }
}

impl fmt::Display for ComponentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ComponentKind::Cpu => "CPU",
            ComponentKind::Vendor => "vendor",
            ComponentKind::Kernel => "kernel",
            ComponentKind::Abi => "ABI",
        })
    }
}

/// Everything that can go wrong when parsing or elaborating a platform.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// A component of a double or triple is not in nixpkgs' tables.
    #[error("{}{}", self.nix_message(), unknown_hint(input, *position, *components, kind, suggestions))]
    UnknownComponent {
        /// Which component.
        kind: ComponentKind,
        /// The unknown name.
        name: String,
        /// The whole system string.
        input: String,
        /// 1-based position of the component in the input, if it came from it.
        position: Option<usize>,
        /// Number of hyphen-separated components in the input.
        components: usize,
        /// Valid names close to the unknown one, best first.
        suggestions: Vec<String>,
    },
    /// A system string whose meaning nixpkgs refuses to guess.
    #[error("{} (write the full cpu-vendor-kernel-abi triple, e.g. `x86_64-unknown-linux-gnu`, or a double such as `x86_64-linux`)", self.nix_message())]
    Ambiguous {
        /// The system string.
        input: String,
        /// Its number of components.
        components: usize,
    },
    /// A system string with more than four components.
    #[error("{} (expected 1 to 4 components, e.g. `aarch64-linux` or `aarch64-unknown-linux-gnu`)", self.nix_message())]
    ComponentCount {
        /// The system string.
        input: String,
        /// Its number of components.
        components: usize,
    },
    /// An attribute of the elaborated platform fails to evaluate in nixpkgs.
    #[error("attribute `{path}` of the platform cannot be evaluated: {message}")]
    Attribute {
        /// Dotted path of the attribute.
        path: String,
        /// nixpkgs' message (e.g. `attribute 'sharedLibrary' missing`).
        message: String,
    },
    /// An assertion of nixpkgs' `elaborate` failed (e.g. the ABI's assertions).
    #[error("invalid platform: {}", message.trim_end())]
    Assertion {
        /// nixpkgs' message.
        message: String,
    },
    /// The argument to `elaborate` is not a string or an attribute set of the
    /// expected shape.
    #[error("invalid platform argument: {0}")]
    InvalidArgument(String),
    /// A name that is neither a catalogue entry nor a parsable system string.
    #[error("unknown platform `{name}`: {reason}{}", name_hint(suggestions))]
    UnknownName {
        /// The name given.
        name: String,
        /// Why it did not parse as a system string.
        reason: Box<PlatformError>,
        /// Close catalogue names.
        suggestions: Vec<String>,
    },
}

fn name_hint(s: &[String]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("; catalogue names close to it: {}", quote_list(s))
    }
}

fn quote_list(s: &[String]) -> String {
    let q: Vec<String> = s.iter().map(|x| format!("`{x}`")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        _ => format!("{} or {}", q[..q.len() - 1].join(", "), q[q.len() - 1]),
    }
}

fn unknown_hint(
    input: &str,
    position: Option<usize>,
    components: usize,
    kind: &ComponentKind,
    suggestions: &[String],
) -> String {
    let mut s = match position {
        Some(p) => format!(" (in `{input}`: component {p} of {components}, the {kind})"),
        None => format!(" (in `{input}`)"),
    };
    if !suggestions.is_empty() {
        s.push_str(&format!("; did you mean {}?", quote_list(suggestions)));
    }
    s
}

impl PlatformError {
    /// The message nixpkgs itself gives for this error (without the
    /// `error: ` prefix), e.g. `Unknown CPU type: armv7`.
    pub fn nix_message(&self) -> String {
        match self {
            PlatformError::UnknownComponent { kind, name, .. } => {
                format!("Unknown {}: {}", kind.nix_label(), name)
            }
            PlatformError::Ambiguous { input, components } => format!(
                "system string '{input}' with {components} component{} is ambiguous",
                if *components == 1 { "" } else { "s" }
            ),
            PlatformError::ComponentCount { input, .. } => {
                format!("system string '{input}' has invalid number of hyphen-separated components")
            }
            PlatformError::Attribute { message, .. } => message.clone(),
            PlatformError::Assertion { message } => message.clone(),
            PlatformError::InvalidArgument(m) => m.clone(),
            PlatformError::UnknownName { reason, .. } => reason.nix_message(),
        }
    }
}
