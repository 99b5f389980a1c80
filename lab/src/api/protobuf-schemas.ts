// The field numbers of the kinds kubectl sends as protobuf (the generated.proto files of k8s.io/api and
// apimachinery): what `kubectl create namespace|serviceaccount|quota|role|rolebinding|clusterrole|
// clusterrolebinding|token` and `kubectl auth can-i|whoami` put in their bodies.
export type Leaf = 'string' | 'strings' | 'int' | 'bool' | 'stringMap' | 'quantityMap';
export type FieldType = Leaf | Schema | { repeated: Schema };
export interface Schema { [field: number]: [name: string, type: FieldType] }

const labelSelector: Schema = {
  1: ['matchLabels', 'stringMap'],
  2: ['matchExpressions', { repeated: { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', 'strings'] } }],
};
export const OBJECT_META: Schema = { 1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'], 11: ['labels', 'stringMap'], 12: ['annotations', 'stringMap'] };
const meta = (rest: Schema): Schema => ({ 1: ['metadata', OBJECT_META], ...rest });

const policyRule: Schema = { 1: ['verbs', 'strings'], 2: ['apiGroups', 'strings'], 3: ['resources', 'strings'], 4: ['resourceNames', 'strings'], 5: ['nonResourceURLs', 'strings'] };
const subject: Schema = { 1: ['kind', 'string'], 2: ['apiGroup', 'string'], 3: ['name', 'string'], 4: ['namespace', 'string'] };
const roleRef: Schema = { 1: ['apiGroup', 'string'], 2: ['kind', 'string'], 3: ['name', 'string'] };
const binding = meta({ 2: ['subjects', { repeated: subject }], 3: ['roleRef', roleRef] });
const objectReference: Schema = { 1: ['kind', 'string'], 2: ['namespace', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['resourceVersion', 'string'], 7: ['fieldPath', 'string'] };
const limitRangeItem: Schema = {
  1: ['type', 'string'], 2: ['max', 'quantityMap'], 3: ['min', 'quantityMap'], 4: ['default', 'quantityMap'], 5: ['defaultRequest', 'quantityMap'], 6: ['maxLimitRequestRatio', 'quantityMap'],
};
const resourceAttributes: Schema = {
  1: ['namespace', 'string'], 2: ['verb', 'string'], 3: ['group', 'string'], 4: ['version', 'string'], 5: ['resource', 'string'], 6: ['subresource', 'string'], 7: ['name', 'string'],
};
const accessReviewSpec: Schema = {
  1: ['resourceAttributes', resourceAttributes], 2: ['nonResourceAttributes', { 1: ['path', 'string'], 2: ['verb', 'string'] }], 3: ['user', 'string'], 4: ['groups', 'strings'], 6: ['uid', 'string'],
};

/** By kind (the body's TypeMeta); any other kind is read for its metadata only. */
export const SCHEMAS: Record<string, Schema> = {
  ServiceAccount: meta({ 2: ['secrets', { repeated: objectReference }], 3: ['imagePullSecrets', { repeated: { 1: ['name', 'string'] } }], 4: ['automountServiceAccountToken', 'bool'] }),
  ResourceQuota: meta({ 2: ['spec', { 1: ['hard', 'quantityMap'], 2: ['scopes', 'strings'] }] }),
  LimitRange: meta({ 2: ['spec', { 1: ['limits', { repeated: limitRangeItem }] }] }),
  Role: meta({ 2: ['rules', { repeated: policyRule }] }),
  ClusterRole: meta({ 2: ['rules', { repeated: policyRule }], 3: ['aggregationRule', { 1: ['clusterRoleSelectors', { repeated: labelSelector }] }] }),
  RoleBinding: binding,
  ClusterRoleBinding: binding,
  TokenRequest: meta({ 2: ['spec', { 1: ['audiences', 'strings'], 4: ['expirationSeconds', 'int'], 3: ['boundObjectRef', { 1: ['kind', 'string'], 2: ['apiVersion', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'] }] }] }),
  TokenReview: meta({ 2: ['spec', { 1: ['token', 'string'], 2: ['audiences', 'strings'] }] }),
  SelfSubjectReview: meta({}),
  SelfSubjectAccessReview: meta({ 2: ['spec', { 1: ['resourceAttributes', resourceAttributes], 2: ['nonResourceAttributes', { 1: ['path', 'string'], 2: ['verb', 'string'] }] }] }),
  SelfSubjectRulesReview: meta({ 2: ['spec', { 1: ['namespace', 'string'] }] }),
  SubjectAccessReview: meta({ 2: ['spec', accessReviewSpec] }),
  LocalSubjectAccessReview: meta({ 2: ['spec', accessReviewSpec] }),
};
