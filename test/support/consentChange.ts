import type { ConsentValue, CustomerFactDraft } from "../../model/index.ts";

/** A profile change of consent alone: data sharing as given, every other purpose UNKNOWN. */
export function dataSharingChange(
  value: ConsentValue,
): Extract<CustomerFactDraft, { type: "customer.profileChanged" }> {
  return {
    type: "customer.profileChanged",
    data: {
      profile: {},
      attributes: {},
      consent: {
        email: "UNKNOWN",
        push: "UNKNOWN",
        whatsapp: "UNKNOWN",
        sms: "UNKNOWN",
        ads: "UNKNOWN",
        dataSharing: value,
      },
      identified: true,
      created: false,
      changed: ["consent"],
    },
  };
}
