// Finds a Chromium for the browser tests the way a user's machine has one, never downloading
// anything: an executable named by an environment variable, else a system Chrome or Chromium
// (on the PATH or at the usual paths), else the one shipped inside the @sparticuz/chromium
// devDependency (a brotli-compressed linux-x64 build in its npm tarball, unpacked once into
// the temp folder). CI installs Debian's chromium, which is found first.
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { Frame, Page } from 'playwright-core';

/** A browser found, and where it came from (for the test's messages). */
export interface FoundChromium {
  readonly path: string;
  readonly source: string;
}

/** Environment variables naming a Chrome or Chromium executable, as other tools read them. */
export const CHROMIUM_ENV_VARS = ['CHROMIUM_PATH', 'CHROME_PATH', 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH', 'PUPPETEER_EXECUTABLE_PATH'] as const;

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];
const USUAL_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium to drive, or a plain sentence saying what was looked for and is missing.
 * @param env the environment to read (process.env by default)
 * @throws Error when an environment variable names a file that is not an executable: a typo
 * there must not quietly fall back to another browser
 */
export async function findChromium(env: Record<string, string | undefined> = process.env): Promise<FoundChromium | { missing: string }> {
  for (const name of CHROMIUM_ENV_VARS) {
    const path = env[name];
    if (path === undefined || path === '') continue;
    if (!executable(path)) throw new Error(`${name} must name a Chrome or Chromium executable, got ${JSON.stringify(path)} (not an executable file)`);
    return { path, source: name };
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES) if (executable(join(dir, name))) return { path: join(dir, name), source: 'PATH' };
  }
  for (const path of USUAL_PATHS) if (executable(path)) return { path, source: 'system' };
  const shipped = await shippedChromium();
  if ('path' in shipped) return shipped;
  return {
    missing:
      `no Chrome or Chromium: none named by ${CHROMIUM_ENV_VARS.join(', ')}, none called ${NAMES.join(', ')} on the PATH, ` +
      `none at ${USUAL_PATHS.join(', ')}, and ${shipped.missing}. Install one (Debian: apt-get install chromium) or set CHROME_PATH`,
  };
}

/**
 * The build inside the @sparticuz/chromium devDependency, unpacked into a folder of the temp
 * dir kept per version (the last resort of {@link findChromium}).
 * @returns the executable, or why there is none (not linux-x64, package not installed)
 */
export async function shippedChromium(): Promise<FoundChromium | { missing: string }> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { missing: `@sparticuz/chromium ships linux-x64 only, this is ${process.platform}-${process.arch}` };
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = dirname(require.resolve('@sparticuz/chromium')); // its exports map hides package.json
  } catch {
    return { missing: '@sparticuz/chromium (a devDependency) is not installed: run npm install' };
  }
  while (!existsSync(join(dir, 'bin', 'chromium.br')) && dirname(dir) !== dir) dir = dirname(dir);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  const bin = join(dir, 'bin');
  const home = join(tmpdir(), `tradegym-chromium-${version}-${process.getuid?.() ?? 0}`);
  const path = join(home, 'chromium');
  if (executable(path)) return { path, source: `@sparticuz/chromium ${version}` };
  // The package unpacks into os.tmpdir(), and reuses any $TMPDIR/chromium it finds there: point
  // TMPDIR at a fresh folder, then move it into place in one rename, so a run that races ours
  // or died halfway never leaves a half-written browser where the next run would take it.
  const scratch = mkdtempSync(join(tmpdir(), 'tradegym-chromium-unpack-'));
  const saved = process.env.TMPDIR;
  try {
    process.env.TMPDIR = scratch;
    const { default: Chromium } = await import('@sparticuz/chromium');
    await Chromium.executablePath(bin);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  if (existsSync(home) && !executable(path)) rmSync(home, { recursive: true, force: true }); // a broken copy
  try {
    renameSync(scratch, home);
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // another run put its copy there first
  }
  return existsSync(path) ? { path, source: `@sparticuz/chromium ${version}` } : { missing: `@sparticuz/chromium ${version} did not unpack a browser into ${home}` };
}

/**
 * The flags every browser test starts Chromium with: headless as root, and nothing that reaches
 * the network on its own (a closed network refuses those connections by the dozen).
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Per chart section of a tradegym report (in `root`: a page or a frame), its `data-chart` name and
 * the number of drawn data marks (Vega's mark paths) with a visible size.
 */
export async function chartMarks(root: Page | Frame): Promise<{ chart: string | null; marks: number }[]> {
  return root.$$eval('section.chart', (sections) =>
    sections.map((s) => {
      const paths = Array.from(s.querySelectorAll('g.mark-line path, g.mark-area path, g.mark-rect path, g.mark-symbol path'));
      const visible = paths.filter((p) => {
        const b = (p as unknown as { getBBox(): { width: number; height: number } }).getBBox();
        return b.width > 0 || b.height > 0;
      });
      return { chart: s.getAttribute('data-chart'), marks: visible.length };
    }),
  );
}
