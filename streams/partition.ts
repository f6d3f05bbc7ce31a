const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}

/** The INGEST partition that owns a customer: every command for it lands there, in order. */
export function partitionOf(account: string, customerId: string, partitions: number): number {
  return fnv1a32(`${account}\u0000${customerId}`) % partitions;
}
