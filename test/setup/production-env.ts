/** What a deployment of the shipped packs sets (docs: each pack's README § Sign-in). */
export const PRODUCTION_ENV: Record<string, string> = {
  GUICHET_CAEN_CAS_URL: 'https://cas.example-caen.fr/cas',
  GUICHET_RENNES_CAS_URL: 'https://cas.example-rennes.fr/cas',
  GUICHET_REUNION_PROXIES: '10.20.0.0/16, 10.21.0.1',
  GUICHET_CRETEIL_PROXIES: '10.30.0.0/16',
  GUICHET_ROUEN_PROXIES: '10.31.0.0/16',
  GUICHET_VERSAILLES_PROXIES: '10.32.0.0/16',
  GUICHET_KOSMOS_OIDC_ISSUER: 'https://ent.example-aura.fr/oidc',
  GUICHET_KOSMOS_OIDC_CLIENT_ID: 'guichet-support',
};
