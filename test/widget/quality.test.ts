import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import type { P2pQualityEvent } from "../../widget/src/api/events.ts";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { formatBitrate } from "../../widget/src/in-call/quality-panel.ts";
import { levelOf, sampleQuality, snapshotOf } from "../../widget/src/in-call/quality-stats.ts";
import { connect, mountCallers, part, startSignaling, waitForState } from "./helpers.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

/** A getStats report as Chromium shapes it, with only the fields read. */
function report(stats: Record<string, unknown>[]): RTCStatsReport {
  return new Map(stats.map((stat) => [stat.id as string, stat])) as unknown as RTCStatsReport;
}

const chromiumReport = (scale: number, lost = 0) =>
  report([
    { id: "T1", type: "transport", selectedCandidatePairId: "CP2" },
    { id: "CP1", type: "candidate-pair", currentRoundTripTime: 0.9 },
    { id: "CP2", type: "candidate-pair", currentRoundTripTime: 0.042 },
    {
      id: "IV",
      type: "inbound-rtp",
      kind: "video",
      bytesReceived: 100_000 * scale,
      packetsReceived: 100 * scale,
      packetsLost: lost,
      frameWidth: 640,
      frameHeight: 480,
      framesPerSecond: 29.7,
    },
    {
      id: "IA",
      type: "inbound-rtp",
      kind: "audio",
      bytesReceived: 5_000 * scale,
      packetsReceived: 50 * scale,
      packetsLost: 0,
    },
    { id: "OV", type: "outbound-rtp", kind: "video", bytesSent: 80_000 * scale },
    { id: "OA", type: "outbound-rtp", kind: "audio", bytesSent: 4_000 * scale },
  ]);

describe("quality-stats", () => {
  it("needs two reports, then rates over the interval between them", () => {
    const first = sampleQuality(chromiumReport(1), null, 10_000);
    expect(first.sample, "no rate from one report").to.equal(null);

    const { sample } = sampleQuality(chromiumReport(2), first.snapshot, 12_000);

    expect(sample).to.deep.equal({
      level: "good",
      roundTripTime: 42,
      // 105 000 bytes more over 2 s.
      bitrateIn: 420_000,
      bitrateOut: 336_000,
      packetLoss: 0,
      width: 640,
      height: 480,
      frameRate: 29.7,
    });
  });

  it("counts loss over the interval, not since the call began", () => {
    const first = sampleQuality(chromiumReport(1, 100), null, 0);
    // 150 packets arrived and 50 more were lost in this second.
    const { sample } = sampleQuality(chromiumReport(2, 150), first.snapshot, 1_000);
    expect(sample!.packetLoss).to.equal(0.25);
    expect(sample!.level).to.equal("poor");
  });

  it("reads Firefox's selected pair and the RTCP round trip as fallbacks", () => {
    const firefox = report([
      { id: "a", type: "candidate-pair", selected: false, currentRoundTripTime: 1 },
      { id: "b", type: "candidate-pair", selected: true, currentRoundTripTime: 0.12 },
    ]);
    expect(snapshotOf(firefox, 0).roundTripTime).to.equal(120);
    const rtcpOnly = report([{ id: "r", type: "remote-inbound-rtp", roundTripTime: 0.3 }]);
    expect(snapshotOf(rtcpOnly, 0).roundTripTime).to.equal(300);
    expect(snapshotOf(report([]), 0).roundTripTime).to.equal(null);
  });

  it("grades by round trip, loss, and frozen media", () => {
    const level = (roundTripTime: number | null, packetLoss: number | null, stalled = false) =>
      levelOf({ roundTripTime, packetLoss }, stalled);
    expect([level(40, 0), level(null, null), level(249, 0.029)]).to.deep.equal([
      "good",
      "good",
      "good",
    ]);
    expect([level(250, 0), level(40, 0.03), level(499, 0.099)]).to.deep.equal([
      "fair",
      "fair",
      "fair",
    ]);
    expect([level(500, 0), level(40, 0.1), level(40, 0, true)]).to.deep.equal([
      "poor",
      "poor",
      "poor",
    ]);
  });

  it("calls it poor when nothing arrives any more", () => {
    const first = sampleQuality(chromiumReport(1), null, 0);
    const { sample } = sampleQuality(chromiumReport(1), first.snapshot, 1_000);
    expect(sample!.bitrateIn).to.equal(0);
    expect(sample!.level).to.equal("poor");
  });

  it("formats bitrates", () => {
    expect([formatBitrate(0), formatBitrate(849_600), formatBitrate(1_250_000)])
      .to.deep.equal(["0 kbit/s", "850 kbit/s", "1.3 Mbit/s"]);
  });
});

