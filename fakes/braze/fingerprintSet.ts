/**
 * A set of strings known by a 64-bit fingerprint each, held in one typed array: a million members
 * are 16 MB and no object for the garbage collector to copy or mark, where a `Set` of the strings
 * themselves (~200 bytes each) made the fake Braze of a benchmark spend as much CPU collecting
 * garbage as answering calls, on the cores Masivo shares with it. Equal strings always have equal
 * fingerprints, so a member is never missed; two different strings share one with a chance of
 * about 1 in 2^64 (for a million members, about 1 in 30 million that any pair does).
 */
export type FingerprintSet = {
  /** Adds `value`; false when a string with its fingerprint was added before. */
  add(value: string): boolean;
  readonly size: number;
};

const INITIAL_SLOTS = 1 << 12;

export function createFingerprintSet(): FingerprintSet {
  // Slot i holds a fingerprint in [2i, 2i + 1]; a high half of 0 marks it empty (see `fingerprint`).
  let slots = new Uint32Array(INITIAL_SLOTS * 2);
  let size = 0;

  /** Where the fingerprint is, or the empty slot where it would go (open addressing, linear probing). */
  const slotOf = (table: Uint32Array, high: number, low: number): number => {
    const mask = table.length / 2 - 1;
    for (let slot = low & mask; ; slot = (slot + 1) & mask) {
      const held = table[2 * slot];
      if (held === 0 || (held === high && table[2 * slot + 1] === low)) return slot;
    }
  };

  const grow = () => {
    const old = slots;
    slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      const high = old[i] ?? 0;
      if (high === 0) continue;
      const low = old[i + 1] ?? 0;
      const slot = slotOf(slots, high, low);
      slots[2 * slot] = high;
      slots[2 * slot + 1] = low;
    }
  };

  return {
    add(value) {
      const [high, low] = fingerprint(value);
      const slot = slotOf(slots, high, low);
      if (slots[2 * slot] !== 0) return false;
      slots[2 * slot] = high;
      slots[2 * slot + 1] = low;
      size += 1;
      // At most half full, so that probes stay short.
      if (size * 2 > slots.length / 2) grow();
      return true;
    },
    get size() {
      return size;
    },
  };
}

/**
 * Two independent 32-bit hashes of the string's UTF-16 code units (FNV-1a, and a multiply–xorshift
 * in the manner of MurmurHash's mixing step), the first never 0 so that 0 can mark an empty slot.
 */
function fingerprint(value: string): [high: number, low: number] {
  let high = 0x811c9dc5;
  let low = 0x9747b28c;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    high = Math.imul(high ^ unit, 0x01000193);
    low = Math.imul(low ^ unit, 0x5bd1e995);
    low ^= low >>> 15;
  }
  return [high >>> 0 || 1, low >>> 0];
}
