/**
 * `lang="ko"` is Korean from the element's first render: the language (and
 * its table) is settled by the element's own chunk before it renders, not
 * by the call engine, which is only fetched after that first render. A test
 * file of its own, so that nothing has loaded the engine or the Korean table
 * before it runs.
 */
import { expect } from "@open-wc/testing";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { part, startSignaling, uniqueRoom } from "./helpers.ts";

const fetched = (path: RegExp): boolean =>
  performance.getEntriesByType("resource").some((entry) => path.test(entry.name));
const ENGINE = /\/widget\/src\/call\/call-engine\.ts/;
const KOREAN = /\/widget\/src\/i18n\/ko\.ts/;

describe("<p2p-call> first paint", () => {
  it('is Korean from the first render with lang="ko", before the call engine is fetched', async () => {
    const { url } = await startSignaling();
    expect(fetched(ENGINE) || fetched(KOREAN), "nothing loaded yet").to.equal(false);
    const element = document.createElement("p2p-call") as P2pCall;
    element.lang = "ko";
    element.signaling = url;
    element.room = uniqueRoom();
    const renders: string[] = [];
    // Every render's join button, from the very first one on.
    const observer = new MutationObserver(() => {
      const join = element.shadowRoot && part(element, "join-button");
      if (join) renders.push(join.textContent!.trim());
    });
    try {
      document.body.append(element);
      await new Promise((resolve) => setTimeout(resolve, 0));
      observer.observe(element.shadowRoot ?? element, { childList: true, subtree: true });
      await element.updateComplete;
      expect(fetched(ENGINE), "the engine comes after the first render").to.equal(false);
      expect(part(element, "join-button")!.textContent!.trim()).to.equal("참여");
      expect(part(element, "name-input")!.closest("label")!.textContent!.trim()).to.equal("이름");
      expect(element.shadowRoot!.querySelector(".title")!.textContent).to.equal("영상 통화");
      expect(renders.filter((text) => text !== "참여"), "no English render before").to.deep.equal(
        [],
      );
    } finally {
      observer.disconnect();
      element.remove();
    }
  });
});
