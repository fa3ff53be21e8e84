/**
 * `demi serve --redis URL` (server/redis.ts): instances sharing one Redis form one socket.io cluster.
 * The test starts Debian's redis-server on a free loopback port, then instance A (one process) and
 * instance B (`--processes 2`) on it, as `demi serve` child processes, and checks that:
 *   1. they are one cluster: each process's /health counts the three socket.io servers, and a
 *      broadcast sent into the cluster reaches the clients of both instances;
 *   2. the web page's own client (client/chat-client.js), moved from A to B by a proxy as a load
 *      balancer would move it, keeps its conversation: B's reply is the one A gives to the same turns;
 *   3. killing A costs B's clients nothing, not even a reply running at that moment;
 *   4. with Redis gone, B goes on serving its clients (old and new), and links again once Redis is back.
 * Refusals at start (a URL that is not a Redis URL, a Redis that does not answer) are one `demi:` line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createConnection, createServer, type Server as NetServer, type Socket as NetSocket } from 'node:net';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import { Server as SocketServer } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { describeIf, REDIS_SERVER } from '../helpers/optional.js';
import { testModelDir } from './model-fixture.js';
import { chat, emit, freePort, getJson, HOST, runCli, sleep, watchReplies, withTimeout, type Done } from './helpers.js';

const GREEDY = { temperature: 0, maxTokens: 12 };

type Cli = ReturnType<typeof runCli>;
interface Instance {
  cli: Cli;
  url: string;
}

/** Polls an asynchronous check every 100 ms until it holds; fails after `ms` saying what it waited for. */
async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(100);
  }
}

/** A Redis of the test's own, on a loopback port, keeping nothing on disk. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  await eventually(async () => /Ready to accept connections/.test(out) || child.exitCode !== null, 10_000, 'redis-server is ready');
  if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${out.slice(-1000)}`);
  return child;
}

/**
 * A TCP proxy standing in for a load balancer: every new connection goes to the current target;
 * moveTo() changes the target and cuts the connections it carries, so their clients reconnect there.
 */
function switchingProxy(firstTarget: number): Promise<{ url: string; moveTo(port: number): void; close(): void }> {
  let target = firstTarget;
  const carried = new Set<NetSocket>();
  const proxy: NetServer = createServer((incoming) => {
    const outgoing = createConnection(target, HOST);
    for (const end of [incoming, outgoing]) {
      carried.add(end);
      end.once('close', () => carried.delete(end));
      end.on('error', () => {
        incoming.destroy();
        outgoing.destroy();
      });
    }
    incoming.pipe(outgoing).pipe(incoming);
  });
  return new Promise((resolve) => proxy.listen(0, HOST, () => resolve({
    url: `http://${HOST}:${(proxy.address() as { port: number }).port}`,
    moveTo(port) {
      target = port;
      for (const end of carried) end.destroy();
    },
    close() {
      for (const end of carried) end.destroy();
      proxy.close();
    },
  })));
}

async function connected(url: string): Promise<Socket> {
  const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  await withTimeout(new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  }), 10_000, 'socket.io connect');
  return socket;
}

/** The /health of as many of an instance's processes as round-robin reaches in `tries` requests. */
async function healthOf(instance: Instance, tries: number): Promise<{ status: number; body: any }[]> {
  const answers = [];
  for (let i = 0; i < tries; i++) answers.push(await getJson(`${instance.url}/health`));
  return answers;
}

const redisOf = async (instance: Instance, tries: number) => (await healthOf(instance, tries)).map((h) => ({ status: h.status, pid: h.body.pid, redis: h.body.redis }));

