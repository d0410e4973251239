/**
 * A small JavaScript/TypeScript lexer that finds the module specifiers a source file reaches:
 * static imports, re-exports, literal dynamic `import("...")` and `new URL("...", import.meta.url)`.
 * It skips comments, string and template contents and regular expression literals, so text that
 * only looks like an import is not counted. It is fast enough to run on every module at startup.
 * Static imports that TypeScript erases (type-only) are marked as such.
 */

/** How a specifier was reached. */
export type ImportKind = "static" | "dynamic" | "url";

/** One specifier found in a source file. */
export interface FoundImport {
  specifier: string;
  kind: ImportKind;
  /**
   * Set on static imports and re-exports that TypeScript erases: `import type ...`,
   * `export type ... from`, and `import { type A, type B }` where every named binding is a type.
   * Such a module has no runtime effect on the importer.
   */
  typeOnly?: true;
}

type Token =
  | { t: "id"; v: string }
  | { t: "str"; v: string }
  | { t: "tpl"; v: string | null } // template literal; v is its text when it has no `${}`
  | { t: "p"; v: string }; // punctuation (one char) or other

const ID_START = /[A-Za-z_$\u0080-\uffff]/;
const ID_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Keywords after which a `/` starts a regular expression rather than a division. */
const REGEX_AFTER_KEYWORDS = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const n = src.length;
  let i = 0;
  // Stack of open `${` in templates: each entry is the brace depth at which the template resumes.
  const tplStack: number[] = [];
  let braceDepth = 0;

  const regexAllowed = (): boolean => {
    const prev = out[out.length - 1];
    if (!prev) return true;
    if (prev.t === "id") return REGEX_AFTER_KEYWORDS.has(prev.v);
    if (prev.t === "str" || prev.t === "tpl") return false;
    return !(prev.v === ")" || prev.v === "]" || prev.v === "}" || /[0-9]/.test(prev.v));
  };

  const readTemplate = (): void => {
    // i points just after a backtick or after the `}` closing a `${`.
    let text = "";
    while (i < n) {
      const c = src[i];
      if (c === "\\") {
        text += src[i + 1] ?? "";
        i += 2;
        continue;
      }
      if (c === "`") {
        i++;
        out.push({ t: "tpl", v: text });
        return;
      }
      if (c === "$" && src[i + 1] === "{") {
        i += 2;
        out.push({ t: "tpl", v: null });
        tplStack.push(braceDepth);
        braceDepth++;
        return;
      }
      text += c;
      i++;
    }
  };

  while (i < n) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      const e = src.indexOf("\n", i);
      i = e < 0 ? n : e + 1;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const e = src.indexOf("*/", i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      let v = "";
      i++;
      while (i < n && src[i] !== c) {
        if (src[i] === "\\") {
          v += src[i + 1] ?? "";
          i += 2;
        } else if (src[i] === "\n") {
          break; // unterminated string: stop at the line end
        } else v += src[i++];
      }
      i++;
      out.push({ t: "str", v });
      continue;
    }
    if (c === "`") {
      i++;
      readTemplate();
      continue;
    }
    if (c === "/" && regexAllowed()) {
      // Regular expression literal: skip to the closing slash, honouring classes and escapes.
      i++;
      let inClass = false;
      while (i < n) {
        const d = src[i];
        if (d === "\\") {
          i += 2;
          continue;
        }
        if (d === "\n") break;
        if (inClass) {
          if (d === "]") inClass = false;
        } else if (d === "[") inClass = true;
        else if (d === "/") {
          i++;
          break;
        }
        i++;
      }
      while (i < n && ID_PART.test(src[i])) i++; // flags
      out.push({ t: "p", v: "regex" });
      continue;
    }
    if (ID_START.test(c)) {
      let j = i + 1;
      while (j < n && ID_PART.test(src[j])) j++;
      out.push({ t: "id", v: src.slice(i, j) });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(src[j])) j++;
      out.push({ t: "p", v: src.slice(i, j) });
      i = j;
      continue;
    }
    if (c === "{") {
      braceDepth++;
      out.push({ t: "p", v: c });
      i++;
      continue;
    }
    if (c === "}") {
      braceDepth--;
      i++;
      if (tplStack.length > 0 && tplStack[tplStack.length - 1] === braceDepth) {
        tplStack.pop();
        readTemplate();
        continue;
      }
      out.push({ t: "p", v: c });
      continue;
    }
    out.push({ t: "p", v: c });
    i++;
  }
  return out;
}

const EXPORT_STOP = new Set([
  "const",
  "let",
  "var",
  "function",
  "class",
  "default",
  "interface",
  "enum",
  "declare",
  "abstract",
  "async",
  "namespace",
]);

