/**
 * Issue 4 "TURN", in Chromium: a real coturn on loopback shares a secret with
 * the signaling service, which mints short-lived TURN credentials into the `id`
 * message. With `ice-transport-policy="relay"` and no `ice-servers` attribute
 * the element relays through coturn on those credentials (getStats proves a
 * relay↔relay pair); expired credentials are refused (401) and the call fails.
 */
import { expect, waitUntil } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import sinon from "sinon";
import { connect, expectRemoteFrames, part, waitForState } from "./helpers.ts";
import {
  type Coturn,
  coturnOutput,
  mountCallersOn,
  selectedCandidatePair,
  startCoturn,
  stopInfra,
  turnCredential,
} from "./infra.ts";
import { turnPassword } from "../support/turn-password.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

const SECRET = "browser-turn-secret";
const TURN_TTL_SECONDS = 600;

/** What every RTCPeerConnection created during a test gathered or failed to gather. */
interface IceRecord {
  pc: RTCPeerConnection;
  candidateTypes: string[];
  errors: { errorCode: number; errorText: string; url: string }[];
}

/** Wraps RTCPeerConnection so ICE events from its very first moment are recorded. */
function recordIce(): IceRecord[] {
  const records: IceRecord[] = [];
  const Native = globalThis.RTCPeerConnection;
  class Recording extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      const record: IceRecord = { pc: this, candidateTypes: [], errors: [] };
      records.push(record);
      this.addEventListener("icecandidate", ({ candidate }) => {
        if (candidate?.type) record.candidateTypes.push(candidate.type);
      });
      this.addEventListener("icecandidateerror", (event) => {
        const { errorCode, errorText, url } = event as RTCPeerConnectionIceErrorEvent;
        record.errors.push({ errorCode, errorText, url: url ?? "" });
      });
    }
  }
  sinon.replace(globalThis, "RTCPeerConnection", Recording);
  return records;
}

