// What `lab up` says when a program it runs is missing (net/host.ts checkPrivileges): the first missing one and its
// Debian package, found as execFile finds programs (on the PATH, an executable file), before anything runs.
import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkPrivileges } from '../../src/net/host.ts';

const saved = process.env.PATH;
const dirs: string[] = [];
afterEach(() => {
  process.env.PATH = saved;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A PATH of one directory holding links to the real programs named. */
function pathWith(names: string[], extra: (dir: string) => void = () => {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-path-'));
  dirs.push(dir);
  const real = (cmd: string) => saved!.split(':').map((d) => path.join(d, cmd)).find((p) => fs.existsSync(p))!;
  for (const n of names) fs.symlinkSync(real(n), path.join(dir, n));
  extra(dir);
  process.env.PATH = dir;
}

describe('lab up checks the programs it runs', () => {
  it('names the first missing one and its Debian package', async () => {
    pathWith([]);
    expect(await checkPrivileges()).toBe('The lab needs the `ip` command (Debian package iproute2).');
    pathWith(['ip', 'nsenter', 'unshare']);
    expect(await checkPrivileges()).toBe('The lab needs the `setpriv` command (Debian package util-linux).');
  });

  it('a directory or a file that cannot be run is not the program', async () => {
    pathWith(['ip', 'unshare', 'setpriv'], (dir) => {
      fs.mkdirSync(path.join(dir, 'nsenter'));
    });
    expect(await checkPrivileges()).toBe('The lab needs the `nsenter` command (Debian package util-linux).');
    pathWith(['ip', 'nsenter', 'setpriv'], (dir) => fs.writeFileSync(path.join(dir, 'unshare'), '#!/bin/sh\n', { mode: 0o644 }));
    expect(await checkPrivileges()).toBe('The lab needs the `unshare` command (Debian package util-linux).');
  });
});
