import { startChannelWorker } from "../../actors/channel/index.ts";
import { deriveUnsubscribeKey } from "../../model/index.ts";
import { createCommandPublisher } from "../../streams/index.ts";
import type { RoleContext } from "./roleContext.ts";

/**
 * `channels`: the send pipeline. Unsubscribe links point at `graphqlUrl`'s server (this process's
 * gateway, in local runs) when MASIVO_PUBLIC_URL says nothing.
 */
export async function startChannelsRole(
  { config, log, link, store, partitions, secrets, masterKey, onStop, now, options }: RoleContext,
  graphqlUrl: string | undefined,
): Promise<void> {
  const publicUrl = config.publicUrl ?? graphqlUrl?.replace(/\/graphql$/, "") ?? `http://127.0.0.1:${config.port}`;
  const worker = await startChannelWorker({
    link,
    store,
    secrets,
    commands: createCommandPublisher({ link, partitions }),
    publicUrl,
    unsubscribeKey: deriveUnsubscribeKey(masterKey),
    takeoverMs: config.channelTakeoverSeconds * 1_000,
    log,
    now,
    ...options.channelTuning,
  });
  onStop(worker.stop);
}