describeIf(REDIS_SERVER)('demi serve --redis: instances on one Redis', () => {
  let redisPort: number;
  let redisUrl: string;
  let redis: ChildProcess | undefined;
  let a: Instance | undefined;
  let b: Instance | undefined;
  const sockets: Socket[] = [];
  /** Every instance started, ready or not, so that none outlives the tests. */
  const started: Cli[] = [];

  async function serve(args: string[]): Promise<Instance> {
    const port = await freePort();
    const cli = runCli(['serve', '--model', await testModelDir(), '--host', HOST, '--port', String(port), '--redis', redisUrl,
      '--rerank', '0', '--shutdown-grace', '2', ...args]);
    started.push(cli);
    await eventually(async () => /ready:/.test(cli.out()) || cli.child.exitCode !== null, 90_000, `demi serve ${args.join(' ')} is ready`);
    if (!/ready:/.test(cli.out())) throw new Error(`demi serve ${args.join(' ')} did not start (${cli.child.exitCode}): ${cli.err().slice(-2000)}`);
    return { cli, url: `http://${HOST}:${port}` };
  }

  beforeAll(async () => {
    await testModelDir();
    redisPort = await freePort();
    redisUrl = `redis://${HOST}:${redisPort}`;
    redis = await startRedis(redisPort);
    [a, b] = await Promise.all([serve([]), serve(['--processes', '2'])]);
  }, 180_000);

  afterAll(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    await Promise.all(started.filter((cli) => cli.child.exitCode === null && cli.child.signalCode === null).map(async (cli) => {
      // a primary's SIGTERM ends its processes too; SIGKILL only if that hangs
      cli.child.kill('SIGTERM');
      await withTimeout(cli.exited, 15_000, 'an instance to exit').catch(() => cli.child.kill('SIGKILL'));
    }));
    redis?.kill('SIGKILL');
  }, 30_000);

  test('the instances are one socket.io cluster: /health counts 3 servers, a broadcast reaches the clients of both', async () => {
    // A, then B's two processes (round-robin: four requests reach both)
    expect(await redisOf(a!, 1)).toEqual([{ status: 200, pid: expect.any(Number), redis: { connected: true, servers: 3 } }]);
    const bProcesses = await redisOf(b!, 4);
    expect(new Set(bProcesses.map((h) => h.pid)).size).toBe(2);
    for (const h of bProcesses) expect(h).toEqual({ status: 200, pid: expect.any(Number), redis: { connected: true, servers: 3 } });

    // Another socket.io server on the same Redis broadcasts: the event can reach the clients of A
    // and B only through their adapters reading the Redis stream.
    const onA = await connected(a!.url);
    const onB = await connected(b!.url);
    sockets.push(onA, onB);
    const heard = (socket: Socket) => new Promise<unknown>((resolve) => socket.once('cluster:notice', resolve));
    const received = Promise.all([heard(onA), heard(onB)]);
    const publisher = createClient({ url: redisUrl });
    await publisher.connect();
    // a short blocking read, so that the adapter's reader ends soon after close()
    const adapter = createAdapter(publisher, { blockTimeInMs: 100 });
    const broadcaster = new SocketServer(createHttpServer(), { adapter });
    try {
      // joined once subscribed (asynchronously): it counts itself with A and B's processes
      await eventually(async () => (await broadcaster.of('/').adapter.serverCount()) === 4, 10_000, 'the test\'s server counts 4 servers');
      broadcaster.emit('cluster:notice', { from: 'the test' });
      expect(await withTimeout(received, 10_000, 'the broadcast to reach both instances\' clients')).toEqual([{ from: 'the test' }, { from: 'the test' }]);
    } finally {
      broadcaster.of('/').adapter.close();
      publisher.destroy();
    }
  }, 60_000);

  test('the web page moved from A to B keeps its conversation: B answers what A would', async () => {
    const proxy = await switchingProxy(Number(new URL(a!.url).port));
    // the page's own client, with socket.io-client where the page has the browser's window.io
    (globalThis as { window?: unknown }).window = { io: (options: object) => connect(proxy.url, { ...options, forceNew: true }) };
    const clientModule = '../../client/chat-client.js';
    const { ChatClient } = await import(clientModule);
    const page = new ChatClient();
    const dones: Done[] = [];
    page.addEventListener('done', (event: CustomEvent<Done>) => dones.push(event.detail));
    const reply = async (requestId: string) => {
      await eventually(async () => dones.some((d) => d.requestId === requestId), 20_000, `the reply to ${requestId}`);
      return dones.find((d) => d.requestId === requestId)!;
    };
    try {
      await eventually(async () => page.connected, 10_000, 'the page is connected');
      const first = await page.send('hi there', GREEDY, []);
      expect(first).toMatchObject({ accepted: true });
      const firstReply = await reply(first.requestId);
      const onA = page.sessionId;
      // the page's turns, as it keeps them in localStorage
      const history = ['hi there', firstReply.text];

      proxy.moveTo(Number(new URL(b!.url).port));
      await eventually(async () => !page.connected, 10_000, 'the page lost its connection to A');
      await eventually(async () => page.connected, 15_000, 'the page reconnected, now to B');
      const second = await page.send('how are you?', GREEDY, history);
      expect(second).toMatchObject({ accepted: true });
      // B never knew A's session: the page started one there from its own turns
      expect(page.sessionId).not.toBe(onA);
      const moved = await reply(second.requestId);
      expect(moved.contextTurns).toBe(3);

      // what A answers to the same conversation (greedy, so one answer), and B to the message alone
      const onAStill = await connected(a!.url);
      const onB = await connected(b!.url);
      sockets.push(onAStill, onB);
      const fromA = await chat(onAStill, watchReplies(onAStill), { message: 'how are you?', params: GREEDY, history });
      const alone = await chat(onB, watchReplies(onB), { message: 'how are you?', params: GREEDY });
      expect(moved.text).toBe(fromA.reply.done!.text);
      expect(moved.usage.promptTokens).toBe(fromA.reply.done!.usage.promptTokens);
      expect(moved.usage.promptTokens).toBeGreaterThan(alone.reply.done!.usage.promptTokens);
    } finally {
      page.socket.disconnect();
      proxy.close();
      delete (globalThis as { window?: unknown }).window;
    }
  }, 90_000);

  test('killing A loses none of B\'s chats, not even a reply running at that moment', async () => {
    const socket = await connected(b!.url);
    sockets.push(socket);
    const watcher = watchReplies(socket);
    // A dies the moment B streams its first token
    const generating = new Promise((resolve) => socket.once('chat:delta', resolve));
    const running = await emit(socket, 'chat:send', { message: 'hi there', params: { temperature: 1, seed: 7, maxTokens: 150, minTokens: 150 } });
    expect(running).toMatchObject({ accepted: true });
    await withTimeout(generating, 20_000, 'B is generating');
    a!.cli.child.kill('SIGKILL');
    expect(watcher.reply(running.requestId!).done).toBeUndefined();
    await withTimeout(a!.cli.exited, 10_000, 'A to die');
    const finished = await watcher.finished(running.requestId!, 20_000);
    expect({ error: finished.error, finishReason: finished.done?.finishReason, tokens: finished.done?.usage.completionTokens })
      .toEqual({ error: undefined, finishReason: 'length', tokens: 150 });

    // the same session goes on, on B, with every turn
    const next = await chat(socket, watcher, { sessionId: running.sessionId, message: 'how are you?', params: GREEDY });
    expect(next.ack).toMatchObject({ accepted: true, sessionId: running.sessionId });
    expect(next.reply.done?.contextTurns).toBe(3);
    // Redis saw A's connections close: B's processes now count themselves only
    await eventually(async () => (await redisOf(b!, 2)).every((h) => h.redis?.servers === 2), 10_000, 'B counts 2 servers');
  }, 60_000);

  test('with Redis gone B serves its clients, old and new, links again once Redis is back, and exits 0 on SIGTERM', async () => {
    const socket = await connected(b!.url);
    sockets.push(socket);
    const watcher = watchReplies(socket);
    const before = await chat(socket, watcher, { message: 'hi there', params: GREEDY });
    expect(before.ack).toMatchObject({ accepted: true });

    redis!.kill('SIGKILL');
    await withTimeout(new Promise((resolve) => redis!.once('exit', resolve)), 10_000, 'redis-server to die');
    await eventually(async () => (await redisOf(b!, 2)).every((h) => h.status === 200 && h.redis?.connected === false && h.redis.servers === null),
      10_000, 'both of B\'s processes report Redis lost');
    expect(b!.cli.err()).toMatch(/lost the connection to Redis/);

    const during = await chat(socket, watcher, { sessionId: before.ack.sessionId, message: 'how are you?', params: GREEDY });
    expect(during.reply.done?.contextTurns).toBe(3);
    const newcomer = await connected(b!.url);
    sockets.push(newcomer);
    const fresh = await chat(newcomer, watchReplies(newcomer), { message: 'hi there', params: GREEDY });
    expect(fresh.reply.done?.text).toBe(before.reply.done!.text);

    redis = await startRedis(redisPort);
    await eventually(async () => (await redisOf(b!, 2)).every((h) => h.redis?.connected === true && h.redis.servers === 2),
      20_000, 'both of B\'s processes are linked through Redis again');
    expect(b!.cli.child.exitCode).toBeNull();

    // and B shuts down as a server without Redis does: every process done, exit 0
    b!.cli.child.kill('SIGTERM');
    expect(await withTimeout(b!.cli.exited, 20_000, 'B to exit')).toBe(0);
  }, 90_000);
});

