//! What a command evaluates, and the evaluation session around it.
//!
//! An [`Installable`] says where the root value comes from; an
//! [`EvalRequest`] adds the attribute paths to select, the automatic
//! arguments and the search path. [`Session::new`] is the one place an
//! evaluator is made, so every command sees the same store directory,
//! `-I` entries and `<xnixpkgs>`.
//!
//! The enum is the seam for further kinds of installables: a flake
//! reference with its attribute (`.#hello`) becomes one more variant, resolved
//! to a root value in [`Session::for_each_root`]; the commands do not change.

use std::path::{Path, PathBuf};

use anyhow::bail;
use xnix_eval::{EvalError, Evaluator, Pos, Value};

/// Where the value a command evaluates comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installable {
    /// Nix files, or `<NAME>` entries of the search path (as in
    /// `xnix build '<xnixpkgs>' -A hello`); `-` is standard input.
    Files(Vec<String>),
    /// Nix expressions (`-E`), relative paths taken from the current directory.
    Exprs(Vec<String>),
    /// The package collection (`<xnixpkgs>`): what `build` and `run` use when
    /// no file and no expression is named.
    Collection,
    /// Flake installables `REF#ATTR` (`.#hello`, `nixpkgs#hello`,
    /// `/src/board#nixosConfigurations.board`), resolved by [`crate::flake`].
    Flakes(Vec<String>),
}

/// What a command falls back to when it names no file and no expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultInstallable {
    /// `./default.nix`, as `nix-instantiate` does.
    CurrentDirectory,
    /// The package collection, so `xnix build -A hello` works anywhere.
    Collection,
}

impl Installable {
    /// The installable of a command line: the positional arguments, read as
    /// expressions when `expr` (`-E`) is given, else as files; with neither,
    /// `default`.
    pub fn from_args(args: &[String], expr: bool, default: DefaultInstallable) -> Installable {
        if expr {
            Installable::Exprs(args.to_vec())
        } else if !args.is_empty() && args.iter().all(|a| crate::flake::is_installable(a)) {
            Installable::Flakes(args.to_vec())
        } else if !args.is_empty() {
            Installable::Files(args.to_vec())
        } else {
            match default {
                DefaultInstallable::CurrentDirectory => {
                    Installable::Files(vec!["./default.nix".into()])
                }
                DefaultInstallable::Collection => Installable::Collection,
            }
        }
    }
}

/// An installable with what to select in it and how to call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalRequest {
    /// Where the root value comes from.
    pub installable: Installable,
    /// Attribute paths to select (`-A`); none selects the root itself.
    pub attr_paths: Vec<String>,
    /// `--arg NAME EXPR` pairs: automatic arguments given as expressions.
    pub arg_exprs: Vec<(String, String)>,
    /// `--argstr NAME STRING` pairs: automatic arguments given as strings.
    pub arg_strs: Vec<(String, String)>,
    /// Search path entries (`-I`): `PATH` or `NAME=PATH`.
    pub include: Vec<String>,
    /// Whether errors show the chain of contexts they happened in.
    pub show_trace: bool,
    /// Lock file and cache options of flake installables.
    pub flake: crate::flake::FlakeRequest,
}

impl EvalRequest {
    /// A request for `installable` with nothing else given.
    pub fn new(installable: Installable) -> EvalRequest {
        EvalRequest {
            installable,
            attr_paths: Vec::new(),
            arg_exprs: Vec::new(),
            arg_strs: Vec::new(),
            include: Vec::new(),
            show_trace: false,
            flake: Default::default(),
        }
    }

    /// The attribute paths to select: the given ones, or the root (`""`).
    pub fn attr_paths_or_root(&self) -> Vec<String> {
        if self.attr_paths.is_empty() {
            vec![String::new()]
        } else {
            self.attr_paths.clone()
        }
    }

    /// Whether automatic arguments were given (`--arg`, `--argstr`).
    pub fn has_auto_args(&self) -> bool {
        !(self.arg_exprs.is_empty() && self.arg_strs.is_empty())
    }
}

