/** A counting semaphore: at most `size` holders at once, the others served in arrival order. */
export type Slots = { use: <T>(work: () => Promise<T>) => Promise<T> };

export function createSlots(size: number): Slots {
  let free = size;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  return {
    async use(work) {
      if (free > 0) free -= 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
