// Reading what a PDF's content streams show (pdf-lib does not extract text).

/** The strings a content stream shows with `Tj` (literal strings, nested parentheses and
 *  escapes included, or hex strings), decoded, in order. */
export function shownStrings(stream: string): string[] {
  const out: string[] = [];
  let last = '';
  for (let i = 0; i < stream.length; i++) {
    const c = stream[i];
    if (c === '(') {
      let depth = 1;
      last = '';
      for (i++; i < stream.length && depth > 0; i++) {
        const d = stream[i];
        if (d === '\\') last += stream[++i];
        else if (d === '(') (depth++, (last += d));
        else if (d === ')') --depth > 0 && (last += d);
        else last += d;
      }
      i--;
    } else if (c === '<' && stream[i + 1] !== '<') {
      const end = stream.indexOf('>', i);
      last = Buffer.from(stream.slice(i + 1, end), 'hex').toString('latin1');
      i = end;
    } else if (stream.startsWith('Tj', i)) {
      out.push(last);
      i++;
    }
  }
  return out;
}
