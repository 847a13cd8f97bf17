/**
 * The buttons over the remote video: picture-in-picture and fullscreen,
 * each only where the browser supports it (remote-view.ts). Part of the
 * in-call chunk (in-call.ts).
 */
import { css, html, nothing, type TemplateResult } from "lit";
import type { Words } from "../element/words.ts";
import {
  canFullscreen,
  canPictureInPicture,
  enterFullscreen,
  inPictureInPicture,
  togglePictureInPicture,
} from "./remote-view.ts";

/** The buttons' words in English, under the language's table (element/words.ts). */
export const englishViewLabels = {
  pictureInPicture: "Picture in picture",
  fullscreen: "Full screen",
};

export interface ViewControlsView {
  video: HTMLVideoElement | null;
  labels: Pick<Words, "of">;
  /** The browser refused (e.g. no user activation left, or the video has no frames yet). */
  onError(message: string, cause: unknown): void;
}

export function renderViewControls(
  { video, labels: words, onError }: ViewControlsView,
): TemplateResult | typeof nothing {
  const labels = words.of(englishViewLabels);
  const pip = canPictureInPicture();
  const fullscreen = canFullscreen();
  if (!video || (!pip && !fullscreen)) return nothing;
  const onPictureInPicture = () =>
    togglePictureInPicture(video).catch((error: unknown) =>
      onError("Picture-in-picture is not available now.", error)
    );
  const onFullscreen = () =>
    enterFullscreen(video).catch((error: unknown) =>
      onError("Fullscreen is not available now.", error)
    );
  return html`
    <div part="view-controls" class="view-controls">
      ${pip
        ? html`
          <button
            part="pip-button"
            aria-label=${labels.pictureInPicture}
            title=${labels.pictureInPicture}
            aria-pressed=${inPictureInPicture(video) ? "true" : "false"}
            @click=${onPictureInPicture}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M3 5h18v14H3z" fill="none" stroke="currentColor" stroke-width="2" />
              <path d="M12 11h7v6h-7z" fill="currentColor" />
            </svg>
          </button>
        `
        : nothing}
      ${fullscreen
        ? html`
          <button
            part="fullscreen-button"
            aria-label=${labels.fullscreen}
            title=${labels.fullscreen}
            @click=${onFullscreen}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path
                d="M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5"
                fill="none"
                stroke="currentColor"
                stroke-width="2"
              />
            </svg>
          </button>
        `
        : nothing}
    </div>
  `;
}

export const styles = css`
  .view-controls {
    position: absolute;
    top: 8px;
    right: 8px;
    display: flex;
    gap: 6px;
  }

  .view-controls button {
    display: grid;
    place-items: center;
    min-height: 32px;
    width: 32px;
    padding: 0;
    border: none;
    background: rgb(15 23 42 / 0.6);
    color: #ffffff;
  }

  .view-controls svg {
    width: 18px;
    height: 18px;
  }

  .remote:fullscreen {
    object-fit: contain;
  }
`;