describe('demi serve --redis refuses at start, in one line, what cannot work', () => {
  const refused = async (args: string[]) => {
    const cli = runCli(['serve', '--model', await testModelDir(), '--host', HOST, '--port', '0', ...args]);
    const code = await withTimeout(cli.exited, 30_000, `demi serve ${args.join(' ')} to exit`);
    return { code, stderr: cli.err().trim() };
  };

  test('a URL that is not a Redis URL', async () => {
    expect(await refused(['--redis', 'localhost:6379'])).toEqual({
      code: 1, stderr: expect.stringMatching(/^demi: --redis 'localhost:6379' is not a Redis URL .*redis:\/\/\[\[user\]:password@\]host/),
    });
  });

  test('a Redis that does not answer, with one process or several, its password masked', async () => {
    const closed = await freePort();
    for (const processes of ['1', '2']) {
      const { code, stderr } = await refused(['--redis', `redis://demi:secret@${HOST}:${closed}`, '--processes', processes]);
      expect({ processes, code, stderr }).toEqual({
        processes, code: 1, stderr: `demi: cannot reach Redis at redis://demi:***@${HOST}:${closed}: connect ECONNREFUSED ${HOST}:${closed}; ` +
          'start Redis there (or fix the address, the password or the TLS scheme in --redis); every instance of one cluster needs the same Redis',
      });
    }
  });
});
