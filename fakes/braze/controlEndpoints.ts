import { faultSchema, issuesOf, settingsSchema } from "./controlSchemas.ts";
import * as messages from "./messages.ts";
import { messageReply, type Reply } from "./reply.ts";
import type { FakeBrazeState } from "./state.ts";
import { type FakeWorld, resetWorld, setBatchMode, setResetHeader } from "./world.ts";

/** A request under /__fake/. */
export type ControlRequest = { method: string; path: string; query: URLSearchParams; rawBody: string };

export const CONTROL_PREFIX = "/__fake/";

/**
 * The fake's own HTTP endpoints, for tests in other processes and for demos:
 * GET users, users/{id}, events, purchases, requests, stats, faults;
 * POST faults, settings, reset; DELETE faults, faults/{id}. Never authenticated, never logged.
 */
export function handleControl(world: FakeWorld, state: FakeBrazeState, request: ControlRequest): Reply {
  const parts = request.path.slice(CONTROL_PREFIX.length).split("/").map(decodeSegment);
  const [resource = "", id] = parts;
  const route = parts.length > 2 ? "" : `${request.method} ${resource}${id === undefined ? "" : "/:id"}`;
  const { query } = request;
  switch (route) {
    case "GET users":
      return ok({ users: state.users() });
    case "GET users/:id": {
      const user = state.user(id ?? "");
      return user === undefined ? messageReply(404, "Not Found") : ok(user);
    }
    case "GET events":
      return ok({ events: state.events(query.get("external_id") ?? undefined) });
    case "GET purchases":
      return ok({ purchases: state.purchases(query.get("external_id") ?? undefined) });
    case "GET requests":
      return ok({ requests: state.requests(requestFilter(query)) });
    case "GET stats":
      return ok(state.stats());
    case "GET faults":
      return ok({ faults: world.faults.list() });
    case "POST faults":
      return addFault(world, request.rawBody);
    case "DELETE faults":
      return ok({ cleared: world.faults.clear() });
    case "DELETE faults/:id":
      return world.faults.remove(id ?? "") ? ok({ cleared: 1 }) : messageReply(404, "Not Found");
    case "POST settings":
      return changeSettings(world, request.rawBody);
    case "POST reset":
      resetWorld(world);
      return ok({ message: "success" });
    default:
      return messageReply(404, messages.INVALID_URL);
  }
}

const ok = (body: unknown): Reply => ({ status: 200, body });

/** A malformed escape (`%zz`) names nothing, rather than failing the request. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "\u0000";
  }
}

function requestFilter(query: URLSearchParams) {
  const limit = query.get("limit");
  return {
    path: query.get("path") ?? undefined,
    key: query.get("key") ?? undefined,
    limit: limit === null || !/^\d+$/.test(limit) ? undefined : Number(limit),
  };
}

function parseBody(raw: string): unknown {
  try {
    return JSON.parse(raw === "" ? "{}" : raw);
  } catch {
    return undefined;
  }
}

function addFault(world: FakeWorld, raw: string): Reply {
  const parsed = faultSchema.safeParse(parseBody(raw));
  if (!parsed.success) return { status: 400, body: { message: messages.BAD_REQUEST, issues: issuesOf(parsed.error) } };
  return { status: 201, body: { id: world.faults.add(parsed.data) } };
}

function changeSettings(world: FakeWorld, raw: string): Reply {
  const parsed = settingsSchema.safeParse(parseBody(raw));
  if (!parsed.success) return { status: 400, body: { message: messages.BAD_REQUEST, issues: issuesOf(parsed.error) } };
  const { resetHeader, batchModes = {} } = parsed.data;
  const unknown = Object.keys(batchModes).filter((key) => !world.options.keys.has(key));
  if (unknown.length > 0)
    return {
      status: 400,
      body: { message: messages.BAD_REQUEST, issues: unknown.map((k) => `batchModes.${k}: unknown key`) },
    };
  if (resetHeader !== undefined) setResetHeader(world, resetHeader);
  for (const [key, mode] of Object.entries(batchModes)) setBatchMode(world, key, mode);
  return ok({
    resetHeader: world.options.resetHeader,
    batchModes: Object.fromEntries([...world.options.keys.values()].map((key) => [key.key, key.batchMode])),
  });
}
