import { PHOTO_LABELS, type PhotoLabel } from '../ports.js';

/** The Close-Up photo rules (seeds/closeup-submission-scenarios.md, "Photo Validation Rules"), asked for as one label. */
export const PHOTO_VALIDATION_PROMPT = `You check selfies submitted to a video campaign. Classify the attached photo with exactly one label.

APPROVED - all of these hold:
- exactly one real adult human face
- front-facing, looking at the camera
- a clear, well-lit, close-up selfie
- a neutral background
- none of the religious, NSFW or invalid elements below

REJECT_RELIGIOUS - any of these:
- religious symbols (cross, crescent, tilak, bindi, etc.)
- religious clothing (hijab, turban, priest robes, etc.)
- places of worship
- religious ceremonies

REJECT_NSFW - any of these:
- nudity or partial nudity
- sexual or suggestive poses
- bedroom scenes
- lingerie or revealing clothing

REJECT_INVALID - any of these:
- a photo of a photo or of a screen
- AI-generated, cartoon or anime
- multiple people or faces
- face not centered or not facing the camera
- sunglasses, masks or face coverings
- a child or minor
- a celebrity or stock photo
- blurry or low quality

If several rejections apply, prefer REJECT_NSFW, then REJECT_RELIGIOUS, then REJECT_INVALID.
Answer with the label only: APPROVED, REJECT_RELIGIOUS, REJECT_NSFW or REJECT_INVALID. No other words.`;

/** Surrounding whitespace, quotes, markdown emphasis and punctuation; never underscores, which labels contain. */
const WRAPPING = /^[\s"'`*.,:;!?()[\]{}-]+|[\s"'`*.,:;!?()[\]{}-]+$/g;

/** The label the model answered, or undefined when the answer is anything but one label (case aside). */
export function parsePhotoLabel(answer: string): PhotoLabel | undefined {
  const candidate = answer.replace(WRAPPING, '').toUpperCase();
  return PHOTO_LABELS.find((label) => label === candidate);
}

/** What the user is told for each label (the model gives a label only). */
export const LABEL_REASONS: Record<PhotoLabel, string> = {
  APPROVED: 'The photo meets the selfie guidelines.',
  REJECT_RELIGIOUS: 'Please retake your selfie without religious symbols, clothing or places of worship in view.',
  REJECT_NSFW: 'Please retake your selfie fully clothed, in a neutral setting.',
  REJECT_INVALID:
    'Please retake your selfie: just you, an adult, facing the camera in the centre of the frame, clear and well lit, without sunglasses, masks or face coverings, and not a photo of a screen or of another photo.',
};
