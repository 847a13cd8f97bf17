/**
 * The quality indicator (good / fair / poor) beside the status line and the
 * details panel it opens. Part of the in-call chunk (in-call.ts).
 */
import { css, html, nothing, type TemplateResult } from "lit";
import type { Words } from "../element/words.ts";
import { formatLabel } from "../element/words.ts";
import type { QualitySample } from "./quality-stats.ts";

/** The indicator's and panel's words in English, under the language's table (element/words.ts). */
export const englishQualityLabels = {
  quality: "Quality: {level}",
  qualityGood: "good",
  qualityFair: "fair",
  qualityPoor: "poor",
  qualityDetails: "Call quality",
  roundTrip: "Round trip",
  bitrateIn: "Receiving",
  bitrateOut: "Sending",
  packetLoss: "Packet loss",
  resolution: "Resolution",
  frameRate: "Frame rate",
};

const UNKNOWN = "–";

/** `850 kbit/s`, `1.2 Mbit/s`. */
export function formatBitrate(bitsPerSecond: number): string {
  return bitsPerSecond >= 1_000_000
    ? `${(bitsPerSecond / 1_000_000).toFixed(1)} Mbit/s`
    : `${Math.round(bitsPerSecond / 1_000)} kbit/s`;
}

export interface QualityButtonView {
  sample: QualitySample;
  /** Whether the details panel is open. */
  open: boolean;
  labels: Pick<Words, "of">;
  toggle(): void;
}

export function renderQualityButton(view: QualityButtonView): TemplateResult {
  const { sample, open, toggle } = view;
  const labels = view.labels.of(englishQualityLabels);
  const level = {
    good: labels.qualityGood,
    fair: labels.qualityFair,
    poor: labels.qualityPoor,
  }[sample.level];
  const name = formatLabel(labels.quality, { level });
  return html`
    <button
      part="quality-button"
      class="quality"
      data-level=${sample.level}
      aria-expanded=${open ? "true" : "false"}
      aria-controls=${open ? "quality-panel" : nothing}
      @click=${toggle}
    >${name}</button>
  `;
}

export function renderQualityPanel(
  sample: QualitySample,
  words: Pick<Words, "of">,
): TemplateResult {
  const labels = words.of(englishQualityLabels);
  const rows: [string, string][] = [
    [labels.roundTrip, sample.roundTripTime === null ? UNKNOWN : `${sample.roundTripTime} ms`],
    [labels.bitrateIn, formatBitrate(sample.bitrateIn)],
    [labels.bitrateOut, formatBitrate(sample.bitrateOut)],
    [
      labels.packetLoss,
      sample.packetLoss === null ? UNKNOWN : `${(sample.packetLoss * 100).toFixed(1)} %`,
    ],
    [
      labels.resolution,
      sample.width && sample.height ? `${sample.width} × ${sample.height}` : UNKNOWN,
    ],
    [labels.frameRate, sample.frameRate === null ? UNKNOWN : `${Math.round(sample.frameRate)} fps`],
  ];
  return html`
    <section
      part="quality-panel"
      class="quality-panel"
      id="quality-panel"
      aria-label=${labels.qualityDetails}
    >
      <dl>
        ${rows.map(([term, value]) =>
          html`
            <div>
              <dt>${term}</dt>
              <dd>${value}</dd>
            </div>
          `
        )}
      </dl>
    </section>
  `;
}

export const styles = css`
  .quality {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    min-height: 28px;
    padding: 2px 10px;
    font-size: 0.9em;
  }

  .quality::before {
    content: "";
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--_quality-color);
  }

  .quality[data-level="good"] {
    --_quality-color: var(--p2p-call-quality-good, var(--_success));
  }

  .quality[data-level="fair"] {
    --_quality-color: var(--p2p-call-quality-fair, #b45309);
  }

  .quality[data-level="poor"] {
    --_quality-color: var(--p2p-call-quality-poor, var(--_danger));
  }

  .quality-panel dl {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(9em, 1fr));
    gap: 4px 12px;
    margin: 0;
    padding: 8px 10px;
    border-radius: 10px;
    background: var(--_surface);
    font-size: 0.9em;
  }

  .quality-panel dt {
    color: var(--_text-muted);
  }

  .quality-panel dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
`;
