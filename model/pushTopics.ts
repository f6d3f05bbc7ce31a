import { z } from "zod";

/**
 * The tokens of one customer that the customer's actor has put in one audience's push topic. Kept
 * in the customer's state so the next change is compared with what was decided before, not with
 * FCM (which cannot be asked what a topic holds).
 */
export type PushTopicSubscription = { audienceId: string; tokens: string[] };

/**
 * What a customer's actor decided to change in one audience's push topic: tokens to put in it and
 * tokens to take out. Published to MESSAGES (`msg.<account>.pushtopic`), for the topic worker.
 */
export const pushTopicChangedDataSchema = z.object({
  audienceId: z.string().min(1),
  subscribe: z.array(z.string().min(1)),
  unsubscribe: z.array(z.string().min(1)),
});
export type PushTopicChangedData = z.infer<typeof pushTopicChangedDataSchema>;
