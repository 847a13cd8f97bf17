import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import { CallState, type EndReason } from "../../widget/src/api/call-state.ts";
import { englishCallLabels } from "../../widget/src/call/call-labels.ts";
import { describeMediaError } from "../../widget/src/call/media-errors.ts";
import { describeCall } from "../../widget/src/call/status-text.ts";
import { englishDebugLabels } from "../../widget/src/debug/debug-report.ts";
import { englishQualityLabels } from "../../widget/src/in-call/quality-panel.ts";
import { englishViewLabels } from "../../widget/src/in-call/view-controls.ts";
import { englishPrecheckLabels } from "../../widget/src/precheck/precheck-labels.ts";
import { labels as korean } from "../../widget/src/i18n/ko.ts";
import {
  describeLobby,
  englishLabels,
  formatLabel,
  labelLanguage,
} from "../../widget/src/element/words.ts";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import {
  connect,
  mountCallers,
  part,
  startSignaling,
  uniqueRoom,
  waitForState,
} from "./helpers.ts";
import { itWithWebRTC } from "./webrtc-gate.ts";

/**
 * The accessible name, as far as these controls need it: aria-label, else
 * the associated <label>, else the text (with aria-hidden parts left out).
 */
function accessibleName(control: Element): string {
  const label = control.getAttribute("aria-label");
  if (label) return label;
  const labels = (control as HTMLInputElement).labels;
  if (labels?.length) return [...labels].map((element) => element.textContent!.trim()).join(" ");
  const clone = control.cloneNode(true) as Element;
  clone.querySelectorAll("[aria-hidden=true]").forEach((hidden) => hidden.remove());
  return clone.textContent!.replace(/\s+/g, " ").trim();
}

/** The accessible name of a part; "" while the element has not rendered it. */
const nameOf = (element: P2pCall, partName: string): string => {
  const control = element.shadowRoot && part(element, partName);
  return control ? accessibleName(control) : "";
};

const hangul = /[\uac00-\ud7a3]/;

