// Image references → the program a container runs (kubelet/images.ts), with Docker's reference rules: an
// optional registry (a first part with "." or ":" or "localhost"), "library/" for official images, a tag or digest.
import { describe, it, expect } from 'vitest';
import { checkImage, containerArgv, ImagePullError, InvalidImageError } from '../../src/kubelet/images.ts';

const KIADA = ['docker-entrypoint.sh', 'node', 'dist/main.ts'];
const argv = (c: { image: string; command?: string[]; args?: string[] }) => containerArgv(c.image, c.command, c.args);

describe('image mapping', () => {
  it.each([
    'kiada:0.1', 'kiada', 'luksa/kiada:0.1', 'docker.io/luksa/kiada:0.1', 'localhost:5000/kiada:0.1', 'registry.example.com/team/kiada:latest',
    'kiada@sha256:0000000000000000000000000000000000000000000000000000000000000000',
  ])('%s runs the repo\'s app as the Dockerfile does: node:alpine\'s entrypoint, CMD node dist/main', (image) => {
    expect(argv({ image })).toEqual(KIADA);
  });

  it('Kubernetes\' rules: args replace CMD (the entrypoint stays), a command replaces both', () => {
    expect(argv({ image: 'kiada:0.1', args: ['node', 'dist/main.ts', '--bind', 'eth0'] })).toEqual(['docker-entrypoint.sh', 'node', 'dist/main.ts', '--bind', 'eth0']);
    expect(argv({ image: 'kiada:0.1', args: [] })).toEqual(KIADA);
    expect(argv({ image: 'kiada:0.1', command: ['/bin/echo'], args: ['hi'] })).toEqual(['/bin/echo', 'hi']);
    expect(argv({ image: 'kiada:0.1', command: ['/bin/echo'] })).toEqual(['/bin/echo']);
  });

  it('curlimages/curl: its /entrypoint.sh with CMD curl; args go to the entrypoint (which gives options to curl)', () => {
    expect(argv({ image: 'curlimages/curl' })).toEqual(['/entrypoint.sh', 'curl']);
    expect(argv({ image: 'docker.io/curlimages/curl:8.5.0', args: ['-s', 'http://10.244.1.2:8080'] })).toEqual(['/entrypoint.sh', '-s', 'http://10.244.1.2:8080']);
    expect(argv({ image: 'curlimages/curl', args: ['curl', '-s', 'x'] })).toEqual(['/entrypoint.sh', 'curl', '-s', 'x']);
    expect(argv({ image: 'curlimages/curl', command: ['sleep'], args: ['5'] })).toEqual(['sleep', '5']);
  });

  it.each([
    ['busybox', ['sh']], ['busybox:1.36', ['sh']], ['docker.io/library/busybox', ['sh']], ['library/alpine:3.19', ['/bin/sh']], ['alpine', ['/bin/sh']],
    ['nicolaka/netshoot', ['zsh']], ['debian:12', ['bash']], ['ubuntu', ['/bin/bash']],
  ])('%s runs its CMD %j; args replace it, a command with its args replaces it', (image, cmd) => {
    expect(argv({ image })).toEqual(cmd);
    expect(argv({ image, args: ['sleep', '60'] })).toEqual(['sleep', '60']);
    expect(argv({ image, command: ['sh', '-c'], args: ['echo hi'] })).toEqual(['sh', '-c', 'echo hi']);
  });

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
