import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { K8S_DIR } from "./kustomize.ts";

/** The repository, which the image copies whole into its working directory. */
export const REPOSITORY_ROOT = resolve(K8S_DIR, "..", "..");

export type DockerfileInstruction = { keyword: string; argument: string };

/** The Dockerfile's instructions, continuation lines joined and comments left out. */
export function dockerfileInstructions(text: string): DockerfileInstruction[] {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), argument: rest.join(" ") };
    });
}

/** The instructions of the Dockerfile's last stage, the image that runs. */
export function finalStageInstructions(): DockerfileInstruction[] {
  const instructions = dockerfileInstructions(readFileSync(join(REPOSITORY_ROOT, "Dockerfile"), "utf8"));
  return instructions.slice(instructions.findLastIndex((instruction) => instruction.keyword === "FROM"));
}

/**
 * The variables the image's `ENV` instructions set (`KEY=value` form only), which a container
 * starts with under its own `env` and `envFrom`.
 */
export function imageEnvironment(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const { argument } of finalStageInstructions().filter(({ keyword }) => keyword === "ENV")) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/.exec(argument);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(`Dockerfile: ENV ${argument} is not one KEY=value, the only form read here`);
    }
    environment[match[1]] = match[2];
  }
  return environment;
}
