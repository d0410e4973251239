/**
 * Crash-test hook: when $SCORE_TEST_PAUSE_AT names a point, the engine writes that name to
 * $SCORE_TEST_PAUSE_FILE and stops there, so a test can SIGKILL it at a known place, or run
 * something concurrently: with $SCORE_TEST_RESUME_FILE, it goes on once that file exists.
 */

/** Pauses forever at `point` when the test environment asks for it; otherwise returns at once. */
export async function pausePoint(point: string): Promise<void> {
  let at: string | undefined;
  try {
    at = Deno.env.get("SCORE_TEST_PAUSE_AT");
  } catch {
    return;
  }
  if (at !== point) return;
  const f = Deno.env.get("SCORE_TEST_PAUSE_FILE");
  if (f) Deno.writeTextFileSync(f, point);
  const resume = Deno.env.get("SCORE_TEST_RESUME_FILE");
  while (true) {
    await new Promise((r) => setTimeout(r, 20));
    if (resume) {
      try {
        Deno.statSync(resume);
        return;
      } catch { /* not yet */ }
    }
  }
}
