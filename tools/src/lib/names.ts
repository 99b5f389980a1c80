// Names are checked before anything runs: a pod or node name never reaches a shell or the API unchecked.
import { CliError } from './errors.ts';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function validateName(kind: string, name: string): string {
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    const shown = name.length > 60 ? `${name.slice(0, 57)}...` : name;
    throw new CliError(`error: invalid ${kind} name "${shown}": must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-', '.'; at most 253 characters)`);
  }
  return name;
}

export function validatePath(path: string): string {
  if (!path.startsWith('/') || !/^\/[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/.test(path)) {
    throw new CliError(`error: invalid path "${path}": must start with / and contain only URL characters`);
  }
  return path;
}
