/**
 * Everything the benchmark must undo (child processes, databases, temporary directories), run in
 * reverse order on a normal end, on an error and on Ctrl-C / SIGTERM. A second signal exits at once.
 */
type Step = { label: string; run: () => Promise<void> | void };

const steps: Step[] = [];
let cleaning: Promise<void> | undefined;

/** Registers an undo step; the returned function runs it now (once) and forgets it. */
export function onCleanup(label: string, run: () => Promise<void> | void): () => Promise<void> {
  const step: Step = { label, run };
  steps.push(step);
  return async () => {
    const index = steps.indexOf(step);
    if (index < 0) return;
    steps.splice(index, 1);
    await step.run();
  };
}

/** Runs every registered step, newest first; failures are reported and do not stop the others. */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    while (steps.length > 0) {
      const step = steps.pop()!;
      try {
        await step.run();
      } catch (error) {
        process.stderr.write(`bench: cleanup "${step.label}" failed: ${(error as Error).message}\n`);
      }
    }
  })();
  return cleaning;
}

/** Cleans up and exits on SIGINT/SIGTERM (130/143); a second signal exits immediately. */
export function installSignalHandlers(): void {
  let interrupted = false;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      if (interrupted) process.exit(code);
      interrupted = true;
      process.stderr.write(`\nbench: ${signal}: stopping the servers and dropping the bench databases …\n`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
}
