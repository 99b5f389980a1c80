// Shell quoting, the one way: for the commands we print (pasted into the user's shell) and for the command
// lines a node's shell runs (`minikube ssh`, `gcloud compute ssh --command`), where an unquoted URL would run
// its `;`, `&` or `$(…)` on the node.

// Words that sh, bash and zsh all take literally. Not `[ ] * ?` (globs), `~` (home), `{` with `,` or `..`
// (brace expansion); `{.status.podIP}` alone stays readable.
const PLAIN = /^[A-Za-z0-9_\-.,:/=@%+{}]+$/;

export function shellQuote(arg: string): string {
  const plain = PLAIN.test(arg) && !arg.startsWith('=') && !(/[{}]/.test(arg) && /,|\.\./.test(arg));
  return plain ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** One command line of the words in `argv`, which a POSIX shell splits back into exactly these words. */
export function shellJoin(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}
