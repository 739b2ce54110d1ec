//! The SSH test hosts themselves: each is reachable from the lab with the
//! lab's key only, has its own /etc and /xnix, and sees none of the others'.

use xnix_test_support::ssh_hosts::Lab;

#[test]
fn hosts_are_separate_machines_reachable_only_from_the_lab() {
    let mut lab = Lab::new();
    let a = lab.host("a", &[]);
    let b = lab.host("b", &[]);
    let (ok, out) = lab.ssh(
        &a,
        "cat /etc/hostname; echo x > /xnix/mark; ls /xnix; id -u",
    );
    assert!(ok, "{out}\n{}", a.sshd_log());
    assert_eq!(out, "a\nmark\n0\n");
    assert!(a.root().join("xnix/mark").exists());
    let (ok, out) = lab.ssh(&b, "cat /etc/hostname; ls /xnix | wc -l");
    assert!(ok, "{out}");
    assert_eq!(out, "b\n0\n");
    // Its own process and network view.
    let (ok, out) = lab.ssh(
        &b,
        "ip -o addr show eth0 | grep -c 10.77.2.2; ls /proc | grep -c '^[0-9]' ",
    );
    assert!(ok, "{out}");
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("1"));
    let procs: usize = lines.next().unwrap().trim().parse().unwrap();
    assert!(
        procs < 20,
        "the host sees {procs} processes: not a PID namespace of its own"
    );
    // Not reachable from the machine's own network namespace.
    // (ssh takes the first value of an option: the short timeout goes first.)
    let out = std::process::Command::new("ssh")
        .args(["-o", "ConnectTimeout=1"])
        .args(lab.ssh_opts().split_whitespace())
        .args([&a.destination(), "true"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    // Another key is refused.
    let other = lab.dir().join("other");
    std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    let opts = lab.ssh_opts().replace(
        &lab.dir().join("id").display().to_string(),
        &other.display().to_string(),
    );
    let out = lab
        .command("ssh")
        .args(opts.split_whitespace())
        .args([&a.destination(), "true"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
