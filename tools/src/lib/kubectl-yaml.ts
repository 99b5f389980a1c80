// An object as `kubectl get … -o yaml` prints it. kubectl marshals the object to JSON, then sigs.k8s.io/yaml
// turns that into YAML with go-yaml v2: keys sorted by go-yaml's order, sequences not indented under their key,
// strings that would read back as something else (numbers, yes/no, timestamps) double-quoted, strings a plain
// scalar cannot hold single-quoted, multi-line strings as literal blocks, long lines folded at spaces past column 80.
// This is that emitter for JSON data, rule for rule.

const BEST_WIDTH = 80;
const BOOL_NULL = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'false', 'False',
  'FALSE', 'off', 'Off', 'OFF', '', '~', 'null', 'Null', 'NULL', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF',
  '.nan', '.NaN', '.NAN']);
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]| )\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?(?:Z|[+-]\d{1,2}:\d{2})?)?$/;
// Go's strconv.ParseInt(s, 0, 64) after go-yaml removes underscores: decimal, 0x, 0o, 0b, leading-0 octal.
const INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[0-9]+)$/;

/** go-yaml v2's resolve(): would this string, written plain, read back as something other than a string? */
function resolvesToNonString(s: string): boolean {
  if (BOOL_NULL.has(s)) return true;
  const c = s[0];
  if (c === '.') return FLOAT.test(s);
  if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
    const plain = s.replace(/_/g, '');
    return TIMESTAMP.test(s) || INT.test(plain) || FLOAT.test(plain);
  }
  return false;
}

// The YAML emitter's "printable": tab and other control characters are not, and force double quotes.
const SPECIAL = /[^\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]|\ufeff/u;

/** Where a plain scalar is not allowed in block context (yaml_emitter_analyze_scalar). */
function plainForbidden(s: string): boolean {
  if (/^(---|\.\.\.)(\s|$)/.test(s) || /^\s|\s$/.test(s)) return true;
  if (/^[#,[\]{}&*!|>'"%@`]/.test(s) || /^[-?:](\s|$)/.test(s)) return true;
  return /:(\s|$)/.test(s) || /\s#/.test(s);
}

type Style = 'plain' | 'single' | 'double' | 'literal';

function styleOf(s: string, key: boolean): Style {
  if (SPECIAL.test(s)) return 'double';
  // A space before a line break or at the very end rules out a block scalar (and quoting then keeps it exact).
  if (s.includes('\n')) return key || / \n/.test(s) || / $/.test(s) ? 'double' : 'literal';
  if (resolvesToNonString(s) || BASE60.test(s)) return 'double';
  return plainForbidden(s) ? 'single' : 'plain';
}

const DOUBLE_ESCAPES: Record<string, string> = { '\0': '0', '\x07': 'a', '\b': 'b', '\t': 't', '\n': 'n', '\v': 'v', '\f': 'f', '\r': 'r', '\x1b': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P' };

/** Writes a scalar starting at `column`, folding at spaces past column 80 onto lines indented by `indent`. */
function scalar(s: string, style: Style, column: number, indent: number, allowBreaks: boolean): string {
  if (style === 'literal') {
    const chomp = !s.endsWith('\n') ? '-' : s === '\n' || s.endsWith('\n\n') ? '+' : '';
    // A first line that starts with a space or is empty needs the indentation said (go-yaml: best_indent, 2).
    const hint = /^[ \n]/.test(s) ? '2' : '';
    const body = (s.endsWith('\n') ? s.slice(0, -1) : s).split('\n').map((l) => (l ? ' '.repeat(indent) + l : '')).join('\n');
    return `|${hint}${chomp}\n${body}`;
  }
  const chars = [...s];
  const quote = style === 'single' ? "'" : style === 'double' ? '"' : '';
  let out = quote;
  let col = column + quote.length;
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (style === 'double' && (SPECIAL.test(ch) || ch in DOUBLE_ESCAPES)) {
      const cp = ch.codePointAt(0)!;
      const esc = ch in DOUBLE_ESCAPES ? `\\${DOUBLE_ESCAPES[ch]}` : cp <= 0xff ? `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}` : cp <= 0xffff ? `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}` : `\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`;
      out += esc;
      col += esc.length;
      spaces = false;
    } else if (ch === ' ') {
      const next = chars[i + 1];
      const inner = style === 'plain' || (i !== 0 && i !== chars.length - 1);
      if (allowBreaks && !spaces && col > BEST_WIDTH && inner && (style === 'double' || next !== ' ')) {
        out += '\n' + ' '.repeat(indent);
        col = indent;
        if (style === 'double' && next === ' ') {
          out += '\\';
          col++;
        }
      } else {
        out += ch;
        col++;
      }
      spaces = true;
    } else {
      const w = style === 'single' && ch === "'" ? "''" : ch;
      out += w;
      col += [...w].length;
      spaces = false;
    }
  }
  return out + quote;
}

/** go-yaml v2's key order (keyList.Less): letters after other characters, runs of digits by their value. */
export function goYamlLess(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  const letter = (c: string) => /\p{L}/u.test(c);
  const digit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = letter(ar[i]);
    const bl = letter(br[i]);
    if (al && bl) return ar[i] < br[i] ? -1 : 1;
    if (al || bl) return bl ? -1 : 1;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && digit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && digit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && digit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ar[i] < br[i] ? -1 : 1;
  }
  return ar.length - br.length;
}

const isCollection = (v: unknown): v is object => typeof v === 'object' && v !== null && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

/** A value after `key:` or `-` (which ended at `column`), inside a block whose children are at `indent`. */
function value(v: unknown, column: number, indent: number): string {
  if (v === null || v === undefined) return ' null';
  if (typeof v === 'boolean' || typeof v === 'number') return ` ${String(v)}`;
  if (typeof v === 'string') return ' ' + scalar(v, styleOf(v, false), column + 1, indent, true);
  // A sequence under a key is not indented (go-yaml v2): its dashes line up with the key.
  if (Array.isArray(v)) return v.length ? '\n' + sequence(v, indent - 2) : ' []';
  return Object.keys(v).length ? '\n' + mapping(v as Record<string, unknown>, indent) : ' {}';
}

function mapping(m: Record<string, unknown>, indent: number, firstPrefix?: string): string {
  return Object.keys(m).sort(goYamlLess).map((k, i) => {
    const pad = i === 0 && firstPrefix !== undefined ? firstPrefix : ' '.repeat(indent);
    const key = scalar(k, styleOf(k, true), indent, indent, false) + ':';
    return pad + key + value(m[k], indent + [...key].length, indent + 2);
  }).join('\n');
}

function sequence(s: unknown[], indent: number): string {
  return s.map((item) => {
    const pad = ' '.repeat(indent) + '-';
    if (isCollection(item) && !Array.isArray(item)) return mapping(item as Record<string, unknown>, indent + 2, pad + ' ');
    if (isCollection(item)) return pad + ' ' + sequence(item as unknown[], indent + 2).slice(indent + 2);
    return pad + value(item, indent + 1, indent + 2);
  }).join('\n');
}

/** An object as `kubectl get … -o yaml` prints it (managedFields left out, as kubectl does). */
export function kubectlYaml(obj: { metadata?: { managedFields?: unknown } }): string {
  const { managedFields: _, ...metadata } = obj.metadata ?? {};
  const shown = (obj.metadata ? { ...obj, metadata } : obj) as Record<string, unknown>;
  return mapping(JSON.parse(JSON.stringify(shown)), 0) + '\n';
}
