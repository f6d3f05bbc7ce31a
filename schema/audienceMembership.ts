import type { AudienceDocument } from "../store/index.ts";
import { AudienceRef } from "./audience.ts";
import { builder } from "./builder.ts";
import { CustomerRef } from "./customerType.ts";

type AudienceMembership = { audience: AudienceDocument; since: string };

const AudienceMembershipRef = builder.objectRef<AudienceMembership>("AudienceMembership").implement({
  description: "An audience the customer is in, and since when",
  fields: (t) => ({
    audience: t.expose("audience", { type: AudienceRef }),
    since: t.expose("since", { type: "DateTime" }),
  }),
});

// Added here rather than in customerType.ts, so that file need not import the audience types
// (which import it for `Audience.members`).
builder.objectField(CustomerRef, "audiences", (t) =>
  t.field({
    type: [AudienceMembershipRef],
    description: "The audiences the customer is in, by audience id",
    resolve: async (customer, _args, context) => {
      // Documents written before memberships were kept have none.
      const memberships = customer.memberships ?? [];
      const audiences = await Promise.all(
        memberships.map((membership) => context.services.audiences.get(customer.account, membership.audienceId)),
      );
      return memberships.flatMap((membership, index) => {
        const audience = audiences[index];
        return audience && !audience.deleting ? [{ audience, since: membership.since }] : [];
      });
    },
  }),
);
