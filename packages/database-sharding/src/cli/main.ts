import { runShardsCli } from './shards-cli.js';

/** Entry point of the `intelgraph-shards` bin. */
const code = await runShardsCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = code;