/// The package collection: `$XNIX_PKGS`, or the `pkgs/` directory of the
/// repository the running executable is in (searched upwards from it), or
/// of the repository it was built from.
pub fn find_pkgs() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("XNIX_PKGS") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let beside_exe = exe
        .ancestors()
        .map(|d| d.join("pkgs"))
        .find(|d| d.join("default.nix").is_file());
    // A binary built with its target directory outside the repository
    // (CARGO_TARGET_DIR) still knows the sources it was built from.
    beside_exe.or_else(|| {
        let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pkgs");
        built_from
            .join("default.nix")
            .is_file()
            .then(|| built_from.canonicalize().unwrap_or(built_from))
    })
}

/// An evaluator for the store directory `store_dir`, with the `-I` entries
/// `include` and the package collection as `<xnixpkgs>` (and as `<nixpkgs>`
/// when the search path has none, with a notice). The collection is a
/// fallback entry, as Nix's own `<nix/...>` files are: `-I xnixpkgs=...` and
/// `NIX_PATH` override it, and it does not show in `builtins.nixPath`.
pub fn new_evaluator(store_dir: &str, include: &[String]) -> Evaluator {
    let ev = Evaluator::with_store_dir(store_dir);
    for entry in include {
        ev.add_search_path(entry);
    }
    if let Some(pkgs) = find_pkgs() {
        ev.add_fallback_search_path(&format!("xnixpkgs={}", pkgs.display()));
        // Every nixpkgs example writes `<nixpkgs>`: with no such entry of the user's own,
        // it means the bundled collection, and says so.
        ev.add_fallback_search_path_with_notice(
            &format!("nixpkgs={}", pkgs.display()),
            &format!(
                "<nixpkgs> is not in the search path; using xnix's bundled collection ({}), \
                 as <xnixpkgs>. Pass -I nixpkgs=PATH or set NIX_PATH to use another.",
                pkgs.display()
            ),
        );
    }
    ev
}

/// Automatic arguments as an attribute set: `arg_exprs` are parsed as
/// expressions (relative paths from `cwd`), `arg_strs` are strings.
pub fn auto_args(
    ev: &Evaluator,
    arg_exprs: &[(String, String)],
    arg_strs: &[(String, String)],
    cwd: &str,
) -> Result<Value, EvalError> {
    let mut entries = Vec::new();
    for (name, expr) in arg_exprs {
        let e = ev.parse(expr, "«string»", cwd)?;
        let v = xnix_eval::Thunk::value(xnix_eval::ThunkState::Expr(e, ev.global_env()));
        entries.push(xnix_eval::Attr {
            name: name.as_str().into(),
            value: v,
            pos: Pos::NONE,
        });
    }
    for (name, s) in arg_strs {
        entries.push(xnix_eval::Attr {
            name: name.as_str().into(),
            value: Value::str(s.clone()),
            pos: Pos::NONE,
        });
    }
    Ok(Value::attrs(xnix_eval::Attrs::from_unsorted(entries)))
}

/// The current directory as evaluation sees it (`/` when it cannot be read).
fn current_dir() -> String {
    std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".into())
}

/// An evaluator and the request it evaluates. Must be used on a big stack
/// ([`crate::with_big_stack`]).
pub struct Session {
    ev: Evaluator,
    request: EvalRequest,
    cwd: String,
    /// The collection's directory, for [`Installable::Collection`].
    collection: Option<PathBuf>,
}

impl Session {
    /// A session evaluating `request` for the store directory `store_dir`.
    /// Fails when the request needs the package collection and it is not found.
    pub fn new(store_dir: &str, request: EvalRequest) -> anyhow::Result<Session> {
        let collection = match request.installable {
            Installable::Collection => match find_pkgs() {
                Some(p) => Some(p),
                None => bail!(
                    "no FILE or -E given, and the package collection was not found: set XNIX_PKGS to the pkgs/ directory"
                ),
            },
            _ => None,
        };
        Ok(Session {
            ev: new_evaluator(store_dir, &request.include),
            request,
            cwd: current_dir(),
            collection,
        })
    }

    /// The evaluator.
    pub fn evaluator(&self) -> &Evaluator {
        &self.ev
    }

