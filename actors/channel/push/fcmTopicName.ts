/** FCM's topic alphabet is `[a-zA-Z0-9-_.~%]`; `.` separates the parts, so it is encoded inside them. */
const KEPT = /^[a-zA-Z0-9_~-]$/;
const MOST_TOPIC_LENGTH = 900;

/**
 * The FCM topic of an audience's push notifications: `masivo.<account>.<audienceId>`, each part
 * percent-encoded (UTF-8, upper-case hex) outside `[a-zA-Z0-9-_~]`. No part holds a raw `.` or
 * `%`, so two different audiences never share a topic.
 *
 * @example
 * fcmTopicName("acme", "aud_42"); // "masivo.acme.aud_42"
 * fcmTopicName("acme", "spring.sale"); // "masivo.acme.spring%2Esale"
 */
export function fcmTopicName(account: string, audienceId: string): string {
  const topic = `masivo.${encodePart(account)}.${encodePart(audienceId)}`;
  if (topic.length > MOST_TOPIC_LENGTH) {
    throw new RangeError(
      `the FCM topic of account ${account}, audience ${audienceId} would be ${topic.length} characters; FCM takes ${MOST_TOPIC_LENGTH}`,
    );
  }
  return topic;
}

function encodePart(part: string): string {
  let encoded = "";
  for (const char of part) {
    encoded += KEPT.test(char)
      ? char
      : [...Buffer.from(char, "utf8")].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`).join("");
  }
  return encoded;
}
