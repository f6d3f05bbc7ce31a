import { CsvError, type Options, parse } from "csv-parse/sync";
import { ClientFacingError, customerIdSchema } from "../../model/index.ts";

/** What a stretch of an uploaded CSV held: the ids to import and the lines that could not give one. */
export type CustomerIdBatch = {
  rows: { line: number; customerId: string }[];
  errors: { line: number; message: string }[];
};

/** The upload has no header row naming a `customerId` column, so none of it can be read. */
export class CsvHeaderError extends ClientFacingError {
  override name = "CsvHeaderError";
  readonly code = "BAD_CSV_HEADER";
}

const ID_COLUMN = "customerId";
const DEFAULT_BATCH_SIZE = 1000;
/** Longest line kept in memory; anything longer is reported, not read (an id is at most 256 characters). */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Lines are joined with "\n" before csv-parse sees them (CRs already gone), so a stray CR inside a
 * line stays data; the column count is checked against the header here, not by csv-parse, so a
 * short row is one error rather than a failed parse.
 */
const CSV_OPTIONS: Options = { record_delimiter: "\n", relax_column_count: true, trim: true };

/** Why csv-parse refused a line, said without its "at line 1" (it only ever sees one line then). */
const CSV_PROBLEMS: Partial<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: "a quoted field is not closed on its line",
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double the " in it)',
  CSV_INVALID_CLOSING_QUOTE: "a closing quote is followed by something other than a comma",
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: "a closing quote is followed by something other than a comma",
};

type Line = { line: number; text: string } | { line: number; problem: string };
type Header = { columns: number; idIndex: number };
type Parsed = { fields: string[] } | { problem: string };

/**
 * Reads an upload's customer ids as it arrives, `batchSize` data lines at a time, holding one
 * batch, the chunk being read and at most one partial line in memory. Each bad line becomes an
 * error naming its 1-based line in the file, and reading goes on; blank lines are skipped. Lines
 * are framed here rather than by a csv-parse stream because with `skip_records_with_error` an
 * unclosed quote there runs on through the following lines and loses them: a quoted field
 * therefore never spans lines.
 * The stream is read by async iteration, not `Readable.fromWeb`, which refuses web streams of other
 * implementations than Node's own (such as @whatwg-node's PonyfillReadableStream).
 *
 * @example
 * for await (const { rows, errors } of readCustomerIdBatches(file.stream())) { ... }
 */
export async function* readCustomerIdBatches(
  csv: ReadableStream<Uint8Array>,
  options: { batchSize?: number } = {},
): AsyncGenerator<CustomerIdBatch> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let header: Header | undefined;
  let pending: Line[] = [];
  for await (const lines of physicalLines(csv)) {
    for (const line of lines) {
      if ("text" in line && line.text.trim() === "") continue;
      if (header === undefined) {
        header = readHeader(line);
        continue;
      }
      pending.push(line);
      if (pending.length === batchSize) {
        yield readBatch(pending, header);
        pending = [];
      }
    }
  }
  if (header === undefined) throw new CsvHeaderError(`the file is empty: it needs a header row with ${ID_COLUMN}`);
  if (pending.length > 0) yield readBatch(pending, header);
}

/** Lines handed on at once: one chunk may be a whole file (a Blob held as one buffer streams it so). */
const LINES_PER_STEP = 1024;

/**
 * Splits bytes into numbered lines, up to LINES_PER_STEP at a time. Bytes of a line past
 * MAX_LINE_BYTES are dropped as they come, so one runaway line cannot fill memory.
 */
async function* physicalLines(source: AsyncIterable<Uint8Array>): AsyncGenerator<Line[]> {
  let carry: Uint8Array = new Uint8Array(0);
  let number = 0;
  let overlong = false;
  for await (const chunk of source) {
    const data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let lines: Line[] = [];
    let start = 0;
    for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, start)) {
      lines.push(decodeLine(++number, data.subarray(start, end), overlong));
      overlong = false;
      start = end + 1;
      if (lines.length === LINES_PER_STEP) {
        yield lines;
        lines = [];
      }
    }
    carry = data.subarray(start);
    if (overlong || carry.length > MAX_LINE_BYTES) {
      overlong = true;
      carry = new Uint8Array(0);
    }
    yield lines;
  }
  if (carry.length > 0 || overlong) yield [decodeLine(++number, carry, overlong)];
}

// Fatal, so that a broken byte is this line's error instead of a silent U+FFFD inside an id. The
// decoder also drops a leading BOM, which only an exporter's first line carries.
const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeLine(line: number, bytes: Uint8Array, overlong: boolean): Line {
  if (overlong || bytes.length > MAX_LINE_BYTES) {
    return { line, problem: `longer than ${MAX_LINE_BYTES} bytes (not read)` };
  }
  try {
    const text = utf8.decode(bytes);
    return { line, text: text.endsWith("\r") ? text.slice(0, -1) : text };
  } catch {
    return { line, problem: "not valid UTF-8" };
  }
}

function readHeader(line: Line): Header {
  const parsed = "text" in line ? parseLine(line.text) : line;
  if ("problem" in parsed) {
    throw new CsvHeaderError(`the header row (line ${line.line}) cannot be read: ${parsed.problem}`);
  }
  const idIndex = parsed.fields.indexOf(ID_COLUMN);
  if (idIndex === -1) {
    throw new CsvHeaderError(`the header row must have a ${ID_COLUMN} column; found: ${parsed.fields.join(", ")}`);
  }
  return { columns: parsed.fields.length, idIndex };
}

function readBatch(lines: Line[], header: Header): CustomerIdBatch {
  const texts = lines.flatMap((line) => ("text" in line ? [line.text] : []));
  const parsed = parseLines(texts);
  const batch: CustomerIdBatch = { rows: [], errors: [] };
  let next = 0;
  for (const line of lines) {
    const outcome: Parsed = "text" in line ? (parsed[next++] ?? { problem: "not read" }) : line;
    if ("problem" in outcome) batch.errors.push({ line: line.line, message: outcome.problem });
    else addRow(batch, line.line, outcome.fields, header);
  }
  return batch;
}

/**
 * Parses a batch's lines in one csv-parse call (one call per line would cost ~10 µs a line). When
 * that fails, or yields fewer records than lines (a quote ran over a line's end), each line is
 * parsed alone, so only the bad ones are lost.
 */
function parseLines(texts: string[]): Parsed[] {
  try {
    const records = parse(texts.join("\n"), CSV_OPTIONS);
    if (records.length === texts.length) return records.map((fields) => ({ fields }));
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
  }
  return texts.map(parseLine);
}

function parseLine(text: string): Parsed {
  try {
    const [fields = []] = parse(text, CSV_OPTIONS);
    return { fields };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return { problem: CSV_PROBLEMS[error.code] ?? `not valid CSV (${error.code})` };
  }
}

function addRow(batch: CustomerIdBatch, line: number, fields: string[], header: Header) {
  if (fields.length !== header.columns) {
    const count = `${fields.length} column${fields.length === 1 ? "" : "s"}`;
    batch.errors.push({ line, message: `has ${count}; the header has ${header.columns}` });
    return;
  }
  const checked = customerIdSchema.safeParse(fields[header.idIndex]?.trim());
  if (checked.success) batch.rows.push({ line, customerId: checked.data });
  else batch.errors.push({ line, message: `${ID_COLUMN} ${checked.error.issues[0]?.message ?? "is not valid"}` });
}
