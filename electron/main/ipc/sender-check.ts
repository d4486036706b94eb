import { isRendererUrl, type RendererLocation } from '../windows/renderer-location.js';

/** What the check reads of Electron's WebFrameMain. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

/** What the check reads of an IpcMainInvokeEvent. */
export interface SenderEvent {
  readonly senderFrame: FrameLike | null;
}

/**
 * Electron security checklist, item 17 ("Validate the sender of all IPC messages"): only the
 * top frame of the app's own page may call the API. A frame that navigated elsewhere (an
 * http page), an iframe (even one showing our own file), or a frame already gone (Electron
 * gives `senderFrame: null` then) is refused.
 */
export function isTrustedFrame(
  frame: FrameLike | null | undefined,
  renderer: RendererLocation,
): boolean {
  if (!frame) return false;
  if (frame.parent !== null) return false;
  return isRendererUrl(frame.url, renderer);
}

export function senderCheck(renderer: RendererLocation): (event: SenderEvent) => boolean {
  return (event) => isTrustedFrame(event.senderFrame, renderer);
}
