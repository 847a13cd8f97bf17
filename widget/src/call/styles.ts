import { css } from "lit";

/**
 * Styles of what only a call shows (the videos, the incoming prompt, the call
 * controls, the device pickers, the timer, the error line, the unread count).
 * Every rule here is more specific than, or unrelated to, the element's own
 * (element/styles.ts), so being added after them changes nothing. The other
 * chunks bring their own styles.
 */
export const callStyles = css`
  button:disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }

  .remote {
    width: 100%;
    height: 100%;
    object-fit: cover;
    display: block;
  }

  .placeholder {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    color: #cbd5e1;
    font-size: 1.1em;
    text-align: center;
    padding: 1em;
  }

  .local {
    position: absolute;
    right: 8px;
    bottom: 8px;
    width: 26%;
    aspect-ratio: 4 / 3;
    object-fit: cover;
    border-radius: 8px;
    border: 2px solid rgb(255 255 255 / 0.8);
    background: #1e293b;
    /* A mirror image is what people expect from their own preview. */
    transform: scaleX(-1);
  }

  .timer {
    font-variant-numeric: tabular-nums;
    color: var(--_text-muted);
  }

  .error {
    margin: 0;
    padding: 8px 10px;
    border-radius: 8px;
    background: #fef2f2;
    color: #991b1b;
    border: 1px solid #fecaca;
  }

  button[aria-pressed="true"] {
    background: var(--_text);
    color: var(--_background);
    border-color: var(--_text);
  }

  .accept {
    background: var(--_success);
    border-color: var(--_success);
    color: #ffffff;
  }

  .danger {
    background: var(--_danger);
    border-color: var(--_danger);
    color: #ffffff;
  }

  .incoming {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
    padding: 10px;
    border-radius: 10px;
    background: var(--_surface);
  }

  .incoming-text {
    flex: 1 1 100%;
    margin: 0;
    font-weight: 600;
  }

  .pickers {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 12px;
  }

  .pickers select {
    max-width: 10.5em;
    font-size: 0.9em;
  }

  .pickers label {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    color: var(--_text-muted);
    font-size: 0.9em;
  }

  /* Over the remote video when the browser refused to play its sound. */
  .autoplay {
    position: absolute;
    left: 50%;
    top: 50%;
    transform: translate(-50%, -50%);
    box-shadow: 0 2px 12px rgb(0 0 0 / 0.35);
  }

  .badge {
    display: inline-block;
    min-width: 1.4em;
    margin-inline-start: 6px;
    padding: 0 5px;
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_accent-text);
    font-size: 0.8em;
    text-align: center;
  }
`;
