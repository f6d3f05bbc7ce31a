import { z } from "zod";
import type { FaultBook, FaultScope } from "./faultBook.ts";
import { type PlainRequest, parseJson, type Reply } from "./http1.ts";

export const CONTROL_PREFIX = "/__fake/";

/** What a fake exposes to its control endpoints. */
export type ControlHooks<F extends FaultScope> = {
  /** Messages received, optionally only those sent to one token; `limit` keeps the newest. */
  messages(token: string | undefined, limit: number | undefined): unknown[];
  stats(): unknown;
  faults: FaultBook<F>;
  faultSchema: z.ZodType<F>;
  /** Marks tokens dead: later sends to them are refused as the provider refuses a removed app. */
  unregister(tokens: string[]): void;
  reset(): void;
  /** The credentials a client needs (FCM: the service-account JSON; APNs: the signing key). */
  credentials(): unknown;
  /** FCM only: the tokens subscribed to a topic. */
  topicTokens?(topic: string): string[];
};

const unregisterSchema = z.strictObject({ tokens: z.array(z.string().min(1)).min(1) });

/**
 * The fake's own endpoints, for tests in other processes and for demos: GET messages, stats, faults,
 * credentials, topics/{name} (FCM); POST faults, unregistered, reset; DELETE faults, faults/{id}. Never authenticated.
 */
export function handleControl<F extends FaultScope>(hooks: ControlHooks<F>, request: PlainRequest): Reply {
  const [resource = "", id, ...rest] = request.path.slice(CONTROL_PREFIX.length).split("/");
  const route = rest.length > 0 ? "" : `${request.method} ${resource}${id === undefined ? "" : "/:id"}`;
  switch (route) {
    case "GET messages": {
      const limit = request.query.get("limit");
      const messages = hooks.messages(
        request.query.get("token") ?? undefined,
        limit !== null && /^\d+$/.test(limit) ? Number(limit) : undefined,
      );
      return ok({ messages });
    }
    case "GET stats":
      return ok(hooks.stats());
    case "GET credentials":
      return ok(hooks.credentials());
    case "GET topics/:id":
      return hooks.topicTokens ? ok({ tokens: hooks.topicTokens(decodeURIComponent(id ?? "")) }) : notFound();
    case "GET faults":
      return ok({ faults: hooks.faults.list() });
    case "POST faults": {
      const parsed = hooks.faultSchema.safeParse(parseJson(request.rawBody)?.value);
      if (!parsed.success) return invalid(parsed.error);
      return { status: 201, body: { id: hooks.faults.add(parsed.data) } };
    }
    case "DELETE faults":
      return ok({ cleared: hooks.faults.clear() });
    case "DELETE faults/:id":
      return hooks.faults.remove(decodeURIComponent(id ?? "")) ? ok({ cleared: 1 }) : notFound();
    case "POST unregistered": {
      const parsed = unregisterSchema.safeParse(parseJson(request.rawBody)?.value);
      if (!parsed.success) return invalid(parsed.error);
      hooks.unregister(parsed.data.tokens);
      return ok({ unregistered: parsed.data.tokens.length });
    }
    case "POST reset":
      hooks.reset();
      return ok({ reset: true });
    default:
      return notFound();
  }
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const notFound = (): Reply => ({ status: 404, body: { message: "Not Found" } });

function invalid(error: z.ZodError): Reply {
  const issues = error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
  return { status: 400, body: { message: "Bad Request", issues } };
}
