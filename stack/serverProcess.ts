import { spawn } from "node:child_process";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A local server process this program started; stopped by its own pid, never by name. */
export type ServerProcess = {
  name: string;
  pid: number;
  port: number;
  /** Settles when the process has exited, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the server printed, for error reports. */
  recentOutput: () => string;
  stop: () => Promise<void>;
};

/** A local server exited without being asked to; carries its last output. */
export class ServerCrashedError extends Error {
  override name = "ServerCrashedError";
}

export type StartServer = {
  name: string;
  command: string;
  args: string[];
  /** Environment additions, for settings a server reads only from its environment (keys). */
  env?: Record<string, string>;
  port: number;
  /** A file that records the pid, so a later start can stop a server orphaned by a killed parent. */
  pidFile?: string;
  /** A file the server's output is appended to, for diagnosing it later. */
  logFile?: string;
  /** Called once if the server exits while it was meant to run. */
  onCrash?: (error: ServerCrashedError) => void;
  startTimeoutMs?: number;
};

/** Starts a server and resolves once its TCP port accepts connections. */
export async function startServer(options: StartServer): Promise<ServerProcess> {
  if (options.pidFile) await stopOrphan(options.pidFile, options.command);
  // Its own process group: a Ctrl-C in the terminal reaches only us, and we stop the server in order.
  const child = spawn(options.command, options.args, {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, ...options.env },
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (output.length > 40) output.splice(0, output.length - 40);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: "a" });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    // On "close", not "exit": a server's last output may still be in its pipes when it has exited,
    // and a write after the end throws where nobody catches it.
    child.once("close", () => log.end());
  }
  const recentOutput = () => output.join("\n");

  let stopping = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
    child.on("error", () => resolve({ code: null, signal: null }));
  });
  const spawnError = new Promise<Error>((resolve) => child.on("error", resolve));
  void exited.then(async ({ code, signal }) => {
    if (options.pidFile) await rm(options.pidFile, { force: true });
    if (!stopping) {
      options.onCrash?.(
        new ServerCrashedError(
          `${options.name} (pid ${child.pid}) exited unexpectedly (code ${code}, signal ${signal}); last output:\n${recentOutput()}`,
        ),
      );
    }
  });

  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: could not start ${options.command}: ${await spawnError}`);
  if (options.pidFile) await writeFile(options.pidFile, `${pid}\n`);

  const stop = async () => {
    if (stopping) return exited.then(() => undefined);
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      stopping = true;
      throw new ServerCrashedError(`${options.name} exited during start-up; last output:\n${recentOutput()}`);
    }
    if (await canConnect(options.port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${options.name} did not accept connections on 127.0.0.1:${options.port} in time; last output:\n${recentOutput()}`,
      );
    }
    await sleep(100);
  }
  return { name: options.name, pid, port: options.port, exited, recentOutput, stop };
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Stops a server left running by an earlier start of ours whose parent was killed. */
export async function stopOrphan(pidFile: string, command: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isOurs(pid, command)) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
}

function isOurs(pid: number, command: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
    return cmdline === command;
  } catch {
    return false;
  }
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
