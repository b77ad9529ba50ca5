/**
 * The records of a CSV text (RFC 4180: a quoted field may hold commas, quotes doubled, and line breaks),
 * each as it was written, without its line break.
 */
export function csvRecords(text: string): string[] {
  const records: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) {
      records.push(text.slice(start, i));
      if (ch === '\r' && text[i + 1] === '\n') i++;
      start = i + 1;
    }
  }
  if (start < text.length) records.push(text.slice(start));
  return records.filter((r) => r.length > 0);
}

/** The first field of a record, unquoted. */
export function firstField(record: string): string {
  if (!record.startsWith('"')) return record.split(',', 1)[0]!;
  const end = record.indexOf('",');
  return (end < 0 ? record.slice(1, -1) : record.slice(1, end)).replace(/""/g, '"');
}

/**
 * The header and the records whose first field (the hop id, in the API's export) is one of `ids`, in the
 * order of the texts given; a header is taken from the first text only.
 */
export function keepRecords(texts: string[], ids: ReadonlySet<string>): string {
  const out: string[] = [];
  texts.forEach((text, i) => {
    const [header, ...rows] = csvRecords(text);
    if (i === 0 && header !== undefined) out.push(header);
    for (const r of rows) if (ids.has(firstField(r))) out.push(r);
  });
  return `${out.join('\r\n')}\r\n`;
}
