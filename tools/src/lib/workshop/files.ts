// The workshop's files: each student's kubeconfig (private: it holds a token) and the printable login cards.
import fs from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../context.ts';
import { HOST_NETWORK_LEVEL, POD_SECURITY_LABEL } from './manifests.ts';
import { cardsHtml, cardsText, type Card } from './cards.ts';
import { DEPLOY_ANNOTATION, EXPIRES_ANNOTATION } from './students.ts';
import { workshopNamespaces } from './namespaces.ts';

/** A file only its owner may read (it holds a token), replacing any earlier one, never through a symlink. */
export function writePrivate(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.rmSync(file, { force: true });
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/** cards.txt and cards.html in `dir`, for every student the cluster has now. */
export async function writeCards(ctx: Ctx, dir: string): Promise<string[]> {
  const server = ctx.kc.getCurrentCluster()?.server ?? '';
  const cards: Card[] = (await workshopNamespaces(ctx)).map((ns) => ({
    name: ns.metadata!.name!,
    namespace: ns.metadata!.name!,
    server,
    kubeconfigFile: `${ns.metadata!.name}.kubeconfig`,
    expires: new Date(ns.metadata?.annotations?.[EXPIRES_ANNOTATION] ?? 0),
    deployed: ns.metadata?.annotations?.[DEPLOY_ANNOTATION] === 'true',
    hostNetwork: ns.metadata?.labels?.[POD_SECURITY_LABEL] === HOST_NETWORK_LEVEL,
  }));
  const files = [path.join(dir, 'cards.txt'), path.join(dir, 'cards.html')];
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(files[0], cardsText(cards));
  fs.writeFileSync(files[1], cardsHtml(cards));
  return files;
}
