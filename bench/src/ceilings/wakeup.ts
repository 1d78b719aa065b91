/**
 * What the machine charges for the two things every hop of an event does many times: a system call, and a message
 * to a process that waits for it. Two Node processes exchange one byte over loopback TCP (Nagle off), back to back
 * and then once every `gapMs` (the paced no-op service's interval), and each reports the CPU it used. At a paced rate
 * every hop wakes processes that were idle; where that is dear (a virtual machine), it is where the CPU of a paced
 * order goes. The pipeline's own figures cannot tell a slow machine from slow code; these can, run beside them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { round } from '../stats';

export interface WakeupCeiling {
  /** Wall µs per 1-byte write to /dev/null from Node: one system call and Node's binding around it. */
  writeSyscallUs: number;
  /** CPU µs of both processes together per round trip, back to back. */
  roundTripCpuUs: number;
  /** CPU µs of both processes together per round trip when each comes after `gapMs` with nothing to do. */
  roundTripAfterIdleCpuUs: number;
  gapMs: number;
  trips: number;
  idleTrips: number;
}

export interface WakeupSettings {
  wakeupTrips: number;
  wakeupIdleTrips: number;
  /** The paced interval is 1000 / this (ms). */
  noopPacedRate: number;
}

/** The echo process: answers every byte with itself, and `c` with its CPU so far (µs, JSON line). */
const ECHO = `
const net = require('node:net');
const server = net.createServer((s) => {
  s.setNoDelay(true);
  s.on('data', (d) => {
    if (d[d.length - 1] === 0x63) s.write(JSON.stringify(process.cpuUsage()) + '\\n');
    else s.write(d);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.on('disconnect', () => process.exit(0));
`;

const cpuUs = (u: NodeJS.CpuUsage) => u.user + u.system;

export async function wakeupCeiling(s: WakeupSettings): Promise<WakeupCeiling> {
  const writeSyscallUs = writeCost(s.wakeupTrips * 10);
  const child = spawn(process.execPath, ['-e', ECHO], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`echo process exited (${code})`)));
      child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    const peer = await Peer.connect(port);
    try {
      const gapMs = 1000 / s.noopPacedRate;
      await peer.trips(200, 0); // both sides' code compiled before anything is measured
      const backToBack = await peer.measure(s.wakeupTrips, 0);
      const afterIdle = await peer.measure(s.wakeupIdleTrips, gapMs);
      return {
        writeSyscallUs,
        roundTripCpuUs: round(backToBack, 1),
        roundTripAfterIdleCpuUs: round(afterIdle, 1),
        gapMs: round(gapMs, 1),
        trips: s.wakeupTrips,
        idleTrips: s.wakeupIdleTrips,
      };
    } finally {
      peer.close();
    }
  } finally {
    child.kill();
  }
}

function writeCost(n: number): number {
  const fd = fs.openSync('/dev/null', 'w');
  const one = Buffer.alloc(1);
  try {
    for (let i = 0; i < 1000; i++) fs.writeSync(fd, one);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fs.writeSync(fd, one);
    return round(Number(process.hrtime.bigint() - t0) / 1000 / n, 2);
  } finally {
    fs.closeSync(fd);
  }
}

/** The measuring side of the exchange: one request in flight at a time. */
class Peer {
  private waiting: ((d: Buffer) => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(d);
    });
  }

  static connect(port: number): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new Peer(socket)));
      socket.setNoDelay(true);
      socket.once('error', reject);
    });
  }

  private ask(byte: string): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(byte);
    });
  }

  async trips(n: number, gapMs: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      await this.ask('p');
    }
  }

  /** CPU µs of both processes per round trip over `n` trips, each after `gapMs` of idleness. */
  async measure(n: number, gapMs: number): Promise<number> {
    const theirs = async () => cpuUs(JSON.parse((await this.ask('c')).toString()) as NodeJS.CpuUsage);
    const before = await theirs();
    const mine = process.cpuUsage();
    await this.trips(n, gapMs);
    const used = cpuUs(process.cpuUsage(mine));
    return (used + (await theirs()) - before) / n;
  }

  close(): void {
    this.socket.destroy();
  }
}
