import { customersOf, type Store } from "../../store/index.ts";
import { waitFor } from "./streamReader.ts";

/**
 * Resolves once the stored customer matches `check` (its first name, or undefined once deleted):
 * the actor publishes its facts before it writes the store, so a test that reads the store waits.
 */
export function untilStored(
  store: Store,
  account: string,
  customerId: string,
  check: (firstName: string | undefined, deleted: boolean) => boolean,
): Promise<true> {
  const key = `${account}:${customerId}`;
  return waitFor(`${customerId} stored`, async () => {
    const document = (await customersOf(store).loadMany([key])).get(key);
    if (!document) return undefined;
    return check(document.deleted ? undefined : document.profile.firstName, document.deleted) ? true : undefined;
  });
}
