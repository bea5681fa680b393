import { describe, expect, it } from 'vitest';
import { findChromium } from '../support/chromium.js';

const PATHS = ['/a/chromium-headless-shell', '/b/chromium'];

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, when it is executable', () => {
    expect(findChromium({ CHROMIUM_PATH: '/opt/chrome' }, PATHS, () => true)).toBe('/opt/chrome');
  });

  it('refuses a CHROMIUM_PATH that is not executable rather than looking elsewhere', () => {
    expect(() => findChromium({ CHROMIUM_PATH: '/opt/none' }, PATHS, (p) => p !== '/opt/none')).toThrow(
      /CHROMIUM_PATH=\/opt\/none is not an executable file: install it with `apt-get install -y chromium-headless-shell`/,
    );
  });

  it('takes the first known path that is executable', () => {
    expect(findChromium({}, PATHS, (p) => p === '/b/chromium')).toBe('/b/chromium');
    expect(findChromium({ CHROMIUM_PATH: '' }, PATHS, () => true)).toBe('/a/chromium-headless-shell');
  });

  it('fails, saying how to install one, when there is none', () => {
    expect(() => findChromium({}, PATHS, () => false)).toThrow(
      'No headless Chromium found (looked at /a/chromium-headless-shell, /b/chromium): install it with `apt-get install -y chromium-headless-shell`',
    );
  });
});
