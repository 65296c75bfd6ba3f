// Readings of the workerd that runs a bench's Worker, from /proc.
import { readFileSync } from "node:fs";

/**
 * wrangler starts two workerd processes: a small proxy on the public port and
 * the runtime (socket-addr entry=127.0.0.1:0) hosting the Durable Objects; we
 * want the runtime.
 */
export function runtimePid(wrangler) {
  const found = wrangler.groupPids().filter((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return cmd[0]?.endsWith("/workerd") && !cmd.includes(`--socket-addr=entry=127.0.0.1:${wrangler.port}`);
    } catch {
      return false;
    }
  });
  if (found.length !== 1) throw new Error(`expected one runtime workerd in wrangler's group, found ${found.length}`);
  return found[0];
}

/** User + system CPU time of the runtime workerd (clock ticks are 10 ms on Linux). */
export function workerdCpuMs(wrangler) {
  const stat = readFileSync(`/proc/${runtimePid(wrangler)}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields[11], [12] = utime, stime
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident memory of the runtime workerd. */
export function workerdRss(wrangler) {
  const pid = runtimePid(wrangler);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return { pid, kib: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) };
}
