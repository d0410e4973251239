/**
 * report.html in a real browser: headless Chromium (Debian's `chromium`) opens the rendered report
 * from a file:// URL, driven over the DevTools protocol on 127.0.0.1. The test fails on any console
 * error or warning, uncaught exception, failed request, or request that leaves the file (the report
 * must be self-contained), checks the page shows its tables and charts, and saves a full-page
 * screenshot (default `out/browser/report.png`; `SCORE_BROWSER_OUT` sets the directory).
 */
import assert from "node:assert/strict";
import { renderHtml } from "../../report/mod.ts";
import { fullReportData } from "./fixtures.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--disable-dev-shm-usage",
  "--hide-scrollbars",
  "--mute-audio",
  "--window-size=1280,900",
  "--remote-debugging-address=127.0.0.1",
  "--remote-debugging-port=0",
];

function findChromium(): string | null {
  for (const p of ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // try the next one
    }
  }
  return null;
}

/** A minimal DevTools protocol client over one WebSocket. */
class Cdp {
  private id = 0;
  private pending = new Map<
    number,
    { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  private listeners:
    ((method: string, params: Record<string, unknown>, session?: string) => void)[] = [];
  private constructor(private ws: WebSocket) {
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data as string);
      if (typeof msg.id === "number") {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (!p) return;
        if (msg.error) p.reject(new Error(`CDP error: ${JSON.stringify(msg.error)}`));
        else p.resolve(msg.result ?? {});
      } else if (typeof msg.method === "string") {
        for (const l of this.listeners) l(msg.method, msg.params ?? {}, msg.sessionId);
      }
    };
  }

  static open(url: string): Promise<Cdp> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve(new Cdp(ws));
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  on(fn: (method: string, params: Record<string, unknown>, session?: string) => void): void {
    this.listeners.push(fn);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.onclose = () => resolve();
      this.ws.close();
    });
  }
}

async function devtoolsUrl(profile: string, child: Deno.ChildProcess): Promise<string> {
  const deadline = Date.now() + 30_000;
  let exited = false;
  child.status.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const [port, path] = (await Deno.readTextFile(`${profile}/DevToolsActivePort`)).split("\n");
      if (port && path) return `ws://127.0.0.1:${port.trim()}${path.trim()}`;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    exited ? "chromium exited before opening its DevTools port" : "no DevTools port after 30 s",
  );
}

/** What the browser saw while loading a page. */
interface PageCheck {
  problems: string[];
  requests: string[];
  title: string;
  tables: number;
  svgs: number;
  textLength: number;
  width: number;
  height: number;
}

