//! The target-side agent on this machine (`Target::local` over a scratch
//! state directory) with stand-in systems whose switch-to-configuration
//! records what it activated: generations, detached activation, the
//! confirmation window (confirmed, refused, expired: the target goes back by
//! itself), and rollback. The real systems' activation is tested over SSH in
//! crates/xnix/tests/deploy_*.rs.

use std::path::Path;
use std::time::{Duration, Instant};

use xnix_deploy::{rollback, Action, Decision, Target};

/// A stand-in system NAME: its switch-to-configuration moves the profile as
/// the real one does (a new system-N-link, renamed over `system`) for switch
/// and boot, and records NAME as the active system for switch and test
/// (in `active`, and as the real activation does, in `current-system`).
fn system(dir: &Path, state: &Path, name: &str) -> String {
    let sys = dir.join(name);
    std::fs::create_dir_all(sys.join("bin")).unwrap();
    let script = format!(
        r#"#!/bin/sh
set -e
profiles={state}/profiles
me={sys}
case "$1" in switch|boot)
    if [ "$(readlink -f "$profiles/system" 2>/dev/null)" != "$me" ]; then
        mkdir -p "$profiles"; n=0
        for l in "$profiles"/system-*-link; do [ -L "$l" ] || continue; i=${{l##*/system-}}; i=${{i%-link}}; [ "$i" -gt "$n" ] && n=$i; done
        n=$((n+1)); ln -s "$me" "$profiles/system-$n-link"
        ln -s "system-$n-link" "$profiles/.new" && mv -T "$profiles/.new" "$profiles/system"
    fi ;;
esac
case "$1" in switch|test) echo {name} > {state}/active; ln -sfn "$me" {state}/current-system ;; esac
echo "activated {name} ($1)"
"#,
        state = state.display(),
        sys = sys.display(),
    );
    std::fs::write(sys.join("bin/switch-to-configuration"), script).unwrap();
    std::process::Command::new("chmod")
        .args(["+x"])
        .arg(sys.join("bin/switch-to-configuration"))
        .status()
        .unwrap();
    sys.display().to_string()
}

