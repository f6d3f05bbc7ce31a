/**
 * The import rules of docs/architecture.md ("Folders"), checked by `npm run lint`:
 * each folder imports only the folders the table allows, a folder's modules are reached from
 * outside it only through its `index.ts` (each folder of `actors/` counts as a folder of its
 * own), and nothing imports in a cycle.
 */
const SOURCE = [
  "model",
  "gateway",
  "schema",
  "streams",
  "actors",
  "rules",
  "templates",
  "store",
  "config",
  "app",
  "stack",
  "fakes",
];

/** Folder → the folders of ours it may import (besides itself). */
const MAY_IMPORT = {
  model: [],
  config: [],
  fakes: [],
  rules: ["model"],
  templates: ["model"],
  store: ["config", "model"],
  streams: ["config", "model"],
  stack: ["config"],
  schema: ["streams", "store", "rules", "templates", "model"],
  gateway: ["schema", "streams", "store", "config", "model"],
  actors: ["streams", "store", "rules", "templates", "model"],
  app: ["model", "gateway", "schema", "streams", "actors", "rules", "templates", "store", "config", "stack", "fakes"],
};

const OURS = `^(${[...SOURCE, "bench", "test"].join("|")})/`;

const layerRules = Object.entries(MAY_IMPORT).map(([folder, allowed]) => ({
  name: `${folder}-imports`,
  comment: `${folder}/ may import ${allowed.length > 0 ? `${allowed.join(", ")}/ only` : "nothing of ours"}`,
  severity: "error",
  from: { path: `^${folder}/` },
  to: { path: OURS, pathNot: `^(${[folder, ...allowed].join("|")})/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "main-imports",
      comment: "main.ts starts the program through app/, config/ and stack/ only",
      severity: "error",
      from: { path: "^main\\.ts$" },
      to: { path: OURS, pathNot: "^(app|config|stack)/index\\.ts$" },
    },
    {
      name: "through-index",
      comment: "another folder's modules (each folder of actors/ counts as one) are reached through its index.ts",
      severity: "error",
      from: { path: `^(actors/[^/]+|${SOURCE.filter((folder) => folder !== "actors").join("|")})/` },
      to: {
        path: `^(${SOURCE.join("|")})/`,
        pathNot: ["^$1/", "^actors/[^/]+/index\\.ts$", "^(?!actors/)[^/]+/index\\.ts$"],
      },
    },
    {
      name: "no-cycle",
      comment: "modules that import each other, directly or not, cannot be understood one at a time",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "resolvable",
      comment: "every relative import names a file that exists",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    parser: "swc",
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.data)/" },
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
