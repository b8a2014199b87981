import type { Sql } from '../db/client.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import { createVideoDelivery } from './delivery/index.js';
import { createVideoGenerator } from './generation/index.js';
import { createHttpVideoDubber } from './lipsync/http-dub.js';
import { createHttpLipsyncGenerator } from './lipsync/http.js';
import { createLocalVideoDubber } from './lipsync/local-dub.js';
import { createLocalLipsyncGenerator } from './lipsync/local.js';
import { createOtpSender } from './otp-sender/index.js';
import { createPhotoValidator } from './photo-validation/create-photo-validator.js';
import { createImageGenerator } from './image/index.js';
import type { ImageGenerator, LipsyncGenerator, OtpSender, PhotoValidator, SpeechSynthesizer, Storage, TextWriter, VideoDelivery, VideoDubber, VideoGenerator } from './ports.js';
import { createSpeechSynthesizer } from './speech/index.js';
import { createTextWriter } from './text/index.js';
import { createStorage } from './storage/create-storage.js';

export interface Providers {
  storage: Storage;
  photoValidator: PhotoValidator;
  lipsync: LipsyncGenerator;
  dubber: VideoDubber;
  videoGenerator: VideoGenerator;
  imageGenerator: ImageGenerator;
  textWriter: TextWriter;
  speech: SpeechSynthesizer;
  otpSender: OtpSender;
  delivery: VideoDelivery;
}

/** The adapters configuration names: real services in production, local ones that do real work offline otherwise. */
export function createProviders(config: Config, deps: { sql: Sql; logger: Logger }): Providers {
  return {
    storage: createStorage(config),
    photoValidator: createPhotoValidator(config),
    lipsync: config.LIPSYNC_PROVIDER === 'http' ? createHttpLipsyncGenerator(config) : createLocalLipsyncGenerator(config),
    dubber: config.LIPSYNC_PROVIDER === 'http' ? createHttpVideoDubber(config) : createLocalVideoDubber(config),
    videoGenerator: createVideoGenerator(config),
    imageGenerator: createImageGenerator(config),
    textWriter: createTextWriter(config),
    speech: createSpeechSynthesizer(config),
    otpSender: createOtpSender(config, deps.logger),
    delivery: createVideoDelivery(config, deps),
  };
}

/** One line for the startup log: which adapter serves each port. */
export function describeProviders(providers: Providers): Record<string, string> {
  return {
    storage: providers.storage.backend,
    photoValidator: providers.photoValidator.name,
    lipsync: providers.lipsync.name,
    dubber: providers.dubber.name,
    videoGenerator: providers.videoGenerator.name,
    imageGenerator: providers.imageGenerator.name,
    textWriter: providers.textWriter.name,
    speech: providers.speech.name,
    otpSender: providers.otpSender.name,
    delivery: providers.delivery.name,
  };
}
