/** Whether a number literal (underscores allowed, as TOML writes them) is beyond a double's range. */
export function overflows(literal: string): boolean {
  const value = Number(literal.replaceAll('_', ''));
  return value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY;
}

/** The reason every format gives for such a literal. */
export const OVERFLOW = 'number out of range (beyond ±1.8e308)';
