//! Who holds a claim on the outbox: one sync run.
//!
//! A claim ([`crate::store::Store::outbox_claim`]) says "this run is sending this write, until
//! its lease ends". It must belong to one run, not to the desk: two processes on one PC (the
//! app's background sync and a `kafedra sync` from cron) have the same desk name, and two
//! syncs inside one process must not overlap either. So every [`sync_once`] call is a run
//! with a random token of its own.
//!
//! The holder text also names the run's process, so that a claim left by a process that
//! died (killed, crashed, power cut) is recognised and taken over at once, instead of
//! blocking its write until the lease ends; the write is then in doubt and is re-read, never
//! resent blindly. Only on Linux can that be told for sure (the same boot and PID namespace,
//! and no process with that id and start time); elsewhere such a claim simply waits for its
//! lease.
//!
//! [`sync_once`]: super::sync::sync_once

use std::sync::OnceLock;

/// One sync run.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    holder: String,
}

impl Run {
    /// A new run of this process at `desk` (the desk is only there for people reading the
    /// database).
    pub(crate) fn new(desk: &str) -> Run {
        let token: u64 = rand::random();
        Run {
            holder: format!("run {token:016x}; {}; {desk}", this_process()),
        }
    }

    /// The text stored as `claimed_by`.
    pub(crate) fn holder(&self) -> &str {
        &self.holder
    }
}

/// True when the run that wrote `holder` certainly no longer exists: its process is gone
/// from this machine. False when it may still run (also whenever that cannot be told).
pub(crate) fn holder_gone(holder: &str) -> bool {
    let Some(process) = holder.split("; ").nth(1) else {
        return false;
    };
    let mut parts = process.split(' ');
    if parts.next() != Some("linux") {
        return false;
    }
    let (Some(boot), Some(pid_ns), Some(pid), Some(start)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Some(me) = linux_identity() else {
        return false;
    };
    if boot != me.boot || pid_ns != me.pid_ns {
        // Another machine, another boot or another container: its processes are not ours
        // to see.
        return false;
    }
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    match process_stat(pid) {
        Ok(Some((state, started))) => state == 'Z' || started != start,
        Ok(None) => true,
        Err(()) => false,
    }
}

/// "linux BOOT PIDNS PID START" or "pid PID".
fn this_process() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let pid = std::process::id();
        match linux_identity().and_then(|me| {
            let (_, started) = process_stat(pid).ok()??;
            Some(format!("linux {} {} {pid} {started}", me.boot, me.pid_ns))
        }) {
            Some(id) => id,
            None => format!("pid {pid}"),
        }
    })
}

struct LinuxIdentity {
    boot: String,
    pid_ns: String,
}

/// This boot of this machine and this PID namespace, if the system says (Linux).
fn linux_identity() -> Option<&'static LinuxIdentity> {
    static ME: OnceLock<Option<LinuxIdentity>> = OnceLock::new();
    ME.get_or_init(|| {
        if !cfg!(target_os = "linux") {
            return None;
        }
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
        let pid_ns = std::fs::read_link("/proc/self/ns/pid").ok()?;
        let clean = |s: &str| -> Option<String> {
            let s = s.trim();
            (!s.is_empty() && !s.contains([' ', ';'])).then(|| s.to_string())
        };
        Some(LinuxIdentity {
            boot: clean(&boot)?,
            pid_ns: clean(&pid_ns.to_string_lossy())?,
        })
    })
    .as_ref()
}

/// The state letter and start time (clock ticks after boot) of process `pid`: `Ok(None)`
/// when there is no such process, `Err` when it cannot be told.
fn process_stat(pid: u32) -> Result<Option<(char, String)>, ()> {
    let stat = match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) => return Err(()),
    };
    // "PID (COMM) STATE PPID …": COMM may hold anything, so fields are counted after the
    // last ')'. The start time is field 22, the 20th after COMM.
    let after = stat.rsplit_once(')').ok_or(())?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let state = fields.first().and_then(|s| s.chars().next()).ok_or(())?;
    let started = fields.get(19).ok_or(())?;
    Ok(Some((state, (*started).to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_distinct_and_name_their_process() {
        let (a, b) = (Run::new("кафедра 1"), Run::new("кафедра 1"));
        assert_ne!(a.holder(), b.holder(), "two runs of one process, one desk");
        assert!(a.holder().ends_with("; кафедра 1"), "{}", a.holder());
        assert!(!holder_gone(a.holder()), "this process is alive");
        // The old claims (a desk name) and foreign processes are never taken for gone.
        assert!(!holder_gone("кафедра 1"));
        assert!(!holder_gone("run 00; pid 1; кафедра 1"));
        assert!(!holder_gone("run 00; linux other-boot ns 1 1; кафедра 1"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_dead_process_is_gone_on_linux() {
        let me = linux_identity().expect("linux identity");
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let pid = child.id();
        child.wait().expect("wait");
        let holder = format!("run 00; linux {} {} {pid} 1; кафедра 1", me.boot, me.pid_ns);
        assert!(holder_gone(&holder), "{holder}");
        // Alive, but a different start time: the id was reused by another process.
        let reused = format!(
            "run 00; linux {} {} {} 1; кафедра 1",
            me.boot,
            me.pid_ns,
            std::process::id()
        );
        assert!(holder_gone(&reused));
    }
}