describeWithWebRTC("<p2p-call> through a real coturn with service-minted credentials", () => {
  let coturn: Coturn;
  let url: string;

  before(async () => {
    coturn = await startCoturn(SECRET);
    ({ url } = await executeServerCommand<{ url: string }, { args: string[] }>(
      "signaling-start",
      {
        args: [
          "--turn-secret",
          SECRET,
          "--turn-urls",
          coturn.url,
          "--turn-ttl",
          String(TURN_TTL_SECONDS),
          "--log-level",
          "warn",
        ],
      },
    ));
  });

  after(async () => {
    await executeServerCommand("signaling-stop");
    await stopInfra();
  });

  afterEach(() => sinon.restore());

  it("relays a call through coturn (relay↔relay) on the credentials from the id message", async function () {
    this.timeout(45_000);
    const records = recordIce();
    const [alice, bob] = await mountCallersOn([
      { name: "alice", url, iceTransportPolicy: "relay" },
      { name: "bob", url, iceTransportPolicy: "relay" },
    ]);
    expect(alice.hasAttribute("ice-servers"), "no ice-servers attribute").to.equal(false);
    expect(alice.iceServers).to.equal(undefined);

    const started = Math.floor(Date.now() / 1000);
    await connect(alice, bob);
    await Promise.all([expectRemoteFrames(alice), expectRemoteFrames(bob)]);

    for (const element of [alice, bob]) {
      const pc = element.peerConnection!;
      const configuration = pc.getConfiguration();
      expect(configuration.iceTransportPolicy).to.equal("relay");
      // The service's minted credential: [{urls: [coturn], username: "expiry:id", credential}].
      const [server] = configuration.iceServers!;
      expect([server.urls].flat()).to.deep.equal([coturn.url]);
      const [expiry] = String(server.username).split(":");
      expect(Number(expiry), `${element.name}'s username ${server.username}`)
        .to.be.within(started + TURN_TTL_SECONDS - 60, started + TURN_TTL_SECONDS + 60);
      expect(server.credential, "minted with the shared secret")
        .to.equal(await turnPassword(SECRET, String(server.username)));

      let selected: Awaited<ReturnType<typeof selectedCandidatePair>> = null;
      await waitUntil(
        async () => (selected = await selectedCandidatePair(pc)) !== null,
        `${element.name} should report a selected, succeeded candidate pair`,
        { timeout: 10_000 },
      );
      const { local, remote } = selected!;
      expect(
        { local: local.candidateType, remote: remote.candidateType },
        `${element.name}'s selected pair`,
      ).to.deep.equal({ local: "relay", remote: "relay" });
      // Both relayed addresses are coturn's (--relay-ip=127.0.0.1).
      expect(local.address ?? local.ip).to.equal("127.0.0.1");
      expect(remote.address ?? remote.ip).to.equal("127.0.0.1");
    }
    const gathered = records.flatMap((record) => record.candidateTypes);
    expect(gathered.length, "candidates were gathered").to.be.greaterThan(0);
    expect(new Set(gathered), "relay policy gathers only relay candidates")
      .to.deep.equal(new Set(["relay"]));
    expect(records.flatMap((record) => record.errors), await coturnOutput()).to.deep.equal([]);

    alice.hangUp();
    await waitForState(bob, "ended");
  });

  it("refuses expired credentials (401): no relay candidate, and the call fails", async function () {
    // The element gives up connecting after 30 s.
    this.timeout(70_000);
    const records = recordIce();
    // Valid signature, but it expired an hour ago: only the expiry is wrong.
    const expired = await turnCredential(SECRET, "late", Math.floor(Date.now() / 1000) - 3600);
    const iceServers = JSON.stringify([{ urls: coturn.url, ...expired }]);
    const [alice, bob] = await mountCallersOn([
      { name: "alice", url, iceServers, iceTransportPolicy: "relay" },
      { name: "bob", url, iceServers, iceTransportPolicy: "relay" },
    ]);

    await alice.call("bob");
    await waitForState(bob, "ringing");
    await bob.accept();

    // The attribute wins over the service's fresh credential.
    expect(alice.peerConnection!.getConfiguration().iceServers![0].username)
      .to.equal(expired.username);
    const calls = [alice, bob].map((element) =>
      records.find((record) => record.pc === element.peerConnection)!
    );
    expect(calls.every(Boolean), "both connections are recorded").to.equal(true);
    // Chromium reports coturn's refusal as icecandidateerror (a browser without
    // the event still has to show no relay candidate and a failed call, below).
    const reportsIceErrors = "RTCPeerConnectionIceErrorEvent" in globalThis;
    if (reportsIceErrors) {
      await waitUntil(
        () => calls.every((record) => record.errors.some((error) => error.errorCode === 401)),
        "both sides should see coturn answer 401 to the expired credential",
        { timeout: 15_000 },
      );
    }
    await waitUntil(
      () => calls.every((record) => record.pc.iceGatheringState === "complete"),
      "gathering should finish",
      { timeout: 15_000 },
    );
    expect(calls.flatMap((record) => record.candidateTypes), "no relay candidate")
      .to.deep.equal([]);
    for (const record of reportsIceErrors ? calls : []) {
      const refusal = record.errors.find((error) => error.errorCode === 401)!;
      expect(refusal.url, "coturn refused it").to.contain(`127.0.0.1:${coturn.port}`);
    }

    await Promise.all([waitForState(alice, "failed", 45_000), waitForState(bob, "failed", 45_000)]);
    for (const element of [alice, bob]) {
      expect(element.endReason).to.equal("failed");
      expect(part(element, "status")!.textContent, `${element.name}'s status`).to.contain("failed");
    }
    // The side whose connect timer ran out first says why; the other hears it failed.
    const reasons = [alice, bob].map((element) => part(element, "error")?.textContent?.trim());
    expect(reasons, "a readable reason").to.include("Could not connect to the other side.");
  });
});
