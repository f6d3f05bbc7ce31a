/**
 * Every text the fake answers with, in one place so tests and clients can refer to them.
 * Texts quoted from Braze's docs or RudderStack's recorded mocks are marked "Braze"; the others
 * are the fake's own guess in Braze's style, marked "inferred" (see fakes/braze/README.md).
 */

// Fatal (whole-request) messages.
/** Braze (errors.md). */
export const INVALID_URL = "Invalid URL";
/** Braze (errors.md). */
export const INVALID_API_KEY = "Invalid API Key";
/** Braze (errors.md): the key lacks the endpoint's permission. */
export const ACCESS_DENIED = "Access Denied";
/** Braze (errors.md). */
export const BAD_REQUEST = "Bad Request";
/** Braze (errors.md): more objects than the batch mode allows. */
export const MAX_INPUT_LENGTH_EXCEEDED = "Max Input Length Exceeded";
/** Braze (errors.md). */
export const RATE_LIMITED = "Rate Limited";
/** Braze (errors.md): maintenance answers 202 with this. */
export const QUEUED = "queued";
/** Braze (RudderStack mocks): nothing in the request was valid. */
export const VALID_DATA_REQUIRED = "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.";
/** Braze (post_user_delete.md): more than 50 external_ids / user_aliases. */
export const DELETE_TOO_MANY_EXTERNAL_IDS = "The max number of external_ids and aliases per request was exceeded";
/** Braze (post_user_delete.md): more than 50 of another id family; also used for mixed families (inferred). */
export const DELETE_TOO_MANY_IDS = "The max number of ids per request was exceeded";
/** Braze (post_users_merge.md). */
export const MERGE_NOT_ARRAY = "'merge_updates' must be an array of objects";
export const MERGE_TOO_MANY = "a single request may not contain more than 50 merge updates";
export const MERGE_BAD_IDENTIFIER =
  "identifiers must be objects with an 'external_id' property that is a string, or 'user_alias' property that is an object";
export const MERGE_MIXED_IDENTIFIERS = "identifiers must be objects of the same type";
export const MERGE_EXTRA_KEYS = "'merge_updates' must only have 'identifier_to_merge' and 'identifier_to_keep'";
/** Inferred. */
export const IDENTIFY_NOT_ARRAY = "'aliases_to_identify' must be an array of objects";
export const IDENTIFY_TOO_MANY = "a single request may not contain more than 50 aliases to identify";
export const EXPORT_TOO_MANY = "a single request may not contain more than 50 external_ids or user_aliases";

// Per-object `errors[].type` texts on /users/track.
/** Braze (RudderStack mocks). */
export const NO_IDENTIFIER = "'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required";
/** Inferred: Braze rejects objects with more than one primary identifier. */
export const MULTIPLE_IDENTIFIERS = "only one of 'external_id', 'braze_id' or 'user_alias' may be given";
/** Inferred. */
export const BAD_EXTERNAL_ID = "'external_id' must be a string";
export const BAD_BRAZE_ID = "'braze_id' must be a string";
export const BAD_USER_ALIAS = "'user_alias' must have a string 'alias_name' and 'alias_label'";
/** Braze codes (user_attributes_object.md and track responses). */
export const EXTERNAL_USER_ID_TOO_LARGE = "EXTERNAL_USER_ID_TOO_LARGE";
export const BLACKLISTED_EXTERNAL_USER_ID = "BLACKLISTED_EXTERNAL_USER_ID";
export const EMAIL_BAD_FORMAT = "EMAIL_BAD_FORMAT";
export const BAD_EMAIL_SUBSCRIPTION_STATE = "BAD_EMAIL_SUBSCRIPTION_STATE";
export const BAD_PUSH_SUBSCRIPTION_STATE = "BAD_PUSH_SUBSCRIPTION_STATE";
export const BAD_SUBSCRIPTION_GROUP_ARRAY = "BAD_SUBSCRIPTION_GROUP_ARRAY";
export const BAD_SUBSCRIPTION_GROUP_HASH = "BAD_SUBSCRIPTION_GROUP_HASH";
export const BAD_SUBSCRIPTION_GROUP_ID = "BAD_SUBSCRIPTION_GROUP_ID";
export const BAD_SUBSCRIPTION_GROUP_STATE = "BAD_SUBSCRIPTION_GROUP_STATE";
/** Braze (RudderStack mocks). */
export const QUANTITY_NOT_VALID = "'quantity' is not valid";
/** Inferred. */
export const NAME_REQUIRED = "'name' is required";
export const TIME_NOT_VALID = "'time' is not valid";
export const PRODUCT_ID_NOT_VALID = "'product_id' is not valid";
export const CURRENCY_NOT_VALID = "'currency' is not valid";
export const PRICE_NOT_VALID = "'price' is not valid";
export const PROPERTIES_NOT_VALID = "'properties' is not valid";
export const PROPERTIES_TOO_LARGE = "'properties' is too large";
/** Inferred; names the offending key. */
export const propertyKeyNotValid = (key: string): string => `'properties' key '${key}' is not valid`;
/** What a forced partial error says when the fault gives no text. */
export const FORCED_ERROR = "forced error";
