import { fileURLToPath } from 'node:url';

/** The installed package's folder: this file is src/native/ (tsx) or dist/native/ (built). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
