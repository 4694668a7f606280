/** Exit codes of `intelgraph-shards` (documented in the README). */
export const EXIT = {
  ok: 0,
  /** The operation failed (the error's code is in the output). */
  failed: 1,
  /** The command line is wrong. */
  usage: 2,
  /** The command ran, and found something needing attention (verify differences, an unhealthy status). */
  attention: 3,
} as const;

/** What a command hands back: the JSON result (`--json`), the human text, the exit code. */
export interface CommandResult {
  readonly result: Record<string, unknown>;
  readonly text: string;
  readonly exitCode: number;
}
