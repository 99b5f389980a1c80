// Label and field selectors: matching and the 400 messages of a real API server, cases taken from
// k8s.io/apimachinery/pkg/labels/selector_test.go and pkg/fields, and the fields pods/nodes/events offer.
import { describe, it, expect } from 'vitest';
import { labelMatcher, parseLabelSelector } from '../../src/store/label-selectors.ts';
import { fieldMatcher } from '../../src/store/field-selectors.ts';
import { ApiError } from '../../src/store/errors.ts';

const withLabels = (labels: Record<string, string>) => ({ metadata: { name: 'x', labels } });
const matches = (selector: string, labels: Record<string, string>) => labelMatcher(selector)(withLabels(labels));

/** The Status a 400 for this selector carries. */
function refusal(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    const status = (e as ApiError).toStatus();
    expect([status.code, status.reason]).toEqual([400, 'BadRequest']);
    return status.message;
  }
  throw new Error('the selector was accepted');
}

describe('label selectors', () => {
  it.each([
    ['', { x: 'y' }],
    ['x=y', { x: 'y' }],
    ['x==y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['notin=in', { notin: 'in' }],
    ['x', { x: 'z' }],
    ['!x', { y: 'z' }],
    ['x>1', { x: '2' }],
    ['x<1', { x: '0' }],
    ['x in (foo),y notin (alpha)', { x: 'foo', y: 'baz' }],
    ['x notin (),y', { y: '' }],
    ['!x,y', { y: '' }],
    ['x in (a,b, c )', { x: 'c' }],
    ['x in (,a)', { x: '' }],
    ['x=', { x: '' }],
    ['x= ,z= ', { x: '', z: '' }],
    ['app!=web', {}],
    ['app notin (web)', {}],
    ['this-is-a-dns.domain.com/key-with-dash', { 'this-is-a-dns.domain.com/key-with-dash': 'v' }],
    ['foo  in\t (abc)', { foo: 'abc' }],
    ['\rx', { x: '1' }],
  ])('%j matches %j', (selector, labels) => {
    expect(matches(selector, labels)).toBe(true);
  });

  it.each([
    ['x=z', {}],
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['x', { y: 'z' }],
    ['!x', { x: 'z' }],
    ['x>1', { x: '0' }],
    ['x<1', { x: '2' }],
    ['z>1', { z: 'v2' }],
    ['x>1', {}],
    ['x in (foo),y in (alpha)', { x: 'foo', y: 'baz' }],
    ['x notin (),!y', { y: '' }],
    ['x in ()', { y: 'baz' }],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }],
  ])('%j does not match %j', (selector, labels) => {
    expect(matches(selector, labels)).toBe(false);
  });

  it('parses each operator into one requirement, values of a set sorted and deduplicated', () => {
    expect(parseLabelSelector('a=1,b==2,c!=3,d in (y,x,y),e notin (),f,!g,h>4,i<5')).toEqual([
      { key: 'a', op: '=', values: ['1'] },
      { key: 'b', op: '==', values: ['2'] },
      { key: 'c', op: '!=', values: ['3'] },
      { key: 'd', op: 'in', values: ['x', 'y'] },
      { key: 'e', op: 'notin', values: [''] },
      { key: 'f', op: 'exists', values: [] },
      { key: 'g', op: '!', values: [] },
      { key: 'h', op: '>', values: ['4'] },
      { key: 'i', op: '<', values: ['5'] },
    ]);
  });

  it.each([
    ['app in web', "unable to parse requirement: found 'web' expected: '('"],
    ['app in (web', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['app in (web,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['app web', "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt"],
    ['app=(web)', "unable to parse requirement: found '(', expected: identifier"],
    ['app=web,', "found '', expected: identifier after ','"],
    [',app', "found ',', expected: !, identifier, or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['app=web tier=db', "found 'tier', expected: ',' or 'end of string'"],
    ['!=x', "found '!=', expected: !, identifier, or 'end of string'"],
  ])('refuses %j: %s', (selector, message) => {
    expect(refusal(() => labelMatcher(selector))).toBe(message);
  });

  it('refuses a key that is not a qualified name, with validation.IsQualifiedName\'s message', () => {
    const name = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    expect(refusal(() => labelMatcher('component+kube-apiserver'))).toBe(`unable to parse requirement: <nil>: Invalid value: "component+kube-apiserver": name part ${name}`);
    expect(refusal(() => labelMatcher('a/b/c=1'))).toBe(`unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name ${name} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`);
    expect(refusal(() => labelMatcher(`${'k'.repeat(64)}=1`))).toBe(`unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`);
    expect(refusal(() => labelMatcher('/app'))).toBe(`unable to parse requirement: <nil>: Invalid value: "/app": prefix part must be non-empty`);
    expect(refusal(() => labelMatcher('Example.com/app'))).toBe(
      'unable to parse requirement: <nil>: Invalid value: "Example.com/app": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    );
  });

  it('refuses values that are not label values and gt/lt values that are not integers', () => {
    expect(refusal(() => labelMatcher('x<a'))).toMatch(/^unable to parse requirement: .*Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer$/);
    expect(refusal(() => labelMatcher('app=a$b'))).toMatch(/^unable to parse requirement: .*Invalid value: "a\$b": a valid label must be an empty string or consist of alphanumeric characters/);
    expect(refusal(() => labelMatcher(`app=${'v'.repeat(64)}`))).toMatch(/Invalid value: "v{64}": must be no more than 63 characters$/);
  });

  it('reads own labels only: "constructor" or "toString" name no label, "__proto__" is no label key at all', () => {
    const pod = withLabels({ app: 'x' });
    expect(labelMatcher('constructor')(pod)).toBe(false);
    expect(labelMatcher('!toString')(pod)).toBe(true);
    expect(labelMatcher('constructor notin (x)')(pod)).toBe(true);
    expect(labelMatcher('hasOwnProperty in (x)')(pod)).toBe(false);
    expect(refusal(() => labelMatcher('__proto__'))).toMatch(/^unable to parse requirement: <nil>: Invalid value: "__proto__": name part must consist of/);
  });

  it('takes "in" and "notin" as values and keys where an identifier is expected', () => {
    expect(matches('in in (in)', { in: 'in' })).toBe(true);
    expect(matches('x notin (notin)', { x: 'notin' })).toBe(false);
  });
});

describe('field selectors', () => {
  const pod = {
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'kind-worker', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
    status: { phase: 'Running', podIP: '10.244.1.2', podIPs: [{ ip: '10.244.1.2' }] },
  };
  const pending = { kind: 'Pod', metadata: { name: 'new', namespace: 'default' }, spec: {}, status: { phase: 'Pending' } };
  const pods = (selector: string) => [pod, pending].filter(fieldMatcher(selector, 'pods')).map((p) => p.metadata.name);

  it('selects pods by the fields a pod offers; unset ones are "", hostNetwork defaults to "false"', () => {
    expect(pods('status.phase=Running')).toEqual(['web']);
    expect(pods('status.phase!=Running')).toEqual(['new']);
    expect(pods('spec.nodeName=')).toEqual(['new']);
    expect(pods('spec.nodeName==kind-worker,metadata.namespace=default')).toEqual(['web']);
    expect(pods('spec.host=kind-worker')).toEqual(['web']);
    expect(pods('spec.hostNetwork=false')).toEqual(['web', 'new']);
    expect(pods('status.podIP=10.244.1.2')).toEqual(['web']);
    expect(pods('metadata.name=web,status.phase=Pending')).toEqual([]);
    expect(pods('')).toEqual(['web', 'new']);
  });

  it('selects nodes, namespaces and events by theirs', () => {
    const node = { kind: 'Node', metadata: { name: 'kind-worker' }, spec: {} };
    expect(fieldMatcher('spec.unschedulable=false', 'nodes')(node)).toBe(true);
    expect(fieldMatcher('spec.unschedulable=true', 'nodes')(node)).toBe(false);
    expect(fieldMatcher('status.phase=Active', 'namespaces')({ kind: 'Namespace', metadata: { name: 'default' }, status: { phase: 'Active' } })).toBe(true);
    const event = {
      kind: 'Event', metadata: { name: 'web.1', namespace: 'default' }, type: 'Warning', reason: 'BackOff', reportingComponent: 'kubelet',
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', fieldPath: 'spec.containers{web}' }, source: { component: 'kubelet', host: 'kind-worker' },
    };
    const sel = 'involvedObject.name=web,involvedObject.kind=Pod,type=Warning,reason=BackOff,source=kubelet,reportingComponent=kubelet,involvedObject.fieldPath=spec.containers{web}';
    expect(fieldMatcher(sel, 'events')(event)).toBe(true);
    expect(fieldMatcher('involvedObject.name=other', 'events')(event)).toBe(false);
  });

  it('unescapes \\, \\= and \\\\ in values', () => {
    const o = { kind: 'Pod', metadata: { name: 'a,b=c\\d' } };
    expect(fieldMatcher('metadata.name=a\\,b\\=c\\\\d', 'pods')(o)).toBe(true);
  });

  it('without a resource, uses the fields of each object\'s kind and refuses none', () => {
    expect(fieldMatcher('status.phase=Running')(pod)).toBe(true);
    expect(fieldMatcher('no.such=x')(pod)).toBe(false);
    expect(fieldMatcher('no.such=')(pod)).toBe(true);
    expect(fieldMatcher('metadata.name=web')({ ...pod, kind: 'toString' })).toBe(false);
  });

  it('reads own fields only: "constructor" or "__proto__" name none', () => {
    expect(fieldMatcher('metadata.constructor.name=Object')(pod)).toBe(false);
    expect(fieldMatcher('metadata.__proto__=')(pod)).toBe(true);
    expect(fieldMatcher('constructor!=x')(pod)).toBe(true);
    expect(refusal(() => fieldMatcher('constructor=x', 'pods'))).toBe('field label not supported: constructor');
    expect(refusal(() => fieldMatcher('__proto__=x', 'pods'))).toBe('field label not supported: __proto__');
    expect(refusal(() => fieldMatcher('toString=x', 'events'))).toBe('field label not supported: toString');
  });

  it.each([
    ['status.phase', "invalid selector: 'status.phase'; can't understand 'status.phase'"],
    ['spec.nodeName in (a)', "invalid selector: 'spec.nodeName in (a)'; can't understand 'spec.nodeName in (a)'"],
    ['zzz,status.phase=Running,a', "invalid selector: 'zzz,status.phase=Running,a'; can't understand 'a'"],
    ['metadata.name=a=b', 'invalid field selector: unescaped character in value: ='],
    ['metadata.name=a\\b', 'invalid field selector: invalid escape sequence: \\b'],
    ['metadata.name=a\\', 'invalid field selector: invalid escape sequence: \\'],
    ['foo=bar', 'field label not supported: foo'],
    ['spec.nodename=x', 'field label not supported: spec.nodename'],
    ['status.phase =Running', 'field label not supported: status.phase '],
  ])('refuses %j for pods: %s', (selector, message) => {
    expect(refusal(() => fieldMatcher(selector, 'pods'))).toBe(message);
  });

  it('refuses the fields of other resources: spec.nodeName is not a node field, spec.unschedulable not a pod one', () => {
    expect(refusal(() => fieldMatcher('spec.nodeName=x', 'nodes'))).toBe('field label not supported: spec.nodeName');
    expect(refusal(() => fieldMatcher('spec.host=x', 'events'))).toBe('field label not supported: spec.host');
    expect(refusal(() => fieldMatcher('spec.unschedulable=true', 'pods'))).toBe('field label not supported: spec.unschedulable');
  });
});
