export { type App, type AppParts, type AppRole, type CreateAppOptions, createApp } from './create-app.js';
