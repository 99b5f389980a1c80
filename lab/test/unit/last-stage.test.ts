// The last stage of a container's start and of an exec, run here by a plain sh as this user (no namespaces needed):
// runc's checks in runc's words on fd 3, the descriptors the lab left open closed, and the command run with exactly
// the container's environment, whatever its values hold.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { START_STAGE, EXEC_STAGE, stageInput } from '../../src/net/last-stage.ts';

interface Run { code: number | null; fd3: string; stdout: string; stderr: string }

/** The stage under sh with fds 3 (to the lab) and 4 (the container's stderr, held back until "ok") as pipes; fd 5 too, as the lab leaves it. */
function run(stage: string, name: string, input: { args: string[]; env: Record<string, string> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', stage, name, ...input.args], { env: input.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'] });
    const out = ['', '', '', '', ''];
    for (const fd of [1, 2, 3, 4]) (child.stdio[fd] as NodeJS.ReadableStream).on('data', (d) => (out[fd] += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, fd3: out[3], stdout: out[1], stderr: out[2] + out[4] }));
  });
}

const PATH = '/usr/local/bin:/usr/bin:/bin';

describe('stageInput', () => {
  it('gives the stage its arguments (cwd, the command looked up, PATH, argv) and the env as numbered variables, never as arguments', () => {
    expect(stageInput({ cwd: '/app', env: { PATH, A: 'x y' }, argv: ['node', 'main.js'] })).toEqual({
      args: ['/app', 'node', PATH, 'node', 'main.js'],
      env: { KIADA_ENV_COUNT: '2', KIADA_ENV_0: `PATH=${PATH}`, KIADA_ENV_1: 'A=x y' },
    });
    expect(stageInput({ env: {}, argv: ['sh', '-c', 'true'], lookup: '/bin/sh' })).toEqual({ args: ['/bin/sh', '', 'sh', '-c', 'true'], env: { KIADA_ENV_COUNT: '0' } });
  });
});

describe('START_STAGE', () => {
  it('says ok on fd 3, then runs the command with exactly the container\'s env, whatever bytes a value holds', async () => {
    const odd = 'a b\n"c" $HOME `x` \\ \'q\'';
    expect(await run(START_STAGE, 'kiada-start', stageInput({ cwd: '/', env: { PATH, ODD: odd }, argv: ['env'] })))
      .toEqual({ code: 0, fd3: 'ok\n', stdout: `PATH=${PATH}\nODD=${odd}\n`, stderr: '' });
  });

  it('runs it in its working directory, with fds 3, 4 and 5 of the lab closed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-last-stage-'));
    try {
      const script = 'for f in 3 4 5; do if [ -e /proc/self/fd/$f ]; then echo "fd $f open"; fi; done; pwd -P';
      expect(await run(START_STAGE, 'kiada-start', stageInput({ cwd: dir, env: { PATH }, argv: ['sh', '-c', script] })))
        .toEqual({ code: 0, fd3: 'ok\n', stdout: `${fs.realpathSync(dir)}\n`, stderr: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses as runc does: a missing working directory, a command not on PATH, a directory, a file without x', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-last-stage-'));
    try {
      const plain = path.join(dir, 'plain');
      fs.writeFileSync(plain, 'echo hi\n', { mode: 0o644 });
      const env = { PATH };
      const refused = async (cwd: string, cmd: string) => run(START_STAGE, 'kiada-start', stageInput({ cwd, env, argv: [cmd] }));
      expect(await refused('/kiada-nowhere', 'true'))
        .toEqual({ code: 1, fd3: 'err chdir to cwd ("/kiada-nowhere") set in config.json failed: not a directory\n', stdout: '', stderr: '' });
      expect(await refused('/', 'kiada-no-such-command'))
        .toEqual({ code: 1, fd3: 'err exec: "kiada-no-such-command": executable file not found in $PATH\n', stdout: '', stderr: '' });
      expect(await refused('/', dir)).toEqual({ code: 1, fd3: `err exec: "${dir}": is a directory\n`, stdout: '', stderr: '' });
      expect(await refused('/', plain)).toEqual({ code: 1, fd3: `err exec: "${plain}": permission denied\n`, stdout: '', stderr: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('EXEC_STAGE', () => {
  it('runs the command with exactly its env after ok; a command it cannot find is exit code 127 with runc\'s words', async () => {
    expect(await run(EXEC_STAGE, 'kiada-exec', stageInput({ env: { PATH, X: '1' }, argv: ['env'] }))).toEqual({ code: 0, fd3: 'ok\n', stdout: `PATH=${PATH}\nX=1\n`, stderr: '' });
    expect(await run(EXEC_STAGE, 'kiada-exec', stageInput({ env: { PATH }, argv: ['kiada-no-such-command'] })))
      .toEqual({ code: 127, fd3: 'err exec: "kiada-no-such-command": executable file not found in $PATH\n', stdout: '', stderr: '' });
  });
});
