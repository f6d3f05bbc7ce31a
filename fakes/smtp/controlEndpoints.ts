import { faultSchema } from "./controlSchemas.ts";
import { type FakeWorld, resetWorld } from "./world.ts";

/** A request to the control server. */
export type ControlRequest = { method: string; path: string; query: URLSearchParams; rawBody: string };
export type ControlReply = { status: number; body: unknown };

const CONTROL_PREFIX = "/__fake/";

/**
 * The fake's HTTP endpoints, for tests in other processes and for demos: GET messages, stats,
 * faults; POST faults, reset; DELETE faults, faults/{id}. Never authenticated.
 */
export function handleControl(world: FakeWorld, request: ControlRequest): ControlReply {
  if (!request.path.startsWith(CONTROL_PREFIX)) return notFound();
  const parts = request.path.slice(CONTROL_PREFIX.length).split("/");
  const [resource = "", id] = parts;
  const route = parts.length > 2 ? "" : `${request.method} ${resource}${id === undefined ? "" : "/:id"}`;
  switch (route) {
    case "GET messages":
      return ok({ messages: world.mailbox.list(messageFilter(request.query)) });
    case "GET stats":
      return ok(world.mailbox.stats());
    case "GET faults":
      return ok({ faults: world.faults.list() });
    case "POST faults":
      return addFault(world, request.rawBody);
    case "DELETE faults":
      return ok({ cleared: world.faults.clear() });
    case "DELETE faults/:id":
      return world.faults.remove(id ?? "") ? ok({ cleared: 1 }) : notFound();
    case "POST reset":
      resetWorld(world);
      return ok({ message: "success" });
    default:
      return notFound();
  }
}

const ok = (body: unknown): ControlReply => ({ status: 200, body });
const notFound = (): ControlReply => ({ status: 404, body: { message: "Not Found" } });

function messageFilter(query: URLSearchParams) {
  const limit = query.get("limit");
  return {
    to: query.get("to") ?? undefined,
    limit: limit === null || !/^\d+$/.test(limit) ? undefined : Number(limit),
  };
}

function addFault(world: FakeWorld, rawBody: string): ControlReply {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { status: 400, body: { message: "the body is not JSON" } };
  }
  const parsed = faultSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "fault"}: ${issue.message}`);
    return { status: 400, body: { message: "invalid fault", issues } };
  }
  return ok({ id: world.faults.add(parsed.data) });
}
