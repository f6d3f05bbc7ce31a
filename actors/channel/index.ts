export { type ChannelWorker, type ChannelWorkerOptions, startChannelWorker } from "./worker.ts";
