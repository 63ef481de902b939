import type { Locale } from '../tenancy/pack.schema.js';

/**
 * The phrases of the core's mail templates, by `texts` key. A pack's `texts` entry of the same
 * key replaces one (recap lines, an acknowledgement in the portal's own words…); placeholders are the
 * template's variables (`{{reference}}`, `{{title}}`, `{{requester.name}}`, `{{cataloguePath}}`…).
 */
export const MAIL_TEXTS: Record<Locale, Record<string, string>> = {
  fr: {
    greeting: 'Bonjour {{recipient.name}},',
    acknowledgement: 'Votre dossier a bien été enregistré, il porte la référence : {{reference}}',
    recapTitle: 'Récapitulatif de votre dossier :',
    recapType: 'Type de dossier : {{type}} --> {{cataloguePath}}',
    recapEstablishment: 'Établissement : {{establishment.uai}} - {{establishment.name}}',
    recapTitleLine: 'Titre : {{title}}',
    recapDescription: 'Description : {{description}}',
    followUp: "Vous pouvez suivre votre dossier {{reference}} et dialoguer avec l'équipe d'assistance sur le portail :",
    signature: "L'équipe d'assistance",
    replyHint: 'Vous pouvez répondre à ce message : votre réponse sera ajoutée aux échanges du dossier.',
    noReply: 'Ce message est envoyé automatiquement, merci de ne pas y répondre.',
  },
  en: {
    greeting: 'Hello {{recipient.name}},',
    acknowledgement: 'Your ticket was recorded, its reference is: {{reference}}',
    recapTitle: 'Summary of your ticket:',
    recapType: 'Ticket type: {{type}} --> {{cataloguePath}}',
    recapEstablishment: 'Establishment: {{establishment.uai}} - {{establishment.name}}',
    recapTitleLine: 'Title: {{title}}',
    recapDescription: 'Description: {{description}}',
    followUp: 'Follow your ticket {{reference}} and talk with the support team on the portal:',
    signature: 'The support team',
    replyHint: 'You can reply to this message: your answer will be added to the ticket.',
    noReply: 'This message is sent automatically, please do not reply to it.',
  },
};
