import { register } from 'node:module';

/**
 * Plugins from outside the tree import the SDK as `guichet/plugin`. Node resolves that name by
 * itself only from files inside this package (its `exports`): a plugin in another folder, or
 * installed in `node_modules`, would find no `guichet`, or another copy whose classes are not
 * the ones the host injects (Nest matches providers by class). This resolve hook maps the name,
 * for every importer, to the SDK of this very build, so plugins and host share one module.
 * Called by the process entries (server, CLI) before plugins load; Jest maps it in jest.config.js.
 */
export function resolveSdkForPlugins(): void {
  const sdk = new URL('./plugin-host/index.js', import.meta.url).href;
  const hooks = `export async function resolve(specifier, context, next) {
  return specifier === 'guichet/plugin' ? { url: ${JSON.stringify(sdk)}, shortCircuit: true } : next(specifier, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
