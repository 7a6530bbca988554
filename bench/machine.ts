/** The machine a run measured: CPU, cores, memory, OS, Node and Postgres versions, load at the start. */
import fs from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs the OS reports. */
  cpus: number;
  /** CPUs this process may use (affinity), where Node knows it. */
  availableParallelism: number;
  /** A cgroup v2 CPU limit (cpu.max), e.g. "2 CPUs", or undefined when unlimited or unknown. */
  cgroupCpuLimit?: string;
  memoryTotalBytes: number;
  os: string;
  node: string;
  postgres: string;
  /** 1, 5 and 15 minute load averages at the start. */
  loadAverage: number[];
}

function cgroupCpuLimit(): string | undefined {
  try {
    const [quota, period] = fs.readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (quota === 'max') return undefined;
    return `${(Number(quota) / Number(period)).toFixed(2).replace(/\.00$/, '')} CPUs`;
  } catch {
    return undefined;
  }
}

export function describeMachine(postgresVersion: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    availableParallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cgroupCpuLimit: cgroupCpuLimit(),
    memoryTotalBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: postgresVersion,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function formatMachine(m: MachineInfo): string {
  const limit = m.cgroupCpuLimit ? `, cgroup limit ${m.cgroupCpuLimit}` : '';
  return (
    `${m.cpuModel}, ${m.cpus} CPUs (${m.availableParallelism} usable${limit}), ${(m.memoryTotalBytes / 1024 ** 3).toFixed(1)} GiB RAM, ` +
    `${m.os}, Node ${m.node}, Postgres ${m.postgres}; load average ${m.loadAverage.join(' ')} at the start`
  );
}
