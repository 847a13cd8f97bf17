import type { ReactiveController, ReactiveControllerHost } from "lit";

/** The smallest ReactiveControllerHost: the controllers need nothing else. */
export class FakeHost implements ReactiveControllerHost {
  readonly controllers: ReactiveController[] = [];
  updates = 0;

  addController(controller: ReactiveController): void {
    this.controllers.push(controller);
  }

  removeController(controller: ReactiveController): void {
    this.controllers.splice(this.controllers.indexOf(controller), 1);
  }

  requestUpdate(): void {
    this.updates++;
  }

  get updateComplete(): Promise<boolean> {
    return Promise.resolve(true);
  }

  connect(): void {
    this.controllers.forEach((controller) => controller.hostConnected?.());
  }

  disconnect(): void {
    this.controllers.forEach((controller) => controller.hostDisconnected?.());
  }
}
