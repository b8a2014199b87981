import { byId } from '../shared/dom.js';

/**
 * The selfie: from the front camera (getUserMedia, a frame drawn to a canvas as JPEG) or, when
 * there is no camera or it is refused, from the file picker. `onPhoto` gets each new picture.
 */
export function setupSelfie(onPhoto: (photo: Blob) => void, say: (text: string) => void): { reset(): void } {
  const frame = byId('camera', HTMLDivElement);
  const preview = byId('camera-preview', HTMLVideoElement);
  const still = byId('selfie-preview', HTMLImageElement);
  const open = byId('open-camera', HTMLButtonElement);
  const take = byId('take-selfie', HTMLButtonElement);
  const retake = byId('retake', HTMLButtonElement);
  const file = byId('photo-file', HTMLInputElement);
  let stream: MediaStream | undefined;
  let stillUrl: string | undefined;

  const stop = () => {
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = undefined;
    preview.srcObject = null;
  };
  const showStill = (photo: Blob) => {
    if (stillUrl) URL.revokeObjectURL(stillUrl);
    stillUrl = URL.createObjectURL(photo);
    still.src = stillUrl;
    frame.hidden = false;
    preview.hidden = true;
    still.hidden = false;
  };

  async function startCamera() {
    if (!navigator.mediaDevices?.getUserMedia) {
      say('This browser cannot open the camera here: choose a photo instead.');
      file.focus();
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 960 } }, audio: false });
    } catch (error) {
      const why = error instanceof DOMException && error.name === 'NotAllowedError' ? 'Camera access was refused' : 'No camera could be opened';
      say(`${why}: choose a photo instead.`);
      file.focus();
      return;
    }
    preview.srcObject = stream;
    frame.hidden = false;
    still.hidden = true;
    preview.hidden = false;
    await preview.play();
    open.hidden = true;
    retake.hidden = true;
    take.hidden = false;
    take.focus();
    say('Camera on. Press “Take selfie” when you are ready.');
  }

  function capture() {
    const canvas = document.createElement('canvas');
    canvas.width = preview.videoWidth;
    canvas.height = preview.videoHeight;
    canvas.getContext('2d')?.drawImage(preview, 0, 0);
    canvas.toBlob(
      (photo) => {
        stop();
        take.hidden = true;
        retake.hidden = false;
        if (!photo) return say('The picture could not be taken: try again or choose a photo.');
        showStill(photo);
        retake.focus();
        onPhoto(photo);
      },
      'image/jpeg',
      0.9,
    );
  }

  open.addEventListener('click', () => void startCamera());
  retake.addEventListener('click', () => void startCamera());
  take.addEventListener('click', capture);
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    stop();
    take.hidden = true;
    open.hidden = false;
    showStill(chosen);
    onPhoto(chosen);
  });

  return {
    reset() {
      stop();
      frame.hidden = true;
      take.hidden = true;
      retake.hidden = true;
      open.hidden = false;
      file.value = '';
    },
  };
}
