import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCustomerIdBatches } from "../../actors/audience/csvCustomerIds.ts";
import { createGatewayServer } from "../../gateway/index.ts";
import type { GatewayServerOptions } from "../../gateway/server.ts";
import type { AudienceOperations } from "../../model/index.ts";
import { AudienceNotFoundError } from "../../store/index.ts";
import { gatewayServerParts } from "../support/gatewayParts.ts";
import { createWorld, type World } from "../support/world.ts";

const FIVE_MB = 5 * 1024 * 1024;
const IMPORT = "mutation($id: ID!, $file: File!) { importAudienceMembers(audienceId: $id, file: $file) { id } }";

function unused(): never {
  throw new Error("not used in this test");
}

/** Reads the uploaded CSV as the real import does, counts its rows, then reports the audience missing. */
let rowsImported = 0;
const audienceOperations: AudienceOperations = {
  create: unused,
  update: unused,
  recalculate: unused,
  delete: unused,
  membershipChanges: unused,
  async importMembers(_account, id, csv) {
    for await (const batch of readCustomerIdBatches(csv)) rowsImported += batch.rows.length;
    throw new AudienceNotFoundError(id);
  },
};

let world: World;
const servers: Server[] = [];
beforeAll(async () => {
  world = await createWorld({ audienceOperations });
});
afterAll(async () => {
  for (const server of servers) server.close();
  await world.close();
});

async function listen(options: Partial<GatewayServerOptions> = {}): Promise<string> {
  const server = createGatewayServer({
    gateway: world.gateway,
    ...gatewayServerParts(),
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

const ROW = "customer-0000001\n";
const rowsIn = (bytes: number) => Math.ceil(bytes / ROW.length);

/** A GraphQL multipart request (the upload spec's operations, map and file parts) carrying `bytes` of CSV. */
function csvUpload(bytes: number): FormData {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query: IMPORT, variables: { id: "aud_missing", file: null } }));
  form.append("map", JSON.stringify({ 0: ["variables.file"] }));
  const csv = `customerId\n${ROW.repeat(rowsIn(bytes))}`;
  form.append("0", new Blob([csv], { type: "text/csv" }), "members.csv");
  return form;
}

async function post(url: string, body: FormData | string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${world.adminKey}`, ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as { errors?: { message: string }[] } };
}

describe("request size limits", () => {
  it("lets a 5 MB multipart upload past the size check, and refuses a 5 MB JSON body", async () => {
    const url = await listen();
    const upload = await post(url, csvUpload(FIVE_MB));
    expect(upload.status).not.toBe(413);
    // It reached the resolver, whose reader got every row, before failing on the missing audience.
    expect(rowsImported).toBe(rowsIn(FIVE_MB));
    expect(upload.body.errors?.[0]?.message).toBe("audience aud_missing not found");

    const json = await post(url, JSON.stringify({ query: "{ __typename }", pad: "x".repeat(FIVE_MB) }), {
      "content-type": "application/json",
    });
    expect(json.status).toBe(413);
    expect(json.body.errors?.[0]?.message).toMatch(/^request body is \d+ bytes; at most 4194304 are accepted$/);
  });

  it("refuses an upload over maxUploadBytes by its Content-Length", async () => {
    const url = await listen({ maxUploadBytes: 1024 * 1024 });
    const upload = await post(url, csvUpload(2 * 1024 * 1024));
    expect(upload.status).toBe(413);
    expect(upload.body.errors?.[0]?.message).toMatch(/^upload is \d+ bytes; at most 1048576 are accepted$/);
  });
});
