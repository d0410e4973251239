/**
 * A small recursive-descent parser for normalized LaTeX / plain math expressions.
 *
 * Grammar (lowest to highest precedence):
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | implicit) unary)*      implicit: `2x`, `2\pi`, `(a)(b)`, `x y`
 *   unary   := ('-' | '+') unary | power
 *   power   := postfix ('^' exponent)?                      right-associative
 *   postfix := atom '!'*
 *   atom    := number | letter | greek | '(' expr ')' | '[' expr ']' | '{' expr '}' | '|' expr '|'
 *            | \frac A B | \sqrt[n]? A | \binom A B | function | \pi | \infty
 * `\frac12` and `\sqrt3` take one character as an argument when no brace follows (TeX rule).
 * `2\frac{1}{2}` (an integer literal followed by a literal fraction) is a mixed number, 5/2.
 * Functions: sin cos tan sec csc cot arcsin arccos arctan sinh cosh tanh ln log exp, with `\` or
 * without; `\sin^2 x` squares the value, `\sin^{-1}` is arcsin, `\log_b x` has base b; without
 * parentheses the argument is the following product of atoms (`\sin 2x` = sin(2x)).
 * `e` is Euler's number; every other single letter (and `x_1`, `\theta`) is a variable.
 *
 * @module
 */
import { BudgetError } from "./budget.ts";
import { Rational } from "./rational.ts";

/** Expression tree. */
export type Node =
  | { t: "num"; v: Rational; literal: boolean }
  | { t: "var"; name: string }
  | { t: "const"; name: "pi" | "e" | "inf" }
  | { t: "neg"; a: Node }
  | { t: "add" | "sub" | "mul" | "pow"; a: Node; b: Node }
  | { t: "div"; a: Node; b: Node; literalFrac?: boolean }
  | { t: "fn"; name: string; a: Node; base?: Node }
  | { t: "root"; a: Node; k: Node }
  | { t: "fact"; a: Node }
  | { t: "binom"; a: Node; b: Node }
  | { t: "abs"; a: Node };

/** Thrown for text that is not a supported expression. */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParseError";
  }
}

const FUNCS = new Set((
  "sin cos tan sec csc cot arcsin arccos arctan sinh cosh tanh ln log exp"
).split(" "));
const INVERSE: Record<string, string> = { sin: "arcsin", cos: "arccos", tan: "arctan" };
const GREEK = new Set((
  "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa " +
  "lambda mu nu xi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta " +
  "Lambda Xi Sigma Phi Psi Omega"
).split(" "));
const PLAIN_WORDS = (
  "arcsin arccos arctan sinh cosh tanh sqrt sin cos tan sec csc cot exp log ln pi"
).split(" ");

const num = (v: Rational, literal = false): Node => ({ t: "num", v, literal });

class Parser {
  i = 0;
  depth = 0;
  absDepth = 0;
  constructor(readonly s: string, readonly maxDepth: number) {}

