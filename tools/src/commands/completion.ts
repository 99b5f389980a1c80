// `kiada completion bash|zsh`: completes subcommands and pod names (through kubectl, as kubectl's own does).
import type { Command } from 'commander';
import { CliError } from '../lib/errors.ts';

export function completionScript(program: Command, shell: string): string {
  if (shell !== 'bash' && shell !== 'zsh') throw new CliError(`error: unsupported shell type "${shell}" (bash or zsh)`);
  const cmds = program.commands.map((c) => c.name()).join(' ');
  const script = `_kiada() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=( $(compgen -W "${cmds}" -- "$cur") ); return; fi
  case "\${COMP_WORDS[1]}" in
    lab) COMPREPLY=( $(compgen -W "up down status node-shell" -- "$cur") ) ;;
    workshop) COMPREPLY=( $(compgen -W "up board check reset down" -- "$cur") ) ;;
    *) COMPREPLY=( $(compgen -W "$(kubectl get pods -o name 2>/dev/null | sed 's|^pod/||')" -- "$cur") ) ;;
  esac
}
complete -F _kiada kiada kubectl-kiada
`;
  return shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${script}` : script;
}