/** Loads `htmlPath` in headless Chromium, records every problem, saves a full-page screenshot. */
async function checkPage(
  chromium: string,
  htmlPath: string,
  screenshot: string,
): Promise<PageCheck> {
  const profile = await Deno.makeTempDir({ prefix: "score-chromium-" });
  const child = new Deno.Command(chromium, {
    args: [...FLAGS, `--user-data-dir=${profile}`, "about:blank"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let cdp: Cdp | null = null;
  try {
    cdp = await Cdp.open(await devtoolsUrl(profile, child));
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true }) as {
      sessionId: string;
    };
    const problems: string[] = [];
    const requests: string[] = [];
    let loaded: () => void;
    const loadFired = new Promise<void>((r) => (loaded = r));
    const fileUrl = new URL(`file://${htmlPath}`).href;
    cdp.on((method, p, s) => {
      if (s !== sessionId) return;
      if (method === "Runtime.consoleAPICalled") {
        const type = p.type as string;
        if (type === "error" || type === "warning" || type === "assert") {
          const args = (p.args as { value?: unknown; description?: string }[])
            .map((a) =>
              typeof a.value === "string" ? a.value : a.description ?? JSON.stringify(a.value)
            )
            .join(" ");
          problems.push(`console.${type}: ${args}`);
        }
      } else if (method === "Runtime.exceptionThrown") {
        const d = p.exceptionDetails as { text: string; exception?: { description?: string } };
        problems.push(`uncaught exception: ${d.exception?.description ?? d.text}`);
      } else if (method === "Log.entryAdded") {
        const e = p.entry as { level: string; text: string; url?: string };
        if (e.level === "error" || e.level === "warning") {
          problems.push(`log ${e.level}: ${e.text}${e.url ? ` (${e.url})` : ""}`);
        }
      } else if (method === "Network.requestWillBeSent") {
        const url = (p.request as { url: string }).url;
        requests.push(url);
        if (url !== fileUrl && !url.startsWith("data:")) {
          problems.push(`request leaves the report: ${url}`);
        }
      } else if (method === "Network.loadingFailed") {
        problems.push(`failed request: ${p.errorText} (${p.type ?? "?"} ${p.requestId})`);
      } else if (method === "Network.responseReceived") {
        const r = p.response as { url: string; status: number };
        if (r.status >= 400) problems.push(`HTTP ${r.status}: ${r.url}`);
      } else if (method === "Page.loadEventFired") {
        loaded();
      }
    });
    for (const d of ["Page", "Runtime", "Log", "Network"]) {
      await cdp.send(`${d}.enable`, {}, sessionId);
    }
    await cdp.send("Page.navigate", { url: fileUrl }, sessionId);
    await Promise.race([
      loadFired,
      new Promise((_, rej) => setTimeout(() => rej(new Error("no load event after 30 s")), 30_000)),
    ]);
    // Late errors (scripts after load, fonts, lazy images) get a moment to arrive.
    await new Promise((r) => setTimeout(r, 500));
    const probe = await cdp.send("Runtime.evaluate", {
      expression: `JSON.stringify({
        title: document.title,
        tables: document.querySelectorAll("table").length,
        svgs: document.querySelectorAll("svg").length,
        textLength: document.body.innerText.length,
        width: document.documentElement.scrollWidth,
        height: document.documentElement.scrollHeight,
      })`,
      returnByValue: true,
    }, sessionId);
    const dom = JSON.parse((probe.result as { value: string }).value);
    const shot = await cdp.send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: dom.width, height: Math.min(dom.height, 16000), scale: 1 },
    }, sessionId);
    await Deno.mkdir(screenshot.slice(0, screenshot.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(
      screenshot,
      Uint8Array.from(atob(shot.data as string), (c) => c.charCodeAt(0)),
    );
    return { problems, requests, ...dom };
  } finally {
    await cdp?.close().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    // Chromium's helper processes may still be writing to the profile for a moment after the kill.
    for (let i = 0; i < 20; i++) {
      try {
        await Deno.remove(profile, { recursive: true });
        break;
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

const chromium = findChromium();
const outDir = Deno.env.get("SCORE_BROWSER_OUT") ?? `${ROOT}/out/browser`;

function assertClean(r: PageCheck, what: string) {
  assert.deepEqual(r.problems, [], `${what}: the browser reported problems`);
  assert.equal(r.requests.length, 1, `${what}: expected one request (the file), saw ${r.requests}`);
  assert.match(r.title, /SCoRe/, `${what}: page title`);
  assert.ok(r.tables >= 2, `${what}: expected the main table and more, saw ${r.tables} tables`);
}

Deno.test({
  name:
    "report.html renders in headless Chromium with no console error, no failed or outside request, and a screenshot",
  async fn() {
    assert.ok(chromium, "chromium not found; install it with: apt-get install chromium");
    const dir = await Deno.makeTempDir({ prefix: "score-report-html-" });
    try {
      const html = `${dir}/report.html`;
      const data = fullReportData();
      await Deno.writeTextFile(html, await renderHtml(data));
      const shot = `${outDir}/report.png`;
      const r = await checkPage(chromium, html, shot);
      assertClean(r, "fixture report");
      // Every plot of the fixture (curves, histograms, scaling, Δ intervals) is an inline SVG.
      assert.ok(r.svgs >= 3, `expected the report's charts as inline SVG, saw ${r.svgs}`);
      const png = await Deno.readFile(shot);
      assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47], "screenshot is a PNG");
      assert.ok(r.height > 900, `expected a page longer than the window, got ${r.height}px`);
      console.log(
        `screenshot: ${shot} (${r.width}×${r.height}px, ${r.tables} tables, ${r.svgs} svgs)`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the browser check reports console errors, uncaught exceptions, failed and outside requests", async () => {
  assert.ok(chromium, "chromium not found; install it with: apt-get install chromium");
  const dir = await Deno.makeTempDir({ prefix: "score-bad-html-" });
  try {
    const html = `${dir}/bad.html`;
    await Deno.writeTextFile(
      html,
      `<!doctype html><html><head><title>SCoRe bad page</title></head><body>
<table><tr><td>1</td></tr></table><table><tr><td>2</td></tr></table>
<img src="missing.png" alt="">
<img src="http://127.0.0.1:65000/outside.png" alt="">
<script>console.error("broken chart"); setTimeout(() => { throw new Error("late failure"); }, 0);</script>
</body></html>`,
    );
    const r = await checkPage(chromium, html, `${dir}/bad.png`);
    const all = r.problems.join("\n");
    assert.match(all, /console\.error: broken chart/);
    assert.match(all, /uncaught exception: .*late failure/);
    assert.match(all, /failed request: net::ERR_FILE_NOT_FOUND/);
    assert.match(all, /request leaves the report: http:\/\/127\.0\.0\.1:65000\/outside\.png/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
