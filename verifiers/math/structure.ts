/**
 * Turns a normalized answer into a structured value: matrix, union of intervals, set, tuple or
 * interval, bare list, equation, `\pm` alternatives, expression, or plain text.
 *
 * @module
 */
import { type Budget, BudgetError } from "./budget.ts";
import { KNOWN_WORDS } from "./normalize.ts";
import { type Node, ParseError, parseExpression } from "./parse.ts";

/** A structured answer. */
export type Value =
  /** `eq` keeps the equation when the expression came from `x = …` (a lone variable's value). */
  | { k: "expr"; node: Node; eq?: { lhs: Node; rhs: Node } }
  /** A relation chain in ascending order: `parts[0] < parts[1] …`; `strict[i]` for `<` vs `≤`. */
  | { k: "rel"; parts: Node[]; strict: boolean[] }
  | { k: "eq"; lhs: Node; rhs: Node }
  | { k: "tuple"; open: string; close: string; items: Value[] }
  | { k: "set"; items: Value[]; origin: "braces" | "list" | "pm" }
  | { k: "union"; items: Value[] }
  | { k: "matrix"; rows: Value[][] }
  | { k: "text"; s: string };

const OPEN = "([{", CLOSE = ")]}";

/** Splits at top-level (bracket depth 0) occurrences of a separator such as `,`, `=` or `\cup`. */
export function splitTop(s: string, sep: string): string[] {
  const parts: string[] = [];
  const wordSep = /[a-zA-Z]$/.test(sep);
  let depth = 0, last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (
      depth === 0 && s.startsWith(sep, i) && !(wordSep && /[a-zA-Z]/.test(s[i + sep.length] ?? ""))
    ) {
      // "\\" inside a command like "\{" must not be split when sep is a command
      if (!(sep === "=" && (s[i - 1] === "<" || s[i - 1] === ">" || s[i - 1] === "!"))) {
        parts.push(s.slice(last, i));
        last = i + sep.length;
        i += sep.length - 1;
        continue;
      }
    }
    if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c)) depth--;
  }
  parts.push(s.slice(last));
  return parts;
}

/** True when the bracket opening at 0 is closed exactly at the last character. */
function outerSpans(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (OPEN.includes(s[i])) depth++;
    else if (CLOSE.includes(s[i])) {
      depth--;
      if (depth === 0) return i === s.length - 1;
    }
  }
  return false;
}

const LONE_VAR = /^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?(?:\([a-zA-Z]\))?$/;
const MATRIX = /^\\begin\{([pbvBV]?matrix|array)\}(?:\{[^}]*\})?([\s\S]*)\\end\{\1\}$/;

/** True when text contains a word (3+ letters) that is not a known function or command. */
function hasProse(s: string): boolean {
  for (const m of s.matchAll(/(?<![\\a-zA-Z])[a-zA-Z]{3,}/g)) {
    if (!KNOWN_WORDS.has(m[0].toLowerCase())) return true;
  }
  return false;
}

/** Canonical text form used for text answers and last-resort comparison. */
export function canonicalText(s: string): string {
  return s.toLowerCase().replace(/\\[a-z]+/g, (m) => m.slice(1)).replace(/[\s{}()\\]/g, "");
}

const REL_OP = /\\le(?![a-zA-Z])|\\ge(?![a-zA-Z])|<|>/y;

/**
 * A top-level relation chain (`x < 3`, `3 \ge x`, `1 \le x < 5`) in ascending order, or null when
 * `s` has no top-level `<`, `>`, `\le`, `\ge`. Mixed directions or an `=` beside them are text.
 */
function relation(s: string, budget: Budget): Value | null {
  if (!/[<>]|\\[lg]e/.test(s)) return null;
  const parts: string[] = [], ops: string[] = [];
  let depth = 0, last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c)) depth--;
    if (depth !== 0) continue;
    REL_OP.lastIndex = i;
    const m = REL_OP.exec(s);
    if (!m || m.index !== i) continue;
    parts.push(s.slice(last, i));
    ops.push(m[0]);
    last = i + m[0].length;
    i = last - 1;
  }
  if (ops.length === 0) return null;
  parts.push(s.slice(last));
  const up = ops.map((o) => o === "<" || o === "\\le");
  if (up.some((u) => u !== up[0]) || parts.some((p) => splitTop(p, "=").length > 1)) {
    return { k: "text", s: canonicalText(s) };
  }
  let strict = ops.map((o) => o === "<" || o === ">");
  let texts = parts.map((p) => p.trim());
  if (!up[0]) {
    texts = texts.reverse();
    strict = strict.reverse();
  }
  try {
    return {
      k: "rel",
      parts: texts.map((t) => parseExpression(t, budget.limits.maxDepth)),
      strict,
    };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { k: "text", s: canonicalText(s) };
  }
}

