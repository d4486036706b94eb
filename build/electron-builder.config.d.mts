// The type of electron-builder.config.mjs, for TypeScript files importing it (the tests);
// tsconfig.electron.json checks the .mjs itself against electron-builder's Configuration.
declare const config: import('electron-builder').Configuration;
export default config;
