/**
 * Issue 4 "Several service instances", in Chromium: two `<p2p-call>` elements
 * connected to DIFFERENT service instances that share one real redis-server
 * (test/widget/infra-plugin.mjs) find each other and complete a call.
 */
import { expect, waitUntil } from "@open-wc/testing";
import { connect, expectRemoteFrames, waitForState } from "./helpers.ts";
import {
  type Cluster,
  mountCallersOn,
  startCluster,
  stopClusterInstance,
  stopInfra,
} from "./infra.ts";
import { itWithWebRTC } from "./webrtc-gate.ts";

describe("<p2p-call> across two service instances sharing Redis", () => {
  let cluster: Cluster;

  before(async () => {
    // A dead instance's users are dropped within this many seconds.
    cluster = await startCluster({ instances: 2, args: ["--instance-ttl", "2"] });
  });

  after(() => stopInfra());

  it("runs two separate instances on one Redis", () => {
    expect(cluster.urls).to.have.length(2);
    expect(cluster.ports[0]).to.not.equal(cluster.ports[1]);
    expect(cluster.instances[0], "each instance names itself").to.be.a("string");
    expect(cluster.instances[0]).to.not.equal(cluster.instances[1]);
  });

  itWithWebRTC(
    "completes a call between elements on different instances, frames advancing on both",
    async () => {
      const [alice, bob] = await mountCallersOn([
        { name: "alice", url: cluster.urls[0] },
        { name: "bob", url: cluster.urls[1] },
      ]);
      expect(alice.users).to.deep.equal(["bob"]);
      expect(bob.users).to.deep.equal(["alice"]);

      await connect(alice, bob);
      await Promise.all([expectRemoteFrames(alice), expectRemoteFrames(bob)]);
      expect(alice.peer).to.equal("bob");
      expect(bob.peer).to.equal("alice");

      // And the hang-up crosses instances too.
      bob.hangUp();
      await waitForState(alice, "ended");
      expect(alice.endReason).to.equal("hangup");
    },
  );

  itWithWebRTC("a call works in both directions across the instances", async () => {
    const [alice, bob] = await mountCallersOn([
      { name: "alice", url: cluster.urls[0] },
      { name: "bob", url: cluster.urls[1] },
    ]);
    await connect(bob, alice);
    await Promise.all([expectRemoteFrames(alice), expectRemoteFrames(bob)]);
    alice.hangUp();
    await waitForState(bob, "ended");
  });

  // Last: it kills instance 0.
  it("drops the users of a crashed instance from the other instance's list", async function () {
    this.timeout(40_000);
    const [alice, bob] = await mountCallersOn([
      { name: "alice", url: cluster.urls[0] },
      { name: "bob", url: cluster.urls[1] },
    ]);

    expect((await stopClusterInstance(0, "SIGKILL")).stopped).to.equal(true);

    await waitUntil(
      () => bob.users.length === 0,
      "bob (instance 1) should stop listing alice once instance 0 died",
      { timeout: 20_000 },
    );
    // alice lost her service and is trying to get it back.
    expect(alice.signalingStatus).to.not.equal("online");
  });
});
