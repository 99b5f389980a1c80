// The few pieces of Go's fmt that kube-apiserver's authorization messages go through, so that they come out byte
// for byte: %q (strconv.Quote), an error message used as a format string without arguments (fmt.Errorf(msg)), and
// utilerrors.NewAggregate's text.

const ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };
// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's %q of a string (strconv.Quote): printable runes as they are, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd'; // a lone surrogate is not valid UTF-8: Go sees U+FFFD
    else if (PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

/**
 * fmt.Errorf(msg) with no arguments, as Forbidden() does with its message: `%%` is `%`, any other verb is
 * `%!v(MISSING)`, a `%` at the very end is `%!(NOVERB)`.
 */
export function goErrorf(format: string): string {
  return format.replace(/%([+\-# 0]*(?:\d+)?(?:\.\d*)?)(.?)/gsu, (_m, flags: string, verb: string) => {
    if (verb === '') return '%!(NOVERB)';
    if (verb === '%' && flags === '') return '%';
    return `%!${verb}(MISSING)`;
  });
}

/** utilerrors.NewAggregate(errs).Error(): one message as it is; several, each once, in brackets. */
export function aggregate(messages: string[]): string {
  if (messages.length === 0) return '';
  if (messages.length === 1) return messages[0];
  const seen = [...new Set(messages)];
  return seen.length === 1 ? seen[0] : `[${seen.join(', ')}]`;
}
