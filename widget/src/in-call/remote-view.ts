/**
 * Picture-in-picture and fullscreen of the remote video. The buttons are
 * only offered where the browser supports them: Firefox has no
 * picture-in-picture API (only its own overlay), iPhone Safari no element
 * fullscreen.
 */

export const canPictureInPicture = (): boolean => document.pictureInPictureEnabled === true;

export const canFullscreen = (): boolean => document.fullscreenEnabled === true;

/** Whether `video` is the one in the picture-in-picture window (it lives in a shadow root). */
export const inPictureInPicture = (video: HTMLVideoElement): boolean =>
  (video.getRootNode() as Document | ShadowRoot).pictureInPictureElement === video;

export async function togglePictureInPicture(video: HTMLVideoElement): Promise<void> {
  if (inPictureInPicture(video)) await document.exitPictureInPicture();
  else await video.requestPictureInPicture();
}

export async function enterFullscreen(video: HTMLVideoElement): Promise<void> {
  await video.requestFullscreen();
}
