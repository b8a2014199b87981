import { loadConfigOrExit } from '../lib/config.js';

/** Fails fast, in one line, before any tool is installed for a run that could not start anyway. */
loadConfigOrExit();
