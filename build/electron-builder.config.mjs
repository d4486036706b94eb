// @ts-check
/**
 * Packaging: `npm run dist` = the build (main process, preload bundle, renderer), then
 * `electron-builder --config build/electron-builder.config.mjs --publish never`.
 *
 * productName must stay "Gatehouse": the app's userData folder, `<appData>/Gatehouse`, is the
 * config folder the CLI uses by default (electron/engine/store/config-dir.ts), and appId is
 * the Windows AppUserModelID the app sets for its notifications (electron/main/app-paths.ts).
 * test/unit/build/electron-builder-config.test.ts holds both to that.
 *
 * @type {import('electron-builder').Configuration}
 */
const config = {
  appId: 'dev.gatehouse.app',
  productName: 'Gatehouse',
  copyright: 'Copyright © Gatehouse contributors',
  directories: {
    // Not dist/: that is the build's output, and part of what gets packaged.
    output: 'release',
    buildResources: 'build',
  },
  files: [
    'package.json',
    'dist/electron/**/*',
    // tsc's unbundled preload: the window uses dist/electron/preload/index.cjs.
    '!dist/electron/preload/*.js',
    'dist/shared/**/*',
    'dist/renderer/**/*',
    '!**/*.map',
  ],
  // Read by the OS as plain files (tray and window icons): electron/main/app-paths.ts.
  extraResources: [
    { from: 'build/icons/tray', to: 'icons/tray', filter: ['*.png'] },
    { from: 'build/icons/icon.png', to: 'icons/icon.png' },
  ],
  asar: true,
  // Fuses (RunAsNode off, NODE_OPTIONS off, --inspect off, asar integrity and asar-only on,
  // cookie encryption on): flipped here, before electron-builder signs.
  afterPack: './build/after-pack.mjs',
  mac: {
    target: ['dmg'],
    icon: 'build/icons/icon.png',
    category: 'public.app-category.developer-tools',
    hardenedRuntime: true,
  },
  dmg: {
    title: 'Gatehouse ${version}',
  },
  win: {
    target: ['nsis'],
    icon: 'build/icons/icon.png',
  },
  nsis: {
    oneClick: true,
    perMachine: false,
    createDesktopShortcut: false,
  },
  linux: {
    target: ['AppImage', 'deb'],
    icon: 'build/icons/icon.png',
    category: 'Development',
    executableName: 'gatehouse',
    synopsis: 'Decides which container images may run on Docker',
    maintainer: 'Gatehouse contributors <maintainers@gatehouse.dev>',
  },
  deb: {
    // The tray needs an AppIndicator host on GNOME; notifications need libnotify.
    recommends: ['libayatana-appindicator3-1', 'libnotify4'],
  },
};

export default config;
