/** A safely quoted SQL identifier (`"a""b"`); a dotted name quotes each part (`schema.table`). */
export function quoteIdentifier(name: string, dotted = false): string {
  const parts = dotted ? name.split('.') : [name];
  return parts.map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
}