/** Splits the tokens between `{` and `}` at top-level commas. */
function namedElements(toks: Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  for (const t of toks) {
    if (t.t === "p" && t.v === ",") {
      if (cur.length > 0) out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Whether an import or export clause (the tokens between `import`/`export` and `from`) is erased
 * by TypeScript: `type X`, `type { .. }`, `type * as X`, or braces whose every element is
 * `type Name [as Alias]`. `import type from "x"` (a default import named `type`), a clause with a
 * default or namespace binding next to the braces, and empty braces are runtime imports.
 */
function typeOnlyClause(clause: Token[]): boolean {
  const first = clause[0];
  if (!first) return false;
  if (first.t === "id" && first.v === "type") {
    const second = clause[1];
    if (!second) return false; // `import type from "x"`: a default import named `type`
    return !(second.t === "p" && second.v === ","); // `import type, { a } from "x"`
  }
  const last = clause[clause.length - 1];
  if (!(first.t === "p" && first.v === "{" && last.t === "p" && last.v === "}")) return false;
  const elems = namedElements(clause.slice(1, -1));
  if (elems.length === 0) return false;
  return elems.every((e) =>
    e[0].t === "id" && e[0].v === "type" && e.length >= 2 &&
    // `type as x` imports a binding named `type`; `type as as x` imports the type `as`
    !(e.length === 3 && e[1].t === "id" && e[1].v === "as")
  );
}

function staticImport(specifier: string, clause: Token[]): FoundImport {
  return typeOnlyClause(clause)
    ? { specifier, kind: "static", typeOnly: true }
    : { specifier, kind: "static" };
}

/** Returns every module specifier that `source` reaches, in order of appearance. */
export function findImports(source: string): FoundImport[] {
  const toks = tokenize(source);
  const found: FoundImport[] = [];
  const isP = (k: number, v: string) => toks[k]?.t === "p" && toks[k].v === v;
  const isId = (k: number, v: string) => toks[k]?.t === "id" && toks[k].v === v;
  const literal = (k: number): string | null => {
    const tk = toks[k];
    if (!tk) return null;
    if (tk.t === "str") return tk.v;
    if (tk.t === "tpl" && tk.v !== null) return tk.v;
    return null;
  };
  for (let k = 0; k < toks.length; k++) {
    const tk = toks[k];
    if (tk.t !== "id") continue;
    const prevDot = isP(k - 1, ".");
    if (prevDot) continue; // property access like `x.import`
    if (tk.v === "import") {
      if (isP(k + 1, "(")) {
        const s = literal(k + 2);
        if (s !== null && (isP(k + 3, ")") || isP(k + 3, ","))) {
          found.push({ specifier: s, kind: "dynamic" });
        }
        continue;
      }
      if (isP(k + 1, ".")) continue; // import.meta
      const direct = literal(k + 1);
      if (direct !== null) {
        found.push({ specifier: direct, kind: "static" });
        continue;
      }
      // import <clause> from "x"
      for (let j = k + 1; j < toks.length && j < k + 400; j++) {
        const tj = toks[j];
        if (tj.t === "p" && tj.v === ";") break;
        if (tj.t === "id" && tj.v === "from") {
          const s = literal(j + 1);
          if (s !== null) {
            found.push(staticImport(s, toks.slice(k + 1, j)));
            k = j + 1;
            break;
          }
        }
      }
      continue;
    }
    if (tk.v === "export") {
      const next = toks[k + 1];
      if (!next) continue;
      if (next.t === "id" && EXPORT_STOP.has(next.v)) continue;
      if (!(next.t === "p" && (next.v === "*" || next.v === "{")) && !isId(k + 1, "type")) {
        continue;
      }
      let depth = 0;
      for (let j = k + 1; j < toks.length && j < k + 400; j++) {
        const tj = toks[j];
        if (tj.t === "p") {
          if (tj.v === "{") depth++;
          else if (tj.v === "}") depth--;
          else if (tj.v === ";" || tj.v === "=") break;
        }
        if (depth === 0 && tj.t === "id" && tj.v === "from") {
          const s = literal(j + 1);
          if (s !== null) {
            found.push(staticImport(s, toks.slice(k + 1, j)));
            k = j + 1;
          }
          break;
        }
        if (depth === 0 && j > k + 1 && tj.t === "id" && EXPORT_STOP.has(tj.v)) break;
      }
      continue;
    }
    if (tk.v === "new" && isId(k + 1, "URL") && isP(k + 2, "(")) {
      const s = literal(k + 3);
      if (
        s !== null && isP(k + 4, ",") && isId(k + 5, "import") && isP(k + 6, ".") &&
        isId(k + 7, "meta") && isP(k + 8, ".") && isId(k + 9, "url")
      ) {
        found.push({ specifier: s, kind: "url" });
      }
    }
  }
  return found;
}
