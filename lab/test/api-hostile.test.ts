// What a typo or a hostile request does to the lab's API server, through the real kubectl (and curl where kubectl
// cannot send it): prototype keys in patches, bad types and values, pathological bodies and parameters.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import tls from 'node:tls';
import { parse } from 'yaml';
import { skipUnlessLab, useTestLab } from '../src/testing.ts';
import { curl as curlAnonymous } from './curl.ts';

const skip = skipUnlessLab();

const sleeper = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n    image: busybox\n    args: [sleep, "3600"]\n`;

describe.skipIf(skip)('lab API server against hostile input', () => {
  const lab = useTestLab();
  /** curl with the lab's token. */
  const curl = (args: string[]) => curlAnonymous(['-H', `Authorization: Bearer ${lab.token}`, ...args]);
  const create = (input: string, args: string[] = []) => lab.kubectl(['create', '-f', '-', ...args], { input });
  const pods = async () => (await lab.kubectl(['get', 'pods', '-o', 'name'])).stdout;

  const phase = async (name: string) => (await lab.kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])).stdout;

  it('a JSON patch into __proto__ or constructor.prototype is refused; pods keep running, new ones run, delete works', async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: sleeper('bb') });
    await lab.waitReady('bb');
    for (const path of ['/__proto__/deletionTimestamp', '/constructor/prototype/deletionTimestamp', '/metadata/__proto__/deletionTimestamp']) {
      const r = await lab.kubectl(['patch', 'pod', 'bb', '--type=json', '-p', JSON.stringify([{ op: 'add', path, value: '2020-01-01T00:00:00Z' }])]);
      expect(r).toEqual({ code: 1, stdout: '', stderr: 'The request is invalid: the server rejected our request due to an error in our request\n' });
    }
    for (const patch of ['{"__proto__": {"deletionTimestamp": "2020-01-01T00:00:00Z"}}', '{"metadata": {"__proto__": {"deletionTimestamp": "2020-01-01T00:00:00Z"}}}']) {
      for (const type of ['merge', 'strategic']) await lab.kubectl(['patch', 'pod', 'bb', `--type=${type}`, '-p', patch]);
    }
    // A new pod runs and stays; the old one was not torn down.
    await lab.kubectl(['apply', '-f', '-'], { input: sleeper('bb2') });
    await lab.waitReady('bb2');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await phase('bb2')).toBe('Running');
    expect(await phase('bb')).toBe('Running');
    const pod = JSON.parse((await lab.kubectl(['get', 'pod', 'bb', '-o', 'json'])).stdout);
    expect(pod.metadata.deletionTimestamp).toBeUndefined();
    expect(Object.keys(pod)).not.toContain('__proto__');
    expect(Object.keys(pod.metadata)).not.toContain('__proto__');
    expect((await lab.kubectl(['delete', 'pod', 'bb', 'bb2'])).stdout).toBe('pod "bb" deleted\npod "bb2" deleted\n');
    expect((await lab.kubectl(['get', 'pods', '-o', 'name'])).stdout).toBe('');
  }, 60_000);

  it('a typo in a manifest: kubectl apply prints the strict decoding error; --validate=warn warns and drops the field', async () => {
    const typo = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: typo\nspec:\n  containres:\n  - name: x\n  containers:\n  - name: main\n    image: busybox\n    imagee: x\n    args: [sleep, "60"]\n';
    expect(await lab.kubectl(['apply', '-f', '-'], { input: typo })).toEqual({ code: 1, stdout: '',
      stderr: 'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagee", unknown field "spec.containres"\n' });
    expect(await pods()).toBe('');
    expect(await lab.kubectl(['apply', '--validate=warn', '-f', '-'], { input: typo })).toEqual({ code: 0, stdout: 'pod/typo created\n',
      stderr: 'Warning: unknown field "spec.containers[0].imagee"\nWarning: unknown field "spec.containres"\n' });
    const pod = JSON.parse((await lab.kubectl(['get', 'pod', 'typo', '-o', 'json'])).stdout);
    expect(pod.spec.containres).toBeUndefined();
    expect(pod.spec.containers[0].imagee).toBeUndefined();
    // The same typo in an apply that patches the pod: 422 on the patch, as kube-apiserver words it.
    const r = await lab.kubectl(['apply', '-f', '-'], { input: typo.replace('imagee: x\n', 'imagee: y\n') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^The request is invalid: patch: Invalid value: "map\[.*\]": strict decoding error: unknown field "spec.containers\[0\].imagee", unknown field "spec.containres"\n$/);
    await lab.kubectl(['delete', 'pod', 'typo', '--grace-period=0', '--force']);
  });

  it('wrong types are a 400 with Go\'s words, the daemon lives on and nothing is stored', async () => {
    const pod = (container: string, spec = '') => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: typed\nspec:\n${spec}  containers:\n  - name: main\n    image: busybox\n${container}`;
    const cases: [string, string][] = [
      [pod('    args: 5\n'), 'json: cannot unmarshal number into Go struct field Container.spec.containers.args of type []string'],
      [pod('    env:\n    - name: X\n      valueFrom:\n        fieldRef:\n          fieldPath: 5\n'), 'json: cannot unmarshal number into Go struct field ObjectFieldSelector.spec.containers.env.valueFrom.fieldRef.fieldPath of type string'],
      [pod('    ports:\n    - containerPort: "8080"\n'), 'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'],
      [pod('    ports:\n    - containerPort: 1e10\n'), 'json: cannot unmarshal number 10000000000 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'],
      [pod('', '  restartPolicy: [Always]\n'), 'json: cannot unmarshal array into Go struct field PodSpec.spec.restartPolicy of type v1.RestartPolicy'],
      [pod('    resources:\n      limits:\n        cpu: true\n'), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
      ['apiVersion: v1\nkind: Pod\nmetadata:\n  name: typed\nspec:\n  containers: {}\n', 'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container'],
    ];
    for (const [input, error] of cases) {
      expect(await lab.kubectl(['apply', '-f', '-'], { input })).toEqual({ code: 1, stdout: '', stderr: `Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: ${error}\n` });
    }
    expect(await pods()).toBe('');
    expect((await lab.kubectl(['get', '--raw', '/readyz'])).stdout).toBe('ok');
  });

  it('bad values are a 422 naming the field, after the defaults (a probe period of 0 is 10)', async () => {
    const pod = (container: string, spec = '') => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: valued\nspec:\n${spec}  containers:\n  - name: main\n    image: busybox\n    args: [sleep, "60"]\n${container}`;
    const cases: [string, string][] = [
      [pod('', '  terminationGracePeriodSeconds: -1\n'), 'spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0'],
      [pod('    livenessProbe:\n      tcpSocket: {port: 8080}\n      failureThreshold: -1\n'), 'spec.containers[0].livenessProbe.failureThreshold: Invalid value: -1: must be greater than or equal to 0'],
      [pod('    livenessProbe:\n      periodSeconds: 1\n'), 'spec.containers[0].livenessProbe: Required value: must specify a handler type'],
      [pod('    env:\n    - name: X\n      valueFrom:\n        fieldRef:\n          fieldPath: status.phase\n'),
        'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"'],
      [pod('    env:\n    - name: X\n      valueFrom:\n        fieldRef:\n          fieldPath: nope\n'), 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "nope": error converting fieldPath: field label not supported: nope'],
      [pod('', '  restartPolicy: Sometimes\n'), 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
      [pod('', '  volumes:\n  - name: Data\n    emptyDir: {}\n'), `spec.volumes[0].name: Invalid value: "Data": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`],
    ];
    for (const [input, error] of cases) expect(await lab.kubectl(['apply', '-f', '-'], { input })).toEqual({ code: 1, stdout: '', stderr: `The Pod "valued" is invalid: ${error}\n` });
    const two = await lab.kubectl(['apply', '-f', '-'], { input: pod('    image: ""\n', '  terminationGracePeriodSeconds: -5\n').replace('    image: busybox\n', '') });
    expect(two.stderr).toBe('The Pod "valued" is invalid: \n* spec.containers[0].image: Required value\n* spec.terminationGracePeriodSeconds: Invalid value: -5: must be greater than or equal to 0\n');
    expect(await pods()).toBe('');
    await lab.kubectl(['apply', '-f', '-'], { input: pod('    readinessProbe:\n      exec: {command: ["true"]}\n      periodSeconds: 0\n') });
    const stored = JSON.parse((await lab.kubectl(['get', 'pod', 'valued', '-o', 'json'])).stdout);
    expect(stored.spec.containers[0].readinessProbe).toEqual({ exec: { command: ['true'] }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
    // A running pod's command cannot change, as on a real cluster.
    const changed = await lab.kubectl(['apply', '-f', '-'], { input: pod('    readinessProbe:\n      exec: {command: ["true"]}\n').replace('"60"', '"61"') });
    expect(changed.stderr).toBe('The Pod "valued" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n');
    expect((await lab.kubectl(['set', 'image', 'pod/valued', 'main=busybox:1.36'])).stdout).toBe('pod/valued image updated\n');
    await lab.kubectl(['delete', 'pod', 'valued', '--grace-period=0', '--force']);
  });

  it('pathological bodies: deep nesting and over 3 MiB answer 400 and 413, and store nothing', async () => {
    const deep = (n: number) => `${'['.repeat(n)}"x"${']'.repeat(n)}`;
    fs.writeFileSync(`${lab.home}/deep.json`, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"deep"},"spec":{"containers":[{"name":"a","image":"busybox","args":${deep(3000)}}]}}`);
    const r = await curl(['-H', 'Content-Type: application/json', '--data-binary', `@${lab.home}/deep.json`, `${lab.server}/api/v1/namespaces/default/pods`]);
    expect(r.code).toBe(400);
    expect(JSON.parse(r.body).message).toBe("couldn't get version/kind; json parse error: exceeded max depth");
    fs.writeFileSync(`${lab.home}/deep.json`, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"deep"},"spec":{"containers":[{"name":"a","image":"busybox","args":${deep(2)}}]}}`);
    const shallow = await curl(['-H', 'Content-Type: application/json', '--data-binary', `@${lab.home}/deep.json`, `${lab.server}/api/v1/namespaces/default/pods`]);
    expect(JSON.parse(shallow.body).message).toBe('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal array into Go struct field Container.spec.containers.args of type string');
    const big = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n  - name: a\n    image: busybox\n    env:\n    - name: X\n      value: "${'x'.repeat(3.5 * 1024 * 1024)}"\n`;
    expect(await create(big)).toEqual({ code: 1, stdout: '', stderr: 'Error from server (RequestEntityTooLarge): error when creating "STDIN": Request entity too large: limit is 3145728\n' });
    fs.writeFileSync(`${lab.home}/big.json`, JSON.stringify(parse(big)));
    for (const chunked of [false, true]) {
      const r2 = await curl(['-H', 'Content-Type: application/json', ...(chunked ? ['-H', 'Transfer-Encoding: chunked'] : []), '--data-binary', `@${lab.home}/big.json`, `${lab.server}/api/v1/namespaces/default/pods`]);
      expect(r2.code).toBe(413);
      expect(JSON.parse(r2.body)).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Request entity too large: limit is 3145728', reason: 'RequestEntityTooLarge', code: 413 });
    }
    expect(await pods()).toBe('');
  });

  it('a huge grace period deletes fine; its namespace is Terminating until its pods are gone', async () => {
    await lab.kubectl(['create', 'namespace', 'huge']);
    // A process that ignores SIGTERM: the pod stays until its grace period ends or it is deleted by force.
    const huge = sleeper('huge').replace('terminationGracePeriodSeconds: 1', 'terminationGracePeriodSeconds: 1e14').replace('args: [sleep, "3600"]', `args: [sh, -c, "trap '' TERM; sleep 3600"]`);
    for (const name of ['huge', 'plain']) await lab.kubectl(['apply', '-n', 'huge', '-f', '-'], { input: huge.replace('name: huge', `name: ${name}`) });
    await lab.waitReady('huge', 'huge');
    const r = await curl(['-X', 'DELETE', `${lab.server}/api/v1/namespaces/huge/pods/huge`]);
    expect(r.code).toBe(200);
    const pod = JSON.parse(r.body);
    expect(pod.metadata.deletionGracePeriodSeconds).toBe(1e14);
    // now + 1e14 s, the nanoseconds wrapped at 64 bits as Go's time.Duration wraps them: a date within ±292 years
    expect(pod.metadata.deletionTimestamp).toMatch(/^2\d{3}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await lab.kubectl(['delete', 'namespace', 'huge', '--wait=false'])).stdout).toBe('namespace "huge" deleted\n');
    expect((await lab.kubectl(['get', 'ns', 'huge', '--no-headers'])).stdout).toMatch(/^huge\s+Terminating\s+\d+s\n$/);
    const left = JSON.parse((await lab.kubectl(['get', 'pods', '-n', 'huge', '-o', 'json'])).stdout).items;
    expect(left.map((p: any) => p.metadata.name)).toEqual(['huge', 'plain']);
    for (const p of left) expect(p.metadata.deletionTimestamp).toBeDefined();
    for (const p of left) await lab.kubectl(['delete', 'pod', p.metadata.name, '-n', 'huge', '--grace-period=0', '--force']);
    expect((await lab.kubectl(['get', 'ns', 'huge'])).stderr).toBe('Error from server (NotFound): namespaces "huge" not found\n');
  }, 60_000);

  it('bad log parameters are a 400 or 422 at once; a malformed URL without a token is system:anonymous\'s 403', async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: sleeper('logged') });
    const log = (query: string) => curl(['-m', '5', `${lab.server}/api/v1/namespaces/default/pods/logged/log?${query}`]);
    const status = (code: number, reason: string, message: string) => ({ code, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }) });
    expect(await log('limitBytes=abc')).toEqual(status(400, 'BadRequest', 'strconv.ParseInt: parsing "abc": invalid syntax'));
    expect(await log('tailLines=1.5')).toEqual(status(400, 'BadRequest', 'strconv.ParseInt: parsing "1.5": invalid syntax'));
    expect(await log('sinceSeconds=99999999999999999999')).toEqual(status(400, 'BadRequest', 'strconv.ParseInt: parsing "99999999999999999999": value out of range'));
    expect(await log('follow=maybe')).toEqual(status(400, 'BadRequest', 'strconv.ParseBool: parsing "maybe": invalid syntax'));
    const neg = await log('tailLines=-1');
    expect(neg.code).toBe(422);
    expect(JSON.parse(neg.body).message).toBe('PodLogOptions "logged" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
    // A request line Node parses but no URL parser accepts: who asks is checked first (Go's URL.Path is "/api").
    const port = Number(new URL(lab.server).port);
    const raw = (auth: string) => new Promise<string>((resolve) => {
      const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => s.end(`GET http://a:99999/api HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`));
      let out = '';
      s.on('data', (c) => (out += c));
      s.on('close', () => resolve(out.split('\r\n')[0]));
      s.on('error', () => resolve(out.split('\r\n')[0]));
    });
    expect(await raw('')).toBe('HTTP/1.1 403 Forbidden');
    expect(await raw('Authorization: Bearer nope\r\n')).toBe('HTTP/1.1 401 Unauthorized');
    expect(await raw(`Authorization: Bearer ${lab.token}\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    await lab.kubectl(['delete', 'pod', 'logged', '--grace-period=0', '--force']);
  });
});
