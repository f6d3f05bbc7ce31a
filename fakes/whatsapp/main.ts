/**
 * `npm run fake:whatsapp`: a fake WhatsApp Cloud API for demos and benchmarks. Options come from
 * flags or FAKE_WHATSAPP_* variables (see fakes/whatsapp/README.md); Ctrl-C stops it.
 */
import { parseCliOptions, usage } from "./cliOptions.ts";
import { startFakeWhatsApp } from "./startFakeWhatsApp.ts";

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(usage());
  process.exit(0);
}

let options: ReturnType<typeof parseCliOptions>;
try {
  options = parseCliOptions(argv, process.env);
} catch (error) {
  console.error(`fake WhatsApp: ${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
  process.exit(2);
}

const whatsapp = await startFakeWhatsApp(options);
console.log(`fake WhatsApp listening on ${whatsapp.url}`);
for (const id of whatsapp.phoneNumberIds) console.log(`  POST ${whatsapp.url}/v21.0/${id}/messages`);
console.log(`  tokens: ${whatsapp.accessTokens.join(", ")}`);
console.log(
  `  templates: ${
    whatsapp.state
      .templates()
      .map((t) => `${t.name} (${t.language})`)
      .join(", ") || "none"
  }`,
);
console.log(`  inspect: ${whatsapp.url}/__fake/messages, ${whatsapp.url}/__fake/stats`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void whatsapp.close().then(() => process.exit(0));
  });
}