describe("<p2p-call> labels and languages", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  itWithWebRTC('speaks Korean with lang="ko": names of controls, prompt and status', async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    alice.lang = "ko";
    bob.setAttribute("lang", "ko-KR");
    // Korean comes with the element's chunk, the tools row with the call engine.
    await waitUntil(
      () => nameOf(alice, "call-button") === "bob님에게 전화" && part(alice, "debug-button"),
      "Korean and the call engine load",
      { timeout: 10_000 },
    );
    expect(part(alice, "call-button")!.textContent!.trim()).to.equal("전화");
    expect(part(alice, "status")!.textContent!.trim()).to.equal(
      "준비되었습니다. 통화할 사람을 선택하세요.",
    );
    expect(nameOf(alice, "connection")).to.equal("통화 서비스: 연결됨");
    expect(part(alice, "tools")!.textContent!.replace(/\s+/g, " ").trim())
      .to.equal("카메라와 네트워크 확인 디버그 보고서");

    await alice.call("bob");
    await waitForState(bob, "ringing");
    await bob.updateComplete;
    expect(part(bob, "incoming")!.getAttribute("aria-label")).to.equal("수신 전화");
    expect(
      ["accept-button", "accept-audio-button", "decline-button"].map((name) => nameOf(bob, name)),
    ).to.deep.equal(["받기", "카메라 없이 받기", "거절"]);
    expect(part(bob, "status")!.textContent!.trim()).to.equal("alice님이 전화를 걸고 있습니다.");

    await bob.accept();
    await Promise.all([waitForState(alice, "connected"), waitForState(bob, "connected")]);
    await waitUntil(() => part(alice, "chat-button"), "chat is up", { timeout: 10_000 });
    expect(
      ["mute-button", "camera-button", "share-button", "chat-button", "hangup-button"]
        .map((name) => nameOf(alice, name)),
    ).to.deep.equal(["음소거", "카메라 끄기", "화면 공유", "채팅", "통화 종료"]);
    expect(nameOf(alice, "remote-video")).to.equal("bob님의 영상");
    expect(nameOf(alice, "local-video")).to.equal("내 카메라 미리보기");
    expect(part(alice, "controls")!.getAttribute("aria-label")).to.equal("통화 제어");
    expect(part(alice, "status")!.textContent!.trim()).to.equal("bob님과 통화 중입니다.");
    for (const name of ["pip-button", "fullscreen-button"]) {
      if (part(alice, name)) expect(nameOf(alice, name)).to.match(hangul);
    }

    part(alice, "chat-button")!.click();
    await waitUntil(() => part(alice, "chat-input"), "the chat panel loads");
    expect(nameOf(alice, "chat-input")).to.equal("메시지");
    expect(nameOf(alice, "chat-send-button")).to.equal("보내기");
    await waitUntil(() => part(alice, "quality-button"), "quality loads", { timeout: 10_000 });
    expect(nameOf(alice, "quality-button")).to.match(/^통화 품질: (좋음|보통|나쁨)$/);

    // No English left in the call's rows (names and numbers are the only Latin text).
    const visible = ["header", "status", "quality-button", "controls", "chat"]
      .map((name) => part(alice, name)!.textContent!).join(" ")
      .replace(/alice|bob|\d+/g, "").replace(/[\s:.,…]/g, "");
    expect(visible, "no English left").to.match(/^[\uac00-\ud7a3]+$/);
    await expect(alice).to.be.accessible();

    alice.hangUp();
    await waitForState(bob, "ended");
    expect(part(bob, "status")!.textContent!.trim()).to.equal("alice님이 전화를 끊었습니다.");
  });

  it('speaks Korean in the pre-call check and the debug report panel with lang="ko"', async () => {
    const element = await fixture<P2pCall>(html`
      <p2p-call lang="ko" signaling=${url} name="alice" room=${uniqueRoom()} ice-servers="[]"></p2p-call>
    `);
    await waitUntil(() => nameOf(element, "debug-button") === "디버그 보고서", "Korean loads", {
      timeout: 10_000,
    });

    const result = await element.precheck({ micWindow: 10_000 });

    expect(result.verdict).to.equal(
      "준비되었지만 주의할 점이 있습니다: STUN/TURN 서버가 설정되지 않아 같은 네트워크 안에서만 통화될 수 있습니다.",
    );
    expect(result.microphone.detail).to.equal("소리가 들립니다");
    await element.updateComplete;
    expect(part(element, "precheck")!.getAttribute("aria-label")).to.equal(
      "카메라와 네트워크 확인",
    );
    expect([...element.shadowRoot!.querySelectorAll(".check dt")].map((dt) => dt.textContent))
      .to.deep.equal(["카메라", "마이크", "통화 서비스", "STUN/TURN 서버"]);
    expect(nameOf(element, "precheck-again-button")).to.equal("다시 확인");
    element.closePrecheck();

    sinon.stub(navigator.clipboard, "writeText").resolves();
    part(element, "debug-button")!.click();
    await waitUntil(
      () => part(element, "debug-panel")?.textContent?.includes("클립보드에 복사했습니다."),
      "copied, in Korean",
      { timeout: 10_000 },
    );
    expect(part(element, "debug-panel")!.getAttribute("aria-label")).to.equal("디버그 보고서");
    expect(nameOf(element, "debug-copy-button")).to.equal("복사");
    expect(nameOf(element, "debug-close-button")).to.equal("닫기");
  });

  it("follows lang of an ancestor, and its changes", async () => {
    const room = uniqueRoom();
    const wrapper = await fixture<HTMLDivElement>(html`
      <div lang="ko">
        <section>
          <p2p-call signaling=${url} room=${room}></p2p-call>
        </section>
      </div>
    `);
    const element = wrapper.querySelector("p2p-call")!;
    const joinName = () => nameOf(element, "join-button");
    await waitUntil(() => joinName() === "참여", "Korean from the ancestor", { timeout: 10_000 });
    expect(nameOf(element, "name-input")).to.equal("이름");

    wrapper.lang = "en";
    await waitUntil(() => joinName() === "Join", "English when the page switches");
    expect(nameOf(element, "name-input")).to.equal("Your name");

    element.lang = "ko";
    await waitUntil(() => joinName() === "참여", "the element's own lang wins");
  });

  it("follows lang across a shadow root", async () => {
    const host = await fixture<HTMLDivElement>(html`<div lang="ko"></div>`);
    const root = host.attachShadow({ mode: "open" });
    const element = document.createElement("p2p-call");
    element.signaling = url;
    element.room = uniqueRoom();
    root.append(element);
    await waitUntil(() => nameOf(element, "join-button") === "참여", "Korean through the host", {
      timeout: 10_000,
    });
    element.remove();
  });

  itWithWebRTC("merges the labels property over the language's table", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    alice.labels = {
      call: "Ring",
      callUser: "Ring {name} now",
      // Not labels: ignored rather than shown.
      ...({ bogus: "x", title: undefined } as object),
    };
    await alice.updateComplete;
    expect(part(alice, "call-button")!.textContent!.trim()).to.equal("Ring");
    expect(nameOf(alice, "call-button")).to.equal("Ring bob now");
    expect(alice.shadowRoot!.querySelector(".title")!.textContent).to.equal("Video call");

    alice.lang = "ko";
    await waitUntil(
      () => alice.shadowRoot!.querySelector(".title")!.textContent === "영상 통화",
      "Korean under the overrides",
      { timeout: 10_000 },
    );
    expect(nameOf(alice, "call-button"), "the override stays").to.equal("Ring bob now");

    alice.labels = {};
    await alice.updateComplete;
    expect(nameOf(alice, "call-button")).to.equal("bob님에게 전화");
    await connect(alice, bob);
    alice.labels = { hangUp: "끊기" };
    await alice.updateComplete;
    expect(nameOf(alice, "hangup-button")).to.equal("끊기");
  });
});

