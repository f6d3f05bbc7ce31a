/** A clock that only moves when someone sleeps on it: waits pass at once, and exactly. */
export function virtualTime(start = 0) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}
