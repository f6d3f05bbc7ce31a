/**
 * `npm run fake:smtp`: a fake SMTP relay for demos and benchmarks. Options come from flags or
 * FAKE_SMTP_* variables (see fakes/smtp/README.md); Ctrl-C stops it.
 */
import { parseCliOptions, usage } from "./cliOptions.ts";
import { startFakeSmtp } from "./startFakeSmtp.ts";

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(usage());
  process.exit(0);
}

let options: ReturnType<typeof parseCliOptions>;
try {
  options = parseCliOptions(argv, process.env);
} catch (error) {
  console.error(`fake SMTP: ${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
  process.exit(2);
}

const smtp = await startFakeSmtp(options);
console.log(`fake SMTP listening on smtp://${smtp.host}:${smtp.port} (AUTH PLAIN/LOGIN, no TLS)`);
console.log(`  account ${smtp.username} / ${smtp.password}`);
console.log(`  inspect: ${smtp.controlUrl}/__fake/messages, ${smtp.controlUrl}/__fake/stats`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void smtp.close().then(() => process.exit(0));
  });
}
