/**
 * The chat panel: the message log and the form to write one (its words are
 * in call-labels.ts, with the rest of the call's).
 */
import { css, html, nothing, type TemplateResult } from "lit";
import type { ChatMessage } from "./chat-controller.ts";
import type { CallRenderLabels } from "../element/words.ts";

export interface ChatPanelView {
  messages: readonly ChatMessage[];
  /** Whether the data channel is open (Send is disabled until it is). */
  ready: boolean;
  peer: string;
  /** Longest message the controller sends (longer ones are cut). */
  maxLength: number;
  labels: CallRenderLabels;
  /** Sends; `false` leaves the text in the field. */
  send(text: string): boolean;
}

const onSubmit = (send: ChatPanelView["send"]) => (event: SubmitEvent): void => {
  event.preventDefault();
  const input = (event.currentTarget as HTMLFormElement).elements.namedItem("message");
  if (input instanceof HTMLInputElement && send(input.value)) input.value = "";
};

export function renderChatPanel(view: ChatPanelView): TemplateResult {
  const labels = view.labels;
  return html`
    <section part="chat" class="chat" id="chat-panel" aria-label=${labels.chat}>
      <div class="chat-scroller">
        <div part="chat-log" class="chat-log" role="log" aria-live="polite" aria-label=${labels
          .chatLog}>
          ${view.messages.map((message) =>
            html`
              <p class="chat-message" data-from=${message.from}>
                <span class="chat-author">${message.from === "local"
                  ? labels.chatMe
                  : view.peer}</span>
                <span class="chat-text">${message.text}</span>
              </p>
            `
          )}
        </div>
        ${view.messages.length === 0
          ? html`<p class="chat-empty">${labels.chatEmpty}</p>`
          : nothing}
      </div>
      <form part="chat-form" class="chat-form" @submit=${onSubmit(view.send)}>
        <label class="visually-hidden" for="chat-input">${labels.chatInput}</label>
        <input
          id="chat-input"
          part="chat-input"
          name="message"
          autocomplete="off"
          maxlength=${view.maxLength}
          required
        >
        <button part="chat-send-button" class="primary" type="submit" ?disabled=${!view.ready}>
          ${labels.chatSend}
        </button>
      </form>
    </section>
  `;
}

export const styles = css`
  .chat {
    display: grid;
    gap: 6px;
    padding: 8px;
    border: 1px solid var(--_border);
    border-radius: 10px;
  }

  /* column-reverse keeps the view pinned to the newest message as the log
    grows, without script; the log inside keeps chronological reading order. */
  .chat-scroller {
    display: flex;
    flex-direction: column-reverse;
    max-height: var(--p2p-call-chat-height, 10em);
    overflow-y: auto;
  }

  .chat-message,
  .chat-empty {
    margin: 2px 0;
    overflow-wrap: anywhere;
  }

  .chat-empty {
    color: var(--_text-muted);
  }

  .chat-author {
    font-weight: 600;
  }

  .chat-message[data-from="local"] .chat-author {
    color: var(--_accent);
  }

  .chat-form {
    display: flex;
    gap: 6px;
  }

  .chat-form input {
    flex: 1;
    max-width: none;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