fn active(state: &Path) -> String {
    std::fs::read_to_string(state.join("active"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn current(target: &Target) -> String {
    target
        .generations()
        .unwrap()
        .into_iter()
        .find(|g| g.current)
        .map(|g| g.system)
        .unwrap_or_default()
}

#[test]
fn generations_confirmation_and_rollback() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let a = system(tmp.path(), &state, "a");
    let b = system(tmp.path(), &state, "b");
    let target = Target::local(state.display().to_string());

    // A plain switch: generation 1, active, logged.
    let id = target.start(Action::Switch, &a, None, None).unwrap();
    let act = target.wait(&id).unwrap();
    assert_eq!(act.status, 0);
    assert!(act.log.contains("activated a (switch)"), "{}", act.log);
    assert_eq!(current(&target), a);
    assert_eq!(active(&state), "a");

    // Switch to b with a 1 s window and no confirmation: b is activated,
    // then the target goes back to a by itself.
    let t = Instant::now();
    let id = target
        .start(Action::Switch, &b, Some(Duration::from_secs(1)), None)
        .unwrap();
    assert_eq!(target.wait(&id).unwrap().status, 0);
    assert_eq!(target.outcome(&id).unwrap(), Decision::RolledBack);
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_eq!(current(&target), a);
    assert_eq!(active(&state), "a");
    // A confirmation after that is too late, and says so.
    assert_eq!(
        target.decide(&id, true, Action::Switch).unwrap(),
        Decision::RolledBack
    );

    // Confirmed in time: b stays.
    let id = target
        .start(Action::Switch, &b, Some(Duration::from_secs(30)), None)
        .unwrap();
    assert_eq!(target.wait(&id).unwrap().status, 0);
    assert_eq!(
        target.decide(&id, true, Action::Switch).unwrap(),
        Decision::Confirmed
    );
    assert_eq!(current(&target), b);
    assert_eq!(active(&state), "b");

    // Refused: back at once (no waiting for the window).
    let c = system(tmp.path(), &state, "c");
    let t = Instant::now();
    let id = target
        .start(Action::Switch, &c, Some(Duration::from_secs(30)), None)
        .unwrap();
    assert_eq!(target.wait(&id).unwrap().status, 0);
    assert_eq!(active(&state), "c");
    assert_eq!(
        target.decide(&id, false, Action::Switch).unwrap(),
        Decision::RolledBack
    );
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_eq!(current(&target), b);
    assert_eq!(active(&state), "b");

    // test activates without moving the profile; rollback goes to the
    // generation before the current one.
    let id = target.start(Action::Test, &c, None, None).unwrap();
    assert_eq!(target.wait(&id).unwrap().status, 0);
    assert_eq!((current(&target), active(&state)), (b.clone(), "c".into()));
    // The generations now: 1 a, 2 b (went back), 3 b (current), 4 c (refused).
    let gens: Vec<(u64, String)> = target
        .generations()
        .unwrap()
        .into_iter()
        .map(|g| (g.number, g.system))
        .collect();
    assert_eq!(
        gens,
        vec![
            (1, a.clone()),
            (2, b.clone()),
            (3, b.clone()),
            (4, c.clone())
        ]
    );
    let (prev, act) = rollback(&target, Action::Switch).unwrap();
    assert_eq!((prev.number, act.status), (2, 0));
    assert_eq!((current(&target), active(&state)), (b.clone(), "b".into()));
    let (prev, _) = rollback(&target, Action::Switch).unwrap();
    assert_eq!(prev.number, 1);
    assert_eq!((current(&target), active(&state)), (a.clone(), "a".into()));
    assert!(
        rollback(&target, Action::Switch).is_err(),
        "nothing before 1"
    );

    // Not a system: refused before anything runs.
    let err = target
        .start(
            Action::Switch,
            &tmp.path().display().to_string(),
            None,
            None,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("not a system configuration"),
        "{err}"
    );
    assert_eq!(active(&state), "a");
}

#[test]
fn a_refused_first_deployment_stays_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let a = system(tmp.path(), &state, "a");
    let target = Target::local(state.display().to_string());

    // Refused: nothing to go back to, so it stays (and is not "rolled back").
    let id = target
        .start(Action::Switch, &a, Some(Duration::from_secs(30)), None)
        .unwrap();
    assert_eq!(target.wait(&id).unwrap().status, 0);
    assert_eq!(
        target.decide(&id, false, Action::Switch).unwrap(),
        Decision::NoPrevious
    );
    assert_eq!(target.outcome(&id).unwrap(), Decision::NoPrevious);
    assert_eq!(current(&target), a);
    // Not counted as running a kept system.
    assert!(!target.is_unchanged(Action::Switch, &a).unwrap());

    // Not confirmed in time: the same, decided by the target itself.
    let tmp2 = tempfile::tempdir().unwrap();
    let state2 = tmp2.path().join("state");
    let b = system(tmp2.path(), &state2, "b");
    let target2 = Target::local(state2.display().to_string());
    let id = target2
        .start(Action::Switch, &b, Some(Duration::from_secs(1)), None)
        .unwrap();
    assert_eq!(target2.wait(&id).unwrap().status, 0);
    assert_eq!(target2.outcome(&id).unwrap(), Decision::NoPrevious);
    assert_eq!(current(&target2), b);
}

#[test]
fn unchanged_means_the_profile_and_the_active_system_from_a_kept_activation() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let a = system(tmp.path(), &state, "a");
    let b = system(tmp.path(), &state, "b");
    let target = Target::local(state.display().to_string());
    let unchanged = |action, sys: &str| target.is_unchanged(action, sys).unwrap();
    assert!(!unchanged(Action::Switch, &a), "nothing deployed yet");

    let id = target.start(Action::Switch, &a, None, None).unwrap();
    assert_eq!(target.wait(&id).unwrap().status, 0);
    assert!(unchanged(Action::Switch, &a));
    assert!(unchanged(Action::Test, &a));
    assert!(unchanged(Action::Boot, &a));
    assert!(
        !unchanged(Action::DryActivate, &a),
        "dry-activate always runs"
    );
    assert!(!unchanged(Action::Switch, &b));

    // boot b: the profile moves, the active system does not.
    let id = target.start(Action::Boot, &b, None, None).unwrap();
    assert_eq!(target.wait(&id).unwrap().status, 0);
    assert!(unchanged(Action::Boot, &b));
    assert!(!unchanged(Action::Switch, &b));
    assert!(unchanged(Action::Test, &a));

    // Awaiting confirmation: changed until confirmed.
    let id = target
        .start(Action::Switch, &b, Some(Duration::from_secs(30)), None)
        .unwrap();
    assert_eq!(target.wait(&id).unwrap().status, 0);
    assert!(!unchanged(Action::Switch, &b));
    assert_eq!(
        target.decide(&id, true, Action::Switch).unwrap(),
        Decision::Confirmed
    );
    assert!(unchanged(Action::Switch, &b));

    // Activated by someone else since: changed.
    std::os::unix::fs::symlink(&a, state.join("current-system.new")).unwrap();
    std::fs::rename(
        state.join("current-system.new"),
        state.join("current-system"),
    )
    .unwrap();
    assert!(!unchanged(Action::Switch, &b));
}
