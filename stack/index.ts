export { MissingToolError } from "./goBinary.ts";
export { type LocalStack, startLocalStack } from "./localStack.ts";
export { type MongoServer, startMongoServer } from "./mongoServer.ts";
export { type NatsCluster, type NatsClusterNode, type StartNatsCluster, startNatsCluster } from "./natsCluster.ts";
export { NATS_MAX_PAYLOAD, natsServerBinary, startNatsServer } from "./natsServer.ts";
export { type S3Server, s3ServerBinary, startS3Server, VERSITYGW_VERSION } from "./s3Server.ts";
export {
  freePort,
  isAlive,
  ServerCrashedError,
  type ServerProcess,
  startServer,
  stopOrphan,
} from "./serverProcess.ts";
