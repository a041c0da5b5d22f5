// The package's version, checked against package.json by a test.
/** tradegym's version. */
export const VERSION = '0.1.0';
