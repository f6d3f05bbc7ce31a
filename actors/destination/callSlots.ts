/**
 * At most `limit` calls in flight at once, the others waiting their turn in order. A call that
 * gives up waiting (its signal aborts) leaves the queue.
 */
export type CallSlots = {
  take: (signal: AbortSignal) => Promise<void>;
  give: () => void;
};

export function createCallSlots(limit: number): CallSlots {
  let free = limit;
  const waiting: (() => void)[] = [];
  return {
    take(signal) {
      signal.throwIfAborted();
      if (free > 0) {
        free -= 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal.removeEventListener("abort", giveUp);
          resolve();
        };
        const giveUp = () => {
          const at = waiting.indexOf(wake);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal.reason);
        };
        waiting.push(wake);
        signal.addEventListener("abort", giveUp, { once: true });
      });
    },
    give() {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    },
  };
}
