// Minimal Node-RED settings for the side-by-side benchmark (bench/peers/run-node-red.ts starts it).
// The editor and admin API are off: the benchmark only needs the flow's HTTP endpoint.
const os = require('node:os');
const path = require('node:path');

module.exports = {
  uiPort: Number(process.env.NODE_RED_PORT || 1880),
  uiHost: '127.0.0.1',
  // A throw-away user dir: Node-RED writes runtime config (.config.*.json) there, nothing we keep.
  userDir: process.env.NODE_RED_USER_DIR || path.join(os.tmpdir(), 'heartbridge-node-red'),
  // NODE_RED_FLOW_FILE: the "answer first" variant run-node-red.ts derives from flows.json.
  flowFile: process.env.NODE_RED_FLOW_FILE || path.join(__dirname, 'flows.json'),
  flowFilePretty: true,
  credentialSecret: false,
  httpAdminRoot: false,
  httpNodeRoot: '/',
  disableEditor: true,
  telemetry: { enabled: false },
  diagnostics: { enabled: false, ui: false },
  runtimeState: { enabled: false, ui: false },
  functionExternalModules: false,
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  editorTheme: { projects: { enabled: false } },
  logging: { console: { level: 'warn', metrics: false, audit: false } },
};