/** The value of the details panel's row `term`. */
function panelValue(element: P2pCall, term: string): string | null {
  const rows = [...part(element, "quality-panel")?.querySelectorAll("dt") ?? []];
  return rows.find((dt) => dt.textContent === term)?.nextElementSibling?.textContent ?? null;
}

describeWithWebRTC("<p2p-call> call quality", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  it("shows a level and, expanded, non-zero bitrates and the video's numbers", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    const samples: P2pQualityEvent[] = [];
    alice.addEventListener("p2p-quality", (event) => samples.push(event));
    await connect(alice, bob);

    const button = await waitUntil(() => part(alice, "quality-button"), "the indicator appears", {
      timeout: 10_000,
    }).then(() => part<HTMLButtonElement>(alice, "quality-button")!);
    expect(button.textContent).to.match(/^Quality: (good|fair|poor)$/);
    expect(button.getAttribute("aria-expanded")).to.equal("false");
    button.click();
    await waitUntil(() => part(alice, "quality-panel"), "the panel opens");
    expect(button.getAttribute("aria-expanded")).to.equal("true");
    expect(button.getAttribute("aria-controls")).to.equal(part(alice, "quality-panel")!.id);

    const kbit = (text: string | null) => {
      const [, value, unit] = text?.match(/^([\d.]+) (kbit|Mbit)\/s$/) ?? [];
      return value === undefined ? NaN : Number(value) * (unit === "Mbit" ? 1000 : 1);
    };
    await waitUntil(
      () => kbit(panelValue(alice, "Receiving")) > 0 && kbit(panelValue(alice, "Sending")) > 0,
      "media flows both ways",
      { timeout: 15_000 },
    );
    await waitUntil(() => /^\d+ × \d+$/.test(panelValue(alice, "Resolution") ?? ""), "video size", {
      timeout: 15_000,
    });
    expect(panelValue(alice, "Round trip")).to.match(/^\d+ ms$/);
    expect(panelValue(alice, "Packet loss")).to.match(/^\d+\.\d %$/);
    expect(panelValue(alice, "Frame rate")).to.match(/^\d+ fps$|^–$/);

    // The same numbers reach the page, about once a second.
    const last = samples.at(-1)!;
    expect(last.level).to.be.oneOf(["good", "fair", "poor"]);
    expect(last.sample.bitrateIn).to.be.greaterThan(0);
    expect(last.bubbles && last.composed).to.equal(true);
    expect(alice.quality).to.deep.equal(last.sample);
    await expect(alice).to.be.accessible();
  });

  it("stops measuring when the call ends", async () => {
    // Only intervals are faked: the polling runs when the test says, and
    // what is left running after the call can be counted.
    const clock = sinon.useFakeTimers({
      toFake: ["setInterval", "clearInterval"],
      // Elements of earlier tests clear their real intervals as they go.
      shouldClearNativeTimers: true,
    });
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await waitUntil(
      () => {
        clock.tick(1_000);
        return alice.quality;
      },
      "polling gives a sample",
      { timeout: 10_000 },
    );
    expect(clock.countTimers(), "polling and the call timer, on each side").to.equal(4);

    alice.hangUp();
    await waitForState(bob, "ended");
    await alice.updateComplete;

    expect(alice.quality).to.equal(null);
    expect(part(alice, "quality-button")).to.equal(null);
    expect(clock.countTimers(), "no polling after the call").to.equal(0);
  });
});
