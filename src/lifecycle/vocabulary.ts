/** The words of every lifecycle: what the core understands, whatever a pack calls its statuses. */

export const STATUS_CATEGORIES = ['new', 'open', 'waiting', 'resolved', 'closed'] as const;
export type StatusCategory = (typeof STATUS_CATEGORIES)[number];

/** Who may apply a transition. `head` is the head of the ticket's establishment when the ticket's visibility grants it. */
export const ACTORS = ['requester', 'beneficiary', 'participant', 'head', 'agent', 'admin', 'system'] as const;
export type Actor = (typeof ACTORS)[number];

/** `team`: the transition names the team the ticket moves to (escalation to level 2 or 3). */
export const REQUIREMENTS = ['comment', 'rating', 'solution', 'team'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

/** Side effects a transition can have beyond changing the status. */
export const EFFECTS = ['clear-assignee', 'assign-actor', 'clear-resolution'] as const;
export type Effect = (typeof EFFECTS)[number];
