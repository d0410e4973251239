/** Number formatting shared by the renderers: fixed decimals, no locale, no negative zero. */

/** A fraction as percent with `digits` decimals ("52.6"). */
export function pct(x: number, digits = 1): string {
  const s = (x * 100).toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** A fraction as signed percent ("+4.4", "-2.4", "0.0"). */
export function signedPct(x: number, digits = 1): string {
  const s = pct(x, digits);
  return s.startsWith("-") || Number(s) === 0 ? s : `+${s}`;
}

/** A percent number already in percent units, with one decimal and a sign. */
export function signedNum(x: number, digits = 1): string {
  const s = x.toFixed(digits);
  if (/^-0\.?0*$/.test(s)) return s.slice(1);
  return s.startsWith("-") || Number(s) === 0 ? s : `+${s}`;
}

/** A band in percentage points: "+4.4 pp [+2.0, +6.8]" (with " paired"/" unpaired" for differences). */
export function bandPp(b: { point: number; lo: number; hi: number; paired?: boolean }): string {
  const tag = b.paired === undefined ? "" : b.paired ? " paired" : " unpaired";
  return `${signedPct(b.point)} pp [${signedPct(b.lo)}, ${signedPct(b.hi)}${tag}]`;
}

/** Seconds as "12.3 s" or "4 min 05 s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - 60 * m);
  return `${m} min ${String(s).padStart(2, "0")} s`;
}

/** Escapes text for HTML and XML (text and attribute values). */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  ).replace(/'/g, "&#39;");
}