/** Parses a normalized answer into a {@link Value}; never throws except for budget errors. */
export function parseValue(s: string, budget: Budget, depth = 0): Value {
  budget.tick();
  s = s.trim();
  if (depth > 8) throw new BudgetError("too_long", "answer structure nested too deeply");
  while (s.startsWith("{") && s.endsWith("}") && outerSpans(s)) s = s.slice(1, -1).trim();
  const sub = (t: string) => parseValue(t, budget, depth + 1);
  const items = (t: string) => {
    const parts = splitTop(t, ",");
    if (parts.length > 64) throw new BudgetError("too_long", "more than 64 elements");
    return parts.map(sub);
  };

  const mat = MATRIX.exec(s);
  if (mat) {
    const rows = splitTop(mat[2].trim().replace(/\\\\\s*$/, ""), "\\\\");
    return { k: "matrix", rows: rows.map((r) => splitTop(r, "&").map(sub)) };
  }
  const unions = splitTop(s, "\\cup");
  if (unions.length > 1) return { k: "union", items: unions.map(sub) };
  if (s.startsWith("\\{") && s.endsWith("\\}") && outerSpans(s.slice(1))) {
    const inner = s.slice(2, -2).trim();
    return { k: "set", items: inner === "" ? [] : items(inner), origin: "braces" };
  }
  if (/^[([]/.test(s) && /[)\]]$/.test(s) && outerSpans(s)) {
    const inner = s.slice(1, -1);
    if (splitTop(inner, ",").length > 1) {
      return { k: "tuple", open: s[0], close: s[s.length - 1], items: items(inner) };
    }
  }
  if (splitTop(s, ",").length > 1) return { k: "set", items: items(s), origin: "list" };

  const rel = relation(s, budget);
  if (rel) return rel;

  const eqParts = splitTop(s, "=");
  if (eqParts.length >= 2) {
    const lhs = eqParts.slice(0, -1).map((p) => p.trim());
    if (lhs.every((p) => LONE_VAR.test(p))) {
      const v = sub(eqParts[eqParts.length - 1]);
      if (v.k === "expr" && eqParts.length === 2) {
        // kept so that `y = 2x+3` can also be compared as an equation (`2x - y + 3 = 0`)
        try {
          return {
            ...v,
            eq: { lhs: parseExpression(lhs[0], budget.limits.maxDepth), rhs: v.node },
          };
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
        }
      }
      return v;
    }
    if (eqParts.length === 2) {
      try {
        return {
          k: "eq",
          lhs: parseExpression(eqParts[0], budget.limits.maxDepth),
          rhs: parseExpression(eqParts[1], budget.limits.maxDepth),
        };
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        return { k: "text", s: canonicalText(s) };
      }
    }
  }
  const inParts = splitTop(s, "\\in");
  if (inParts.length === 2 && LONE_VAR.test(inParts[0].trim())) return sub(inParts[1]);

  const pm = /\\(pm|mp)(?![a-zA-Z])/.exec(s);
  if (pm) {
    const plus = pm[1] === "pm" ? "+" : "-", minus = pm[1] === "pm" ? "-" : "+";
    const at = pm.index, after = at + pm[0].length;
    const alts = [s.slice(0, at) + plus + s.slice(after), s.slice(0, at) + minus + s.slice(after)];
    const flat = alts.map(sub).flatMap((v) => (v.k === "set" && v.origin === "pm" ? v.items : [v]));
    return { k: "set", origin: "pm", items: flat };
  }
  if (s === "" || hasProse(s)) return { k: "text", s: canonicalText(s) };
  try {
    return { k: "expr", node: parseExpression(s, budget.limits.maxDepth) };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { k: "text", s: canonicalText(s) };
  }
}
