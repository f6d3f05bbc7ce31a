import { createSchema, createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import {
  CsvHeaderError,
  type CustomerIdBatch,
  MAX_LINE_BYTES,
  readCustomerIdBatches,
} from "../../../actors/audience/csvCustomerIds.ts";

/** An upload arriving in the given chunks, one chunk per read. */
function upload(...chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks.shift();
      if (chunk === undefined) return controller.close();
      controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    },
  });
}

async function readAll(csv: ReadableStream<Uint8Array>, batchSize?: number): Promise<CustomerIdBatch[]> {
  const batches: CustomerIdBatch[] = [];
  for await (const batch of readCustomerIdBatches(csv, { batchSize })) batches.push(batch);
  return batches;
}

async function readOne(...chunks: (string | Uint8Array)[]): Promise<CustomerIdBatch> {
  const batches = await readAll(upload(...chunks));
  return { rows: batches.flatMap((b) => b.rows), errors: batches.flatMap((b) => b.errors) };
}

describe("readCustomerIdBatches", () => {
  it("reads the customerId column and ignores the others", async () => {
    const batch = await readOne("email,customerId,tier\na@x.io,c-1,gold\nb@x.io, c-2 ,silver\n");
    expect(batch).toEqual({
      rows: [
        { line: 2, customerId: "c-1" },
        { line: 3, customerId: "c-2" },
      ],
      errors: [],
    });
  });

  it("reports an empty id and a wrong column count by line, and reads the rest", async () => {
    const batch = await readOne("customerId,name\nc-1,Ana\n,Bo\nc-3,Cy\n\nc-5,Di,extra\nc-6,Ed");
    expect(batch.rows).toEqual([
      { line: 2, customerId: "c-1" },
      { line: 4, customerId: "c-3" },
      { line: 7, customerId: "c-6" },
    ]);
    expect(batch.errors).toEqual([
      { line: 3, message: "customerId must not be empty" },
      { line: 6, message: "has 3 columns; the header has 2" },
    ]);
  });

  it("refuses a header without a customerId column", async () => {
    const reading = readAll(upload("a,b\nc-1,2\n"));
    await expect(reading).rejects.toBeInstanceOf(CsvHeaderError);
    await expect(reading).rejects.toThrow("the header row must have a customerId column; found: a, b");
    // Case matters: an exporter's `CustomerID` is not the column.
    await expect(readAll(upload("CustomerID\nc-1\n"))).rejects.toThrow("found: CustomerID");
    await expect(readAll(upload(""))).rejects.toBeInstanceOf(CsvHeaderError);
  });

  it("reads a BOM and CRLF line ends, also when a chunk ends between CR and LF", async () => {
    const batch = await readOne("\ufeffcustomerId,x\r\nc-1,1\r", "\nc-2,2\r\n\r\nc-3,3\r\n");
    expect(batch.rows).toEqual([
      { line: 2, customerId: "c-1" },
      { line: 3, customerId: "c-2" },
      { line: 5, customerId: "c-3" },
    ]);
    expect(batch.errors).toEqual([]);
  });

  it("reads quoted ids holding commas and quotes", async () => {
    const batch = await readOne('customerId,x\n"acme, inc",1\n"say ""hi""",2\n" padded ",3\n');
    expect(batch.rows.map((row) => row.customerId)).toEqual(["acme, inc", 'say "hi"', "padded"]);
  });

  it("reports an unclosed quote on its own line and reads the lines after it", async () => {
    const batch = await readOne('customerId,x\nc-1,1\n"c-2,2\nc-3,3\n"c-4",4\nc-5"x,5\nc-6,6\n');
    expect(batch.rows.map((row) => row.line)).toEqual([2, 4, 5, 7]);
    expect(batch.errors).toEqual([
      { line: 3, message: "a quoted field is not closed on its line" },
      { line: 6, message: expect.stringMatching(/quote inside an unquoted field/) },
    ]);
  });

  it("reports bytes that are not UTF-8 and an overlong line, and reads on", async () => {
    const broken = new Uint8Array([0x63, 0xff, 0x0a]); // "c", a byte no UTF-8 text holds, LF
    const long = `${"x".repeat(MAX_LINE_BYTES + 10)}\n`;
    // "é" is C3 A9: split across two chunks, it is still one character.
    const split = [new Uint8Array([0x63, 0x2d, 0xc3]), new Uint8Array([0xa9, 0x0a])];
    const batch = await readOne("customerId\nc-1\n", broken, long, ...split);
    expect(batch.rows).toEqual([
      { line: 2, customerId: "c-1" },
      { line: 5, customerId: "c-é" },
    ]);
    expect(batch.errors).toEqual([
      { line: 3, message: "not valid UTF-8" },
      { line: 4, message: `longer than ${MAX_LINE_BYTES} bytes (not read)` },
    ]);
  });

  it("reads the file stream yoga's multipart parser hands to a resolver", async () => {
    // yoga parses multipart bodies with its own fetch implementation (@whatwg-node/node-fetch):
    // its File's stream() is a PonyfillReadableStream, not a global ReadableStream.
    const { fetchAPI } = createYoga({ schema: createSchema({ typeDefs: "type Query { ok: Boolean }" }) });
    const form = new FormData();
    form.append("file", new Blob(["customerId\nc-1\nc-2\n"]), "members.csv");
    const sent = new Request("http://masivo.test/graphql", { method: "POST", body: form });
    const received = new fetchAPI.Request(sent.url, {
      method: "POST",
      headers: sent.headers,
      body: await sent.arrayBuffer(),
    });
    const file = (await received.formData()).get("file");
    if (typeof file === "string" || file === null) throw new Error("no file part");
    const stream = file.stream();
    expect(stream).not.toBeInstanceOf(ReadableStream);
    const batches = await readAll(stream);
    expect(batches.flatMap((batch) => batch.rows.map((row) => row.customerId))).toEqual(["c-1", "c-2"]);
  });

  it("hands out batchSize lines at a time", async () => {
    const batches = await readAll(upload("customerId\nc-1\nc-2\nc-3\nc-4\nc-5\n"), 2);
    expect(batches.map((batch) => batch.rows.map((row) => row.customerId))).toEqual([
      ["c-1", "c-2"],
      ["c-3", "c-4"],
      ["c-5"],
    ]);
  });

  it("streams a million rows, reading only a little ahead of the consumer", async () => {
    const total = 1_000_000;
    const perPull = 1_000;
    let generated = 0;
    const csv = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("customerId,email\n"));
      },
      pull(controller) {
        if (generated === total) return controller.close();
        let text = "";
        for (let i = 0; i < perPull; i++) text += `customer-${generated + i},user${generated + i}@example.com\n`;
        generated += perPull;
        controller.enqueue(new TextEncoder().encode(text));
      },
    });
    let consumed = 0;
    let mostAhead = 0;
    let errors = 0;
    for await (const batch of readCustomerIdBatches(csv)) {
      consumed += batch.rows.length;
      errors += batch.errors.length;
      mostAhead = Math.max(mostAhead, generated - consumed);
    }
    expect(consumed).toBe(total);
    expect(errors).toBe(0);
    // The source is pulled as batches are taken: never more than a few batches' worth ahead.
    expect(mostAhead).toBeLessThan(10 * perPull);
  }, 20_000);
});
