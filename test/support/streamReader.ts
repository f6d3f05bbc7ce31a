import { jetstreamManager } from "@nats-io/jetstream";
import { type NatsLink, storedMessages } from "../../streams/index.ts";

/** Every message a stream holds on subjects matching `filter`, in stream order. */
export async function readStream(
  link: NatsLink,
  stream: string,
  filter: string,
): Promise<{ seq: number; data: Uint8Array }[]> {
  // Asked first: a read of no message would wait for its pull to expire.
  const info = await (await jetstreamManager(link.nc)).streams.info(stream, { subjects_filter: filter });
  if (Object.keys(info.state.subjects ?? {}).length === 0) return [];
  const messages: { seq: number; data: Uint8Array }[] = [];
  for await (const message of storedMessages(link, stream, filter))
    messages.push({ seq: message.seq, data: message.data });
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