    /// The request.
    pub fn request(&self) -> &EvalRequest {
        &self.request
    }

    /// An error formatted as Nix prints it (with the trace if asked for).
    pub fn format_error(&self, e: &EvalError) -> String {
        self.ev.format_error(e, self.request.show_trace)
    }

    /// The automatic arguments (`--arg`, `--argstr`) as an attribute set.
    pub fn auto_args(&self) -> Result<Value, EvalError> {
        auto_args(
            &self.ev,
            &self.request.arg_exprs,
            &self.request.arg_strs,
            &self.cwd,
        )
    }

    /// Evaluate each root value of the installable in turn (not called with
    /// the automatic arguments) and hand it to `f`; stops at the first error.
    /// Roots are evaluated one after the other, so output of one can be
    /// printed before the next is evaluated.
    pub fn for_each_root(
        &self,
        mut f: impl FnMut(Value) -> Result<(), EvalError>,
    ) -> Result<(), EvalError> {
        let ev = &self.ev;
        match &self.request.installable {
            Installable::Files(files) => {
                for file in files {
                    f(self.eval_file_arg(file)?)?;
                }
            }
            Installable::Exprs(exprs) => {
                for expr in exprs {
                    f(ev.eval_expr(expr, &self.cwd)?)?;
                }
            }
            Installable::Collection => {
                let dir = self.collection.as_deref().unwrap_or(Path::new("."));
                f(ev.eval_file(&dir.to_string_lossy())?)?;
            }
            Installable::Flakes(refs) => {
                for r in refs {
                    f(crate::flake::eval_installable(ev, r, &self.request.flake)?)?;
                }
            }
        }
        Ok(())
    }

    /// Evaluate a FILE argument: a file name, `-` (standard input), or
    /// `<NAME>`, looked up in the search path (`-I`, `NIX_PATH`) as nix-build does.
    fn eval_file_arg(&self, input: &str) -> Result<Value, EvalError> {
        let ev = &self.ev;
        if input == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| EvalError::msg(format!("reading standard input: {e}"), Pos::NONE))?;
            ev.eval_expr(&text, &self.cwd)
        } else if input.len() > 2 && input.starts_with('<') && input.ends_with('>') {
            let file = ev.find_file(&input[1..input.len() - 1], Pos::NONE)?;
            ev.eval_file(&file)
        } else {
            ev.eval_file(input)
        }
    }

    /// End the session without freeing its values one by one: the process is
    /// about to end, and freeing a large heap only costs time.
    pub fn leak(self) {
        std::mem::forget(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installables_from_command_lines() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Installable::from_args(&[], false, DefaultInstallable::CurrentDirectory),
            Installable::Files(args(&["./default.nix"]))
        );
        assert_eq!(
            Installable::from_args(&[], false, DefaultInstallable::Collection),
            Installable::Collection
        );
        assert_eq!(
            Installable::from_args(&args(&["1 + 1"]), true, DefaultInstallable::Collection),
            Installable::Exprs(args(&["1 + 1"]))
        );
        assert_eq!(
            Installable::from_args(&[], true, DefaultInstallable::Collection),
            Installable::Exprs(vec![])
        );
        assert_eq!(
            Installable::from_args(&args(&["a.nix"]), false, DefaultInstallable::Collection),
            Installable::Files(args(&["a.nix"]))
        );
    }

    #[test]
    fn roots_are_evaluated_with_auto_args_apart() {
        xnix_eval::with_big_stack(|| {
            let mut request = EvalRequest::new(Installable::Exprs(vec![
                "{ x ? 1 }: x + 1".into(),
                "2".into(),
            ]));
            request.arg_exprs.push(("x".into(), "40".into()));
            let session = Session::new("/xnix/store", request).unwrap();
            let auto = session.auto_args().unwrap();
            let mut got = Vec::new();
            session
                .for_each_root(|root| {
                    let v = session.evaluator().auto_call(root, &auto)?;
                    got.push(xnix_eval::print_value(&session.evaluator().force(v)?));
                    Ok(())
                })
                .unwrap();
            assert_eq!(got, ["41", "2"]);
        });
    }
}