  fail(msg: string): never {
    throw new ParseError(`${msg} at ${this.i} in "${this.s}"`);
  }
  ws() {
    while (this.s[this.i] === " ") this.i++;
  }
  peek(): string {
    this.ws();
    return this.s[this.i] ?? "";
  }
  eat(c: string): boolean {
    if (this.peek() === c) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(c: string) {
    if (!this.eat(c)) this.fail(`expected "${c}"`);
  }
  /** Reads `\name` at the cursor without consuming; null when the cursor is not at a command. */
  command(): string | null {
    this.ws();
    if (this.s[this.i] !== "\\") return null;
    const m = /^\\([a-zA-Z]+|.)/.exec(this.s.slice(this.i, this.i + 40));
    return m ? m[1] : null;
  }
  plainWord(): string | null {
    this.ws();
    for (const w of PLAIN_WORDS) {
      if (this.s.startsWith(w, this.i) && !/[a-zA-Z]/.test(this.s[this.i + w.length] ?? "")) {
        return w;
      }
    }
    return null;
  }
  enter() {
    if (++this.depth > this.maxDepth) {
      throw new BudgetError("too_long", "expression nested too deeply");
    }
  }

  parseAll(): Node {
    const n = this.expr();
    if (this.peek() !== "") this.fail(`unexpected "${this.peek()}"`);
    return n;
  }
  expr(): Node {
    this.enter();
    let a = this.term();
    for (;;) {
      if (this.eat("+")) a = { t: "add", a, b: this.term() };
      else if (this.eat("-")) a = { t: "sub", a, b: this.term() };
      else break;
    }
    this.depth--;
    return a;
  }
  startsAtom(): boolean {
    const c = this.peek();
    if (c === "") return false;
    if (/[0-9.a-zA-Z([{]/.test(c)) return true;
    if (c === "|") return this.absDepth === 0;
    if (c === "\\") {
      const cmd = this.command();
      return cmd !== null && cmd !== "}" && cmd !== "ne" && cmd !== "pm" && cmd !== "mp" &&
        cmd !== "cup" && cmd !== "in";
    }
    return false;
  }
  term(): Node {
    let a = this.unary();
    for (;;) {
      if (this.eat("*")) a = { t: "mul", a, b: this.unary() };
      else if (this.eat("/")) a = { t: "div", a, b: this.unary() };
      else if (this.startsAtom()) {
        const b = this.power();
        a = this.mixedNumber(a, b) ?? { t: "mul", a, b };
      } else break;
    }
    return a;
  }
  /** `2\frac{1}{2}` → 5/2 when an integer literal is followed by a literal fraction. */
  mixedNumber(a: Node, b: Node): Node | null {
    if (b.t !== "div" || !b.literalFrac) return null;
    const whole = a.t === "num" ? a : a.t === "neg" && a.a.t === "num" ? a.a : null;
    if (!whole || !whole.literal || !whole.v.isInteger()) return null;
    const sum: Node = { t: "add", a: whole, b };
    return a.t === "neg" ? { t: "neg", a: sum } : sum;
  }
  unary(): Node {
    if (this.eat("-")) return { t: "neg", a: this.unary() };
    if (this.eat("+")) return this.unary();
    return this.power();
  }
  power(): Node {
    const base = this.postfix();
    if (this.eat("^")) return { t: "pow", a: base, b: this.exponent() };
    return base;
  }
  exponent(): Node {
    this.enter();
    let e: Node;
    if (this.eat("-")) e = { t: "neg", a: this.exponent() };
    else if (this.eat("+")) e = this.exponent();
    else e = this.postfix();
    if (this.eat("^")) e = { t: "pow", a: e, b: this.exponent() };
    this.depth--;
    return e;
  }
  postfix(): Node {
    let a = this.atom();
    while (this.eat("!")) a = { t: "fact", a };
    return a;
  }
  group(open: string, close: string): Node {
    this.expect(open);
    const e = this.expr();
    this.expect(close);
    return e;
  }
  /** A TeX macro argument: a braced group, or one character / one command. */
  arg(): Node {
    this.ws();
    const c = this.s[this.i];
    if (c === "{") return this.group("{", "}");
    if (c !== undefined && /[0-9]/.test(c)) {
      this.i++;
      return num(new Rational(BigInt(c)), true);
    }
    if (c !== undefined && /[a-zA-Z]/.test(c)) {
      this.i++;
      return c === "e" ? { t: "const", name: "e" } : { t: "var", name: c };
    }
    if (c === "\\") return this.atom();
    return this.fail("expected a macro argument");
  }
  number(): Node {
    const m = /^(\d+\.?\d*|\.\d+)/.exec(this.s.slice(this.i));
    if (!m) this.fail("expected a number");
    this.i += m[0].length;
    return num(Rational.parseDecimal(m[0].endsWith(".") ? m[0].slice(0, -1) : m[0])!, true);
  }
  subscript(name: string): string {
    if (this.s[this.i] !== "_") return name;
    this.i++;
    if (this.s[this.i] === "{") {
      const close = this.s.indexOf("}", this.i);
      if (close < 0) this.fail("unclosed subscript");
      const sub = this.s.slice(this.i + 1, close).replace(/\s+/g, "");
      this.i = close + 1;
      return `${name}_${sub}`;
    }
    const c = this.s[this.i++] ?? this.fail("empty subscript");
    return `${name}_${c}`;
  }
  func(name: string): Node {
    let power: Node | null = null;
    let base: Node | undefined;
    for (let k = 0; k < 2; k++) {
      if (this.eat("^")) {
        const p = this.exponent();
        if (p.t === "neg" && p.a.t === "num" && p.a.v.equals(new Rational(1n)) && INVERSE[name]) {
          name = INVERSE[name];
        } else power = p;
      } else if (name === "log" && this.eat("_")) base = this.arg();
    }
    let a: Node;
    if (this.peek() === "(") a = this.group("(", ")");
    else {
      a = this.power();
      while (this.startsAtom() && !this.startsFunction()) a = { t: "mul", a, b: this.power() };
    }
    const f: Node = { t: "fn", name, a, base };
    return power ? { t: "pow", a: f, b: power } : f;
  }
  startsFunction(): boolean {
    const cmd = this.command();
    if (cmd) return FUNCS.has(cmd);
    const w = this.plainWord();
    return w !== null && FUNCS.has(w);
  }
  atom(): Node {
    this.enter();
    const r = this.atomInner();
    this.depth--;
    return r;
  }
  atomInner(): Node {
    const c = this.peek();
    if (c === "(") return this.group("(", ")");
    if (c === "[") return this.group("[", "]");
    if (c === "{") return this.group("{", "}");
    if (c === "|" && this.absDepth === 0) {
      this.i++;
      this.absDepth++;
      const a = this.expr();
      this.absDepth--;
      this.expect("|");
      return { t: "abs", a };
    }
    if (/[0-9.]/.test(c)) return this.number();
    if (c === "\\") {
      const cmd = this.command();
      if (cmd === null) return this.fail("lone backslash");
      this.i += cmd.length + 1;
      if (cmd === "frac") {
        const a = this.arg(), b = this.arg();
        const lit = (n: Node) => n.t === "num" && n.literal;
        return { t: "div", a, b, literalFrac: lit(a) && lit(b) };
      }
      if (cmd === "sqrt") {
        let k: Node = num(new Rational(2n));
        if (this.peek() === "[") k = this.group("[", "]");
        return { t: "root", a: this.arg(), k };
      }
      if (cmd === "binom") return { t: "binom", a: this.arg(), b: this.arg() };
      if (cmd === "pi") return { t: "const", name: "pi" };
      if (cmd === "infty" || cmd === "inf") return { t: "const", name: "inf" };
      if (FUNCS.has(cmd)) return this.func(cmd);
      if (GREEK.has(cmd)) return { t: "var", name: this.subscript(cmd) };
      if (cmd === "{") {
        const e = this.expr();
        if (this.command() !== "}") this.fail("expected \\}");
        this.i += 2;
        return e;
      }
      return this.fail(`unsupported command \\${cmd}`);
    }
    if (/[a-zA-Z]/.test(c)) {
      const w = this.plainWord();
      if (w) {
        this.i += w.length;
        if (w === "pi") return { t: "const", name: "pi" };
        if (w === "sqrt") return { t: "root", a: this.arg(), k: num(new Rational(2n)) };
        return this.func(w);
      }
      this.i++;
      if (c === "e" && this.s[this.i] !== "_") return { t: "const", name: "e" };
      return { t: "var", name: this.subscript(c) };
    }
    return this.fail(c === "" ? "unexpected end" : `unexpected "${c}"`);
  }
}

/** Parses a normalized expression; throws {@link ParseError} (or a too_long BudgetError). */
export function parseExpression(text: string, maxDepth = 100): Node {
  return new Parser(text, maxDepth).parseAll();
}

/** Names of the free variables of a tree. */
export function freeVars(n: Node, out: Set<string> = new Set()): Set<string> {
  switch (n.t) {
    case "var":
      out.add(n.name);
      break;
    case "num":
    case "const":
      break;
    case "neg":
    case "fact":
    case "abs":
      freeVars(n.a, out);
      break;
    case "fn":
      freeVars(n.a, out);
      if (n.base) freeVars(n.base, out);
      break;
    case "root":
      freeVars(n.a, out);
      freeVars(n.k, out);
      break;
    default:
      freeVars(n.a, out);
      freeVars(n.b, out);
  }
  return out;
}
