/**
 * The layering of src/ (docs/architecture.md § Layering), checked in CI by `npm run lint`.
 * A folder imports only folders of a lower layer (or its own); plugins import only the SDK.
 * Type-only imports count: a cycle through types is still a cycle of the design.
 */
const LAYERS = [
  ['common'],
  ['observability'],
  ['config', 'database', 'storage', 'lifecycle'],
  ['tenancy'],
  ['plugin-host'],
  ['events'],
  ['catalogue', 'directory', 'knowledge'],
  ['tickets'],
  ['notifications'],
  ['sla'],
  ['desk'],
  ['jobs', 'admin'],
  ['auth'],
  ['api', 'health'],
  ['portal'],
  ['cli'],
];

const above = (i) => LAYERS.slice(i + 1).flat();
const alt = (names) => `(${names.join('|')})`;

const forbidden = [
  {
    name: 'no-cycle',
    comment: 'Files of src/ and plugins/ form no import cycle.',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  ...LAYERS.flatMap((folders, i) =>
    above(i).length === 0
      ? []
      : [
          {
            name: `layer-${folders.join('-')}`,
            comment: `${folders.join(', ')} may not import a higher layer (${above(i).join(', ')}) or the composition root.`,
            severity: 'error',
            from: { path: `^src/${alt(folders)}/` },
            to: { path: [`^src/${alt(above(i))}/`, '^src/(main|app\\.module|bootstrap|composition)[^/]*\\.ts$', '^plugins/'] },
          },
        ],
  ),
  ...LAYERS.flatMap((folders) =>
    folders.map((folder) => ({
      name: `siblings-${folder}`,
      comment: `${folder} does not import the other folders of its layer (move the shared piece down a layer, or announce a typed event).`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: folders.filter((f) => f !== folder).map((f) => `^src/${f}/`) },
    })).filter((rule) => rule.to.path.length > 0),
  ),
  {
    name: 'plugins-only-sdk',
    comment: 'A plugin imports only the SDK entry src/plugin-host/index.ts (and its own files).',
    severity: 'error',
    from: { path: '^plugins/([^/]+)/' },
    to: { path: '^src/', pathNot: '^src/plugin-host/index\\.ts$' },
  },
  {
    name: 'outside-plugins-only-sdk',
    comment:
      'The example plugin and the test fixture plugins are written as a third party writes one: besides their own files and npm packages, they import only the SDK.',
    severity: 'error',
    from: { path: '^(examples/[^/]+|test/fixtures/plugins/[^/]+)/' },
    to: { path: '^(src|plugins|examples|test)/', pathNot: ['^src/plugin-host/index\\.ts$', '^$1/'] },
  },
  {
    name: 'outside-plugins-sdk-by-package',
    comment: 'They reach the SDK by its package subpath `guichet/plugin` (package.json "exports"), as they would from npm, never by a path into src/.',
    severity: 'error',
    from: { path: '^(examples|test/fixtures/plugins)/' },
    to: { path: '^src/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
  },
  {
    name: 'plugins-not-each-other',
    comment: 'Plugins do not import each other.',
    severity: 'error',
    from: { path: '^plugins/([^/]+)/' },
    to: { path: '^plugins/[^/]+/', pathNot: '^plugins/$1/' },
  },
];

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.spec\\.ts$' },
  },
};
