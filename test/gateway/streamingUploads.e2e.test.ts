import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readCustomerIdBatches } from "../../actors/audience/csvCustomerIds.ts";
import { createGatewayServer } from "../../gateway/index.ts";
import type { AudienceOperations } from "../../model/index.ts";
import type { AudienceRunDocument } from "../../store/index.ts";
import { gatewayServerParts } from "../support/gatewayParts.ts";
import { RawHttpConnection } from "../support/rawHttp.ts";
import { createWorld, type World } from "../support/world.ts";

const IMPORT = "mutation($id: ID!, $file: File!) { importAudienceMembers(audienceId: $id, file: $file) { id total } }";
const OPERATIONS = JSON.stringify({ query: IMPORT, variables: { id: "aud_1", file: null } });
const MAP = JSON.stringify({ 0: ["variables.file"] });

/** Every row is 40 bytes, so a million rows make a 40 MB file whose length is known up front. */
const HEADER = "customerId,note\n";
const row = (index: number) => `customer-${String(index).padStart(7, "0")},${"x".repeat(22)}\n`;
const ROWS_PER_CHUNK = 1_000;

/** What the stub import saw: rows read, and how much of the request had been sent at its first row. */
type Reading = { rows: number; sentAtFirstRow: number | undefined; calls: number };
let reading: Reading;
/** Bytes the client has produced so far, across the request being sent. */
let sent = 0;

function unused(): never {
  throw new Error("not used in this test");
}

/** Reads the uploaded CSV as the real import does and reports a finished run counting its rows. */
const audienceOperations: AudienceOperations = {
  create: unused,
  update: unused,
  recalculate: unused,
  delete: unused,
  membershipChanges: unused,
  async importMembers(account, id, csv) {
    reading.calls += 1;
    for await (const batch of readCustomerIdBatches(csv)) {
      reading.sentAtFirstRow ??= sent;
      reading.rows += batch.rows.length;
    }
    return run(account, id, reading.rows);
  },
};

function run(account: string, audienceId: string, total: number): AudienceRunDocument {
  return {
    ...{ _id: "run_1", account, audienceId, kind: "IMPORT", status: "DONE", total, sendingDone: true },
    ...{ entered: 0, exited: 0, unchanged: 0, countedSeq: 0, errors: [], errorCount: 0, startedAt: new Date() },
  };
}

