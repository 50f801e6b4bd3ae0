// Collects the figures each resilience test measures and prints them as one block when the run ends
// (uvu runs every suite in one process, so the block comes after uvu's own summary).

const figures = new Map<string, Record<string, unknown>>();
let printerInstalled = false;

export function recordFigures(section: string, values: Record<string, unknown>): void {
  figures.set(section, { ...figures.get(section), ...values });
  if (!printerInstalled) {
    printerInstalled = true;
    process.once('exit', printFigures);
  }
}

function printFigures(): void {
  if (figures.size === 0) return;
  const lines = ['', '==> resilience figures (JSON)'];
  lines.push(JSON.stringify(Object.fromEntries(figures), null, 2));
  process.stdout.write(`${lines.join('\n')}\n`);
}
