/**
 * Stable names for the latest outputs: `<store>/out/<stage>` is a symlink to the stage's current
 * object (`../objects/<digest>`), updated after every successful `reproduce` or `stage` run, so a
 * report is always at e.g. `.score/out/report/report.md`. Light: used on the no-op path.
 */

/** Points `<storeDir>/out/<name>` at each stage's output object (atomic replace per link). */
export function updateOutLinks(storeDir: string, stages: { name: string; output: string }[]): void {
  const dir = `${storeDir}/out`;
  try {
    Deno.mkdirSync(dir, { recursive: true });
  } catch { /* exists */ }
  for (const s of stages) {
    const link = `${dir}/${s.name}`;
    const target = `../objects/${s.output}`;
    try {
      if (Deno.readLinkSync(link) === target) continue;
    } catch { /* absent */ }
    const tmp = `${link}.${Deno.pid}.tmp`;
    try {
      try {
        Deno.removeSync(tmp);
      } catch { /* absent */ }
      Deno.symlinkSync(target, tmp);
      Deno.renameSync(tmp, link);
    } catch {
      // links are a convenience; never fail a run over them
    }
  }
}
