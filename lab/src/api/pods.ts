// Pod admission as the API server does it: validation (422 naming the field) and defaulting.
import { invalid, type Obj } from '../store/index.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function nameErrors(name: unknown, field = 'metadata.name'): { field: string; message: string; reason?: string }[] {
  if (typeof name !== 'string' || name === '') return [{ field, message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }];
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return [{ field, message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')` }];
  }
  return [];
}

export function validatePod(pod: Obj): void {
  const errs = nameErrors(pod.metadata?.name);
  const spec = pod.spec;
  const containers: Obj[] = Array.isArray(spec?.containers) ? spec.containers : [];
  if (containers.length === 0) errs.push({ field: 'spec.containers', message: 'Required value', reason: 'FieldValueRequired' });
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const at = `spec.containers[${i}]`;
    if (!c.name) errs.push({ field: `${at}.name`, message: 'Required value', reason: 'FieldValueRequired' });
    else if (!DNS1123_LABEL.test(c.name) || c.name.length > 63) errs.push({ field: `${at}.name`, message: `Invalid value: "${c.name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')` });
    else if (names.has(c.name)) errs.push({ field: `${at}.name`, message: `Duplicate value: "${c.name}"`, reason: 'FieldValueDuplicate' });
    names.add(c.name);
    if (!c.image) errs.push({ field: `${at}.image`, message: 'Required value', reason: 'FieldValueRequired' });
    (Array.isArray(c.ports) ? c.ports : []).forEach((p: Obj, j: number) => {
      const n = p.containerPort;
      if (!Number.isInteger(n) || n < 1 || n > 65535) errs.push({ field: `${at}.ports[${j}].containerPort`, message: `Invalid value: ${JSON.stringify(n)}: must be between 1 and 65535, inclusive` });
      if (p.name !== undefined && (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name) || p.name.length > 15 || !/[a-z]/.test(p.name))) {
        errs.push({ field: `${at}.ports[${j}].name`, message: `Invalid value: "${p.name}": must be no more than 15 characters` });
      }
    });
  });
  const rp = spec?.restartPolicy;
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(rp)) {
    errs.push({ field: 'spec.restartPolicy', message: `Unsupported value: "${rp}": supported values: "Always", "OnFailure", "Never"`, reason: 'FieldValueNotSupported' });
  }
  if (errs.length) throw invalid('pods', pod.metadata?.name ?? '', errs);
}

function pullPolicy(image: string): string {
  const last = image.split('/').pop() ?? image;
  const tag = last.includes('@') ? 'digest' : last.includes(':') ? last.split(':')[1] : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The defaults a real API server fills in, so `-o yaml` looks as on kind. */
export function defaultPod(pod: Obj, namespace: string): Obj {
  pod.apiVersion = 'v1';
  pod.kind = 'Pod';
  pod.metadata.namespace = namespace;
  const spec = pod.spec;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  spec.serviceAccountName ??= 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.tolerations ??= [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ];
  for (const c of spec.containers) {
    c.imagePullPolicy ??= pullPolicy(c.image);
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  }
  const hasResources = spec.containers.some((c: Obj) => c.resources?.requests || c.resources?.limits);
  pod.status = {
    phase: 'Pending',
    qosClass: hasResources ? 'Burstable' : 'BestEffort',
  };
  return pod;
}
