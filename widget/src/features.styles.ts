import { css } from "lit";

/**
 * Styles of the in-call extras that are always in the element (the Chat
 * button's unread count). The lazily loaded parts bring their own styles
 * with their chunks (panels/*.ts).
 */
export const featureStyles = css`
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
