/** The version of the core, checked against each plugin's `core` range at boot (kept equal to package.json's). */
export const CORE_VERSION = '0.1.0';
