/**
 * `verify math` and `verify code`: JSONL in on stdin, one JSONL line out per input line, in input
 * order. A line that is not valid JSON or does not match the schema gets an error line naming the
 * line number and the problem; it never stops the run. Blank lines are skipped (no output).
 *
 *   verify math [--extract]                 {"gold","pred"}  ->  {"equal","reason"}
 *   verify code [--concurrency N] [--timeout-ms MS] [--memory-mb MB] [--output-bytes N]
 *               {"language","program","entry_point","tests"}  ->  {"passed","status","detail"}
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { CodeRequest, type CodeVerdict, mapOrdered, runCodeTests } from "./code/mod.ts";
import { checkMathAnswer } from "./math/mod.ts";

/** Streams the CLI reads from and writes to (default: the process's stdin and stdout). */
export interface VerifyIo {
  stdin: ReadableStream<Uint8Array>;
  stdout: WritableStream<Uint8Array>;
  stderr?: WritableStream<Uint8Array>;
}

const USAGE = `usage:
  verify math [--extract]
      stdin: JSONL {"gold": string, "pred": string}; stdout: JSONL {"equal": bool, "reason": string}
      --extract   extract the final answer from pred first (full model completions)
  verify code [--concurrency N] [--timeout-ms MS] [--memory-mb MB] [--output-bytes N]
      stdin: JSONL {"language": "python"|"javascript"|"typescript", "program", "entry_point",
                    "tests": [{"input": [...], "output": ...}] | {"code": "..."}}
      stdout: JSONL {"passed": bool, "status": ..., "detail": string}
`;

const MathLine = z.object({ gold: z.string(), pred: z.string() });

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
    }
  }
  if (buffered.length > 0) yield buffered;
}

/** Numbered non-blank lines of the input. */
async function* numbered(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<{ line: number; text: string }> {
  let n = 0;
  for await (const text of lines(stream)) {
    n++;
    if (text.trim() !== "") yield { line: n, text: text.replace(/\r$/, "") };
  }
}

function describeIssue(line: number, e: unknown): string {
  if (e instanceof z.ZodError) {
    const issue = e.issues[0];
    const where = issue.path.length > 0 ? `field ${issue.path.join(".")}` : "the line";
    return `stdin line ${line}: ${where}: ${issue.message}`;
  }
  return `stdin line ${line}: not valid JSON (${
    (e as Error).message
  }); each line must be one JSON object`;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(`--${name} must be a positive integer, got "${value}"`);
  }
  return n;
}

/**
 * Runs `verify math` or `verify code` with `args` (without the leading `verify`) over `io`.
 * Returns the exit status: 0 when every line got an output line (bad lines included), 2 on a usage
 * error.
 */
export async function runVerifyCli(
  args: string[],
  io: VerifyIo = {
    stdin: Deno.stdin.readable,
    stdout: Deno.stdout.writable,
    stderr: Deno.stderr.writable,
  },
): Promise<number> {
  const encoder = new TextEncoder();
  const writeErr = async (text: string) => {
    const w = (io.stderr ?? Deno.stderr.writable).getWriter();
    try {
      await w.write(encoder.encode(text));
    } finally {
      w.releaseLock();
    }
  };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        extract: { type: "boolean" },
        concurrency: { type: "string" },
        "timeout-ms": { type: "string" },
        "memory-mb": { type: "string" },
        "output-bytes": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    await writeErr(`verify: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const mode = positionals[0];
  if (values.help) {
    await writeErr(USAGE);
    return 0;
  }
  if (positionals.length !== 1 || (mode !== "math" && mode !== "code")) {
    await writeErr(
      `verify: expected "math" or "code", got ${JSON.stringify(positionals.join(" "))}\n${USAGE}`,
    );
    return 2;
  }
  let concurrency: number, timeoutMs: number, memoryMb: number, outputBytes: number;
  try {
    concurrency = positiveInt("concurrency", values.concurrency, 2);
    timeoutMs = positiveInt("timeout-ms", values["timeout-ms"], 10_000);
    memoryMb = positiveInt("memory-mb", values["memory-mb"], 512);
    outputBytes = positiveInt("output-bytes", values["output-bytes"], 1 << 20);
  } catch (e) {
    await writeErr(`verify: ${(e as Error).message}\n`);
    return 2;
  }

  const writer = io.stdout.getWriter();
  const emit = async (obj: unknown) => {
    await writer.write(encoder.encode(JSON.stringify(obj) + "\n"));
  };
  try {
    if (mode === "math") {
      for await (const { line, text } of numbered(io.stdin)) {
        let input: z.infer<typeof MathLine>;
        try {
          input = MathLine.parse(JSON.parse(text));
        } catch (e) {
          await emit({ equal: false, reason: "bad_input", error: describeIssue(line, e) });
          continue;
        }
        const r = checkMathAnswer(input.gold, input.pred, { extract: values.extract ?? false });
        await emit({ equal: r.equal, reason: r.reason });
      }
    } else {
      await mapOrdered(
        numbered(io.stdin),
        concurrency,
        async ({ line, text }): Promise<CodeVerdict> => {
          let req: CodeRequest;
          try {
            req = CodeRequest.parse(JSON.parse(text));
          } catch (e) {
            return { passed: false, status: "error", detail: describeIssue(line, e) };
          }
          return await runCodeTests(req, { timeoutMs, memoryMb, outputBytes });
        },
        (v) => emit(v),
      );
    }
  } finally {
    writer.releaseLock();
  }
  return 0;
}

if (import.meta.main) Deno.exit(await runVerifyCli(Deno.args));
