//! `annals user add --password-stdin`, `ls`, `passwd`, `rm` through the real binary.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{annals, fail, run};

fn with_stdin(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn annals");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn add_ls_passwd_rm() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");

    // A new data directory: `user add` makes it an archive, then adds the account.
    let mut add = annals(&data);
    add.args(["user", "add", "alice", "--password-stdin"]);
    ok(&with_stdin(add, "a long secret phrase\n"));
    assert!(
        data.join("index.db").exists(),
        "the data directory is an archive"
    );
    let file = std::fs::read_to_string(data.join("users.json")).unwrap();
    assert!(!file.contains("a long secret phrase"));
    assert!(file.contains("$argon2id$"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("users.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    let users = annals_web_auth::Users::load(&data).unwrap();
    assert!(users.verify("alice", "a long secret phrase"));

    let mut add = annals(&data);
    add.args(["user", "add", "张三", "--password-stdin"]);
    ok(&with_stdin(add, "另一个足够长的密码口令\r\n"));
    assert!(
        annals_web_auth::Users::load(&data)
            .unwrap()
            .verify("张三", "另一个足够长的密码口令")
    );

    let out = run(annals(&data).args(["user", "ls"]));
    let text = String::from_utf8(out.stdout).unwrap();
    let names: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(names, ["alice", "张三"]);
    let out = run(annals(&data).args(["user", "ls", "--json"]));
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["name"], "alice");
    assert!(first.get("hash").is_none(), "ls never shows hashes");

    // Refusals: duplicate, short password, bad name, no terminal and no --password-stdin.
    let mut dup = annals(&data);
    dup.args(["user", "add", "alice", "--password-stdin"]);
    let out = with_stdin(dup, "a long secret phrase\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    let mut short = annals(&data);
    short.args(["user", "add", "bob", "--password-stdin"]);
    let out = with_stdin(short, "short\n");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("annals: error: ") && err.contains("at least 10"),
        "{err}"
    );
    let err = fail(annals(&data).args(["user", "add", "a/b", "--password-stdin"]));
    assert!(err.contains("not allowed"), "{err}");
    let err = fail(
        annals(&data)
            .args(["user", "add", "carol"])
            .stdin(Stdio::null()),
    );
    assert!(err.contains("--password-stdin"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // passwd
    let mut pw = annals(&data);
    pw.args(["user", "passwd", "alice", "--password-stdin"]);
    ok(&with_stdin(pw, "the new long phrase\n"));
    let users = annals_web_auth::Users::load(&data).unwrap();
    assert!(users.verify("alice", "the new long phrase"));
    assert!(!users.verify("alice", "a long secret phrase"));

    // rm
    run(annals(&data).args(["user", "rm", "alice"]));
    let err = fail(annals(&data).args(["user", "rm", "alice"]));
    assert!(err.contains("no user \"alice\""), "{err}");
    let out = run(annals(&data).args(["user", "ls"]));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
}
