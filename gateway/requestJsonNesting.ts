import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { jsonNestsDeeperThan, MAX_JSON_NESTING } from "./jsonNesting.ts";

/**
 * Refuses a request whose JSON (a POST body, or the `variables` and `extensions` of a GET or
 * form-encoded POST) nests arrays and objects deeper than MAX_JSON_NESTING, before yoga parses it.
 * Multipart requests are parsed by streamingUploads, which bounds its JSON fields the same way.
 */
export function requestJsonNesting(): Plugin {
  return {
    onRequestParse({ url, requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (parsed) => {
        for (const json of await jsonOf(parsed, url)) {
          if (jsonNestsDeeperThan(json, MAX_JSON_NESTING)) throw tooDeep();
        }
        return requestParser(parsed);
      });
    },
  };
}

/** Every JSON text of a request yoga would parse; the body is read from a clone, left for yoga. */
async function jsonOf(request: Request, url: URL): Promise<string[]> {
  if (request.method === "GET") return jsonParameters(url.searchParams);
  const type = request.headers.get("content-type")?.split(/[;,]/)[0]?.trim().toLowerCase();
  if (type === "application/json" || type === "application/graphql+json") return [await request.clone().text()];
  if (type === "application/x-www-form-urlencoded") {
    return jsonParameters(new URLSearchParams(await request.clone().text()));
  }
  return [];
}

function jsonParameters(parameters: URLSearchParams): string[] {
  return [parameters.get("variables"), parameters.get("extensions")].filter((value) => value !== null);
}

function tooDeep(): GraphQLError {
  return new GraphQLError(
    `request JSON nests arrays and objects more than ${MAX_JSON_NESTING} deep; at most ${MAX_JSON_NESTING} are allowed`,
    { extensions: { code: "BAD_REQUEST", http: { status: 400 } } },
  );
}
