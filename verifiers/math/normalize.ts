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

const SCALES: Record<string, number> = { thousand: 3, million: 6, billion: 9, trillion: 12 };
const CARDINALS: Record<string, number> = Object.fromEntries(
  (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen " +
    "fifteen sixteen seventeen eighteen nineteen twenty"
  ).split(" ").map((w, i) => [w, i]).concat(
    "thirty forty fifty sixty seventy eighty ninety".split(" ").map((w, i) => [w, 30 + 10 * i]),
  ),
);

/** `d.ddd` times 10^k as an exact decimal string (`2.5`, 6 → `2500000`). */
function shiftDecimal(num: string, k: number): string {
  const [int, frac = ""] = num.split(".");
  const digits = int + frac, point = int.length + k;
  const whole = point >= digits.length
    ? digits + "0".repeat(point - digits.length)
    : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return whole.replace(/^0+(?=\d)/, "");
}

/**
 * Number words: a numeral followed by a scale word is that number (`5 million` → `5000000`,
 * `2.5 thousand` → `2500`; before units are dropped, which would leave `5`); an answer that is a
 * single cardinal word (`five`, `twenty`, `ninety`) is that number.
 */
function numberWords(s: string): string {
  s = s.replace(
    /(?<![\d.])(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion)\b/gi,
    (_m, n: string, w: string) => shiftDecimal(n, SCALES[w.toLowerCase()]),
  );
  const word = s.trim().toLowerCase();
  return Object.hasOwn(CARDINALS, word) ? String(CARDINALS[word]) : s;
}

/** E notation (`1.5e3`, `2E-4`) → `1.5*10^{3}`: a numeral, `e`/`E`, an integer, nothing else. */
function scientific(s: string): string {
  return s.replace(
    /(?<![\w.\\])(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?![\w.])/g,
    (_m, m: string, e: string) => `${m}*10^{${e}}`,
  );
}

/**
 * Mixed numbers written with a space (`7 3/4`, `-2 1/3`): an integer, whitespace, then a proper
 * fraction of integers is their sum (`\frac{31}{4}`), not the product the parser would read.
 */
function mixedNumbers(s: string): string {
  return s.replace(
    /(?<![\w.}^/])(-?)(\d+)\s+(\d+)\s*\/\s*(\d+)(?![\w.^{(])/g,
    (m, sign: string, int: string, num: string, den: string) => {
      const n = BigInt(num), d = BigInt(den);
      if (d === 0n || n >= d) return m;
      return `${sign}\\frac{${BigInt(int) * d + n}}{${d}}`;
    },
  );
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
  // (no \b after a macro name: `\dfrac34` has none between `c` and `3`)
  s = s.replace(/\\[dtc]frac(?![a-zA-Z])/g, "\\frac").replace(
    /\\[dt]binom(?![a-zA-Z])/g,
    "\\binom",
  );
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
  // `32,\!349` and `32,\! 349`: the negative thin space glues a thousands group to its comma
  if (s.includes("\\!")) s = s.replace(/(\d)(,|\{,\})\s*\\!\s*(?=\d{3}(?!\d))/g, "$1$2");
  s = s.replace(/\\!/g, "").replace(/(\d)\\,(?=\d{3}(?!\d))/g, "$1");
  s = s.replace(/\{,\}/g, ",");
  s = s.replace(
    /\\\\|\\(?:,|;|:| |quad|qquad|enspace|thinspace)/g,
    (m) => (m === "\\\\" ? m : " "),
  );
  s = s.replace(/~/g, " ");
  s = s.replace(/\\(?:cdot|times|ast)(?![a-zA-Z])/g, "*").replace(/\\div(?![a-zA-Z])/g, "/");
  // relations: one spelling each (`\le`, `\ge`, `<`, `>`)
  if (/[<>\u2264\u2265]|\\[lg][et]/.test(s)) {
    s = s.replace(/\\(?:leq?slant|leq|le)(?![a-zA-Z])|\u2264|<=/g, "\\le ")
      .replace(/\\(?:geq?slant|geq|ge)(?![a-zA-Z])|\u2265|>=/g, "\\ge ")
      .replace(/\\lt(?![a-zA-Z])/g, "<").replace(/\\gt(?![a-zA-Z])/g, ">");
  }
  s = s.replace(/\\neq(?![a-zA-Z])/g, "\\ne").replace(/\\(?:dots|ldots|cdots)(?![a-zA-Z])/g, "...");
  s = s.replace(/\s+(?:and|or)\s+/g, ", ");
  s = s.replace(/\s+/g, " ").trim();
  s = s.replace(/[.;]$/, "").trim();
  s = s.replace(
    /(-?)(\d*)\.(\d*)\\overline\s*\{(\d+)\}/g,
    (_m, sign, int, fixed, rep) => repeating(sign, int, fixed, rep),
  );
  if (/illion|thousand|^[a-zA-Z]+$/i.test(s)) s = numberWords(s);
  if (/\d[eE]/.test(s)) s = scientific(s);
  const u = stripUnit(s);
  s = u.s;
  unit ||= u.unit;
  s = joinThousands(s);
  if (s.includes("/")) s = mixedNumbers(s);
  return { text: s.trim(), percent, degrees, unit };
}
