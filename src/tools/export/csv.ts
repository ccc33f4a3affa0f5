/**
 * One CSV record per RFC 4180: a field containing a comma, a double quote, CR or LF is quoted, with its quotes
 * doubled; records end with CRLF.
 */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

/** One CSV field per RFC 4180: quoted, with its quotes doubled, when it holds a comma, a double quote, CR or LF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