describe("labels", () => {
  it("picks Korean for ko and its regions only", () => {
    expect(["ko", "ko-KR", "KO_kr", " ko "].map(labelLanguage)).to.deep.equal([
      "ko",
      "ko",
      "ko",
      "ko",
    ]);
    expect(["en", "kok", "", null, undefined, "ja"].map(labelLanguage)).to.deep.equal([
      "en",
      "en",
      "en",
      "en",
      "en",
      "en",
    ]);
  });

  it("fills placeholders and leaves unknown ones", () => {
    expect(formatLabel(englishLabels.callUser, { name: "bob" })).to.equal("Call bob");
    expect(formatLabel("{count} of {total}", { count: 2 })).to.equal("2 of {total}");
  });

  it("has Korean for every English word of every chunk, and nothing else", () => {
    const english = {
      ...englishLabels,
      ...englishCallLabels,
      ...englishQualityLabels,
      ...englishViewLabels,
      ...englishPrecheckLabels,
      ...englishDebugLabels,
    };
    expect(Object.keys(korean).sort()).to.deep.equal(Object.keys(english).sort());
    for (const [key, value] of Object.entries(korean)) expect(value, key).to.match(hangul);
    // The placeholders a sentence fills in are there in Korean too.
    for (const [key, value] of Object.entries(english)) {
      const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
      expect(placeholders(korean[key as keyof typeof korean]), key).to.deep.equal(
        placeholders(value),
      );
    }
  });

  it("says media errors and the speaker picker's name in Korean", () => {
    for (
      const name of ["NotAllowedError", "NotFoundError", "NotReadableError", "Overconstrained", "X"]
    ) {
      expect(describeMediaError(new DOMException("x", name), korean), name).to.match(hangul);
    }
    expect(describeMediaError(new TypeError("x"), korean)).to.match(hangul);
    expect(korean.speaker).to.equal("스피커");
  });

  it("has a Korean status sentence for every state and end reason", () => {
    const reasons: EndReason[] = [
      "hangup",
      "declined",
      "busy",
      "timeout",
      "unreachable",
      "failed",
      "media",
    ];
    const base = {
      peer: "bob",
      direction: "outgoing" as const,
      endReason: null,
      endedBy: null,
      endedFrom: null,
    };
    const sentences = [
      ...Object.values(CallState).flatMap((state) =>
        state === CallState.Idle ? [] : [describeCall({ ...base, state }, korean)]
      ),
      ...(["offline", "connecting", "reconnecting", "online"] as const).flatMap((signaling) => [
        describeLobby(signaling, "alice", korean),
        describeLobby(signaling, null, korean),
      ]),
      ...reasons.flatMap((endReason) =>
        (["local", "remote"] as const).map((endedBy) =>
          describeCall({ ...base, state: CallState.Ended, endReason, endedBy }, korean)
        )
      ),
    ];
    for (const sentence of sentences) expect(sentence).to.match(hangul);
    expect(describeCall({
      ...base,
      state: CallState.Ended,
      endReason: "hangup",
      endedBy: "remote",
      endedFrom: CallState.Ringing,
    }, korean)).to.equal("bob님의 부재중 전화입니다.");
  });
});
