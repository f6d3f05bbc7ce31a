/**
 * `npm run fake:fcm`: a fake FCM HTTP v1 for demos and benchmarks. Options come from flags or
 * FAKE_FCM_* variables (see fakes/push/README.md); Ctrl-C stops it.
 */
import { writeFileSync } from "node:fs";
import { runCli } from "./cli.ts";
import { FCM_CLI_OPTIONS, parseFcmCli } from "./fcmCli.ts";
import { startFakeFcm } from "./startFakeFcm.ts";

await runCli({
  name: "fake FCM",
  command: "npm run fake:fcm",
  options: FCM_CLI_OPTIONS,
  parse: parseFcmCli,
  start: startFakeFcm,
  describe: (fcm, options) => {
    if (options.serviceAccountFile !== undefined) {
      writeFileSync(options.serviceAccountFile, JSON.stringify(fcm.serviceAccount, null, 2), { mode: 0o600 });
    }
    return [
      `fake FCM listening on ${fcm.url} (project ${fcm.projectId})`,
      `  token_uri ${fcm.tokenUri}, service account ${fcm.serviceAccount.client_email}`,
      options.serviceAccountFile === undefined
        ? `  service-account JSON: ${fcm.url}/__fake/credentials`
        : `  service-account JSON written to ${options.serviceAccountFile}`,
      `  inspect: ${fcm.url}/__fake/messages, ${fcm.url}/__fake/stats`,
    ];
  },
});
