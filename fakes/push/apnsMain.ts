/**
 * `npm run fake:apns`: a fake APNs provider API (cleartext HTTP/2) for demos and benchmarks.
 * Options come from flags or FAKE_APNS_* variables (see fakes/push/README.md); Ctrl-C stops it.
 */
import { APNS_CLI_OPTIONS, parseApnsCli } from "./apnsCli.ts";
import { runCli } from "./cli.ts";
import { startFakeApns } from "./startFakeApns.ts";

await runCli({
  name: "fake APNs",
  command: "npm run fake:apns",
  options: APNS_CLI_OPTIONS,
  parse: parseApnsCli,
  start: startFakeApns,
  describe: (apns) => [
    `fake APNs listening on ${apns.url} (HTTP/2 without TLS), team ${apns.credentials.teamId}, key ${apns.credentials.keyId}`,
    `  control (HTTP/1.1): ${apns.controlUrl}/__fake/credentials, /__fake/messages, /__fake/stats`,
  ],
});
