// holderLive: when a lease (or a scratch folder's owner record) still counts, with real processes.
import assert from "node:assert/strict";
import {spawn} from "node:child_process";
import {existsSync} from "node:fs";
import {test} from "node:test";
import {FOREIGN_LEASE_MS, holder, holderLive, parseHolder} from "../../../loaders/lease.ts";
import {killed} from "../../helpers/lease.ts";

const old = () => new Date(Date.now() - FOREIGN_LEASE_MS - 60_000).toISOString();

test("holderLive(h): a running process; not a SIGKILLed one, nor another process under its pid", async () => {
  assert.equal(holderLive(holder()), true);
  const sleeper = spawn("sleep", ["120"], {stdio: "ignore"});
  try {
    const h = holder(sleeper.pid!);
    assert.equal(holderLive(h), true);
    if (existsSync(`/proc/${sleeper.pid}/stat`)) {
      assert.ok(h.start, "the start time is recorded where /proc has it");
      // A record naming this pid with another start time: another process that had the pid before.
      assert.equal(holderLive({...h, start: `${h.start!.split(":")[0]}:1`}), false, "a reused pid does not keep a lease");
    }
    await killed(sleeper);
    assert.equal(holderLive(h), false, "a SIGKILLed holder");
  } finally {
    if (sleeper.exitCode === null && sleeper.signalCode === null) sleeper.kill("SIGKILL");
  }
});

test("holderLive(h): another host's or another pid namespace's holder counts for FOREIGN_LEASE_MS after it was written", () => {
  const me = holder();
  for (const other of [{host: "another-host"}, {pidns: "pid:[1]"}]) {
    if (other.pidns && !me.pidns) continue; // no /proc: pid namespaces are not told apart
    // A pid that runs here (this process's) says nothing about a process elsewhere; nor does one that does not.
    assert.equal(holderLive({...me, ...other}), true, JSON.stringify(other));
    assert.equal(holderLive({...me, ...other, pid: 4_000_000}), true, JSON.stringify(other));
    assert.equal(holderLive({...me, ...other, since: old()}), false, JSON.stringify(other));
    assert.equal(holderLive({...me, ...other, since: "not a time"}), false, JSON.stringify(other));
  }
});

test("parseHolder(text): a record, or null", () => {
  assert.deepEqual(parseHolder(JSON.stringify({pid: 5, host: "h", since: "2026-12-07T00:00:00Z"})), {pid: 5, host: "h", since: "2026-12-07T00:00:00Z"});
  for (const bad of ["", "{", "{}", '{"pid": 0, "host": "h", "since": "x"}', '{"pid": 5, "since": "x"}']) assert.equal(parseHolder(bad), null, bad);
});
