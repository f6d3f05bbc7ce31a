import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsLink } from "../../streams/index.ts";

/** Every message a stream holds on subjects matching `filter`, in stream order. */
export async function readStream(
  link: NatsLink,
  stream: string,
  filter: string,
): Promise<{ seq: number; data: Uint8Array }[]> {
  const jsm = await jetstreamManager(link.nc);
  const info = await jsm.streams.info(stream, { subjects_filter: filter });
  const total = Object.values(info.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
  if (total === 0) return [];
  const consumer = await jetstream(link.nc).consumers.get(stream, { filter_subjects: [filter] });
  const messages: { seq: number; data: Uint8Array }[] = [];
  while (messages.length < total) {
    const batch = await consumer.fetch({ max_messages: Math.min(total - messages.length, 5_000), expires: 5_000 });
    let received = 0;
    for await (const message of batch) {
      messages.push({ seq: message.seq, data: message.data });
      received += 1;
    }
    if (received === 0) break;
  }
  return messages;
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
