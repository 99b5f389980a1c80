// The YAML that kubeconfig files are written in (kubectl, kind, minikube, cloud CLIs: Go's yaml, block style), read
// in well under a millisecond. client-node reads a kubeconfig with js-yaml: loading it and its first parse cost
// ~5–8 ms of the ~48 ms `kubectl get pod` takes (bench/README.md). Strict: it gives what js-yaml's load() gives, or
// throws UnsupportedYaml for anything outside this subset — flow collections other than {} and [], anchors, tags,
// block scalars, multi-line scalars, numbers, dates, several documents — and the caller reads the file with
// client-node instead.
//
// The subset: block mappings and sequences (also `key:` followed by `- item` at the key's indentation), plain,
// 'single-' and "double-quoted" scalars on one line, comments, a leading `---`. Plain scalars resolve as js-yaml's
// default (core) schema: null, ~ and an empty value are null, true and false booleans; a plain scalar any schema
// would read as a number, a date or another boolean is unsupported rather than guessed.

export class UnsupportedYaml extends Error {}

const unsupported = (what: string): never => {
  throw new UnsupportedYaml(what);
};

interface Line {
  indent: number;
  text: string;
}

// Forms that js-yaml's schemas (core, JSON, YAML 1.1) read as something other than a string: never guessed.
const SPECIAL = [
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|=|<<)$/,
  /^[-+]?(?:0b[0-1_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF))$/,
  /^\.(?:nan|NaN|NAN)$/,
  /^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?/,
];
// The first characters SPECIAL's forms can start with: any other scalar (most of a kubeconfig: names, URLs, base64)
// is a string without running them (each regular expression is compiled at its first use, ~0.1 ms of a start-up).
const SPECIAL_START = new Set('~nNtTfFyYoO=<+-.0123456789');
const CORE = new Map<string, null | boolean>([
  ['~', null], ['null', null], ['Null', null], ['NULL', null],
  ['true', true], ['True', true], ['TRUE', true], ['false', false], ['False', false], ['FALSE', false],
]);

function plain(text: string): string | null | boolean {
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(text) && !/^[-?:][^\s,[\]{}]/.test(text)) unsupported(`a plain scalar starting with ${text[0]}`);
  if (/:(?:\s|$)|\t/.test(text)) unsupported('a plain scalar with ": " or a tab');
  if (CORE.has(text)) return CORE.get(text)!;
  if (SPECIAL_START.has(text[0]) && SPECIAL.some((re) => re.test(text))) unsupported(`the scalar ${text}`);
  return text;
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0', ' ': ' ' };

/** A quoted scalar at the start of text: its value and the rest of the line. */
function quoted(text: string): [string, string] {
  let out = '';
  if (text[0] === "'") {
    for (let i = 1; i < text.length; i++) {
      if (text[i] !== "'") out += text[i];
      else if (text[i + 1] === "'") out += text[i++];
      else return [out, text.slice(i + 1)];
    }
  } else {
    for (let i = 1; i < text.length; i++) {
      const c = text[i];
      if (c === '"') return [out, text.slice(i + 1)];
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[++i];
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hex) {
        const h = text.slice(i + 1, i + 1 + hex);
        if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(h)) unsupported('a bad escape');
        out += String.fromCodePoint(parseInt(h, 16));
        i += hex;
      } else if (e in ESCAPES) out += ESCAPES[e];
      else unsupported(`the escape \\${e}`);
    }
  }
  return unsupported('a quoted scalar over several lines');
}

