/**
 * LaTeX / plain-text clean-up of an answer string before parsing. See README.md for the policies.
 *
 * @module
 */

/** A normalized answer plus the annotations that were stripped from it. */
export interface Normalized {
  /** The cleaned text. */
  text: string;
  /** A percent sign was present (`50\%`, `50%`). */
  percent: boolean;
  /** A degree mark was present (`30^\circ`, `30°`, `30 degrees`). */
  degrees: boolean;
  /** A trailing unit or currency word was stripped. */
  unit: boolean;
}

/** Function and constant names that are never units or prose. */
export const KNOWN_WORDS = new Set((
  "sin cos tan sec csc cot arcsin arccos arctan sinh cosh tanh ln log exp sqrt pi " +
  "frac infty inf mod pmod bmod"
).split(" "));

const TEXT_MACROS = (
  "text textbf textit textrm mbox mathrm mathbf mathit boldsymbol operatorname " +
  "textnormal hbox mathsf textsf"
).split(" ");

/** Replaces `\macro{content}` (brace-matched) by ` content ` for every listed macro. */
function unwrapMacros(s: string, macros: string[]): string {
  const re = new RegExp(`\\\\(?:${macros.join("|")})\\s*\\{`, "g");
  for (let guard = 0; guard < 1000; guard++) {
    re.lastIndex = 0;
    const m = re.exec(s);
    if (!m) break;
    const open = m.index + m[0].length - 1;
    const close = matchBrace(s, open);
    if (close < 0) {
      s = s.slice(0, m.index) + s.slice(open + 1);
      continue;
    }
    s = s.slice(0, m.index) + " " + s.slice(open + 1, close) + " " + s.slice(close + 1);
  }
  return s;
}

/** Index of the `}` matching the `{` at `open` (escaped `\{`/`\}` are skipped), or -1. */
export function matchBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}

/** Bracket depth at each index: `( [ {` open, `) ] }` close, `\{`/`\}` count as braces too. */
function depthAt(s: string, index: number): number {
  let d = 0;
  for (let i = 0; i < index; i++) {
    if ("([{".includes(s[i])) d++;
    else if (")]}".includes(s[i])) d--;
  }
  return d;
}

/** Joins top-level `1,234,567`-style groups (first group 1–3 digits, then exactly 3). */
function joinThousands(s: string): string {
  const re = /(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])/g;
  let out = "", last = 0;
  for (const m of s.matchAll(re)) {
    const i = m.index!;
    if (depthAt(s, i) !== 0) continue;
    out += s.slice(last, i) + m[0].replaceAll(",", "");
    last = i + m[0].length;
  }
  return out + s.slice(last);
}

const UNIT_TAIL =
  /^(.*?[\d}).!a-zA-Z])\s+((?:(?:square|sq|cubic|cu)\s+)?[a-zA-Z]{2,}\.?(?:\s+(?:per|\/)\s+[a-zA-Z]{2,})?)\s*(?:\^\s*\{?[23]\}?)?$/;

/** Strips one trailing unit word (e.g. `cm`, `square units`, `km per hour`) if it is not math. */
function stripUnit(s: string): { s: string; unit: boolean } {
  const m = UNIT_TAIL.exec(s);
  if (!m) return { s, unit: false };
  const words = m[2].toLowerCase().split(/[\s/]+/).map((w) => w.replace(/\.$/, ""));
  if (words.some((w) => KNOWN_WORDS.has(w))) return { s, unit: false };
  return { s: m[1].trim(), unit: true };
}

/** `1.2\overline{34}` → the exact fraction `\frac{N}{D}` (N = 1234 − 12, D = 99·10). */
function repeating(sign: string, int: string, fixed: string, rep: string): string {
  const all = BigInt((int || "0") + fixed + rep), head = BigInt((int || "0") + fixed);
  const den = (10n ** BigInt(rep.length) - 1n) * 10n ** BigInt(fixed.length);
  return `${sign}\\frac{${all - head}}{${den}}`;
}

/** Cleans an answer string: delimiters, spacing, fractions, text macros, units, %, °, $, commas. */
export function normalizeAnswer(raw: string): Normalized {
  let s = raw.trim();
  let percent = false, degrees = false, unit = false;
  // unicode forms
  s = s.replace(/[\u2212\u2013]/g, "-").replace(/[\u00d7\u22c5\u00b7]/g, "*").replace(
    /\u00f7/g,
    "/",
  )
    .replace(/\u03c0/g, "\\pi ").replace(/\u221e/g, "\\infty ");
  // math delimiters
  s = s.replace(/^\$\$?|(?<!\\)\$\$?$/g, "").replace(/^\\\(|\\\)$/g, "").replace(
    /^\\\[|\\\]$/g,
    "",
  );
  s = s.replace(/\\(?:displaystyle|textstyle|scriptstyle)\b/g, "");
  // sizing of delimiters
  s = s.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg)\s*\.?/g, "");
  s = s.replace(/\\[dtc]frac\b/g, "\\frac").replace(/\\[dt]binom\b/g, "\\binom");
  // degrees and percent (before text macros so `\text{ degrees}` is seen)
  const deg =
    /\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\u00b0|\\degree\b|\\text\{\s*degrees?\s*\}|\bdegrees?\b/g;
  if (deg.test(s)) {
    degrees = true;
    s = s.replace(deg, " ");
  }
  if (/\\%|%|\\text\{\s*percent\s*\}|\bpercent\b/.test(s)) {
    percent = true;
    s = s.replace(/\\%|%|\\text\{\s*percent\s*\}|\bpercent\b/g, " ");
  }
  s = unwrapMacros(s, TEXT_MACROS);
  // currency
  if (/\\\$|\$|\\textdollar|\bdollars?\b|\bcents?\b|\bUSD\b/.test(s)) {
    if (/\bdollars?\b|\bcents?\b|\bUSD\b/.test(s)) unit = true;
    s = s.replace(/\\\$|\$|\\textdollar|\bdollars?\b|\bcents?\b|\bUSD\b/g, " ");
  }
  // spacing: thin spaces as thousands separators first, then all spacing macros
  s = s.replace(/\\!/g, "").replace(/(\d)\\,(?=\d{3}(?!\d))/g, "$1");
  s = s.replace(/\{,\}/g, ",");
  s = s.replace(
    /\\\\|\\(?:,|;|:| |quad|qquad|enspace|thinspace)/g,
    (m) => (m === "\\\\" ? m : " "),
  );
  s = s.replace(/~/g, " ");
  s = s.replace(/\\cdot\b|\\times\b|\\ast\b/g, "*").replace(/\\div\b/g, "/");
  s = s.replace(/\\neq\b/g, "\\ne").replace(/\\(?:dots|ldots|cdots)\b/g, "...");
  s = s.replace(/\s+(?:and|or)\s+/g, ", ");
  s = s.replace(/\s+/g, " ").trim();
  s = s.replace(/[.;]$/, "").trim();
  s = s.replace(
    /(-?)(\d*)\.(\d*)\\overline\s*\{(\d+)\}/g,
    (_m, sign, int, fixed, rep) => repeating(sign, int, fixed, rep),
  );
  const u = stripUnit(s);
  s = u.s;
  unit ||= u.unit;
  s = joinThousands(s);
  return { text: s.trim(), percent, degrees, unit };
}
