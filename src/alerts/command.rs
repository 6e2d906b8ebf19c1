//! `[alerts] command`: the dealer's own script (Telegram, SMS, a ticket) run through the system
//! shell with the alert's text on standard input and its condition and state in the
//! environment. It may take at most its timeout: then it is killed with everything it started,
//! so a hanging `curl` cannot pile up one process per evaluation.

use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::{ALERT_VARIABLE, Alert, FOLDER_VARIABLE, STATE_VARIABLE, SUBJECT_VARIABLE};
use crate::report::shown;

/// The command and how long it may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSettings {
    /// A command line for `sh -c` (Unix) or `cmd /D /S /C` (Windows).
    pub command: String,
    pub timeout: Duration,
}

/// How much of the command's error output a failure quotes: its last lines say why.
const STDERR_KEPT: usize = 1000;

/// After its timeout the command is killed; this long more is waited for it to be gone.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// A command that did not deliver the alert. Each message names the command.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("the alert command `{command}` ([alerts] command) could not be started: {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    #[error(
        "the alert command `{command}` ([alerts] command) did not finish within {} s \
         ([alerts] command_timeout_seconds): it was stopped, with every process it started{}",
        timeout.as_secs(), said(stderr)
    )]
    Timeout {
        command: String,
        timeout: Duration,
        stderr: String,
    },
    #[error(
        "the alert command `{command}` ([alerts] command) failed ({status}){}",
        said(stderr)
    )]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
}

/// The command's last lines of error output quoted in a failure.
const STDERR_LINES: usize = 3;

/// The command's last words, as they may be shown in a log line.
fn said(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    let last = lines[lines.len().saturating_sub(STDERR_LINES)..].join(" | ");
    format!("; it said: {}", shown::line(&last))
}

/// Runs the command for `alert` and waits for it, at most its timeout.
pub fn run(settings: &CommandSettings, alert: &Alert) -> Result<(), CommandError> {
    let command = &settings.command;
    let mut child = shell(command)
        .env(ALERT_VARIABLE, &alert.condition)
        .env(STATE_VARIABLE, alert.state.as_str())
        .env(SUBJECT_VARIABLE, &alert.subject)
        .env(FOLDER_VARIABLE, &alert.folder)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| CommandError::Spawn {
            command: command.clone(),
            source,
        })?;
    let pid = child.id();
    // The text is written beside the wait: a command that never reads its input must not
    // hold us on a full pipe. A command that exits without reading it is no error of ours.
    if let Some(mut stdin) = child.stdin.take() {
        let text = alert.text.clone();
        std::thread::spawn(move || {
            let _ = stdin.write_all(text.as_bytes());
        });
    }
    let stderr = child.stderr.take().map(tail_of);
    let (done, waited) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait());
    });
    let outcome = match waited.recv_timeout(settings.timeout) {
        Ok(status) => Ok(status),
        Err(_) => {
            kill_tree(pid);
            let _ = waited.recv_timeout(KILL_GRACE);
            Err(())
        }
    };
    // A process the command left behind may hold its error output open: wait for it briefly.
    let stderr = stderr
        .and_then(|tail| tail.recv_timeout(Duration::from_secs(1)).ok())
        .unwrap_or_default();
    match outcome {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(CommandError::Failed {
            command: command.clone(),
            status: describe(status),
            stderr,
        }),
        Ok(Err(err)) => Err(CommandError::Failed {
            command: command.clone(),
            status: format!("cannot wait for it: {err}"),
            stderr,
        }),
        Err(()) => Err(CommandError::Timeout {
            command: command.clone(),
            timeout: settings.timeout,
            stderr,
        }),
    }
}

/// The command line under the system shell, in a process group of its own on Unix so that a
/// timeout kills what the shell started too.
#[cfg(unix)]
fn shell(command: &str) -> Command {
    use std::os::unix::process::CommandExt;
    let mut shell = Command::new("/bin/sh");
    shell.arg("-c").arg(command).process_group(0);
    shell
}

/// `cmd /D /S /C "<command>"`: /D skips AutoRun entries, /S makes cmd strip exactly the outer
/// quotes we add, so the dealer's line keeps its own quotes as typed in the config.
#[cfg(windows)]
fn shell(command: &str) -> Command {
    use std::os::windows::process::CommandExt;
    let mut shell = Command::new("cmd");
    shell
        .args(["/D", "/S", "/C"])
        .raw_arg(format!("\"{command}\""));
    shell
}

#[cfg(unix)]
fn kill_tree(pid: u32) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(pid) {
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

/// Windows has no process groups to signal: taskkill walks the tree from the shell down.
#[cfg(windows)]
fn kill_tree(pid: u32) {
    let _ = Command::new("taskkill")
        .args(["/T", "/F", "/PID", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Reads the command's error output in the background, keeping its last [`STDERR_KEPT`]
/// bytes (memory stays bounded whatever the command writes).
fn tail_of(mut stderr: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept: Vec<u8> = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buffer) {
            if n == 0 {
                break;
            }
            kept.extend_from_slice(&buffer[..n]);
            if kept.len() > 2 * STDERR_KEPT {
                kept.drain(..kept.len() - STDERR_KEPT);
            }
        }
        let start = kept.len().saturating_sub(STDERR_KEPT);
        let _ = send.send(String::from_utf8_lossy(&kept[start..]).into_owned());
    });
    receive
}

fn describe(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit code {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    status.to_string()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::alerts::State;

    fn alert(text: &str) -> Alert {
        Alert {
            condition: "leads_waiting".into(),
            state: State::Firing,
            folder: "/srv/обмен".into(),
            subject: "[bachata1c] Внимание".into(),
            text: text.into(),
        }
    }

    fn settings(command: &str, timeout: Duration) -> CommandSettings {
        CommandSettings {
            command: command.into(),
            timeout,
        }
    }

    #[test]
    fn a_command_that_ignores_its_input_is_fine() {
        // A text past a pipe's buffer, to a command that reads none of it.
        let text = "x".repeat(1 << 20);
        run(&settings("exit 0", Duration::from_secs(30)), &alert(&text)).unwrap();
    }

    #[test]
    fn a_failure_names_the_command_its_exit_code_and_its_last_words() {
        let long = "printf 'be%s\\n' gin >&2; i=0; while [ $i -lt 500 ]; do echo noise >&2; i=$((i+1)); done; printf 'no route\\033[31m\\n' >&2; exit 3";
        let err = run(&settings(long, Duration::from_secs(30)), &alert("t")).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("exit code 3"), "{message}");
        assert!(message.contains("no route\\u{1b}[31m"), "{message}");
        assert!(message.contains("noise | noise | no route"), "{message}");
        assert!(!message.contains("begin"), "only the last lines: {message}");
        assert!(
            message.contains("while [ $i"),
            "the command is named: {message}"
        );
    }
}
