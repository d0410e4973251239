/** A small XML well-formedness check for the generated SVG: balanced tags, quoted attributes,
 * valid entity references. Throws with the position of the first problem. */

const NAME = /^[A-Za-z_][-\w:.]*/;
const ATTR = /^\s+([A-Za-z_:][-\w:.]*)="([^"<]*)"/;
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/** Throws unless `xml` is a well-formed element tree with a single root. */
export function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  let i = 0, roots = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (ENTITY.test(text)) throw new Error(`bad entity in text near ${i}: ${text.slice(0, 40)}`);
    if (text.trim() !== "" && stack.length === 0) throw new Error(`text outside root near ${i}`);
    if (lt < 0) break;
    if (xml.startsWith("<!--", lt)) {
      const end = xml.indexOf("-->", lt);
      if (end < 0) throw new Error(`unclosed comment at ${lt}`);
      i = end + 3;
      continue;
    }
    const gt = xml.indexOf(">", lt);
    if (gt < 0) throw new Error(`unclosed tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> at ${lt} closes <${open ?? "nothing"}>`);
    } else {
      const selfClosing = tag.endsWith("/");
      let body = selfClosing ? tag.slice(0, -1) : tag;
      const m = NAME.exec(body);
      if (!m) throw new Error(`bad tag name at ${lt}: <${tag.slice(0, 20)}`);
      const name = m[0];
      body = body.slice(name.length);
      const seen = new Set<string>();
      let a: RegExpExecArray | null;
      while ((a = ATTR.exec(body))) {
        if (seen.has(a[1])) throw new Error(`duplicate attribute ${a[1]} in <${name}> at ${lt}`);
        seen.add(a[1]);
        if (ENTITY.test(a[2])) throw new Error(`bad entity in attribute ${a[1]} at ${lt}`);
        body = body.slice(a[0].length);
      }
      if (body.trim() !== "") {
        throw new Error(`malformed attributes in <${name}> at ${lt}: ${body}`);
      }
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name);
    }
    i = gt + 1;
  }
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1]}>`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);
}

/** Every `<svg …>…</svg>` fragment of an HTML page. */
export function svgFragments(html: string): string[] {
  return html.match(/<svg[\s>][\s\S]*?<\/svg>/g) ?? [];
}
