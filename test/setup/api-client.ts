import type { TestApp } from './test-app.js';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** One person's API client in a tenant: `api.get('admin/people')` is `GET /api/<tenant>/admin/people` with their bearer token. */
export async function apiClient(t: TestApp, tenant: string, login: string, scopes: ('read' | 'write' | 'admin')[] = ['read', 'write']) {
  const token = await t.token(tenant, login, scopes);
  const call = (method: Method) => (path: string, body?: object) => {
    const req = t.http[method](`/api/${tenant}/${path.replace(/^\//, '')}`).set('Authorization', `Bearer ${token}`);
    return body ? req.send(body) : req;
  };
  return { token, get: call('get'), post: call('post'), patch: call('patch'), put: call('put'), delete: call('delete') };
}
