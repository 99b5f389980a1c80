// The user the lab works for. Under sudo that is the user who typed `sudo` (SUDO_UID, looked up in the passwd
// database as kind does for its kubeconfig), not root: their home holds the state directory, and the files the
// lab writes there are theirs. SUDO_UID is honoured only when we are root (a non-root process gains nothing).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { LabError } from './errors.ts';

export interface Invoker {
  uid: number;
  gid: number;
  name: string;
  home: string;
  /** Root working for another user (sudo). */
  sudo: boolean;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function parsePasswd(line: string): PasswdEntry | null {
  const f = line.trim().split(':');
  if (f.length < 7 || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) return null;
  return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
}

/** getent (NSS: LDAP, sssd…) when present, else /etc/passwd. */
function passwdEntry(uid: number): PasswdEntry | null {
  try {
    return parsePasswd(execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    try {
      for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const e = parsePasswd(line);
        if (e?.uid === uid) return e;
      }
    } catch {
      /* no passwd file */
    }
    return null;
  }
}

let cached: { key: string; who: Invoker } | undefined;

export function invokingUser(env: NodeJS.ProcessEnv = process.env): Invoker {
  const uid = process.getuid!();
  const sudoUid = env.SUDO_UID;
  const key = `${uid}:${sudoUid ?? ''}`;
  if (cached?.key === key) return cached.who;
  let who: Invoker;
  if (uid === 0 && sudoUid && /^\d+$/.test(sudoUid) && sudoUid !== '0') {
    const pw = passwdEntry(Number(sudoUid));
    if (!pw) throw new LabError(`cannot find the user of SUDO_UID=${sudoUid} in the passwd database: run the lab as that user with sudo, or as root without SUDO_UID`);
    who = { uid: pw.uid, gid: pw.gid, name: pw.name, home: pw.home, sudo: true };
  } else {
    let name = String(uid); // a uid without a passwd entry (some containers) has no name
    try {
      name = os.userInfo().username;
    } catch {
      /* keep the number */
    }
    who = { uid, gid: process.getgid!(), name, home: os.homedir(), sudo: false };
  }
  cached = { key, who };
  return who;
}
