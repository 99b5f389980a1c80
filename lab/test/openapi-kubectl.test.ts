// kubectl 1.27 to 1.33 against the lab's OpenAPI: the old ones read /openapi/v2 as protobuf before anything else,
// the new ones the v3 documents; each applies, creates, explains and gets the server's strict validation.
import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { skipUnlessLab, useTestLab } from '../src/testing.ts';
import { REPO_ROOT } from '../src/paths.ts';

const skip = skipUnlessLab();
const VERSIONS = ['1.27', '1.28', '1.32', '1.33'];
/** The versioned binaries beside the kubectl on the PATH (Google Cloud SDK's dispatcher). */
function binary(version: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const kubectl = path.join(dir, 'kubectl');
    if (!fs.existsSync(kubectl)) continue;
    const candidate = path.join(path.dirname(fs.realpathSync(kubectl)), `kubectl.${version}`);
    return fs.existsSync(candidate) ? candidate : undefined;
  }
  return undefined;
}
const missing = VERSIONS.filter((v) => !binary(v));
if (!skip && missing.length && process.env.CI === 'true') throw new Error(`CI must have kubectl ${missing.join(', ')}`);
if (!skip && missing.length) console.warn(`skipping OpenAPI suite: no kubectl ${missing.join(', ')}`);

const POD = fs.readFileSync(path.join(REPO_ROOT, 'k8s/pod.kiada.yaml'), 'utf8');

describe.skipIf(skip || missing.length > 0)('kubectl 1.27–1.33 and the OpenAPI documents', () => {
  const lab = useTestLab();
  const run = (version: string, args: string[], input?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(binary(version)!, ['--kubeconfig', lab.kubeconfig, '--cache-dir', path.join(lab.cacheDir, version), ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      child.stdin!.end(input ?? '');
    });

  it('apply k8s/pod.kiada.yaml: created by the first, unchanged for every other (the patch computed from the schemas is empty)', async () => {
    const out = [];
    for (const v of VERSIONS) out.push(await run(v, ['apply', '-f', '-'], POD));
    expect(out).toEqual(VERSIONS.map((_, i) => ({ code: 0, stdout: i === 0 ? 'pod/kiada created\n' : 'pod/kiada unchanged\n', stderr: '' })));
  }, 60_000);

  it('create, and a typo in a manifest refused by the server in its words (kubectl sends fieldValidation=Strict)', async () => {
    for (const v of VERSIONS) {
      const name = `created-${v.replace('.', '-')}`;
      expect(await run(v, ['create', '-f', '-'], POD.replace('name: kiada\n', `name: ${name}\n`))).toEqual({ code: 0, stdout: `pod/${name} created\n`, stderr: '' });
      const typo = POD.replace('name: kiada\n', 'name: typo\n').replace('  containers:', '  containres:');
      expect(await run(v, ['apply', '-f', '-'], typo)).toEqual({
        code: 1, stdout: '', stderr: 'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containres"\n',
      });
    }
  }, 60_000);

  it('explain pod.spec.containers.ports: the v3 document for every version, the v2 one (protobuf) when asked', async () => {
    for (const v of VERSIONS) {
      // kubectl 1.32 put a blank line after the FIELD line.
      const blank = v >= '1.32' ? '\n' : '';
      expect(await run(v, ['explain', 'pod.spec.containers.ports'])).toEqual({ code: 0, stdout: EXPLAIN_V3.replace('<[]ContainerPort>\n', `<[]ContainerPort>\n${blank}`), stderr: '' });
    }
    expect(await run('1.28', ['explain', 'pod.spec.containers.ports', '--output=plaintext-openapiv2'])).toEqual({ code: 0, stdout: EXPLAIN_V2, stderr: '' });
  }, 60_000);
});

const PORT_FIELDS = (indent: string) => [
  ['containerPort\t<integer> -required-', "Number of port to expose on the pod's IP address. This must be a valid port\nnumber, 0 < x < 65536."],
  ['hostIP\t<string>', 'What host IP to bind the external port to.'],
  ['hostPort\t<integer>', 'Number of port to expose on the host. If specified, this must be a valid\nport number, 0 < x < 65536. If HostNetwork is specified, this must match\nContainerPort. Most containers do not need this.'],
  ['name\t<string>', 'If specified, this must be an IANA_SVC_NAME and unique within the pod. Each\nnamed port in a pod must have a unique name. Name for the port that can be\nreferred to by services.'],
  ['protocol\t<string>', 'Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".'],
].map(([head, text]) => `${indent}${head}\n${text.split('\n').map((l) => `${indent}  ${l}`).join('\n')}\n`).join('\n');

const EXPLAIN_V3 = `KIND:       Pod
VERSION:    v1

FIELD: ports <[]ContainerPort>

DESCRIPTION:
    List of ports to expose from the container. Not specifying a port here DOES
    NOT prevent that port from being exposed. Any port which is listening on the
    default "0.0.0.0" address inside a container will be accessible from the
    network. Modifying this array with strategic merge patch may corrupt the
    data. For more information See
    https://github.com/kubernetes/kubernetes/issues/108255. Cannot be updated.
    ContainerPort represents a network port in a single container.
    
FIELDS:
${PORT_FIELDS('  ')}

`;

const EXPLAIN_V2 = `KIND:     Pod
VERSION:  v1

RESOURCE: ports <[]Object>

DESCRIPTION:
     List of ports to expose from the container. Not specifying a port here DOES
     NOT prevent that port from being exposed. Any port which is listening on
     the default "0.0.0.0" address inside a container will be accessible from
     the network. Modifying this array with strategic merge patch may corrupt
     the data. For more information See
     https://github.com/kubernetes/kubernetes/issues/108255. Cannot be updated.

     ContainerPort represents a network port in a single container.

FIELDS:
${PORT_FIELDS('   ').replace(/\n {5}/g, '\n     ')}
`;
