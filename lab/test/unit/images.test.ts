// Image references → the program a container runs (kubelet/images.ts), with Docker's reference rules: an
// optional registry (a first part with "." or ":" or "localhost"), "library/" for official images, a tag or digest.
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { checkImage, containerArgv, ImagePullError, InvalidImageError } from '../../src/kubelet/images.ts';

const ROOT = '/repo';
const KIADA = [process.execPath, path.join(ROOT, 'apps', 'kiada', 'src', 'main.ts')];
const argv = (c: { image: string; command?: string[]; args?: string[] }) => containerArgv(c.image, c.command, c.args, ROOT);

describe('image mapping', () => {
  it.each([
    'kiada:0.1', 'kiada', 'luksa/kiada:0.1', 'docker.io/luksa/kiada:0.1', 'localhost:5000/kiada:0.1', 'registry.example.com/team/kiada:latest',
    'kiada@sha256:0000000000000000000000000000000000000000000000000000000000000000',
  ])('%s runs the repo\'s app, as the book\'s image does', (image) => {
    expect(argv({ image })).toEqual(KIADA);
  });

  it('kiada: args are appended to the entrypoint (node app.js --bind eth0); a command replaces it', () => {
    expect(argv({ image: 'kiada:0.1', args: ['--bind', 'eth0'] })).toEqual([...KIADA, '--bind', 'eth0']);
    expect(argv({ image: 'kiada:0.1', command: ['/bin/echo'], args: ['hi'] })).toEqual(['/bin/echo', 'hi']);
  });

  it('curlimages/curl: curl is the entrypoint for options and URLs; a known program runs as itself', () => {
    expect(argv({ image: 'curlimages/curl' })).toEqual(['curl']);
    expect(argv({ image: 'docker.io/curlimages/curl:8.5.0', args: ['-s', 'http://10.244.1.2:8080'] })).toEqual(['curl', '-s', 'http://10.244.1.2:8080']);
    expect(argv({ image: 'curlimages/curl', args: ['http://kiada:8080'] })).toEqual(['curl', 'http://kiada:8080']);
    expect(argv({ image: 'curlimages/curl', args: ['curl', '-s', 'x'] })).toEqual(['curl', '-s', 'x']);
    expect(argv({ image: 'curlimages/curl', args: ['sh', '-c', 'curl x'] })).toEqual(['sh', '-c', 'curl x']);
    expect(argv({ image: 'curlimages/curl', args: [] })).toEqual(['curl']);
    expect(argv({ image: 'curlimages/curl', command: ['sleep'], args: ['5'] })).toEqual(['sleep', '5']);
  });

  it.each(['busybox', 'busybox:1.36', 'docker.io/library/busybox', 'library/alpine:3.19', 'alpine', 'nicolaka/netshoot', 'debian:12', 'ubuntu'])(
    '%s gets a shell: sh without arguments, the args as the command, a command with its args',
    (image) => {
      expect(argv({ image })).toEqual(['sh']);
      expect(argv({ image, args: ['sleep', '60'] })).toEqual(['sleep', '60']);
      expect(argv({ image, command: ['sh', '-c'], args: ['echo hi'] })).toEqual(['sh', '-c', 'echo hi']);
    },
  );

  it.each(['nginx', 'registry.example/nope:1', 'kiada-extra:1', 'x/notkiada', 'curlimages/curl-base', 'busyboxx'])('%s cannot be pulled', (image) => {
    let err: unknown;
    try {
      argv({ image });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as Error).message.startsWith(`failed to pull and unpack image "${image}": failed to resolve reference "${image}": `)).toBe(true);
  });

  it.each(['kiada:0.1', 'luksa/kiada:0.1', 'localhost:5000/kiada:0.1', 'registry.example.com/team/kiada:latest', 'busybox', 'nginx', 'my_org/app__x:1.0-rc.1', 'kiada@sha256:' + '0'.repeat(64)])(
    '%s is a reference that parses',
    (image) => expect(checkImage(image)).toBe(image),
  );

  it.each([
    ['', 'repository name must have at least one component'],
    ['busyBOX', 'invalid reference format: repository name (library/busyBOX) must be lowercase'],
    ['kiada:', 'invalid reference format'],
    ['kiada:0.1 ', 'invalid reference format'],
    ['-kiada', 'invalid reference format'],
    ['registry.example.com/Team/kiada', 'invalid reference format: repository name (Team/kiada) must be lowercase'],
  ])('%j is InvalidImageName: %s', (image, why) => {
    expect(() => checkImage(image)).toThrow(new InvalidImageError(`Failed to apply default image tag ${JSON.stringify(image)}: couldn't parse image name ${JSON.stringify(image)}: ${why}`));
  });
});
