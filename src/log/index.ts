export { type CreateLoggerOptions, createLogger, createLoggerWithScrubber, type Logger } from './logger.js';
export { createScrubber, REDACTED, type Scrubber, scrubSecrets } from './scrub.js';
