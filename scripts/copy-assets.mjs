// Copies the non-TypeScript assets the compiled service serves (the dashboard) next to dist/.
import { cpSync } from 'node:fs';

cpSync('src/server/dashboard/assets', 'dist/server/dashboard/assets', { recursive: true });
