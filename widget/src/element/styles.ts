import { css } from "lit";

/**
 * Public theming surface: the `--p2p-call-*` custom properties (documented on
 * the class) and the parts. Internal values are `--_*` so a page cannot
 * depend on them.
 */
export const styles = css`
  :host {
    --_accent: var(--p2p-call-accent, #2563eb);
    --_accent-text: var(--p2p-call-accent-text, #ffffff);
    --_danger: var(--p2p-call-danger, #c81e1e);
    --_success: var(--p2p-call-success, #15803d);
    --_background: var(--p2p-call-background, #ffffff);
    --_surface: var(--p2p-call-surface, #f3f4f6);
    --_text: var(--p2p-call-text, #111827);
    --_text-muted: var(--p2p-call-text-muted, #4b5563);
    --_border: var(--p2p-call-border-color, #d1d5db);
    --_radius: var(--p2p-call-radius, 12px);
    --_video-background: var(--p2p-call-video-background, #0f172a);
    --_gap: var(--p2p-call-gap, 10px);

    display: block;
    box-sizing: border-box;
    max-width: var(--p2p-call-max-width, 560px);
    padding: var(--_gap);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_background);
    color: var(--_text);
    font: var(--p2p-call-font, 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  }

  :host([hidden]) {
    display: none;
  }

  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }

  [hidden] {
    display: none !important;
  }

  .base {
    display: grid;
    gap: var(--_gap);
  }

  .header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: var(--_gap);
    min-height: 24px;
  }

  .title {
    font-weight: 600;
  }

  .identity,
  .name-form label {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    color: var(--_text-muted);
    font-size: 0.9em;
  }

  .dot {
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--_text-muted);
  }

  .dot[data-status="online"] {
    background: var(--_success);
  }

  .dot[data-status="reconnecting"] {
    background: #d97706;
  }

  .stage {
    position: relative;
    aspect-ratio: 16 / 9;
    overflow: hidden;
    border-radius: calc(var(--_radius) - 4px);
    background: var(--_video-background);
  }

  .status-bar {
    display: flex;
    align-items: baseline;
    justify-content: space-between;
    gap: var(--_gap);
  }

  .status {
    margin: 0;
  }

  .toolbar,
  .tools {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
  }

  /* Its buttons come with the call engine, a moment after the first render. */
  .tools {
    min-height: 34px;
  }

  button {
    font: inherit;
    cursor: pointer;
    min-height: 34px;
    padding: 6px 14px;
    border-radius: 999px;
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_text);
  }

  button:hover {
    filter: brightness(0.96);
  }

  button:focus-visible,
  select:focus-visible,
  input:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }

  .primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_accent-text);
  }

  select,
  input {
    font: inherit;
    color: var(--_text);
    background: var(--_background);
    border: 1px solid var(--_border);
    border-radius: 8px;
    padding: 4px 8px;
    max-width: 14em;
  }

  .name-form {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
  }

  .users-heading {
    margin: 0 0 6px;
    font-weight: 600;
    font-size: 0.9em;
    color: var(--_text-muted);
  }

  .user-list {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 4px;
    max-height: 12em;
    overflow-y: auto;
  }

  .user {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    padding: 4px 4px 4px 10px;
    border-radius: 8px;
    background: var(--_surface);
  }

  .user-name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .user button {
    min-height: 28px;
    padding: 2px 12px;
  }

  .empty {
    margin: 0;
    color: var(--_text-muted);
  }
`;
