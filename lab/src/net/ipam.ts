// Pod address allocation and the names derived from an address: pure, no namespaces needed.

/**
 * Like host-local IPAM: the host part after `last` (2..254, wrapping), skipping `used`, so a freed address is not
 * reused at once. Throws when all 253 are taken.
 */
export function nextHost(used: ReadonlySet<number>, last: number | undefined, node: string): number {
  if (used.size >= 253) throw new Error(`node ${node} has no free pod IP`);
  let host = last ?? 1;
  do host = host >= 254 ? 2 : host + 1;
  while (used.has(host));
  return host;
}

/**
 * The MAC follows from the IP (0a:58:<ip>, as the CNI bridge plugin does): when an address comes back to a new pod,
 * the neighbours' ARP entries for it are still right.
 */
export function macFor(ip: string): string {
  return `0a:58:${ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':')}`;
}

/** The node-side veth of a pod sandbox; Linux interface names are at most 15 characters. */
export function podVethName(key: string): string {
  const name = `v${key}`;
  if (name.length > 15) throw new Error(`interface name ${name} is longer than 15 characters`);
  return name;
}
