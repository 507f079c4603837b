export { type CreateLoggerOptions, createLogger, createLoggerWithScrubber, type Logger } from './logger.js';
export { createScrubber, REDACTED, type Scrubber } from './scrub.js';
