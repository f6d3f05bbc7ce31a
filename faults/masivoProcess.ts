import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** `/proc` counts CPU time in clock ticks of Linux's USER_HZ, 100 a second on every architecture Node runs on. */
const MS_PER_CLOCK_TICK = 10;

/** How a process ended, and how long after the signal that ended it. */
export type Exit = { code: number | null; signal: NodeJS.Signals | null; afterMs: number };

/**
 * One Masivo process of the fault suite (`node main.ts` with some roles), which the suite kills,
 * stops and starts again. Its log goes to `<dataDir>/<name>.log`; an exit nobody asked for is
 * reported to `onUnexpectedExit`.
 */
export type MasivoProcess = {
  name: string;
  opsPort: number;
  /** Starts it (again) and resolves once its `/readyz` answers 200. */
  start: () => Promise<void>;
  /** Sends `signal` and resolves with how the process ended (an exit it asked for, never unexpected). */
  signal: (signal: "SIGKILL" | "SIGTERM") => Promise<Exit>;
  running: () => boolean;
  /** Whether `/readyz` answers 200 right now. */
  ready: () => Promise<boolean>;
  /** The most memory the running process has held resident so far (Linux's `VmHWM`), in bytes. */
  peakRssBytes: () => Promise<number>;
  /** The CPU time the running process has used so far, user and system, all its threads (Linux's `/proc/<pid>/stat`), in ms. */
  cpuMs: () => Promise<number>;
};

export type MasivoProcessOptions = {
  name: string;
  environment: Record<string, string>;
  opsPort: number;
  dataDir: string;
  onUnexpectedExit: (name: string, exit: Exit) => void;
  /** How long a start may take to be ready. */
  readyTimeoutMs?: number;
  /** What `node` is given, `main.ts` unless a Deployment's command says otherwise. */
  nodeArguments?: string[];
  /** Where it runs, the image's working directory: this process's own unless told. */
  workingDirectory?: string;
};

export function masivoProcess(options: MasivoProcessOptions): MasivoProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<Exit> | undefined;
  let signalledAt: number | undefined;
  const log = createWriteStream(join(options.dataDir, `${options.name}.log`), { flags: "a" });

  const ready = async () => {
    try {
      const answer = await fetch(`http://127.0.0.1:${options.opsPort}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await answer.body?.cancel();
      return answer.status === 200;
    } catch {
      return false;
    }
  };
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  /** The pid of the running process, whose `/proc` entries are read. */
  const runningPid = (): number => {
    if (!child?.pid || !running()) throw new Error(`${options.name} is not running`);
    return child.pid;
  };

  return {
    name: options.name,
    opsPort: options.opsPort,
    running,
    ready,
    async peakRssBytes() {
      const pid = runningPid();
      const status = await readFile(`/proc/${pid}/status`, "utf8");
      const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
      if (kib === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
      return Number(kib) * 1_024;
    },
    async cpuMs() {
      return cpuMsOfStat(await readFile(`/proc/${runningPid()}/stat`, "utf8"));
    },
    async start() {
      if (running()) throw new Error(`${options.name} is already running`);
      signalledAt = undefined;
      const started = spawn(process.execPath, options.nodeArguments ?? ["main.ts"], {
        cwd: options.workingDirectory,
        env: { PATH: process.env.PATH ?? "", ...options.environment, MASIVO_OPS_PORT: String(options.opsPort) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = started;
      log.write(`--- ${new Date().toISOString()} started (pid ${started.pid})\n`);
      started.stdout?.pipe(log, { end: false });
      started.stderr?.pipe(log, { end: false });
      exited = new Promise<Exit>((resolve) => {
        started.once("exit", (code, signal) => {
          const exit = { code, signal, afterMs: signalledAt === undefined ? 0 : Date.now() - signalledAt };
          log.write(`--- ${new Date().toISOString()} exited (code ${code}, signal ${signal})\n`);
          if (signalledAt === undefined) options.onUnexpectedExit(options.name, exit);
          resolve(exit);
        });
      });
      const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
      while (!(await ready())) {
        if (!running()) throw new Error(`${options.name} exited while starting; see ${options.name}.log`);
        if (Date.now() > deadline) throw new Error(`${options.name} was not ready in time; see ${options.name}.log`);
        await sleep(200);
      }
    },
    async signal(signal) {
      if (!child || !exited || !running()) throw new Error(`${options.name} is not running`);
      signalledAt = Date.now();
      child.kill(signal);
      return exited;
    },
  };
}

/** The CPU time, user and system, a process's `/proc/<pid>/stat` line counts, in ms. */
export function cpuMsOfStat(stat: string): number {
  // After the command name, in parentheses that may hold spaces and parentheses: utime and stime
  // are the 12th and 13th fields.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isSafeInteger(ticks)) throw new Error(`no utime and stime in /proc stat line: ${stat.slice(0, 80)}`);
  return ticks * MS_PER_CLOCK_TICK;
}
