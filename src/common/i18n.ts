import type { FieldProblem } from './errors.js';
import { pick, type Locale } from './localized.js';

type Messages = Record<string, string>;

/** Messages of the API and the portal. `{name}` is replaced by the parameter of that name. */
const MESSAGES: Record<Locale, Messages> = {
  fr: {
    VALIDATION_FAILED: 'La saisie contient {count} erreur(s).',
    UNAUTHENTICATED: 'Authentification requise.',
    FORBIDDEN: "Vous n'avez pas le droit de faire cette action.",
    TENANT_NOT_FOUND: 'Portail inconnu : {tenant}.',
    TICKET_NOT_FOUND: 'Dossier introuvable : {ticket}.',
    ATTACHMENT_NOT_FOUND: 'Pièce jointe introuvable.',
    PERSON_NOT_FOUND: 'Personne introuvable : {person}.',
    CATALOGUE_NODE_NOT_FOUND: 'Élément du catalogue introuvable : {node}.',
    VIEW_NOT_FOUND: 'Vue inconnue : {view}.',
    NOT_FOUND: 'Introuvable.',
    TRANSITION_NOT_ALLOWED: "L'action « {transition} » n'est pas possible sur ce dossier au statut « {status} ».",
    CONFLICT: 'Le dossier a été modifié entre-temps, rechargez-le.',
    MAIL_ALREADY_SENT: 'Ce message a déjà été envoyé.',
    PAYLOAD_TOO_LARGE: 'Fichier trop volumineux (maximum {max}).',
    SIGN_IN_FAILED: 'Connexion impossible : {reason}',
    RATE_LIMITED: 'Trop de tentatives de connexion, réessayez dans {minutes} minute(s).',
    TOO_MANY_REQUESTS: 'Trop de demandes en peu de temps, réessayez dans {minutes} minute(s).',
    ACCOUNT_LOCKED: 'Compte verrouillé après plusieurs échecs, réessayez dans {minutes} minute(s).',
    'signIn.credentials': 'identifiant, mot de passe ou passcode OTP incorrect.',
    'signIn.state': 'la demande de connexion est invalide ou a expiré, recommencez.',
    'signIn.provider': "le fournisseur d'identité a refusé la connexion.",
    'signIn.claims': "le fournisseur d'identité n'a pas transmis d'identifiant.",
    'signIn.inactive': 'ce compte est désactivé.',
    'signIn.proxy': "cette adresse n'est pas un relais d'authentification autorisé.",
    'signIn.origin': "le formulaire ne vient pas de ce site.",
    FILE_TOO_LARGE: 'Fichier trop volumineux.',
    UPLOAD_TOO_LARGE: 'L’envoi dépasse les limites des pièces jointes.',
    INVALID_MULTIPART: 'Le formulaire envoyé est incomplet ou mal formé.',
    INTERNAL: 'Erreur interne. Référence : {correlationId}.',
    IDEMPOTENCY_KEY_REUSED: 'Cette clé d’idempotence a déjà servi pour une autre requête.',
    SERVICE_UNAVAILABLE: 'Le service est momentanément indisponible. Réessayez dans quelques instants : rien de ce que vous avez envoyé n’a été enregistré.',
    'rule.required': 'Ce champ est obligatoire.',
    'rule.unknown': "Ce champ n'existe pas dans ce formulaire.",
    'rule.type': 'Valeur invalide : {expected} attendu.',
    'rule.maxLength': 'Au plus {max} caractères.',
    'rule.minLength': 'Au moins {min} caractères.',
    'rule.option': 'Choisissez une des valeurs proposées.',
    'rule.establishment': 'Choisissez un de vos établissements.',
    'rule.person': 'Personne inconnue dans l’annuaire.',
    'rule.allowList': "Cette personne ne figure pas sur la liste blanche de l'établissement.",
    'rule.leaf': 'Choisissez un produit (une feuille du catalogue).',
    'rule.uai': 'Code UAI invalide (lettre de contrôle attendue : {expected}).',
    'rule.uaiFormat': 'Code UAI invalide : 7 chiffres suivis d’une lettre attendus.',
    'rule.rating': 'Une note entre {min} et {max} est attendue.',
    'rule.editable': "Ce champ n'est plus modifiable à ce statut.",
    'rule.fileSize': 'Fichier trop volumineux : {max} au maximum.',
    'rule.fileCount': 'Au plus {max} pièces jointes.',
    'rule.fileType': 'Type de fichier non accepté.',
    'rule.query': 'Saisissez au moins 3 caractères.',
    'rule.date': 'Date invalide.',
    'rule.email': 'Adresse électronique invalide.',
    'rule.url': 'Adresse web invalide.',
    'rule.phone': 'Numéro de téléphone invalide.',
    'rule.page': 'Page invalide.',
    'rule.idempotencyKey': 'Une clé de 1 à 255 caractères ASCII visibles.',
    'rule.teamMember': "Cette personne ne peut pas traiter les dossiers de l'équipe de ce dossier.",
    'rule.sameTeam': 'Le dossier est déjà affecté à cette équipe.',
    'rule.parent': "Choisissez un autre dossier ouvert, qui n'est lui-même rattaché à aucun parent.",
    'rule.hasChildren': "Ce dossier a des dossiers rattachés : il ne peut pas être rattaché à son tour.",
    'rule.knowledge': "La base de connaissances n'est pas activée sur ce portail.",
    'rule.maxItems': 'Au plus {max} éléments.',
    'rule.change': 'Indiquez au moins une modification.',
    'rule.min': 'Au moins {min}.',
    'rule.max': 'Au plus {max}.',
    'rule.team': 'Choisissez une équipe existante.',
    'rule.nul': 'Ce champ contient un caractère nul (U+0000), refusé.',
    'rule.unicode': 'Ce champ contient un texte Unicode mal formé (demi-paire de substitution UTF-16).',
    'rule.depth': 'Structure trop imbriquée : au plus {max} niveaux.',
    'rule.null': 'La valeur null n’est pas acceptée : omettez ce champ ou donnez une valeur.',
    INVALID_JSON: 'Le corps de la requête n’est pas du JSON valide.',
    BODY_TOO_LARGE: 'Requête trop volumineuse.',
  },
  en: {
    VALIDATION_FAILED: 'The input has {count} error(s).',
    UNAUTHENTICATED: 'Authentication required.',
    FORBIDDEN: 'You may not do this.',
    TENANT_NOT_FOUND: 'Unknown portal: {tenant}.',
    TICKET_NOT_FOUND: 'Ticket not found: {ticket}.',
    ATTACHMENT_NOT_FOUND: 'Attachment not found.',
    PERSON_NOT_FOUND: 'Person not found: {person}.',
    CATALOGUE_NODE_NOT_FOUND: 'Catalogue entry not found: {node}.',
    VIEW_NOT_FOUND: 'Unknown view: {view}.',
    NOT_FOUND: 'Not found.',
    TRANSITION_NOT_ALLOWED: '"{transition}" cannot be applied to this ticket in status "{status}".',
    CONFLICT: 'The ticket changed in the meantime; reload it.',
    MAIL_ALREADY_SENT: 'This message was already sent.',
    PAYLOAD_TOO_LARGE: 'File too large (at most {max}).',
    SIGN_IN_FAILED: 'Sign-in failed: {reason}',
    RATE_LIMITED: 'Too many sign-in attempts, try again in {minutes} minute(s).',
    TOO_MANY_REQUESTS: 'Too many requests in a short time, try again in {minutes} minute(s).',
    ACCOUNT_LOCKED: 'Account locked after repeated failures, try again in {minutes} minute(s).',
    'signIn.credentials': 'wrong login, password or OTP passcode.',
    'signIn.state': 'the sign-in request is invalid or has expired, start again.',
    'signIn.provider': 'the identity provider refused the sign-in.',
    'signIn.claims': 'the identity provider sent no login.',
    'signIn.inactive': 'this account is deactivated.',
    'signIn.proxy': 'this address is not an allowed authentication relay.',
    'signIn.origin': 'the form does not come from this site.',
    FILE_TOO_LARGE: 'File too large.',
    UPLOAD_TOO_LARGE: 'The upload exceeds the attachment limits.',
    INVALID_MULTIPART: 'The form sent is incomplete or malformed.',
    INTERNAL: 'Internal error. Reference: {correlationId}.',
    IDEMPOTENCY_KEY_REUSED: 'This idempotency key was already used for another request.',
    SERVICE_UNAVAILABLE: 'The service is temporarily unavailable. Try again in a moment: nothing you sent was saved.',
    'rule.required': 'This field is required.',
    'rule.unknown': 'This field is not part of this form.',
    'rule.type': 'Invalid value: {expected} expected.',
    'rule.maxLength': 'At most {max} characters.',
    'rule.minLength': 'At least {min} characters.',
    'rule.option': 'Choose one of the offered values.',
    'rule.establishment': 'Choose one of your establishments.',
    'rule.person': 'Unknown person in the directory.',
    'rule.allowList': "This person is not on the establishment's allow-list.",
    'rule.leaf': 'Choose a product (a leaf of the catalogue).',
    'rule.uai': 'Invalid UAI code (expected check letter: {expected}).',
    'rule.uaiFormat': 'Invalid UAI code: 7 digits and a letter expected.',
    'rule.rating': 'A rating between {min} and {max} is expected.',
    'rule.editable': 'This field can no longer be changed in this status.',
    'rule.fileSize': 'File too large: at most {max}.',
    'rule.fileCount': 'At most {max} attachments.',
    'rule.fileType': 'File type not accepted.',
    'rule.query': 'Type at least 3 characters.',
    'rule.date': 'Invalid date.',
    'rule.email': 'Invalid e-mail address.',
    'rule.url': 'Invalid web address.',
    'rule.phone': 'Invalid phone number.',
    'rule.page': 'Invalid page.',
    'rule.idempotencyKey': 'A key of 1 to 255 visible ASCII characters.',
    'rule.teamMember': "This person cannot work on this ticket's team's tickets.",
    'rule.sameTeam': 'The ticket is already with this team.',
    'rule.parent': 'Choose another open ticket that is not itself linked to a parent.',
    'rule.hasChildren': 'This ticket has tickets linked to it: it cannot be linked in turn.',
    'rule.knowledge': 'The knowledge base is off on this portal.',
    'rule.maxItems': 'At most {max} items.',
    'rule.change': 'Give at least one change.',
    'rule.min': 'At least {min}.',
    'rule.max': 'At most {max}.',
    'rule.team': 'Choose an existing team.',
    'rule.nul': 'This field contains a NUL character (U+0000), which is refused.',
    'rule.unicode': 'This field contains malformed Unicode text (a lone UTF-16 surrogate).',
    'rule.depth': 'Too deeply nested: at most {max} levels.',
    'rule.null': 'null is not accepted: leave the field out or give a value.',
    INVALID_JSON: 'The request body is not valid JSON.',
    BODY_TOO_LARGE: 'Request too large.',
  },
};

export function translate(locale: Locale, key: string, params: Record<string, string | number> = {}): string {
  const own = (messages: Messages) => (Object.hasOwn(messages, key) ? messages[key] : undefined);
  const template = own(MESSAGES[locale]) ?? own(MESSAGES.fr) ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** A field problem's message in `locale`: the one it carries (a plugin's), or the core's for its rule. */
export function translateProblem(locale: Locale, problem: FieldProblem): string {
  return problem.message ? pick(problem.message, locale) : translate(locale, problem.rule, problem.params);
}

/** The best locale from an Accept-Language header, French by default. */
export function negotiateLocale(header: string | undefined, supported: readonly Locale[] = ['fr', 'en']): Locale {
  if (!header) return supported[0] ?? 'fr';
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.find((r) => r.trim().startsWith('q='));
      const weight = q ? Number(q.trim().slice(2)) : 1;
      return { lang: tag.trim().split('-')[0].toLowerCase(), q: Number.isFinite(weight) ? weight : 0 };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q);
  return (ranked.find((r) => supported.includes(r.lang as Locale))?.lang as Locale) ?? supported[0] ?? 'fr';
}
