// Login cards: one page per student with what they need to start — their name and namespace, the file their
// teacher hands them, and the commands, for macOS/Linux and Windows — as text (one page per form feed) and as HTML
// (one page per printed sheet). No token is printed: it is in the kubeconfig file, handed out as a file.
export interface Card {
  name: string;
  namespace: string;
  server: string;
  kubeconfigFile: string;
  expires: Date;
  deployed: boolean;
  /** Whether the namespace admits hostNetwork pods (`workshop up --allow-host-network`): curl-from-node needs one. */
  hostNetwork: boolean;
}

const when = (d: Date) => d.toISOString().replace('T', ' ').replace(/:\d{2}\.\d{3}Z$/, ' UTC');

function steps(c: Card): [string, string][] {
  const s: [string, string][] = [
    [`Save the file ${c.kubeconfigFile} you were given, e.g. as ~/.kube/kiada.yaml`, ''],
    ['export KUBECONFIG=~/.kube/kiada.yaml', 'Windows (PowerShell): $env:KUBECONFIG="$HOME\\.kube\\kiada.yaml"'],
    ['kubectl get pods', `Your namespace is ${c.namespace}: every command works there without -n.`],
  ];
  // kiada is not on the npm registry (the package is private): outside a copy of the repository `npx kiada` would
  // fetch whatever the registry has under that name.
  s.push(['npm install', 'In your copy of the kiada repository (your teacher says where to get it): the commands below run there, as `npx kiada` fetches another package elsewhere.']);
  if (!c.deployed) s.push(['kubectl apply -f k8s/pod.kiada.yaml', 'Deploys kiada.']);
  s.push(['npx kiada tour', 'Or each exercise on its own: kiada curl-from-node, kiada curl-from-pod, kiada port-forward, kiada exec.' +
    (c.hostNetwork ? '' : ' (curl-from-node runs a hostNetwork pod, which your namespace does not allow unless your teacher allows it.)')]);
  return s;
}

export function cardText(c: Card): string {
  const lines = [
    `kiada workshop — ${c.name}`,
    '',
    `Namespace:  ${c.namespace}`,
    `Cluster:    ${c.server}`,
    `Valid until ${when(c.expires)}`,
    '',
    ...steps(c).flatMap(([cmd, note], i) => [`${i + 1}. ${cmd}`, ...(note ? [`   ${note}`] : [])]),
    '',
  ];
  return lines.join('\n');
}

/** All cards, one page each (a form feed between pages, as `pr` and printers take it). */
export const cardsText = (cards: Card[]) => cards.map(cardText).join('\f\n');

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function cardsHtml(cards: Card[]): string {
  const page = (c: Card) => `<section class="card">
<h1>kiada workshop — ${esc(c.name)}</h1>
<dl><dt>Namespace</dt><dd><code>${esc(c.namespace)}</code></dd><dt>Cluster</dt><dd><code>${esc(c.server)}</code></dd><dt>Valid until</dt><dd>${esc(when(c.expires))}</dd></dl>
<ol>
${steps(c).map(([cmd, note]) => `<li><code>${esc(cmd)}</code>${note ? `<br><small>${esc(note)}</small>` : ''}</li>`).join('\n')}
</ol>
</section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kiada workshop — login cards</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; }
.card { padding: 2cm; break-after: page; page-break-after: always; }
.card:last-child { break-after: auto; page-break-after: auto; }
dl { display: grid; grid-template-columns: max-content auto; gap: .3em 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
li { margin: .6em 0; }
code { font-size: 1.1em; }
</style>
</head>
<body>
${cards.map(page).join('\n')}
</body>
</html>
`;
}
