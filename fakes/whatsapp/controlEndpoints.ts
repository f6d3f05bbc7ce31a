import { faultSchema, inboundSchema, issuesOf } from "./controlSchemas.ts";
import type { Reply } from "./graphErrors.ts";
import { waIdOf } from "./messageBody.ts";
import { approvedTemplateSchema } from "./templates.ts";
import { type FakeWorld, resetWorld } from "./world.ts";

/** A request under /__fake/. */
export type ControlRequest = { method: string; path: string; query: URLSearchParams; rawBody: string };

export const CONTROL_PREFIX = "/__fake/";

/**
 * The fake's own HTTP endpoints, for tests in other processes and for demos:
 * GET messages, requests, templates, stats, faults; POST templates, faults, inbound, reset;
 * DELETE faults, faults/{id}. Never authenticated, never logged.
 */
export function handleControl(world: FakeWorld, request: ControlRequest): Reply {
  const parts = request.path.slice(CONTROL_PREFIX.length).split("/");
  const [resource = "", id] = parts;
  const route = parts.length > 2 ? "" : `${request.method} ${resource}${id === undefined ? "" : "/:id"}`;
  const { query } = request;
  switch (route) {
    case "GET messages":
      return ok({
        messages: world.messages.list({
          to: query.get("to") ?? undefined,
          phoneNumberId: query.get("phoneNumberId") ?? undefined,
          template: query.get("template") ?? undefined,
        }),
      });
    case "GET requests": {
      const limit = query.get("limit");
      return ok({ requests: world.log.list(limit !== null && /^\d+$/.test(limit) ? Number(limit) : undefined) });
    }
    case "GET templates":
      return ok({ templates: world.templates.list() });
    case "POST templates": {
      const parsed = approvedTemplateSchema.safeParse(parseBody(request.rawBody));
      return parsed.success ? created(world.templates.add(parsed.data)) : badRequest(issuesOf(parsed.error));
    }
    case "GET stats":
      return ok(world.log.stats());
    case "GET faults":
      return ok({ faults: world.faults.list() });
    case "POST faults": {
      const parsed = faultSchema.safeParse(parseBody(request.rawBody));
      return parsed.success ? created({ id: world.faults.add(parsed.data) }) : badRequest(issuesOf(parsed.error));
    }
    case "DELETE faults":
      return ok({ cleared: world.faults.clear() });
    case "DELETE faults/:id":
      return world.faults.remove(id ?? "") ? ok({ cleared: 1 }) : notFound();
    case "POST inbound":
      return openWindow(world, request.rawBody);
    case "POST reset":
      resetWorld(world);
      return ok({ success: true });
    default:
      return notFound();
  }
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const created = (body: unknown): Reply => ({ status: 201, body });
const badRequest = (issues: string[]): Reply => ({ status: 400, body: { message: "Bad Request", issues } });
const notFound = (): Reply => ({ status: 404, body: { message: "Not Found" } });

function parseBody(raw: string): unknown {
  try {
    return JSON.parse(raw === "" ? "{}" : raw);
  } catch {
    return undefined;
  }
}

function openWindow(world: FakeWorld, raw: string): Reply {
  const parsed = inboundSchema.safeParse(parseBody(raw));
  if (!parsed.success) return badRequest(issuesOf(parsed.error));
  const [firstNumber = ""] = world.options.phoneNumberIds;
  const phoneNumberId = parsed.data.phoneNumberId ?? firstNumber;
  if (!world.options.phoneNumberIds.has(phoneNumberId)) return badRequest([`phoneNumberId: unknown ${phoneNumberId}`]);
  world.windows.open(phoneNumberId, waIdOf(parsed.data.from), world.options.now());
  return ok({ phoneNumberId, waId: waIdOf(parsed.data.from) });
}
