import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCustomers, PartnerCenterEmulator } from "pulumi-partnercenter/emulator";
import { MAX_RATE, MIN_RATE } from "../../provider/client/throttle/adaptiveRate";
import type { PartnerCenterClient } from "../../provider/client/partnerCenter";
import { RequestScheduler } from "../../provider/client/throttle/scheduler";
import {
  limitMemoryFile,
  MAX_MEMORY_BYTES,
  MAX_REMEMBERED_PAUSE_MS,
  MEMORY_TTL_MS,
  recallLimit,
  rememberLimit,
} from "../../provider/runtime/limitMemory";
import { createClient } from "../../provider/runtime/runtime";
import { resolveSettings } from "../../provider/settings/settings";
import { FakeClock } from "../support/fakeClock";
import { SettingsError } from "../../provider/shared/errors";

const CUSTOMERS = generateCustomers(30);

/** Reads every customer's budget, 16 at a time, as one provider process would. */
async function readAll(client: PartnerCenterClient, ids: string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < ids.length) await client.getBudget(ids[next++]!, client.startOperation());
    }),
  );
}

describe("the throttle's rate, remembered between provider processes", function () {
  this.timeout(60_000);
  let emulator: PartnerCenterEmulator;
  let dir: string;

  beforeEach(async () => {
    // A bucket with a burst of 5 refilling 10 a second: the first 16 requests, sent at once, meet it however slowly the
    // machine sends them (they would have to spread over more than a second); a rate is set only by a 429.
    emulator = await PartnerCenterEmulator.start({
      customers: CUSTOMERS,
      faults: { partnerRateLimit: { shape: "tokenBucket", perSecond: 10, burst: 5 } },
    });
    dir = mkdtempSync(join(tmpdir(), "pc-limit-memory-"));
  });

  afterEach(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const settingsWith = (cache: string | undefined) =>
    resolveSettings(
      {
        get: (key) =>
          ({
            "partnercenter:endpoint": emulator.endpoint,
            "partnercenter:accessToken": emulator.accessToken,
            "partnercenter:rateLimitCache": cache,
          })[key],
      },
      {},
    );

  it("a new process starts from the rate the last one reached with the same partner, and its pause", async () => {
    const settings = settingsWith(dir);
    const first = createClient(settings);
    try {
      await readAll(
        first,
        CUSTOMERS.map((customer) => customer.id),
      );
    } finally {
      await first.close();
    }
    assert.ok(first.scheduler.stats.throttled > 0, "the first process met the limit");
    const file = limitMemoryFile(settings)!;
    const recalled = recallLimit(file, Date.now());
    assert.ok(recalled, "the first process remembered its rate");
    // A 429 is remembered at once (a rate that grows, at most once a second): the last pause is the first's own.
    assert.equal(recalled.pausedUntil, first.scheduler.pausedUntil());

    const second = createClient(settings);
    try {
      assert.deepEqual(
        { rate: second.scheduler.rate, pausedUntil: second.scheduler.pausedUntil() },
        recalled,
        "the second process paces at the rate from the start, and holds the pause",
      );
    } finally {
      await second.close();
    }
    assert.ok(!readFileSync(file, "utf8").includes(emulator.accessToken), "the memory holds no credential");
    assert.equal(readdirSync(dir).filter((name) => name.endsWith(".tmp")).length, 0, "no temporary file is left");
  });

  it("another partner (endpoint, tenant or app), a stale, damaged or earlier version's memory, or rateLimitCache off: the process starts afresh", async () => {
    const settings = settingsWith(dir);
    const first = createClient(settings);
    await readAll(
      first,
      CUSTOMERS.map((customer) => customer.id),
    ).finally(() => first.close());
    const file = limitMemoryFile(settings)!;
    const saved = JSON.parse(readFileSync(file, "utf8")) as { savedAt: number };

    const otherApp = resolveSettings(
      {
        get: (key) =>
          ({
            "partnercenter:endpoint": emulator.endpoint,
            "partnercenter:rateLimitCache": dir,
            "partnercenter:tenantId": "partner.onmicrosoft.com",
          })[key],
      },
      {},
    );
    assert.notEqual(limitMemoryFile(otherApp), file);
    assert.equal(recallLimit(file, saved.savedAt + MEMORY_TTL_MS + 1), undefined, "older than the memory's lifetime");
    const learnerMemory = { version: 1, savedAt: saved.savedAt, quota: 5, pace: 10, overshot: true, pausedUntil: 0 };
    for (const damaged of [
      "{",
      JSON.stringify({ ...saved, version: 3 }),
      JSON.stringify({ ...saved, rate: -1 }),
      JSON.stringify(learnerMemory),
    ]) {
      writeFileSync(file, damaged);
      assert.equal(recallLimit(file, saved.savedAt), undefined, damaged);
      const fresh = createClient(settings);
      assert.deepEqual(
        { rate: fresh.scheduler.rate, pausedUntil: fresh.scheduler.pausedUntil() },
        { rate: undefined, pausedUntil: 0 },
      );
      await fresh.close();
    }

    rmSync(dir, { recursive: true, force: true });
    const off = settingsWith("off");
    assert.equal(limitMemoryFile(off), undefined);
    const unremembering = createClient(off);
    await readAll(
      unremembering,
      CUSTOMERS.map((customer) => customer.id),
    ).finally(() => unremembering.close());
    assert.ok(unremembering.scheduler.stats.throttled > 0);
    assert.equal(existsSync(dir), false, "off writes nothing");
  });

  it("a directory others may write to is neither read nor written; a remembered pause is honoured for 5 minutes at most", async () => {
    const settings = settingsWith(dir);
    const file = limitMemoryFile(settings)!;
    const now = Date.now();
    writeFileSync(file, JSON.stringify({ version: 2, savedAt: now, rate: 0.5, pausedUntil: now + 3_600_000 }));
    assert.equal(
      recallLimit(file, now)!.pausedUntil,
      now + MAX_REMEMBERED_PAUSE_MS,
      "an hour's pause planted or remembered is capped",
    );
    chmodSync(dir, 0o777);
    assert.equal(recallLimit(file, now), undefined, "a planted limit in a directory anyone can write to is not read");
    rmSync(file);
    const client = createClient(settings);
    await readAll(
      client,
      CUSTOMERS.map((customer) => customer.id),
    ).finally(() => client.close());
    assert.ok(client.scheduler.stats.throttled > 0);
    assert.deepEqual(readdirSync(dir), [], "nothing is written there");
  });

  it("rateLimitCache must be an absolute directory or off, named in the error", () => {
    assert.throws(
      () => settingsWith("relative/dir"),
      (error: Error) =>
        error instanceof SettingsError &&
        /stack config partnercenter:rateLimitCache: "relative\/dir" is not an absolute path; give the directory .* or off/.test(
          error.message,
        ),
    );
  });
});

describe("the memory file, read as a file anyone may have planted", () => {
  let dir: string;
  let file: string;
  const now = 1_700_000_000_000;
  /** A memory as this version writes it, saved now. */
  const memory = (fields: Record<string, unknown> = {}): string =>
    JSON.stringify({ version: 2, savedAt: now, rate: 20, pausedUntil: 0, ...fields });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pc-limit-file-"));
    file = join(dir, "limit-0123456789abcdef01234567.json");
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a rate of 10^12 or 1e-9 a second is clamped to the throttle's own bounds: a queued request still gets its turn", async () => {
    writeFileSync(file, memory({ rate: 1e12 }), { mode: 0o600 });
    assert.deepEqual(recallLimit(file, now), { rate: MAX_RATE, pausedUntil: 0 });
    writeFileSync(file, memory({ rate: 1e-9 }), { mode: 0o600 });
    assert.deepEqual(recallLimit(file, now), { rate: MIN_RATE, pausedUntil: 0 });
    const clock = new FakeClock(now);
    const scheduler = new RequestScheduler(4, clock, { remembered: recallLimit(file, clock.now())! });
    (await scheduler.acquire()).release();
    let granted = false;
    void scheduler.acquire().then((grant) => ((granted = true), grant.release()));
    await clock.advance(1000 / MIN_RATE - 1);
    assert.equal(granted, false, "paced at the slowest rate");
    await clock.advance(1);
    assert.equal(granted, true, "the next request goes one interval of the slowest rate later, not in 31 years");
  });

  it("a FIFO in the memory's place is refused at once, without waiting for a writer (it blocked client creation)", async () => {
    execFileSync("mkfifo", [file]);
    // A writer that plants a limit as soon as someone opens the FIFO to read: a reader that waits for it gets the
    // planted limit (instead of hanging this test), one that does not wait gets nothing.
    const writer = spawn("sh", ["-c", 'printf %s "$0" > "$1"', memory({ rate: 0.5 }), file], {
      stdio: "ignore",
    });
    try {
      assert.equal(recallLimit(file, now), undefined);
    } finally {
      if (writer.exitCode === null && writer.signalCode === null) {
        writer.kill();
        await once(writer, "exit");
      }
    }
  });

  it("a file larger than a memory can be is not read", () => {
    writeFileSync(file, memory() + " ".repeat(MAX_MEMORY_BYTES), { mode: 0o600 });
    assert.equal(recallLimit(file, now), undefined, "a valid memory padded past the limit");
    writeFileSync(file, memory() + " ".repeat(MAX_MEMORY_BYTES - memory().length), { mode: 0o600 });
    assert.deepEqual(recallLimit(file, now), { rate: 20, pausedUntil: 0 }, "the same memory within the limit");
  });

  // The directory is checked before the file is opened: another user who can change a directory above it can swap
  // in, between the check and the open, a link or a file of theirs. What was opened is what is judged.
  it("a symbolic link in the memory's place is refused, even to a memory of this user's", () => {
    const elsewhere = join(dir, "elsewhere.json");
    writeFileSync(elsewhere, memory(), { mode: 0o600 });
    assert.ok(recallLimit(elsewhere, now), "the memory linked to is one");
    symlinkSync(elsewhere, file);
    assert.equal(recallLimit(file, now), undefined);
  });

  it("a hard link in the memory's place (a second name of another file) is refused", () => {
    const elsewhere = join(dir, "elsewhere.json");
    writeFileSync(elsewhere, memory(), { mode: 0o600 });
    linkSync(elsewhere, file);
    assert.equal(recallLimit(file, now), undefined, "two links");
    rmSync(elsewhere);
    assert.ok(recallLimit(file, now), "the same file with one link is read");
  });

  it("a memory that others may write to, or another user's, is refused", () => {
    writeFileSync(file, memory(), { mode: 0o600 });
    assert.ok(recallLimit(file, now), "this user's, writable by no one else");
    for (const mode of [0o620, 0o602, 0o666]) {
      chmodSync(file, mode);
      assert.equal(recallLimit(file, now), undefined, mode.toString(8));
    }
    chmodSync(file, 0o600);
    // Only root can give a file away: where the tests run as root, a file of another user's (uid 1).
    if (process.getuid?.() === 0) {
      chownSync(file, 1, 1);
      assert.equal(recallLimit(file, now), undefined, "another user's");
    }
  });

  // Checked, then used: a directory on the way that another user can change could be swapped in between, to aim a
  // read at a planted file or a write anywhere. So every step on the way must be one only this user or root can change.
  const limit = { rate: 20, pausedUntil: 0 };

  it("a directory above the memory's that others may write to (not sticky) is neither read nor written; a sticky one, like /tmp, is", () => {
    const shared = join(dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const cache = join(shared, "cache");
    mkdirSync(cache, { mode: 0o700 });
    const planted = join(cache, "limit-planted.json");
    writeFileSync(planted, memory(), { mode: 0o600 });
    const written = join(cache, "limit-written.json");
    assert.equal(recallLimit(planted, now), undefined, "not read");
    rememberLimit(written, limit, now);
    assert.equal(existsSync(written), false, "not written");
    chmodSync(shared, 0o1777);
    assert.ok(recallLimit(planted, now), "read under a sticky directory");
    rememberLimit(written, limit, now);
    assert.deepEqual(recallLimit(written, now), limit, "and written");
  });

  it("a link on the way to the directory is followed only where no other user can replace it; the directory itself is not a link", () => {
    const real = join(dir, "real");
    mkdirSync(join(real, "cache"), { recursive: true, mode: 0o700 });
    symlinkSync(real, join(dir, "link"));
    rememberLimit(join(dir, "link", "cache", "limit-a.json"), limit, now);
    assert.ok(
      existsSync(join(real, "cache", "limit-a.json")),
      "written where a link of this user's, in a private directory, leads",
    );
    assert.deepEqual(recallLimit(join(dir, "link", "cache", "limit-a.json"), now), limit, "and read back through it");

    const shared = join(dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    symlinkSync(real, join(shared, "link"));
    rememberLimit(join(shared, "link", "cache", "limit-b.json"), limit, now);
    assert.equal(
      existsSync(join(real, "cache", "limit-b.json")),
      false,
      "a link in a directory others may write to is not written through",
    );
    assert.equal(recallLimit(join(shared, "link", "cache", "limit-a.json"), now), undefined, "nor read through");

    const exposed = join(shared, "cache");
    mkdirSync(exposed, { mode: 0o700 });
    symlinkSync(shared, join(dir, "to-shared"));
    rememberLimit(join(dir, "to-shared", "cache", "limit-d.json"), limit, now);
    assert.equal(
      existsSync(join(exposed, "limit-d.json")),
      false,
      "a link of this user's that leads through a directory others may write to is not written through",
    );

    symlinkSync(join(real, "cache"), join(dir, "cache-link"));
    rememberLimit(join(dir, "cache-link", "limit-c.json"), limit, now);
    assert.equal(existsSync(join(real, "cache", "limit-c.json")), false, "the directory named is a link: not written");
    assert.equal(recallLimit(join(dir, "cache-link", "limit-a.json"), now), undefined, "nor read");
  });
});