let world: World;
let server: Server | undefined;
let port: number;
beforeAll(async () => {
  world = await createWorld({ audienceOperations });
  const listening = createGatewayServer({ gateway: world.gateway, ...gatewayServerParts() });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  port = (listening.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.close();
  await world?.close();
});
beforeEach(() => {
  reading = { rows: 0, sentAtFirstRow: undefined, calls: 0 };
  sent = 0;
});

/** A piece of the request body: its exact length and its bytes, produced only when sent. */
type Segment = { bytes: number; chunks: () => Iterable<string> };

const BOUNDARY = "masivo-streaming-test";
const text = (value: string): Segment => ({ bytes: Buffer.byteLength(value), chunks: () => [value] });
const field = (name: string, value: string) =>
  text(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
const fileHead = (name: string) =>
  text(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="members.csv"\r\nContent-Type: text/csv\r\n\r\n`,
  );
const fileTail = text("\r\n");
const closing = text(`--${BOUNDARY}--\r\n`);

/** A CSV of `rows` rows, generated a chunk at a time as the socket takes it. */
function csv(rows: number, header = HEADER): Segment {
  return {
    bytes: header.length + rows * row(0).length,
    *chunks() {
      yield header;
      for (let start = 1; start <= rows; start += ROWS_PER_CHUNK) {
        const end = Math.min(rows, start + ROWS_PER_CHUNK - 1);
        let chunk = "";
        for (let index = start; index <= end; index++) chunk += row(index);
        yield chunk;
      }
    },
  };
}

const file = (name: string, rows: number, header = HEADER) => [fileHead(name), csv(rows, header), fileTail];
const lengthOf = (segments: Segment[]) => segments.reduce((total, segment) => total + segment.bytes, 0);
/** 10 MB: more than the socket buffers hold, so an upload nobody reads to its end would stall. */
const TEN_MB_ROWS = 250_000;

type Reply = {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
};

/** The request line and headers of a multipart POST whose body is `length` bytes. */
function multipartHead(length: number, authorized: boolean): string {
  const authorization = authorized ? `Authorization: Bearer ${world.adminKey}\r\n` : "";
  return `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${length}\r\n${authorization}\r\n`;
}

/** The body's chunks, produced only as the socket takes them; `sent` counts them. */
function* produce(segments: Segment[]): Generator<string> {
  for (const segment of segments) {
    for (const chunk of segment.chunks()) {
      sent += Buffer.byteLength(chunk);
      yield chunk;
    }
  }
}

/** POSTs a multipart body on `connection` (a new one unless given) and waits for it all to be sent and answered. */
async function postMultipart(
  segments: Segment[],
  options: { authorized?: boolean; connection?: RawHttpConnection } = {},
) {
  const connection = options.connection ?? (await RawHttpConnection.open(port));
  try {
    const head = multipartHead(lengthOf(segments), options.authorized ?? true);
    const response = await connection.request(head, produce(segments));
    return { status: response.status, body: JSON.parse(response.body) } as Reply;
  } finally {
    if (!options.connection) connection.close();
  }
}

/** The server reads the next request on a connection only once it has read all of the one before. */
async function expectNextRequestAnswered(connection: RawHttpConnection) {
  const query = JSON.stringify({ query: "{ __typename }" });
  const next = await connection.request(
    `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${query.length}\r\n\r\n`,
    [query],
  );
  expect(JSON.parse(next.body)).toEqual({ data: { __typename: "Query" } });
}

describe("streaming uploads", () => {
  it("streams a million-row CSV to the import while the client is still sending it", async () => {
    const segments = [field("operations", OPERATIONS), field("map", MAP), ...file("0", 1_000_000), closing];
    const total = lengthOf(segments);
    expect(total).toBeGreaterThan(40_000_000);

    const reply = await postMultipart(segments);

    expect(reply.body).toEqual({ data: { importAudienceMembers: { id: "run_1", total: 1_000_000 } } });
    expect(reading.rows).toBe(1_000_000);
    // Rows reached the reader before the client had produced half of the file: nothing buffered it whole.
    expect(reading.sentAtFirstRow).toBeLessThan(total / 2);
  });

  it("answers an unauthenticated upload, reads the rest of it, and serves the next request on the connection", async () => {
    const connection = await RawHttpConnection.open(port);
    try {
      const segments = [field("operations", OPERATIONS), field("map", MAP), ...file("0", TEN_MB_ROWS), closing];
      const reply = await postMultipart(segments, { authorized: false, connection });
      expect(reply.status).toBe(401);
      expect(reply.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(reading.calls).toBe(0);
      expect(sent).toBe(lengthOf(segments));
      await expectNextRequestAnswered(connection);
    } finally {
      connection.close();
    }
  });

  it("reads the rest of an upload whose import stops reading early (no customerId column)", async () => {
    const connection = await RawHttpConnection.open(port);
    try {
      const wrongHeader = "id,note\n";
      const segments = [
        field("operations", OPERATIONS),
        field("map", MAP),
        ...file("0", TEN_MB_ROWS, wrongHeader),
        closing,
      ];
      const reply = await postMultipart(segments, { connection });
      expect(reading.calls).toBe(1);
      expect(reply.body.errors).toHaveLength(1);
      expect(sent).toBe(lengthOf(segments));
      await expectNextRequestAnswered(connection);
    } finally {
      connection.close();
    }
  });

  const refused: [string, Segment[], RegExp][] = [
    [
      "without operations",
      [field("map", MAP), ...file("0", 10), closing],
      /^missing multipart field "operations": a request must start with it, but its first part is "map"/,
    ],
    [
      "whose operations are not JSON",
      [field("operations", "{"), field("map", MAP), ...file("0", 10), closing],
      /^multipart field "operations" must be JSON$/,
    ],
    [
      "with a file before map",
      [field("operations", OPERATIONS), ...file("0", 10), field("map", MAP), closing],
      /^file part "0" comes before multipart field "map"/,
    ],
    [
      "whose map names two files",
      [
        field("operations", OPERATIONS),
        field("map", JSON.stringify({ 0: ["variables.file"], 1: ["variables.other"] })),
        ...file("0", 10),
        ...file("1", 10),
        closing,
      ],
      /^multipart field "map" is invalid: a request carries at most one file; map names 2$/,
    ],
    [
      "whose map names a part that is not sent",
      [field("operations", OPERATIONS), field("map", MAP), closing],
      /^"map" names file part "0", but the request has no such part$/,
    ],
  ];

  it.each(refused)("refuses a request %s with BAD_REQUEST", async (_case, segments, message) => {
    const reply = await postMultipart(segments);
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0]?.message).toMatch(message);
    expect(reply.body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
    expect(reading.calls).toBe(0);
  });

  it("fails the import's reading when a second file part follows the one map names", async () => {
    const reply = await postMultipart([
      field("operations", OPERATIONS),
      field("map", MAP),
      ...file("0", 10),
      ...file("1", 10),
      closing,
    ]);
    expect(reading.calls).toBe(1);
    expect(reply.body.errors?.[0]?.message).toBe('a request carries one file; "1" is a second file part');
  });
});
