/** The channel workers, and what audiences and campaigns use of push: FCM topics. */

export type { TopicCallAnswer, TopicChange, TopicTokenAnswer } from "./push/classifyTopicAnswer.ts";
export { fcmTopicName } from "./push/fcmTopicName.ts";
export type { PushNotification } from "./push/pushNotification.ts";
export { createPushTopics, type PushTopics, type PushTopicsOptions } from "./push/pushTopics.ts";
export { sendTopicMessage, type TopicMessage, type TopicMessageDependencies } from "./push/topicMessage.ts";
export { type ChannelWorker, type ChannelWorkerOptions, startChannelWorker } from "./worker.ts";
