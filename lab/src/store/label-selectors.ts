// Label selectors as the API server parses them (k8s.io/apimachinery/pkg/labels/selector.go): the same lexer and
// recursive-descent parser, so that a selector kube-apiserver refuses gets the same 400 message here.
import { badRequest } from './errors.ts';

type Obj = Record<string, any>;
type Op = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | '>' | '<';
export interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

// Tokens: the operator's own text, "id" for an identifier (keys and values), "end", "error".
type Token = ')' | ',' | '!' | '==' | '=' | '>' | 'in' | '<' | '!=' | 'notin' | '(' | 'id' | 'end' | 'error';
const KEYWORDS = new Set(['in', 'notin']);
const OPERATORS = new Set([')', ',', '!', '==', '=', '>', '<', '!=', '(']);
const special = (c: string) => '=!(),><'.includes(c);
const space = (c: string) => ' \t\r\n'.includes(c);

function lex(s: string): [Token, string][] {
  const out: [Token, string][] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && space(s[i])) i++;
    if (i >= s.length) return [...out, ['end', '']];
    if (special(s[i])) {
      // The longest operator made of special characters ("!=" rather than "!"), as the Go lexer scans them.
      let buf = '';
      let last: [Token, string] | undefined;
      while (i < s.length && special(s[i])) {
        buf += s[i];
        if (OPERATORS.has(buf)) last = [buf as Token, buf];
        else if (last) break;
        i++;
      }
      out.push(last ?? ['error', `error expected: keyword found '${buf}'`]);
    } else {
      let buf = '';
      while (i < s.length && !special(s[i]) && !space(s[i])) buf += s[i++];
      out.push([KEYWORDS.has(buf) ? (buf as Token) : 'id', buf]);
    }
  }
}

// k8s.io/apimachinery/pkg/util/validation: IsQualifiedName and IsValidLabelValue, with their messages.
const NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const NAME_MSG = `must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${NAME}')`;
const SUBDOMAIN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const SUBDOMAIN_MSG = `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${SUBDOMAIN}')`;
const VALUE = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const VALUE_MSG = `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${VALUE}')`;
const full = (re: string) => new RegExp(`^(?:${re})$`);

function keyErrors(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) return [`a qualified name ${NAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  const errs: string[] = [];
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefix = parts[0];
    if (!prefix) errs.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
      if (!full(SUBDOMAIN).test(prefix)) errs.push(`prefix part ${SUBDOMAIN_MSG}`);
    }
  }
  if (!name) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (!full(NAME).test(name)) errs.push(`name part ${NAME_MSG}`);
  return errs;
}

function valueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!full(VALUE).test(value)) errs.push(VALUE_MSG);
  return errs;
}

/** field.Invalid(path, value, detail).Error() */
const invalidValue = (path: string, value: string, detail: string) => `${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`;

class Parser {
  private items: [Token, string][];
  private pos = 0;
  constructor(s: string) {
    this.items = lex(s);
  }
  // In a list of values, "in" and "notin" are plain identifiers (`x in (in)`).
  private look(values = true): [Token, string] {
    const [t, lit] = this.items[this.pos];
    return [values && (t === 'in' || t === 'notin') ? 'id' : t, lit];
  }
  private next(values = true): [Token, string] {
    const item = this.look(values);
    this.pos++;
    return item;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const [t, lit] = this.look();
      if (t === 'end') return reqs;
      if (t !== 'id' && t !== '!') throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`);
      }
      const [t2, lit2] = this.next();
      if (t2 === 'end') return reqs;
      if (t2 !== ',') throw new Error(`found '${lit2}', expected: ',' or 'end of string'`);
      const [t3, lit3] = this.look();
      if (t3 !== 'id' && t3 !== '!') throw new Error(`found '${lit3}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let [t, key] = this.next();
    const not = t === '!';
    if (not) [t, key] = this.next();
    if (t !== 'id') throw new Error(`found '${key}', expected: identifier`);
    const errs = keyErrors(key);
    if (errs.length) throw new Error(invalidValue('<nil>', key, errs.join('; ')));
    // "!key" is complete by itself: what follows is the selector's next token ("!a=b" fails there).
    if (not) return { key, op: '!', values: [] };
    const [after] = this.look();
    if (after === 'end' || after === ',') return { key, op: 'exists', values: [] };
    const [opTok, opLit] = this.next(false);
    if (!['in', 'notin', '=', '==', '!=', '>', '<'].includes(opTok)) throw new Error(`found '${opLit}', expected: in, notin, =, ==, !=, gt, lt`);
    const op = opTok as Op;
    const values = op === 'in' || op === 'notin' ? this.valueSet() : [this.exactValue()];
    return validate({ key, op, values });
  }

  private valueSet(): string[] {
    const [t, lit] = this.next();
    if (t !== '(') throw new Error(`found '${lit}' expected: '('`);
    const [t2, lit2] = this.look();
    if (t2 === ')') {
      this.next();
      return [''];
    }
    if (t2 !== 'id' && t2 !== ',') throw new Error(`found '${lit2}', expected: ',', ')' or identifier`);
    const values = new Set<string>();
    for (;;) {
      const [t3, lit3] = this.next();
      if (t3 === 'id') {
        values.add(lit3);
        const [t4, lit4] = this.look();
        if (t4 === ')') break;
        if (t4 !== ',') throw new Error(`found '${lit4}', expected: ',' or ')'`);
      } else if (t3 === ',') {
        // "(,a", "a,)" and "a,,b" hold the empty value too.
        if (values.size === 0) values.add('');
        const [t4] = this.look();
        if (t4 === ')' || t4 === ',') values.add('');
        if (t4 === ')') break;
      } else throw new Error(`found '${lit3}', expected: ',', or identifier`);
    }
    this.next(); // ")"
    return [...values].sort();
  }

  private exactValue(): string {
    const [t] = this.look();
    if (t === 'end' || t === ',') return '';
    const [t2, lit] = this.next();
    if (t2 === 'id') return lit;
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

/** labels.NewRequirement's checks of the values (the key was checked by the parser). */
function validate(r: Requirement): Requirement {
  const errs: string[] = [];
  if ((r.op === '>' || r.op === '<') && !/^[+-]?\d+$/.test(r.values[0])) {
    errs.push(invalidValue('values[0]', r.values[0], "for 'Gt', 'Lt' operators, the value must be an integer"));
  }
  r.values.forEach((v, i) => {
    const e = valueErrors(v);
    if (e.length) errs.push(invalidValue(`values[${i}][${r.key}]`, v, e.join('; ')));
  });
  // An aggregate of one error is that error; of several, "[a, b]".
  if (errs.length) throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
  return r;
}

/** The requirements of a selector; a selector the API server refuses is a 400 with its message. */
export function parseLabelSelector(selector: string | null | undefined): Requirement[] {
  if (!selector) return [];
  try {
    return new Parser(selector).parse();
  } catch (e) {
    throw badRequest((e as Error).message);
  }
}

function matches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case '=': case '==': case 'in': return has && r.values.includes(v);
    case '!=': case 'notin': return !has || !r.values.includes(v);
    case 'exists': return has;
    case '!': return !has;
    case '>': case '<': {
      if (!has || !/^[+-]?\d+$/.test(v)) return false;
      return r.op === '>' ? BigInt(v) > BigInt(r.values[0]) : BigInt(v) < BigInt(r.values[0]);
    }
  }
}

export function labelMatcher(selector: string | null | undefined): (obj: Obj) => boolean {
  const reqs = parseLabelSelector(selector);
  return (obj) => reqs.every((r) => matches(r, obj.metadata?.labels ?? {}));
}
