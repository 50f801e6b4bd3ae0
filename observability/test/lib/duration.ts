// Prometheus durations ("90s", "5m", "1h", "3d", "15m45s"), the one parser and writer of them
// for the tests of this workspace.

const UNITS = [
  ['d', 86_400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
] as const;

/** A duration in seconds; anything but whole numbers of d, h, m and s is an error. */
export function seconds(duration: string): number {
  const size: Record<string, number> = Object.fromEntries(UNITS);
  const parts = [...duration.matchAll(/(\d+)([smhd])/g)];
  if (parts.length === 0 || parts.map(([part]) => part).join('') !== duration) {
    throw new Error(`unsupported duration ${JSON.stringify(duration)}`);
  }
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * (size[unit ?? ''] ?? 0), 0);
}

/** Whole seconds as a Prometheus duration, largest units first: 86399 is "23h59m59s". */
export function duration(totalSeconds: number): string {
  if (!Number.isInteger(totalSeconds) || totalSeconds <= 0) throw new Error(`not a positive whole number of seconds: ${totalSeconds}`);
  let left = totalSeconds;
  let text = '';
  for (const [unit, size] of UNITS) {
    if (left >= size) text += `${Math.floor(left / size)}${unit}`;
    left %= size;
  }
  return text;
}
