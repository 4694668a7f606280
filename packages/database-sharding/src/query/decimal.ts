/**
 * Exact arithmetic on the decimal strings `pg` returns for int8 and numeric (COUNT, SUM): a
 * JavaScript number would round sums beyond 2^53 and numeric fractions.
 */
function split(value: string): { int: bigint; scale: number } {
  const trimmed = value.trim();
  const negative = trimmed.startsWith('-');
  const digits = negative || trimmed.startsWith('+') ? trimmed.slice(1) : trimmed;
  const [whole = '0', fraction = ''] = digits.split('.');
  const int = BigInt(`${whole || '0'}${fraction}`);
  return { int: negative ? -int : int, scale: fraction.length };
}

function join(int: bigint, scale: number): string {
  if (scale === 0) return int.toString();
  const negative = int < 0n;
  const digits = (negative ? -int : int).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && /^[+-]?\d+(\.\d+)?$/.test(value);
}

export function addDecimal(a: string, b: string): string {
  const x = split(a);
  const y = split(b);
  const scale = Math.max(x.scale, y.scale);
  return join(x.int * 10n ** BigInt(scale - x.scale) + y.int * 10n ** BigInt(scale - y.scale), scale);
}

export function compareDecimal(a: string, b: string): number {
  const x = split(a);
  const y = split(b);
  const scale = Math.max(x.scale, y.scale);
  const d = x.int * 10n ** BigInt(scale - x.scale) - y.int * 10n ** BigInt(scale - y.scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
