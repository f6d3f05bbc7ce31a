import { join } from "node:path";
import { z } from "zod";
import { K8S_DIR, readYamlDocuments } from "./kustomize.ts";
import type { SecretValues } from "./podEnvironment.ts";

const secretSchema = z.object({ stringData: z.record(z.string(), z.string()) });
const mongodbSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({ users: z.tuple([z.object({ name: z.string(), db: z.string() })]) }),
});

/**
 * The Secrets a deployment of deploy/k8s/ reads, filled as the user and the MongoDB operator would:
 * `masivo-secrets` with base/secret.example.yaml's values, and the operator's Secret for the user
 * of deps/mongodb.yaml (named `<resource>-<db>-<user>`) holding `mongodbUrl`.
 */
export function exampleSecrets(
  mongodbUrl = "mongodb+srv://masivo:secret@masivo-mongodb-svc.masivo.svc/",
): SecretValues {
  const [secret] = readYamlDocuments(join(K8S_DIR, "base", "secret.example.yaml"));
  const [mongodb] = readYamlDocuments(join(K8S_DIR, "deps", "mongodb.yaml"));
  const { metadata, spec } = mongodbSchema.parse(mongodb);
  const [user] = spec.users;
  return {
    "masivo-secrets": secretSchema.parse(secret).stringData,
    [`${metadata.name}-${user.db}-${user.name}`]: { "connectionString.standardSrv": mongodbUrl },
  };
}
