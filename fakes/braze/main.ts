/**
 * `npm run fake:braze`: a fake Braze REST API for demos and benchmarks. Options come from flags or
 * FAKE_BRAZE_* variables (see fakes/braze/README.md); Ctrl-C stops it.
 */
import { parseCliOptions, usage } from "./cliOptions.ts";
import { startFakeBraze } from "./startFakeBraze.ts";

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(usage());
  process.exit(0);
}

let options: ReturnType<typeof parseCliOptions>;
try {
  options = parseCliOptions(argv, process.env);
} catch (error) {
  console.error(`fake Braze: ${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
  process.exit(2);
}

const braze = await startFakeBraze(options);
console.log(`fake Braze listening on ${braze.url}`);
for (const key of options.keys ?? []) {
  const { key: token, cluster } = typeof key === "string" ? { key, cluster: undefined } : key;
  console.log(`  key ${token}${cluster === undefined ? " (any host)" : ` (cluster ${cluster} only)`}`);
}
console.log(`  inspect: ${braze.url}/__fake/requests, ${braze.url}/__fake/users/<external_id>`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void braze.close().then(() => process.exit(0));
  });
}
