/**
 * The in-call chunk, loaded when a call first connects (dynamic import):
 * everything that only matters once media flows. Quality starts measuring
 * at once; screen share is here ahead of a press, so the click can call
 * getDisplayMedia while it still carries the user activation.
 */
import { styles as qualityStyles } from "./quality-panel.ts";
import { styles as viewStyles } from "./view-controls.ts";

export { QualityController } from "./quality-controller.ts";
export { ScreenShareController } from "./screen-share-controller.ts";
export { renderQualityButton, renderQualityPanel } from "./quality-panel.ts";
export { renderViewControls } from "./view-controls.ts";

export const styles = [qualityStyles, viewStyles];
