// Value validation as kube-apiserver does it (pkg/apis/core/validation and apimachinery's validation), on the
// decoded and defaulted object: the same rules, field paths and words, for the objects the lab accepts.
import type { Obj } from '../store/index.ts';
import { invalidValue, required, notSupported, duplicate, notFound, forbidden, type FieldError } from './field.ts';
import { dns1123Label, dns1123Subdomain, qualifiedName, labelValue, portName, portNum, each, nonNegative, validateMeta } from './validation-meta.ts';

// pkg/apis/core/validation
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const CONVERTIBLE = new Set(['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.restartPolicy',
  'spec.serviceAccountName', 'spec.schedulerName', 'status.phase', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs']);
const RESOURCE_FIELDS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

function fieldRef(ref: Obj, at: string): FieldError[] {
  if (!ref.apiVersion) return [required(`${at}.apiVersion`)];
  if (!ref.fieldPath) return [required(`${at}.fieldPath`)];
  const path: string = ref.fieldPath;
  const sub = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(path) ?? /^(.*)\[.*\]$/.exec(path);
  if (ref.apiVersion !== 'v1') return [invalidValue(`${at}.fieldPath`, path, `error converting fieldPath: unsupported pod version: ${ref.apiVersion}`)];
  if (sub && !['metadata.labels', 'metadata.annotations'].includes(sub[1])) return [invalidValue(`${at}.fieldPath`, path, `error converting fieldPath: field label does not support subscript: ${path}`)];
  if (sub) return each(at, sub[2], qualifiedName(sub[1] === 'metadata.annotations' ? sub[2].toLowerCase() : sub[2]));
  if (!CONVERTIBLE.has(path) && path !== 'spec.host') return [invalidValue(`${at}.fieldPath`, path, `error converting fieldPath: field label not supported: ${path}`)];
  const internal = path === 'spec.host' ? 'spec.nodeName' : path;
  return ENV_FIELD_PATHS.includes(internal) ? [] : [notSupported(`${at}.fieldPath`, internal, ENV_FIELD_PATHS)];
}

function env(list: Obj[], at: string): FieldError[] {
  const errs: FieldError[] = [];
  list.forEach((e, i) => {
    const p = `${at}[${i}]`;
    if (!e.name) errs.push(required(`${p}.name`));
    // RelaxedEnvironmentVariableValidation is on by default in 1.32
    else if (!/^[\x20-\x3c\x3e-\x7e]+$/.test(e.name)) errs.push(invalidValue(`${p}.name`, e.name, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
    const from = e.valueFrom;
    if (!from) return;
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((s) => from[s]);
    if (from.fieldRef) errs.push(...fieldRef(from.fieldRef, `${p}.valueFrom.fieldRef`));
    if (from.resourceFieldRef) {
      const r = from.resourceFieldRef.resource;
      if (!r) errs.push(required(`${p}.valueFrom.resourceFieldRef.resource`));
      else if (!RESOURCE_FIELDS.includes(r) && !/^(requests|limits)\.hugepages-/.test(r)) errs.push(notSupported(`${p}.valueFrom.resourceFieldRef.resource`, r, RESOURCE_FIELDS));
    }
    for (const s of ['configMapKeyRef', 'secretKeyRef']) {
      if (!from[s]) continue;
      if (from[s].name) errs.push(...each(`${p}.valueFrom.${s}.name`, from[s].name, dns1123Subdomain(from[s].name)));
      if (!from[s].key) errs.push(required(`${p}.valueFrom.${s}.key`));
    }
    if (!sources.length) errs.push(invalidValue(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (e.value) errs.push(invalidValue(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    else if (sources.length > 1) errs.push(invalidValue(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function portOrName(v: number | string, at: string): FieldError[] {
  return typeof v === 'number' ? each(at, v, portNum(v)) : each(at, v, portName(v));
}

const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

function probe(pr: Obj | undefined, at: string, mustSucceedOnce: boolean): FieldError[] {
  if (!pr) return [];
  const errs: FieldError[] = [];
  const handlers = HANDLERS.filter((h) => pr[h]);
  if (!handlers.length) errs.push(required(at, 'must specify a handler type'));
  for (const h of handlers.slice(1)) errs.push(forbidden(`${at}.${h}`, 'may not specify more than 1 handler type'));
  if (pr.exec && !pr.exec.command?.length) errs.push(required(`${at}.exec.command`));
  if (pr.httpGet) {
    if (!pr.httpGet.path) errs.push(required(`${at}.httpGet.path`));
    errs.push(...portOrName(pr.httpGet.port ?? 0, `${at}.httpGet.port`));
    if (!['HTTP', 'HTTPS'].includes(pr.httpGet.scheme)) errs.push(notSupported(`${at}.httpGet.scheme`, pr.httpGet.scheme, ['HTTP', 'HTTPS']));
  }
  if (pr.tcpSocket) errs.push(...portOrName(pr.tcpSocket.port ?? 0, `${at}.tcpSocket.port`));
  if (pr.grpc) errs.push(...each(`${at}.grpc.port`, pr.grpc.port ?? 0, portNum(pr.grpc.port ?? 0)));
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) errs.push(...nonNegative(`${at}.${f}`, pr[f]));
  if (pr.terminationGracePeriodSeconds !== undefined && pr.terminationGracePeriodSeconds <= 0) {
    errs.push(invalidValue(`${at}.terminationGracePeriodSeconds`, pr.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  if (mustSucceedOnce && pr.successThreshold !== 1) errs.push(invalidValue(`${at}.successThreshold`, pr.successThreshold, 'must be 1'));
  return errs;
}

/** A list item's name (a container's, a volume's): required, a DNS-1123 label, not yet in `names` (which it joins). */
function uniqueLabel(name: string | undefined, at: string, names: Set<string>): FieldError[] {
  if (!name) return [required(at)];
  const msgs = dns1123Label(name);
  const errs = msgs.length ? each(at, name, msgs) : names.has(name) ? [duplicate(at, name)] : [];
  names.add(name);
  return errs;
}

function containers(list: Obj[], at: string, volumes: Set<string>, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  list.forEach((c, i) => {
    const p = `${at}[${i}]`;
    errs.push(...uniqueLabel(c.name, `${p}.name`, names));
    if (!c.image) errs.push(required(`${p}.image`));
    else if (c.image.trim() !== c.image) errs.push(invalidValue(`${p}.image`, c.image, 'must not have leading or trailing whitespace'));
    const portNames = new Set<string>();
    (c.ports ?? []).forEach((port: Obj, j: number) => {
      const pp = `${p}.ports[${j}]`;
      if (port.name) {
        const msgs = portName(port.name);
        if (msgs.length) errs.push(...each(`${pp}.name`, port.name, msgs));
        else if (portNames.has(port.name)) errs.push(duplicate(`${pp}.name`, port.name));
        portNames.add(port.name);
      }
      if (!port.containerPort) errs.push(required(`${pp}.containerPort`));
      else errs.push(...each(`${pp}.containerPort`, port.containerPort, portNum(port.containerPort)));
      if (port.hostPort) errs.push(...each(`${pp}.hostPort`, port.hostPort, portNum(port.hostPort)));
      if (!['SCTP', 'TCP', 'UDP'].includes(port.protocol)) errs.push(notSupported(`${pp}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
    });
    errs.push(...env(c.env ?? [], `${p}.env`));
    const mounts = new Set<string>();
    (c.volumeMounts ?? []).forEach((m: Obj, j: number) => {
      const mp = `${p}.volumeMounts[${j}]`;
      if (!m.name) errs.push(required(`${mp}.name`));
      if (!volumes.has(m.name)) errs.push(notFound(`${mp}.name`, m.name ?? ''));
      if (!m.mountPath) errs.push(required(`${mp}.mountPath`));
      if (mounts.has(m.mountPath)) errs.push(invalidValue(`${mp}.mountPath`, m.mountPath, 'must be unique'));
      mounts.add(m.mountPath);
    });
    if (!['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy)) errs.push(notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
    if (!['FallbackToLogsOnError', 'File'].includes(c.terminationMessagePolicy)) {
      errs.push(notSupported(`${p}.terminationMessagePolicy`, c.terminationMessagePolicy, ['FallbackToLogsOnError', 'File']));
    }
    errs.push(...probe(c.livenessProbe, `${p}.livenessProbe`, true), ...probe(c.readinessProbe, `${p}.readinessProbe`, false), ...probe(c.startupProbe, `${p}.startupProbe`, true));
  });
  return errs;
}

const VOLUME_SOURCES = ['hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim',
  'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk',
  'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image'];

function volumes(list: Obj[]): [FieldError[], Set<string>] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((v, i) => {
    const p = `spec.volumes[${i}]`;
    errs.push(...uniqueLabel(v.name, `${p}.name`, names));
    const sources = VOLUME_SOURCES.filter((s) => v[s]);
    if (!sources.length) errs.push(required(p, 'must specify a volume type'));
    for (const s of sources.slice(1)) errs.push(forbidden(`${p}.${s}`, 'may not specify more than 1 volume type'));
  });
  return [errs, names];
}

/** The spec checks of ValidatePodSpec that a lab pod can break (the object is decoded and defaulted). */
export function validatePodSpec(spec: Obj): FieldError[] {
  const [errs, vols] = volumes(spec.volumes ?? []);
  const names = new Set<string>();
  if (!spec.containers?.length) errs.push(required('spec.containers'));
  errs.push(...containers(spec.initContainers ?? [], 'spec.initContainers', vols, names), ...containers(spec.containers ?? [], 'spec.containers', vols, names));
  if (!['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)) errs.push(notSupported('spec.restartPolicy', spec.restartPolicy, ['Always', 'OnFailure', 'Never']));
  if (!['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(spec.dnsPolicy)) {
    errs.push(notSupported('spec.dnsPolicy', spec.dnsPolicy, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']));
  }
  for (const [k, v] of Object.entries((spec.nodeSelector ?? {}) as Record<string, string>).sort()) {
    errs.push(...each('spec.nodeSelector', k, qualifiedName(k)), ...each('spec.nodeSelector', v, labelValue(v)));
  }
  errs.push(...nonNegative('spec.terminationGracePeriodSeconds', spec.terminationGracePeriodSeconds));
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && (ads < 1 || ads > 2147483647)) errs.push(invalidValue('spec.activeDeadlineSeconds', ads, 'must be between 1 and 2147483647, inclusive'));
  if (spec.hostname) errs.push(...each('spec.hostname', spec.hostname, dns1123Label(spec.hostname)));
  return errs;
}

export function validatePod(pod: Obj): FieldError[] {
  return [...validateMeta(pod.metadata, true, dns1123Subdomain), ...validatePodSpec(pod.spec)];
}

const UPDATABLE = '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** ValidatePodUpdate: besides a valid pod, only images, activeDeadlineSeconds and added tolerations may change. */
export function validatePodUpdate(next: Obj, old: Obj, equal: (a: unknown, b: unknown) => boolean): FieldError[] {
  const errs = validatePod(next);
  const munged = structuredClone(next.spec);
  const images = (key: string) => (munged[key] ?? []).forEach((c: Obj, i: number) => {
    if (old.spec[key]?.[i]) c.image = old.spec[key][i].image;
  });
  images('containers');
  images('initContainers');
  munged.activeDeadlineSeconds = old.spec.activeDeadlineSeconds;
  const oldTolerations: Obj[] = old.spec.tolerations ?? [];
  if (oldTolerations.every((t) => (munged.tolerations ?? []).some((n: Obj) => equal(n, t)))) munged.tolerations = old.spec.tolerations;
  if (old.spec.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = old.spec.terminationGracePeriodSeconds;
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  if (!equal(munged, old.spec)) errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE}`));
  return errs;
}

export function validateNamespace(ns: Obj): FieldError[] {
  return validateMeta(ns.metadata, false, dns1123Label);
}

/** Nodes and Events: their names and metadata (the lab's controllers make the rest). */
export function validateOther(obj: Obj, namespaced: boolean): FieldError[] {
  return validateMeta(obj.metadata, namespaced, dns1123Subdomain);
}

/** What may not change on any update: ObjectMeta's immutable fields. */
export function validateMetaUpdate(next: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp']) {
    if (next.metadata[f] !== undefined && next.metadata[f] !== old.metadata[f]) errs.push(invalidValue(`metadata.${f}`, next.metadata[f], 'field is immutable'));
  }
  return errs;
}
