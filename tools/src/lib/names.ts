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
  // RFC 3986's path and query characters, `%` only in a %XX escape: no space, `"`, `#`, `<>`, `\` or control
  // characters. Some are shell syntax (`;`, `&`, `$(…)`): whatever hands the URL to a shell quotes it.
  if (!/^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/.test(path)) {
    throw new CliError(`error: invalid path ${JSON.stringify(path.length > 60 ? `${path.slice(0, 57)}...` : path)}: must start with / and contain only URL characters`);
  }
  return path;
}
