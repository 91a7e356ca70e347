//! `annals user add|ls|rm|passwd`: the web interface's accounts (annals-web-auth's `Users`).

use std::io::{self, BufRead, IsTerminal};

use annals_web_auth::{Users, check_name, check_password};
use anyhow::{Context, Result, bail};

use crate::args::{Cli, UserCmd};

pub async fn user(cli: &Cli, cmd: &UserCmd) -> Result<()> {
    let dir = crate::data_dir(cli)?;
    match cmd {
        UserCmd::Add {
            name,
            password_stdin,
        } => {
            check_name(name)?;
            let mut users = Users::load(&dir)?;
            if users.get(name).is_some() {
                bail!(
                    "user {name:?} already exists (change the password with `annals user passwd {name}`)"
                );
            }
            let password = read_password(name, *password_stdin)?;
            // A new data directory becomes an archive first, as on a first import.
            let fresh = !dir.exists()
                || dir
                    .read_dir()
                    .map(|mut d| d.next().is_none())
                    .unwrap_or(false);
            if fresh {
                drop(crate::open(cli, true).await?);
            }
            users.add(name, &password)?;
            if !cli.quiet {
                eprintln!(
                    "annals: user {name} added to {}; the web interface now asks for a login",
                    users.path().display()
                );
            }
        }
        UserCmd::Ls { json } => {
            let users = Users::load(&dir)?;
            if users.is_empty() && !cli.quiet && !json {
                eprintln!("annals: no users (add one with `annals user add NAME`)");
            }
            for u in users.list() {
                if *json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "name": u.name,
                            "created": u.created,
                            "password_set": u.password_set,
                        })
                    );
                } else {
                    println!(
                        "{}\tcreated {}\tpassword set {}",
                        u.name, u.created, u.password_set
                    );
                }
            }
        }
        UserCmd::Rm { name } => {
            let mut users = Users::load(&dir)?;
            users.remove(name)?;
            if !cli.quiet {
                eprintln!("annals: user {name} removed");
                if users.is_empty() {
                    eprintln!(
                        "annals: no users left: `annals serve` will only serve on 127.0.0.1 without a login"
                    );
                }
            }
        }
        UserCmd::Passwd {
            name,
            password_stdin,
        } => {
            let mut users = Users::load(&dir)?;
            if users.get(name).is_none() {
                bail!("no user {name:?} (see `annals user ls`)");
            }
            let password = read_password(name, *password_stdin)?;
            users.set_password(name, &password)?;
            if !cli.quiet {
                eprintln!("annals: password of {name} changed; its sessions end");
            }
        }
    }
    Ok(())
}

/// The new password: the first line of standard input with `--password-stdin`, else asked twice
/// on the terminal without echo.
fn read_password(name: &str, from_stdin: bool) -> Result<String> {
    if from_stdin {
        let mut line = String::new();
        io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let pw = line.strip_suffix('\n').unwrap_or(&line);
        let pw = pw.strip_suffix('\r').unwrap_or(pw).to_string();
        if pw.is_empty() {
            bail!("no password on standard input");
        }
        check_password(&pw)?;
        return Ok(pw);
    }
    if !io::stdin().is_terminal() {
        bail!(
            "no terminal to ask the password on: pass --password-stdin to read it from standard input"
        );
    }
    let pw = rpassword::prompt_password(format!("New password for {name}: "))
        .context("reading the password from the terminal")?;
    check_password(&pw)?;
    let again = rpassword::prompt_password("Repeat it: ")
        .context("reading the password from the terminal")?;
    if pw != again {
        bail!("the two passwords differ; nothing changed");
    }
    Ok(pw)
}