/** Nothing, or a comment, after a value. */
function endOfLine(rest: string): void {
  if (rest.trim() !== '' && !/^\s+#/.test(rest)) unsupported('more after a quoted scalar');
}

/** A scalar (or {} / []) that is the whole rest of a line. */
function scalar(text: string): unknown {
  if (text[0] === '"' || text[0] === "'") {
    const [value, rest] = quoted(text);
    endOfLine(rest);
    return value;
  }
  const m = /^(\{\}|\[\])(.*)$/.exec(text);
  if (m) {
    endOfLine(m[2]);
    return m[1] === '{}' ? {} : [];
  }
  return plain(text.replace(/\s+#.*$/, '').trimEnd());
}

/** `key: rest` — the key and the rest of the line (trimmed, a comment alone being nothing); else undefined. */
function mappingEntry(text: string): [string, string] | undefined {
  let key: string;
  let rest: string;
  if (text[0] === '"' || text[0] === "'") {
    [key, rest] = quoted(text);
    const m = /^\s*:(?:\s+|$)/.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
  } else {
    const m = /:(?:\s+|$)/.exec(text);
    if (!m) return undefined;
    key = text.slice(0, m.index);
    rest = text.slice(m.index + m[0].length);
    if (key.includes(' #') || /\s$/.test(key)) unsupported('a key with a comment or trailing space');
    plain(key);
  }
  if (key === '__proto__' || key === '<<') unsupported(`the key ${key}`);
  rest = rest.trim();
  return [key, rest.startsWith('#') ? '' : rest];
}

const isSeqItem = (text: string) => text === '-' || /^-\s/.test(text);

/** The single document in text, as js-yaml's load() gives it; UnsupportedYaml for anything outside the subset. */
export function parseKubeconfigYaml(src: string): unknown {
  const lines: Line[] = [];
  for (const raw of (src.charCodeAt(0) === 0xfeff ? src.slice(1) : src).split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const text = line.trimStart();
    if (text === '' || text.startsWith('#')) continue;
    const indent = line.length - text.length;
    if (line.slice(0, indent).includes('\t')) unsupported('a tab in the indentation');
    if (indent === 0 && /^(?:---|\.\.\.)(?:\s|$)|^%/.test(text)) {
      if (text.replace(/\s+#.*$/, '') !== '---' || lines.length) unsupported('a directive, or several documents');
      continue;
    }
    lines.push({ indent, text });
  }
  if (!lines.length) unsupported('an empty document');
  let pos = 0;

  const node = (indent: number): unknown => (isSeqItem(lines[pos].text) ? seq(indent) : map(indent));

  /** A value after `key:` (or `-`) on a line at this indent: on the line, or the block on the next lines. */
  const value = (rest: string, indent: number, seqAtSameIndent: boolean): unknown => {
    const next = lines[pos];
    if (rest === '') {
      if (next && next.indent > indent) return node(next.indent);
      if (next && seqAtSameIndent && next.indent === indent && isSeqItem(next.text)) return seq(indent);
      return null;
    }
    const v = scalar(rest);
    if (next && next.indent > indent) unsupported('a scalar continued on the next line');
    return v;
  };

  function map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (pos < lines.length && lines[pos].indent === indent) {
      const entry = mappingEntry(lines[pos].text);
      if (!entry) unsupported('a line that is not `key: value`');
      const [key, rest] = entry!;
      if (Object.hasOwn(out, key)) unsupported(`the key ${key} twice`);
      pos++;
      out[key] = value(rest, indent, true);
    }
    if (pos < lines.length && lines[pos].indent > indent) unsupported('a bad indentation');
    return out;
  }

  function seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (pos < lines.length && lines[pos].indent === indent && isSeqItem(lines[pos].text)) {
      const text = lines[pos].text;
      const content = text.slice(1).trimStart();
      if (content === '' || content.startsWith('#')) {
        pos++;
        out.push(value('', indent, false));
      } else if (isSeqItem(content)) {
        unsupported('a sequence in a sequence on one line');
      } else if (content[0] !== '{' && content[0] !== '[' && mappingEntry(content)) {
        // `- key: value`: a mapping whose keys line up with this first one.
        lines[pos] = { indent: indent + text.length - content.length, text: content };
        out.push(map(lines[pos].indent));
      } else {
        pos++;
        out.push(value(content, indent, false));
      }
    }
    if (pos < lines.length && lines[pos].indent > indent) unsupported('a bad indentation');
    return out;
  }

  const doc = node(lines[0].indent);
  if (pos < lines.length) unsupported('a bad indentation');
  return doc;
}
